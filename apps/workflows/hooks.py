"""``POST /hooks/{token}/``: a webhook call starts a run; optionally it waits for the output.

Webhooks are the one URL that outside systems call at volume, so under ASGI they take a
short path (``HooksApp``): Django's own request and response classes and its security
middleware's checks, but not the session, CSRF, auth and message middleware a webhook
never uses, and one hop to a thread for all of the call's database work instead of one
per middleware and signal. The Django view below serves the same URL under WSGI and the
test client; both call ``receive``.

A caller waiting for the output gets the run's quick nodes executed right away by the same
runner a worker uses (no broker round trip for a flow of transforms and conditions); if the
run reaches a slow node, that node goes to a worker as always and the caller waits —
holding no thread — on the run's live-event group, joined before the run is written so
that ``run.finished`` cannot be missed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.views.decorators.csrf import csrf_exempt

from apps.audit import services as audit
from apps.audit.middleware import client_address
from apps.core.api import DomainError
from apps.engine import services as engine
from apps.engine.events import run_group
from apps.engine.models import TERMINAL_RUN_STATUSES, Run
from apps.workflows import selectors, services

logger = logging.getLogger(__name__)
PREFIX = "/hooks/"
SIGNATURE_HEADER = "X-Sluice-Signature"
# Threads for the database work of webhook calls, per web process (fewer than the
# PostgreSQL pool, which the rest of the app shares).
THREADS = 6
FORWARDED_HEADERS = ("content-type", "user-agent", "x-request-id", "x-github-event", "x-event-type")


class _Disconnected(Exception):
    pass


@dataclass
class Answer:
    """What a webhook call comes to: a response now, or a run to wait for."""

    response: HttpResponse | None = None
    wait_for: uuid.UUID | None = None
    timeout: float = 30.0


def _json(body: Any, status: int, **headers: str) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False, headers=headers or None)


def _payload(request: HttpRequest) -> dict:
    body: object
    raw = request.body
    if "json" in request.headers.get("content-type", "") and raw:
        try:
            body = json.loads(raw)
        except ValueError:
            raise DomainError("the body is not valid JSON", field="body") from None
    elif request.method == "POST" and request.POST:
        body = {key: request.POST.get(key) for key in request.POST}
    else:
        body = raw.decode("utf-8", errors="replace") if raw else None
    return {
        "method": request.method,
        "query": {key: request.GET.get(key) for key in request.GET},
        "headers": {h: request.headers[h] for h in FORWARDED_HEADERS if h in request.headers},
        "body": body,
    }


def _signature_ok(secret: str, raw: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.strip())


def receive(request: HttpRequest, token: str) -> Answer:
    """Everything a webhook call does with the database, in one go (sync)."""
    if request.method not in ("POST", "PUT", "GET"):
        return Answer(_json({"detail": "use POST"}, 405, Allow="POST, PUT, GET"))
    hook = selectors.webhook_by_token(token=token)
    if hook is None:
        return Answer(_json({"detail": "no such webhook"}, 404))
    if hook.secret and not _signature_ok(services.webhook_secret(hook), request.body,
                                         request.headers.get(SIGNATURE_HEADER, "")):  # fmt: skip
        detail = f"missing or wrong {SIGNATURE_HEADER} (sha256=<HMAC-SHA256 of the body>)"
        return Answer(_json({"detail": detail}, 401))
    try:
        payload = _payload(request)
    except DomainError as exc:
        return Answer(_json({"detail": exc.message, "field": exc.field}, 400))
    params = services.node_params(hook.workflow.graph, hook.node_id)
    inline = params.get("respond") == "with_output"
    version = selectors.version_get(workflow=hook.workflow, version=None)
    start = engine.run_start_inline if inline else engine.run_start
    run_id = uuid.uuid4()
    source = audit.set_source(f"webhook {client_address(request)}")
    try:
        run = start(
            workflow_version=version, input=payload, user=None, trigger="webhook", trigger_node=hook.node_id,
            run_id=run_id,
        )  # fmt: skip
    except DomainError as exc:
        return Answer(_json({"detail": exc.message, **exc.extra}, 409))
    finally:
        audit.reset_source(source)
    if not inline:
        return Answer(_json({"run": str(run_id), "status": "queued"}, 202))
    if run.status not in TERMINAL_RUN_STATUSES:
        return Answer(wait_for=run_id, timeout=float(params.get("timeout", 30)))
    return Answer(_finished_response(run_id, run.status, run.output, run.error))


def _finished_response(run_id: uuid.UUID, status: str, output: Any, error: Any) -> HttpResponse:
    if status == "succeeded":
        return _json(output, 200, **{"X-Sluice-Run": str(run_id)})
    return _json({"run": str(run_id), "status": status, "error": error}, 502, **{"X-Sluice-Run": str(run_id)})


async def _wait(run_id: uuid.UUID, timeout: float, run_in_thread) -> HttpResponse:
    """A slow node went to a worker: listen for the end of the run, then look once more in
    case it ended before we listened."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = run_group(str(run_id))
    await layer.group_add(group, channel)
    try:
        run = await run_in_thread(Run.objects.only("status", "output", "error").get)(pk=run_id)
        status, output, error = run.status, run.output, run.error
        if status not in TERMINAL_RUN_STATUSES:
            finished = await asyncio.wait_for(_finished(layer, channel), timeout=timeout)
            status, output, error = finished["status"], finished.get("output"), finished.get("error")
    except TimeoutError:
        return _json({"run": str(run_id), "status": "running", "detail": "still running"}, 202)
    finally:
        await layer.group_discard(group, channel)
    return _finished_response(run_id, status, output, error)


async def _finished(layer, channel: str) -> dict:
    while True:
        message = await layer.receive(channel)
        event = message.get("event") or {}
        for item in event.get("events", [event]) if event.get("type") == "batch" else [event]:
            if item.get("type") == "run.finished":
                return item


@csrf_exempt
async def webhook(request, token: str):
    """The same URL through Django's full stack (WSGI, the test client)."""
    answer = await sync_to_async(receive)(request, token)
    if answer.response is not None:
        return answer.response
    return await _wait(answer.wait_for, answer.timeout, sync_to_async)


class HooksApp:
    """The ASGI short path for ``/hooks/``; every other request goes on to ``app``."""

    def __init__(self, app, threads: int | None = None):
        self.app = app
        self.executor = ThreadPoolExecutor(
            max_workers=threads or THREADS, thread_name_prefix="sluice-hooks"
        )
        # Only their request and response hooks are used: HTTPS redirect, HSTS, nosniff...
        self.security = SecurityMiddleware(lambda request: None)
        self.frames = XFrameOptionsMiddleware(lambda request: None)

    def in_thread(self, func):
        return sync_to_async(func, thread_sensitive=False, executor=self.executor)

    async def __call__(self, scope, receive_, send):
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            return await self.app(scope, receive_, send)
        token = scope["path"][len(PREFIX) :].rstrip("/")
        if not token or "/" in token:
            return await self.app(scope, receive_, send)
        try:
            body = await self._body(receive_)
        except _Disconnected:
            return
        if body is None:
            return await self._send(send, _json({"detail": "the body is too large"}, 413))
        request = ASGIRequest(scope, io.BytesIO(body))
        try:
            request.get_host()  # ALLOWED_HOSTS, as Django's CommonMiddleware checks it
            response = self.security.process_request(request)
            if response is None:
                answer = await self.in_thread(self._receive)(request, token)
                response = answer.response or await _wait(answer.wait_for, answer.timeout, self.in_thread)
        except DisallowedHost:
            response = _json({"detail": "invalid Host header"}, 400)
        except RequestDataTooBig:
            response = _json({"detail": "the body is too large"}, 413)
        except Exception:
            logger.exception("webhook %s failed", scope["path"])
            response = _json({"detail": "internal error"}, 500)
        response = self.frames.process_response(request, self.security.process_response(request, response))
        await self._send(send, response)

    @staticmethod
    def _receive(request: HttpRequest, token: str) -> Answer:
        # What Django's request_started / request_finished signals do for connections.
        close_old_connections()
        try:
            return receive(request, token)
        finally:
            close_old_connections()

    @staticmethod
    async def _body(receive_) -> bytes | None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        chunks, size = [], 0
        while True:
            message = await receive_()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if limit is not None and size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    @staticmethod
    async def _send(send, response: HttpResponse) -> None:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.items()]
        headers.append((b"content-length", str(len(response.content)).encode()))
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": response.content})
