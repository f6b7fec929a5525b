"""``http.request``: one HTTP call through the outbound helper (address checks, timeout, size limit)."""

from __future__ import annotations

from typing import Any

from apps.core import http
from apps.engine.sdk import Context, NodeError, NodeResult, NodeType, Reference

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
            "credential": {
                "type": ["integer", "string", "null"], "title": "Credential",
                "description": "A credential of the vault (id or name), sent as its kind says; never shown.",
            },
        },
        "required": ["url"],
        "additionalProperties": False,
    }

    def references(self, params: dict) -> list[Reference]:
        credential = params.get("credential")
        if credential in (None, "") or (isinstance(credential, str) and "{{" in credential):
            return []
        return [Reference("credential", "credential", credential)]

    def run(self, context: Context, inputs: dict) -> NodeResult:
        params = context.params
        method = params.get("method", "GET")
        body = params.get("body")
        headers = dict(params.get("headers") or {})
        hidden: tuple[str, ...] = ()
        sensitive: tuple[str, ...] = ()
        if params.get("credential") not in (None, ""):
            from apps.core.api import DomainError
            from apps.vault.services import credential_use

            try:
                use = credential_use(
                    reference=params["credential"], user_id=context.publisher_id, url=str(params["url"]),
                    run_id=context.run_id, node_id=context.node_id,
                )  # fmt: skip
            except DomainError as exc:
                raise NodeError(f"credential: {exc.message}") from None
            headers.update(use.headers)
            # The secret, and the values carrying it (a basic pair is base64-encoded).
            hidden = (use.secret, *use.headers.values(), *use.encoded)
            sensitive = tuple(use.headers)
        try:
            result = self._call(params, method, body, headers, sensitive)
        except NodeError as exc:
            raise NodeError(redact(exc.message, hidden), retryable=exc.retryable,
                            details=redact(exc.details, hidden)) from None  # fmt: skip
        return NodeResult(redact(result.output, hidden), result.ports)

    def _call(self, params: dict, method: str, body: Any, headers: dict[str, str],
              sensitive: tuple[str, ...] = ()) -> NodeResult:  # fmt: skip
        kwargs: dict[str, Any] = {"headers": headers, "params": params.get("query") or None}
        if isinstance(body, str):
            kwargs["content"] = body
        elif body is not None:
            kwargs["json"] = body
        try:
            response = http.request(method, str(params["url"]), timeout=float(params.get("timeout", 30)),
                                    sensitive_headers=sensitive, **kwargs)  # fmt: skip
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


def redact(value: Any, hidden: tuple[str, ...]) -> Any:
    """``value`` with every occurrence of the hidden strings replaced (an API that echoes
    headers back must not put a secret into the run's record)."""
    if not hidden:
        return value
    if isinstance(value, str):
        for secret in sorted(hidden, key=len, reverse=True):
            if secret:
                value = value.replace(secret, "[redacted]")
        return value
    if isinstance(value, dict):
        return {redact(k, hidden): redact(v, hidden) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v, hidden) for v in value]
    return value


def _decode(response: http.Response) -> Any:
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        try:
            return response.json()
        except ValueError:
            pass
    return response.body.decode("utf-8", errors="replace")
