"""/metrics: model-call counters and a latency histogram for Prometheus, for staff or a scraper token."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from apps.gateway.models import CallStatus, LLMCall

pytestmark = pytest.mark.django_db


def _families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_counters_and_histogram_come_from_the_recorded_calls(make_user, settings):
    for latency, status, failovers in [(40, CallStatus.OK, 0), (300, CallStatus.OK, 1), (900, CallStatus.ERROR, 2)]:
        LLMCall.objects.create(profile="default", provider="openai", model="small", status=status,
                               latency_ms=latency, input_tokens=10, output_tokens=5, failovers=failovers)  # fmt: skip
    assert Client().get("/metrics").status_code == 401
    someone = Client()
    someone.force_login(make_user("someone"))
    assert someone.get("/metrics").status_code == 401
    settings.METRICS_TOKEN = "scrape-me"
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    families = _families(response.content.decode())
    calls = {s.labels["status"]: s.value for s in families["sluice_llm_calls"].samples if s.name.endswith("_total")}
    assert calls == {"ok": 2, "error": 1}
    tokens = {s.labels["direction"]: s.value for s in families["sluice_llm_tokens"].samples}
    assert tokens == {"input": 30, "output": 15}
    assert [s.value for s in families["sluice_llm_failovers"].samples] == [3]
    buckets = {s.labels["le"]: s.value for s in families["sluice_llm_latency_seconds"].samples
               if s.name.endswith("_bucket")}  # fmt: skip
    assert (buckets["0.05"], buckets["0.25"], buckets["0.5"], buckets["+Inf"]) == (1, 1, 2, 2)
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    admin = Client()
    admin.force_login(make_user("root", superuser=True))
    assert admin.get("/metrics").status_code == 200
