"""``POST /hooks/{token}/``: a webhook call starts a run; optionally it waits for the output.

An async view. A caller waiting for the output gets the run's quick nodes executed right
away by the same runner a worker uses (no broker round trip for a flow of transforms and
conditions); if the run reaches a slow node, that node goes to a worker as always and the
view waits — holding no thread — on the run's live-event group, joined before the run
exists so that ``run.finished`` cannot be missed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.core.api import DomainError
from apps.engine import services as engine
from apps.engine.events import run_group
from apps.engine.models import TERMINAL_RUN_STATUSES, Run
from apps.workflows import selectors, services

SIGNATURE_HEADER = "X-Sluice-Signature"
FORWARDED_HEADERS = ("content-type", "user-agent", "x-request-id", "x-github-event", "x-event-type")


def _payload(request) -> dict:
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


def _start(hook, payload: dict, run_id: uuid.UUID, *, inline: bool = False):
    version = selectors.version_get(workflow=hook.workflow, version=None)
    start = engine.run_start_inline if inline else engine.run_start
    return start(
        workflow_version=version, input=payload, user=None, trigger="webhook", trigger_node=hook.node_id, run_id=run_id
    )


@csrf_exempt
async def webhook(request, token: str):
    if request.method not in ("POST", "PUT", "GET"):
        return JsonResponse({"detail": "use POST"}, status=405, headers={"Allow": "POST, PUT, GET"})
    hook = await sync_to_async(selectors.webhook_by_token)(token=token)
    if hook is None:
        return JsonResponse({"detail": "no such webhook"}, status=404)
    if hook.secret and not _signature_ok(hook.secret, request.body, request.headers.get(SIGNATURE_HEADER, "")):
        return JsonResponse(
            {"detail": f"missing or wrong {SIGNATURE_HEADER} (sha256=<HMAC-SHA256 of the body>)"}, status=401
        )
    try:
        payload = _payload(request)
    except DomainError as exc:
        return JsonResponse({"detail": exc.message, "field": exc.field}, status=400)
    params = services.node_params(hook.workflow.graph, hook.node_id)
    run_id = uuid.uuid4()
    if params.get("respond") != "with_output":
        try:
            await sync_to_async(_start)(hook, payload, run_id)
        except DomainError as exc:
            return JsonResponse({"detail": exc.message, **exc.extra}, status=409)
        return JsonResponse({"run": str(run_id), "status": "queued"}, status=202)
    return await _start_and_wait(hook, payload, run_id, float(params.get("timeout", 30)))


async def _start_and_wait(hook, payload: dict, run_id: uuid.UUID, timeout: float):
    try:
        run = await sync_to_async(_start)(hook, payload, run_id, inline=True)
    except DomainError as exc:
        return JsonResponse({"detail": exc.message, **exc.extra}, status=409)
    if run.status not in TERMINAL_RUN_STATUSES:
        # A slow node went to a worker: listen for the end of the run, then look once more
        # in case it ended before we listened.
        layer = get_channel_layer()
        channel = await layer.new_channel()
        group = run_group(str(run_id))
        await layer.group_add(group, channel)
        try:
            run = await sync_to_async(Run.objects.only("status", "output", "error").get)(pk=run_id)
            if run.status not in TERMINAL_RUN_STATUSES:
                finished = await asyncio.wait_for(_finished(layer, channel), timeout=timeout)
                run.status, run.output, run.error = finished["status"], finished.get("output"), finished.get("error")
        except TimeoutError:
            return JsonResponse({"run": str(run_id), "status": "running", "detail": "still running"}, status=202)
        finally:
            await layer.group_discard(group, channel)
    if run.status == "succeeded":
        return JsonResponse(run.output, status=200, safe=False, headers={"X-Sluice-Run": str(run_id)})
    return JsonResponse(
        {"run": str(run_id), "status": run.status, "error": run.error},
        status=502,
        headers={"X-Sluice-Run": str(run_id)},
    )


async def _finished(layer, channel: str) -> dict:
    while True:
        message = await layer.receive(channel)
        event = message.get("event") or {}
        for item in event.get("events", [event]) if event.get("type") == "batch" else [event]:
            if item.get("type") == "run.finished":
                return item
