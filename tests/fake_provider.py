"""A TEST FIXTURE, not a provider users see: a real HTTP server on 127.0.0.1 that speaks the
OpenAI chat-completions and Anthropic Messages protocols (streaming and usage included) and
does what the first segment of its path says, so that a worker process can be scripted
through a target's ``base_url`` alone:

- ``/ok/…``            answers "echo: <last user message>"
- ``/reply-<b64>/…``   answers the URL-safe base64-decoded text
- ``/fail-<status>/…`` answers that HTTP status
- ``/flaky-<n>/…``     503 for the first n calls (per path segment), then like ``ok``
- ``/slow-<ms>/…``     waits, then like ``ok``
- ``/together-<n>/…`` waits until n requests of that segment are in at once, then like ``ok``
  (504 when they do not come within 10 s: the caller did not send them together)
- ``/drop/…``          closes the connection without answering
- ``/badjson/…``       200 with a body that is not JSON
- ``/nousage/…``       like ``ok`` without a usage block
- ``/parrot/…``        answers the last user message itself (a test scripts each answer in its input)
- ``/fixjson-<b64>/…``  "not json" the first time (per path segment), then the decoded text
- ``/scored-<b64>/…``  answers the tokens of ``scored_segment``; asked for ``logprobs`` (OpenAI
  protocol), gives each token's log-probability and its ``top_logprobs`` alternatives
- ``/nologprobs-<b64>/…`` 400 when asked for ``logprobs``, else answers the decoded text

Other answers carry no log-probabilities, like a server that ignores the parameter.

Usage is deterministic: prompt tokens are the words of every message (and the system
prompt), completion tokens the words of the answer.

``POST …/embeddings`` (OpenAI protocol, after the scenarios that fail) answers a hashed bag
of words per input (``bag_of_words``): texts that share words are alike; usage is the words.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def words(text: str) -> int:
    return len(text.split())


def reply_segment(text: str, kind: str = "reply") -> str:
    return f"{kind}-" + base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def scored_segment(tokens: list[tuple[str, float, dict[str, float]]]) -> str:
    """An answer scripted token by token: ``(token, logprob, {alternative: logprob})``."""
    return reply_segment(json.dumps(tokens), kind="scored")


def _decoded(segment: str) -> str:
    encoded = segment.split("-", 1)[1]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def _logprob_entry(token: str, logprob: float, alternatives: dict[str, float], top: int) -> dict[str, Any]:
    listed = sorted({token: logprob, **alternatives}.items(), key=lambda item: -item[1])[:top]
    return {"token": token, "logprob": logprob, "bytes": list(token.encode()),
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in listed]}  # fmt: skip



EMBEDDING_DIMENSIONS = 256


def bag_of_words(text: str) -> list[float]:
    """A deterministic unit vector: each lower-cased word adds one to a hashed dimension."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        vector[int(hashlib.sha256(word.encode()).hexdigest(), 16) % EMBEDDING_DIMENSIONS] += 1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def embeddings_answer(body: dict, *, usage: bool = True) -> dict[str, Any]:
    texts = body.get("input")
    texts = [texts] if isinstance(texts, str) else list(texts or [])
    answer: dict[str, Any] = {"object": "list", "model": body.get("model"), "data": [
        {"object": "embedding", "index": i, "embedding": bag_of_words(str(t))} for i, t in enumerate(texts)]}
    if usage:
        answer["usage"] = {"prompt_tokens": sum(words(str(t)) for t in texts),
                           "total_tokens": sum(words(str(t)) for t in texts)}  # fmt: skip
    return answer

class _Handler(BaseHTTPRequestHandler):
    hits: Counter = Counter()
    requests: list[dict[str, Any]] = []
    lock = threading.Lock()
    connections: Counter = Counter()  # connections opened, by the port of the server
    waiting: Counter = Counter()  # requests in at once, by ``together-`` segment
    arrived = threading.Condition(lock)
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, delayed ACKs add 40 ms a call.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        with self.lock:
            self.connections[self.server.server_address[1]] += 1

    def _together(self, segment: str) -> bool:
        """Whether ``int(segment[9:])`` requests of this segment were in at once within 10 s."""
        wanted = int(segment[9:])
        with self.arrived:
            self.waiting[segment] += 1
            self.arrived.notify_all()
            met = self.arrived.wait_for(lambda: self.waiting[segment] >= wanted, timeout=10)
        return met

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        segment, _, rest = self.path.lstrip("/").partition("/")
        with self.lock:
            self.hits[segment] += 1
            count = self.hits[segment]
            body = json.loads(raw or b"{}")
            self.requests.append({"segment": segment, "path": "/" + rest, "body": body, "at": time.time(),
                                  "headers": {k.lower(): v for k, v in self.headers.items()}})  # fmt: skip
        anthropic = rest.endswith("v1/messages")
        if segment.startswith("slow-"):
            time.sleep(int(segment[5:]) / 1000)
        if segment.startswith("together-") and not self._together(segment):
            return self._send(504, f'{{"error": {{"message": "only {self.waiting[segment]} came together"}}}}'.encode())
        if segment.startswith("fail-"):
            return self._send(int(segment[5:]), b'{"error": {"message": "as scripted"}}')
        if segment.startswith("flaky-") and count <= int(segment[6:]):
            return self._send(503, b'{"error": {"message": "try again"}}')
        if segment == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return None
        if segment == "badjson":
            return self._send(200, b"{not json")
        if rest.endswith("embeddings"):
            return self._send(200, json.dumps(embeddings_answer(body, usage=segment != "nousage")).encode())
        asked_logprobs = not anthropic and bool(body.get("logprobs"))
        if segment.startswith("nologprobs-") and ("logprobs" in body or "top_logprobs" in body):
            return self._send(400, b'{"error": {"message": "logprobs is not supported by this model"}}')
        text = self._answer(segment, body, anthropic)
        scored = None
        if segment.startswith("scored-") and asked_logprobs:
            top = int(body.get("top_logprobs") or 0)
            scored = [_logprob_entry(token, logprob, alternatives, top)
                      for token, logprob, alternatives in json.loads(_decoded(segment))]  # fmt: skip
        prompt_tokens = words(str(body.get("system") or "")) + sum(words(str(m.get("content", "")))
                                                                     for m in body.get("messages", []))  # fmt: skip
        usage = segment != "nousage"
        if body.get("stream"):
            return self._stream(text, prompt_tokens, usage, anthropic, body.get("model", ""), scored)
        if anthropic:
            payload = {"type": "message", "role": "assistant", "model": body.get("model"),
                       "content": [{"type": "text", "text": text}], "stop_reason": "end_turn"}  # fmt: skip
            if usage:
                payload["usage"] = {"input_tokens": prompt_tokens, "output_tokens": words(text)}
        else:
            payload = {"object": "chat.completion", "model": body.get("model"),
                       "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                    "finish_reason": "stop"}]}  # fmt: skip
            if scored is not None:
                payload["choices"][0]["logprobs"] = {"content": scored}
            if usage:
                payload["usage"] = {"prompt_tokens": prompt_tokens, "completion_tokens": words(text),
                                    "total_tokens": prompt_tokens + words(text)}  # fmt: skip
        return self._send(200, json.dumps(payload).encode())

    def _answer(self, segment: str, body: dict, anthropic: bool) -> str:
        if segment.startswith("scored-"):
            return "".join(token for token, _, _ in json.loads(_decoded(segment)))
        if segment.startswith(("reply-", "fixjson-", "nologprobs-")):
            if segment.startswith("fixjson-") and self.hits[segment] == 1:
                return "Sure! Here it is: not json"
            return _decoded(segment)
        last = next((m.get("content", "") for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
        return last if segment == "parrot" else f"echo: {last}"

    def _stream(self, text: str, prompt_tokens: int, usage: bool, anthropic: bool, model: str,
                scored: list[dict[str, Any]] | None = None) -> None:  # fmt: skip
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

        def event(data: dict, name: str | None = None) -> None:
            chunk = (f"event: {name}\n" if name else "") + f"data: {json.dumps(data)}\n\n"
            encoded = chunk.encode()
            self.wfile.write(f"{len(encoded):x}\r\n".encode() + encoded + b"\r\n")
            self.wfile.flush()

        pieces = [piece + " " for piece in text.split(" ")]
        pieces[-1] = pieces[-1].rstrip()
        if anthropic:
            event({"type": "message_start", "message": {"model": model, "usage": {
                "input_tokens": prompt_tokens if usage else None, "output_tokens": 1}}}, "message_start")  # fmt: skip
            for piece in pieces:
                event({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
                      "content_block_delta")  # fmt: skip
            event({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                   "usage": {"output_tokens": words(text) if usage else None}}, "message_delta")  # fmt: skip
            event({"type": "message_stop"}, "message_stop")
        else:
            # Scored: one token a chunk, each with its log-probabilities.
            chunks = [(e["token"], {"content": [e]}) for e in scored] if scored else [(p, None) for p in pieces]
            for piece, logprobs in chunks:
                choice = {"index": 0, "delta": {"content": piece}, "finish_reason": None}
                if logprobs is not None:
                    choice["logprobs"] = logprobs
                event({"model": model, "choices": [choice]})
            event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            if usage:
                event({"choices": [], "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": words(text)}})
            done = b"data: [DONE]\n\n"
            self.wfile.write(f"{len(done):x}\r\n".encode() + done + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


@dataclass
class FakeProvider:
    url: str

    def base_url(self, scenario: str = "ok", protocol: str = "openai") -> str:
        return f"{self.url}/{scenario}" + ("/v1" if protocol == "openai" else "")

    def hits(self, scenario: str) -> int:
        return _Handler.hits[scenario]

    def requests(self, scenario: str) -> list[dict[str, Any]]:
        return [r for r in _Handler.requests if r["segment"] == scenario]

    def connections(self) -> int:
        """How many connections callers have opened to this server."""
        return _Handler.connections[int(self.url.rsplit(":", 1)[1])]

    def reset(self) -> None:
        with _Handler.lock:
            _Handler.hits.clear()
            _Handler.requests.clear()
            _Handler.waiting.clear()


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # benchmarks open 50 connections at once


def start() -> tuple[FakeProvider, ThreadingHTTPServer]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return FakeProvider(f"http://127.0.0.1:{server.server_address[1]}"), server


def main() -> None:
    """``python -m tests.fake_provider``: serve in a process of its own (benchmarks), printing the URL."""
    import sys

    provider, server = start()
    print(provider.url, flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
