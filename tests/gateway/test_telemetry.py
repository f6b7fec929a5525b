"""OpenTelemetry spans of model calls: GenAI attributes, failovers, no content and no secrets;
exported over OTLP/HTTP when an endpoint is configured, and nothing at all otherwise."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from apps.gateway import providers, services, telemetry
from apps.vault.services import credential_create
from tests.conftest import BASE_DIR, child_env

pytestmark = pytest.mark.django_db

SECRET = "sk-test-do-not-leak-3141592653"
QUESTION = providers.Request(messages=[{"role": "user", "content": "Which queue for claim C-7"}],
                             system="You sort claims", temperature=0.2, max_tokens=300)  # fmt: skip


@pytest.fixture(scope="session")
def exporter() -> InMemorySpanExporter:
    """Spans of this process, through the same configuration function a start uses."""
    memory = InMemorySpanExporter()
    assert telemetry.configure(exporter=memory) is True
    return memory


@pytest.fixture
def spans(exporter, settings):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    exporter.clear()
    yield exporter
    exporter.clear()


def test_a_call_is_one_client_span_with_the_genai_attributes(user, spans, target):
    profile = services.profile_create(user=user, name="default", targets=[target("ok")])
    call = services.complete(profile=profile, request=QUESTION, node_id="triage").call
    [span] = spans.get_finished_spans()
    assert (span.name, span.kind, span.status.status_code) == ("chat small", SpanKind.CLIENT, StatusCode.UNSET)
    attributes = dict(span.attributes)
    assert {key: attributes[key] for key in (
        "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.system", "gen_ai.request.model",
        "gen_ai.response.model", "gen_ai.request.temperature", "gen_ai.request.max_tokens",
        "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "sluice.profile", "sluice.call_id",
        "sluice.attempts", "sluice.failovers", "sluice.node_id", "server.address")} == {
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.system": "openai",
        "gen_ai.request.model": "small", "gen_ai.response.model": "small", "gen_ai.request.temperature": 0.2,
        "gen_ai.request.max_tokens": 300, "gen_ai.usage.input_tokens": 8, "gen_ai.usage.output_tokens": 6,
        "sluice.profile": "default", "sluice.call_id": call.pk, "sluice.attempts": 1, "sluice.failovers": 0,
        "sluice.node_id": "triage", "server.address": "127.0.0.1",
    }  # fmt: skip
    assert (call.input_tokens, call.output_tokens) == (8, 6)  # the recorded call says the same
    assert "error.type" not in attributes
    assert [event.attributes["sluice.status"] for event in span.events] == ["ok"]


def test_a_failover_records_the_failed_try_and_no_content_or_secret(user, spans, target):
    credential = credential_create(user=user, name="anthropic-key", secret=SECRET)
    primary = target("fail-503", model="primary")
    backup = target("ok", "anthropic", model="backup", credential=credential.pk)
    profile = services.profile_create(user=user, name="default", targets=[primary, backup])
    answer = services.complete(profile=profile, request=QUESTION)
    [span] = spans.get_finished_spans()
    assert span.name == "chat backup" and span.status.status_code == StatusCode.UNSET
    assert (span.attributes["gen_ai.provider.name"], span.attributes["sluice.failovers"],
            span.attributes["sluice.attempts"]) == ("anthropic", 1, 2)  # fmt: skip
    failed, answered = span.events
    assert (failed.attributes["sluice.status"], failed.attributes["error.type"]) == ("error", "503")
    assert failed.attributes["gen_ai.request.model"] == "primary"
    assert answered.attributes["sluice.status"] == "ok" and "error.type" not in answered.attributes
    exported = span.to_json()
    for private in (SECRET, "C-7", "You sort claims", answer.text):
        assert private not in exported


def test_a_call_every_target_fails_is_an_error_span(user, spans, target):
    profile = services.profile_create(user=user, name="default",
                                      targets=[target("fail-502", model="one"), target("fail-503", model="two")])
    with pytest.raises(services.GatewayError):
        services.complete(profile=profile, request=QUESTION)
    [span] = spans.get_finished_spans()
    assert span.name == "chat two" and span.status.status_code == StatusCode.ERROR
    assert (span.attributes["error.type"], span.attributes["sluice.failovers"]) == ("503", 1)
    assert [e.attributes["error.type"] for e in span.events] == ["502", "503"]
    assert "gen_ai.usage.input_tokens" not in span.attributes


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.received.append((self.path, self.rfile.read(int(self.headers.get("content-length") or 0))))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()


# A separate process, started the way any Sluice process starts (settings, then apps), makes one call.
CALL = """
import django, json
django.setup()
from opentelemetry import trace
from apps.gateway import providers, services
from apps.gateway.models import ModelProfile
services.complete(profile=ModelProfile.objects.get(name="traced"),
                  request=providers.Request(messages=[{"role": "user", "content": "Which queue"}]))
print(json.dumps({"provider": type(trace.get_tracer_provider()).__name__}))
"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("configured", [True, False])
def test_spans_go_to_the_configured_otlp_endpoint_and_nowhere_otherwise(user, model_server, configured):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    services.profile_create(user=user, name="traced", targets=[
        {"provider": "openai", "model": "small", "base_url": model_server.base_url("ok")}])  # fmt: skip
    _Collector.received = []
    collector = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{collector.server_address[1]}" if configured else ""
        done = subprocess.run([sys.executable, "-c", CALL], cwd=BASE_DIR, capture_output=True, text=True,
                              timeout=120, env=child_env(OTEL_EXPORTER_OTLP_ENDPOINT=endpoint))  # fmt: skip
    finally:
        collector.shutdown()
        collector.server_close()
    assert done.returncode == 0, done.stderr[-3000:]
    provider = json.loads(done.stdout.strip().splitlines()[-1])["provider"]
    if not configured:
        assert provider == "ProxyTracerProvider"  # the API's no-op: nothing is made or sent
        assert _Collector.received == []
        return
    assert provider == "TracerProvider"
    [(path, body)] = _Collector.received  # flushed as the process ended
    assert path == "/v1/traces"
    request = ExportTraceServiceRequest.FromString(body)
    [resource] = request.resource_spans
    assert {a.key: a.value.string_value for a in resource.resource.attributes}["service.name"] == "sluice"
    [span] = [span for scope in resource.scope_spans for span in scope.spans]
    attributes = {a.key: a.value for a in span.attributes}
    assert span.name == "chat small"
    assert attributes["gen_ai.request.model"].string_value == "small"
    assert attributes["gen_ai.usage.output_tokens"].int_value == 3  # "echo: Which queue"
