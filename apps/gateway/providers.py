"""The providers' protocols: OpenAI-compatible chat completions and Anthropic's Messages API,
with and without streaming, over the one outbound HTTP helper.

A provider call either returns a ``Completion`` or raises ``ProviderError``, whose
``retryable`` says whether another try (or another target) may help: timeouts, dropped
connections, 429, 5xx and answers that are not the protocol's JSON are; a 4xx is not.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any

from apps.core import http

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_BASE_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}


@dataclass(frozen=True)
class TokenLogprob:
    """One answer token with its log-probability and the most likely alternatives at its place."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


@dataclass
class Completion:
    text: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    ttft_ms: float | None = None
    finish_reason: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    model: str | None = None  # as the provider names the model that answered
    logprobs: list[TokenLogprob] | None = None  # None: the provider gave none


class ProviderError(Exception):
    """``kind`` is short and free of content, for metrics and spans: the HTTP status, the
    transport error's class, ``invalid_response``…"""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None, kind: str = ""):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status
        self.kind = kind or (str(status) if status else "provider_error")


@dataclass(frozen=True)
class Request:
    """What is asked, the same for every provider."""

    messages: list[dict[str, str]]  # [{"role": "user"|"assistant", "content": "..."}]
    system: str = ""
    temperature: float | None = None
    max_tokens: int = 1024
    json_schema: dict[str, Any] | None = None
    stream: bool = False
    # Ask for token log-probabilities with this many alternatives a token (0-20); None: do not.
    # Only the OpenAI protocol has them; Anthropic and the in-process local model ignore it.
    logprobs: int | None = None

    def without_logprobs(self) -> Request:
        return replace(self, logprobs=None)


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
        raise ProviderError(f"base_url: {exc}", retryable=False, kind="blocked") from None
    except http.ResponseTooLarge as exc:
        raise ProviderError(str(exc), retryable=False, kind="too_large") from None
    except http.TransportError as exc:
        raise ProviderError(f"{type(exc).__name__}: {exc or 'connection failed'}", retryable=True,
                            kind=type(exc).__name__) from None  # fmt: skip
    try:
        return answer.status_code, json.loads(raw)
    except ValueError:
        raise ProviderError("the provider's answer is not JSON", retryable=True, kind="invalid_response") from None


def _sse_data(line: str) -> Any:
    if not line.startswith("data:"):
        return None
    payload = line[5:].strip()
    if not payload or payload == "[DONE]":
        return None
    try:
        return json.loads(payload)
    except ValueError:
        raise ProviderError("a streamed event is not JSON", retryable=True, kind="invalid_response") from None


def _openai_logprobs(choice: dict[str, Any]) -> list[TokenLogprob] | None:
    """The tokens of ``choice["logprobs"]["content"]`` (a whole answer's, or a streamed chunk's)."""
    content = (choice.get("logprobs") or {}).get("content")
    if not isinstance(content, list):
        return None
    tokens = []
    for entry in content:
        try:
            top = tuple((str(alt["token"]), float(alt["logprob"])) for alt in entry.get("top_logprobs") or ())
            tokens.append(TokenLogprob(str(entry["token"]), float(entry["logprob"]), top))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # malformed: as if none were given
    return tokens


def _openai(base_url: str, model: str, headers: dict[str, str], request: Request, timeout: float) -> Completion:
    messages = ([{"role": "system", "content": request.system}] if request.system else []) + request.messages
    body: dict[str, Any] = {"model": model, "messages": messages, "max_tokens": request.max_tokens}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.json_schema is not None:
        body["response_format"] = {"type": "json_schema",
                                   "json_schema": {"name": "output", "schema": request.json_schema}}  # fmt: skip
    if request.logprobs is not None:
        body["logprobs"] = True
        if request.logprobs > 0:
            body["top_logprobs"] = min(int(request.logprobs), 20)
    url = base_url.rstrip("/") + "/chat/completions"
    if not request.stream:
        _, data = _post(url, headers, body, timeout)
        try:
            choice = data["choices"][0]
            usage = data.get("usage") or {}
            return Completion(text=choice["message"]["content"] or "", input_tokens=usage.get("prompt_tokens"),
                              output_tokens=usage.get("completion_tokens"), finish_reason=choice.get("finish_reason"),
                              raw=data, model=data.get("model"),
                              logprobs=_openai_logprobs(choice) if request.logprobs is not None else None)  # fmt: skip
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ProviderError("the answer is not a chat completion", retryable=True,
                                kind="invalid_response") from None  # fmt: skip
    body["stream"] = True
    body["stream_options"] = {"include_usage": True}
    parts: list[str] = []
    tokens: list[TokenLogprob] = []
    complete_logprobs = request.logprobs is not None  # until a content chunk comes without them
    result = Completion(text="")
    started = time.perf_counter()

    def on_line(line: str) -> None:
        nonlocal complete_logprobs
        event = _sse_data(line)
        if not isinstance(event, dict):
            return
        if event.get("model") and not result.model:
            result.model = event["model"]
        for choice in event.get("choices") or []:
            if complete_logprobs and (choice.get("delta") or {}).get("content"):
                found = _openai_logprobs(choice)
                if found is None:
                    complete_logprobs = False
                else:
                    tokens.extend(found)
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
    if complete_logprobs and tokens:
        result.logprobs = tokens
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
                              raw=data, model=data.get("model"))  # fmt: skip
        except (KeyError, TypeError, AttributeError):
            raise ProviderError("the answer is not a Messages API message", retryable=True,
                                kind="invalid_response") from None  # fmt: skip
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
            message = event.get("message") or {}
            result.input_tokens = (message.get("usage") or {}).get("input_tokens")
            result.model = message.get("model")
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
            raise ProviderError(f"stream error: {event.get('error')}", retryable=True, kind="stream_error")

    _post(url, headers, body, timeout, on_line=on_line)
    result.text = "".join(parts)
    return result


def estimate_tokens(text: str) -> int:
    """A count for answers without usage: about four characters a token (no tokenizer file is
    downloaded at run time). Calls counted this way say so (``tokens_estimated``)."""
    return max(1, round(len(text) / 4)) if text else 0


@dataclass
class Embeddings:
    vectors: list[list[float]]
    input_tokens: int | None = None
    model: str | None = None


def embeddings(*, base_url: str, model: str, headers: dict[str, str], texts: list[str],
               timeout: float) -> Embeddings:  # fmt: skip
    """OpenAI-compatible ``POST {base_url}/embeddings`` (OpenAI, vLLM, Ollama, llama.cpp…): one
    vector per text, in order. Anthropic has no embeddings API."""
    url = (base_url or DEFAULT_BASE_URLS["openai"]).rstrip("/") + "/embeddings"
    _, data = _post(url, headers, {"model": model, "input": texts}, timeout)
    try:
        rows = sorted(data["data"], key=lambda row: row.get("index", 0))
        vectors = [[float(number) for number in row["embedding"]] for row in rows]
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ProviderError("the answer is not a list of embeddings", retryable=True,
                            kind="invalid_response") from None  # fmt: skip
    if len(vectors) != len(texts) or len({len(vector) for vector in vectors}) > 1:
        raise ProviderError(f"{len(vectors)} embeddings of differing sizes for {len(texts)} texts", retryable=True,
                            kind="invalid_response")  # fmt: skip
    usage = data.get("usage") or {}
    return Embeddings(vectors=vectors, input_tokens=usage.get("prompt_tokens"), model=data.get("model"))
