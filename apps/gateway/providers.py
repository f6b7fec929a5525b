"""The providers' protocols: OpenAI-compatible chat completions and Anthropic's Messages API,
with and without streaming, over the one outbound HTTP helper.

A provider call either returns a ``Completion`` or raises ``ProviderError``, whose
``retryable`` says whether another try (or another target) may help: timeouts, dropped
connections, 429, 5xx and answers that are not the protocol's JSON are; a 4xx is not.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from apps.core import http

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_BASE_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}


@dataclass
class Completion:
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    ttft_ms: float | None = None
    finish_reason: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class ProviderError(Exception):
    def __init__(self, message: str, *, retryable: bool, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status


@dataclass(frozen=True)
class Request:
    """What is asked, the same for every provider."""

    messages: list[dict[str, str]]  # [{"role": "user"|"assistant", "content": "..."}]
    system: str = ""
    temperature: float | None = None
    max_tokens: int = 1024
    json_schema: dict[str, Any] | None = None
    stream: bool = False


def call(*, provider: str, base_url: str, model: str, headers: dict[str, str], request: Request,
         timeout: float) -> Completion:  # fmt: skip
    if provider == "anthropic":
        return _anthropic(base_url or DEFAULT_BASE_URLS["anthropic"], model, headers, request, timeout)
    # "openai" and every OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio, the local model).
    return _openai(base_url or DEFAULT_BASE_URLS["openai"], model, headers, request, timeout)


def _post(url: str, headers: dict[str, str], body: dict, timeout: float, *, on_line=None) -> tuple[int, Any]:
    """POST and read the answer: the parsed JSON, or with ``on_line`` each line as it arrives."""
    try:
        with http.open_stream("POST", url, headers=headers, json=body, timeout=timeout) as answer:
            if answer.status_code >= 400:
                detail = answer.read()[:500].decode("utf-8", "replace")
                retryable = answer.status_code == 429 or answer.status_code >= 500
                raise ProviderError(f"HTTP {answer.status_code}: {detail}", retryable=retryable,
                                    status=answer.status_code)  # fmt: skip
            if on_line is not None:
                for line in answer.lines():
                    on_line(line)
                return answer.status_code, None
            raw = answer.read()
    except http.OutboundBlocked as exc:
        raise ProviderError(f"base_url: {exc}", retryable=False) from None
    except http.ResponseTooLarge as exc:
        raise ProviderError(str(exc), retryable=False) from None
    except http.TransportError as exc:
        raise ProviderError(f"{type(exc).__name__}: {exc or 'connection failed'}", retryable=True) from None
    try:
        return answer.status_code, json.loads(raw)
    except ValueError:
        raise ProviderError("the provider's answer is not JSON", retryable=True) from None


def _sse_data(line: str) -> Any:
    if not line.startswith("data:"):
        return None
    payload = line[5:].strip()
    if not payload or payload == "[DONE]":
        return None
    try:
        return json.loads(payload)
    except ValueError:
        raise ProviderError("a streamed event is not JSON", retryable=True) from None


def _openai(base_url: str, model: str, headers: dict[str, str], request: Request, timeout: float) -> Completion:
    messages = ([{"role": "system", "content": request.system}] if request.system else []) + request.messages
    body: dict[str, Any] = {"model": model, "messages": messages, "max_tokens": request.max_tokens}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.json_schema is not None:
        body["response_format"] = {"type": "json_schema",
                                   "json_schema": {"name": "output", "schema": request.json_schema}}  # fmt: skip
    url = base_url.rstrip("/") + "/chat/completions"
    if not request.stream:
        _, data = _post(url, headers, body, timeout)
        try:
            choice = data["choices"][0]
            usage = data.get("usage") or {}
            return Completion(text=choice["message"]["content"] or "", input_tokens=usage.get("prompt_tokens"),
                              output_tokens=usage.get("completion_tokens"), finish_reason=choice.get("finish_reason"),
                              raw=data)  # fmt: skip
        except (KeyError, IndexError, TypeError):
            raise ProviderError("the answer is not a chat completion", retryable=True) from None
    body["stream"] = True
    body["stream_options"] = {"include_usage": True}
    parts: list[str] = []
    result = Completion(text="")
    started = time.perf_counter()

    def on_line(line: str) -> None:
        event = _sse_data(line)
        if not isinstance(event, dict):
            return
        for choice in event.get("choices") or []:
            delta = (choice.get("delta") or {}).get("content")
            if delta:
                if result.ttft_ms is None:
                    result.ttft_ms = (time.perf_counter() - started) * 1000
                parts.append(delta)
            if choice.get("finish_reason"):
                result.finish_reason = choice["finish_reason"]
        usage = event.get("usage")
        if usage:
            result.input_tokens, result.output_tokens = usage.get("prompt_tokens"), usage.get("completion_tokens")

    _post(url, headers, body, timeout, on_line=on_line)
    result.text = "".join(parts)
    return result


def _anthropic(base_url: str, model: str, headers: dict[str, str], request: Request, timeout: float) -> Completion:
    system = request.system
    if request.json_schema is not None:
        # The Messages API has no schema mode: ask for it, and the gateway validates the answer.
        system = (system + "\n\n" if system else "") + (
            "Answer with one JSON value only, no prose, matching this JSON Schema: " + json.dumps(request.json_schema)
        )
    body: dict[str, Any] = {"model": model, "max_tokens": request.max_tokens, "messages": request.messages}
    if system:
        body["system"] = system
    if request.temperature is not None:
        body["temperature"] = request.temperature
    url = base_url.rstrip("/") + "/v1/messages"
    headers = {"anthropic-version": ANTHROPIC_VERSION, **headers}
    if not request.stream:
        _, data = _post(url, headers, body, timeout)
        try:
            text = "".join(block.get("text", "") for block in data["content"] if block.get("type") == "text")
            usage = data.get("usage") or {}
            return Completion(text=text, input_tokens=usage.get("input_tokens"),
                              output_tokens=usage.get("output_tokens"), finish_reason=data.get("stop_reason"),
                              raw=data)  # fmt: skip
        except (KeyError, TypeError, AttributeError):
            raise ProviderError("the answer is not a Messages API message", retryable=True) from None
    body["stream"] = True
    parts: list[str] = []
    result = Completion(text="")
    started = time.perf_counter()

    def on_line(line: str) -> None:
        event = _sse_data(line)
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        if kind == "message_start":
            usage = (event.get("message") or {}).get("usage") or {}
            result.input_tokens = usage.get("input_tokens")
        elif kind == "content_block_delta":
            text = (event.get("delta") or {}).get("text")
            if text:
                if result.ttft_ms is None:
                    result.ttft_ms = (time.perf_counter() - started) * 1000
                parts.append(text)
        elif kind == "message_delta":
            result.output_tokens = (event.get("usage") or {}).get("output_tokens")
            result.finish_reason = (event.get("delta") or {}).get("stop_reason")
        elif kind == "error":
            raise ProviderError(f"stream error: {event.get('error')}", retryable=True)

    _post(url, headers, body, timeout, on_line=on_line)
    result.text = "".join(parts)
    return result


def estimate_tokens(text: str) -> int:
    """A count for answers without usage: about four characters a token (no tokenizer file is
    downloaded at run time). Calls counted this way say so (``tokens_estimated``)."""
    return max(1, round(len(text) / 4)) if text else 0
