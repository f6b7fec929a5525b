"""OpenTelemetry spans for model calls, with the GenAI semantic-convention attributes.

Each gateway call is one span of kind CLIENT named ``chat {model}`` (the model that answered,
else the last one tried), carrying ``gen_ai.*`` request and usage attributes and ``sluice.*``
ones that link it to the recorded call, run and step; each try is an event on it. Spans carry
no prompt or answer text and no credential.

Without a configured exporter the API's global tracer is a no-op and nothing is computed
(``is_recording()`` is false). ``configure`` installs this process's tracer provider: from
``OTEL_EXPORTER_OTLP_ENDPOINT`` at start (the ``otel`` extra's OTLP/HTTP exporter), or with a
given exporter (tests). A provider already installed by someone else (``opentelemetry-instrument``)
is used as it is: the gateway's spans go wherever it sends spans.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

    from apps.gateway.models import LLMCall
    from apps.gateway.providers import Completion, Request

TRACER_NAME = "sluice.gateway"
_tracer = trace.get_tracer(TRACER_NAME)  # a proxy: follows the provider installed later
_lock = threading.Lock()
_installed: dict[str, Any] = {}


def configure(*, endpoint: str | None = None, exporter: SpanExporter | None = None) -> bool:
    """Send the gateway's spans to ``exporter``, or over OTLP/HTTP to ``endpoint`` (a collector's
    base URL, ``/v1/traces`` is added); nothing when neither is given. The tracer provider is
    made once per process; a later call adds its exporter to it. Returns whether spans export."""
    if exporter is None and not endpoint:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if exporter is None:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            from apps.core.settings.env import ConfigError

            raise ConfigError("OTEL_EXPORTER_OTLP_ENDPOINT",
                              "needs the OTLP exporter: pip install 'sluice[otel]'") from None  # fmt: skip
        processor = BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces"))
        from celery.signals import worker_process_shutdown

        # A pool process may end without running atexit: what is still queued goes out first.
        worker_process_shutdown.connect(lambda **_: processor.force_flush(), weak=False)
    else:
        processor = SimpleSpanProcessor(exporter)
    with _lock:
        provider = _installed.get("provider")
        if provider is None:
            current = trace.get_tracer_provider()
            if isinstance(current, TracerProvider):
                provider = current
            else:
                resource = Resource.create()
                if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
                    resource = resource.merge(Resource({"service.name": "sluice"}))  # OTEL_SERVICE_NAME wins
                provider = TracerProvider(resource=resource)
                trace.set_tracer_provider(provider)
            _installed["provider"] = provider
        provider.add_span_processor(processor)
    return True


def call_span(first_model: str):
    """The span of one gateway call, made current; finished by ``finish`` (or by the ``with``)."""
    return _tracer.start_as_current_span(f"chat {first_model}".strip(), kind=SpanKind.CLIENT,
                                         record_exception=False, set_status_on_exception=False)  # fmt: skip


def tried(entry: dict[str, Any], *, kind: str = "") -> None:
    """One try (or a target passed over) as an event on the current call's span."""
    span = trace.get_current_span()
    if not span.is_recording():
        return
    attributes: dict[str, Any] = {"sluice.target": entry["target"], "sluice.status": entry["status"],
                                  "gen_ai.provider.name": entry["provider"],
                                  "gen_ai.request.model": entry["model"]}  # fmt: skip
    if "latency_ms" in entry:
        attributes["sluice.latency_ms"] = entry["latency_ms"]
    if kind:
        attributes["error.type"] = kind
    span.add_event("sluice.gateway.try", attributes)


def finish(*, call: LLMCall, request: Request, target: dict[str, Any] | None = None,
           completion: Completion | None = None, error_type: str = "") -> None:  # fmt: skip
    """The call's outcome on the current span: what was asked, who answered, the usage."""
    span = trace.get_current_span()
    if not span.is_recording():
        return
    model = call.model or (call.tries[-1]["model"] if call.tries else "")
    provider = call.provider or (call.tries[-1]["provider"] if call.tries else "")
    span.update_name(f"chat {model}".strip())
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.system": provider,  # the attribute's older name, still read by many backends
        "gen_ai.request.model": model,
        "gen_ai.request.max_tokens": request.max_tokens,
        "sluice.profile": call.profile,
        "sluice.call_id": call.pk,
        "sluice.attempts": call.attempts,
        "sluice.failovers": call.failovers,
        "sluice.streamed": call.streamed,
    }
    if request.temperature is not None:
        attributes["gen_ai.request.temperature"] = float(request.temperature)
    if request.json_schema is not None:
        attributes["gen_ai.output.type"] = "json"
    if call.run_id:
        attributes["sluice.run_id"] = str(call.run_id)
    if call.node_id:
        attributes["sluice.node_id"] = call.node_id
    if call.workflow_id:
        attributes["sluice.workflow_id"] = call.workflow_id
    if call.prompt:
        attributes["sluice.prompt"] = f"{call.prompt}@{call.prompt_version}"
    if call.target is not None:
        attributes["sluice.target"] = call.target
    _server(attributes, target)
    if completion is not None:
        attributes["gen_ai.response.model"] = completion.model or model
        attributes["gen_ai.usage.input_tokens"] = call.input_tokens
        attributes["gen_ai.usage.output_tokens"] = call.output_tokens
        attributes["sluice.tokens_estimated"] = call.tokens_estimated
        if completion.finish_reason:
            attributes["gen_ai.response.finish_reasons"] = [completion.finish_reason]
        if call.ttft_ms is not None:
            attributes["sluice.ttft_ms"] = call.ttft_ms
    span.set_attributes(attributes)
    if error_type:
        span.set_attribute("error.type", error_type)
        span.set_status(Status(StatusCode.ERROR, error_type))


def _server(attributes: dict[str, Any], target: dict[str, Any] | None) -> None:
    """``server.address``/``server.port`` of the target's base URL (host and port only: no
    user information or path)."""
    if not target or not target.get("base_url"):
        return
    try:
        parts = urlsplit(target["base_url"])
        if parts.hostname:
            attributes["server.address"] = parts.hostname
        if parts.port:
            attributes["server.port"] = parts.port
    except ValueError:
        return
