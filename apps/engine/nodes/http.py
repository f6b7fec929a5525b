"""``http.request``: one HTTP call through the outbound helper (address checks, timeout, size limit)."""

from __future__ import annotations

from typing import Any

from apps.core import http
from apps.engine.sdk import Context, NodeError, NodeResult, NodeType

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class HttpRequestNode(NodeType):
    type = "http.request"
    title = "HTTP request"
    category = "Integrations"
    description = "Calls an HTTP API. Private and loopback addresses are refused unless allow-listed."
    outputs = ("out", "error")
    speed = "slow"
    queue = "io"
    max_attempts = 3
    params_schema = {
        "type": "object",
        "properties": {
            "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], "default": "GET", "title": "Method"},
            "url": {"type": "string", "minLength": 1, "title": "URL"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}, "title": "Headers"},
            "query": {"type": "object", "title": "Query parameters"},
            "body": {"title": "Body", "description": "JSON value, or a string sent as it is."},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 300, "default": 30, "title": "Timeout (s)"},
            "credential": {"type": ["integer", "string", "null"], "title": "Credential"},
        },
        "required": ["url"],
        "additionalProperties": False,
    }

    def run(self, context: Context, inputs: dict) -> NodeResult:
        params = context.params
        method = params.get("method", "GET")
        body = params.get("body")
        kwargs: dict[str, Any] = {"headers": params.get("headers") or {}, "params": params.get("query") or None}
        if isinstance(body, str):
            kwargs["content"] = body
        elif body is not None:
            kwargs["json"] = body
        try:
            response = http.request(method, str(params["url"]), timeout=float(params.get("timeout", 30)), **kwargs)
        except http.OutboundBlocked as exc:
            raise NodeError(f"url: {exc}") from None
        except http.ResponseTooLarge as exc:
            raise NodeError(str(exc)) from None
        except http.TransportError as exc:
            raise NodeError(f"{type(exc).__name__}: {exc}", retryable=True) from None
        result = {"status": response.status_code, "headers": response.headers, "body": _decode(response)}
        if response.status_code in RETRYABLE_STATUS:
            raise NodeError(f"HTTP {response.status_code}", retryable=True, details=result)
        if response.status_code >= 400:
            raise NodeError(f"HTTP {response.status_code}", details=result)
        return NodeResult(result)


def _decode(response: http.Response) -> Any:
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        try:
            return response.json()
        except ValueError:
            pass
    return response.body.decode("utf-8", errors="replace")
