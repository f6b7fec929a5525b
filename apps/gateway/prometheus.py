"""``/metrics`` for Prometheus: model-call counters and a latency histogram.

The figures are read from the recorded calls at scrape time, not kept in process memory, so
every web process gives the same totals for the calls of every worker (Celery pool processes
come and go; a per-process registry would lose and split counts).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

from apps.gateway.models import CallStatus, LLMCall

LATENCY_BUCKETS_SECONDS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class LLMCallCollector:
    def collect(self):
        labels = ["profile", "provider", "model"]
        calls = CounterMetricFamily("sluice_llm_calls", "Model calls by outcome", labels=[*labels, "status"])
        tokens = CounterMetricFamily("sluice_llm_tokens", "Tokens by direction", labels=[*labels, "direction"])
        failovers = CounterMetricFamily("sluice_llm_failovers", "Targets passed over before one answered",
                                        labels=labels)  # fmt: skip
        groups = LLMCall.objects.values("profile", "provider", "model", "status").annotate(
            n=Count("id"), input=Sum("input_tokens"), output=Sum("output_tokens"), passed=Sum("failovers")
        )
        totals: dict[tuple, dict[str, int]] = {}
        for row in groups:
            key = (row["profile"], row["provider"] or "-", row["model"] or "-")
            calls.add_metric([*key, row["status"]], row["n"])
            total = totals.setdefault(key, {"input": 0, "output": 0, "passed": 0})
            total["input"] += row["input"] or 0
            total["output"] += row["output"] or 0
            total["passed"] += row["passed"] or 0
        for key, total in totals.items():
            tokens.add_metric([*key, "input"], total["input"])
            tokens.add_metric([*key, "output"], total["output"])
            failovers.add_metric(list(key), total["passed"])
        yield calls
        yield tokens
        yield failovers
        yield self._latency()

    def _latency(self) -> HistogramMetricFamily:
        histogram = HistogramMetricFamily("sluice_llm_latency_seconds", "Latency of answered model calls",
                                          labels=["provider", "model"])  # fmt: skip
        buckets = {f"le_{i}": Count("id", filter=Q(latency_ms__lte=bound * 1000))
                   for i, bound in enumerate(LATENCY_BUCKETS_SECONDS)}  # fmt: skip
        rows = (LLMCall.objects.filter(status=CallStatus.OK).values("provider", "model")
                .annotate(n=Count("id"), total=Sum("latency_ms"), **buckets))  # fmt: skip
        for row in rows:
            cumulative = [(str(bound), row[f"le_{i}"]) for i, bound in enumerate(LATENCY_BUCKETS_SECONDS)]
            histogram.add_metric([row["provider"], row["model"]], [*cumulative, ("+Inf", row["n"])],
                                 sum_value=(row["total"] or 0) / 1000)  # fmt: skip
        return histogram


def _allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[7:].strip(), token)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.is_staff or user.is_superuser
    if header.startswith("Token "):
        from apps.accounts.services import token_authenticate

        found = token_authenticate(key=header[6:].strip())
        return found is not None and (found.user.is_staff or found.user.is_superuser)
    return False


def metrics_view(request) -> HttpResponse:
    """Prometheus text format; for staff (session or token) or a scraper with METRICS_TOKEN."""
    if not _allowed(request):
        return HttpResponse("metrics are for staff, or a scraper sending Authorization: Bearer <METRICS_TOKEN>\n",
                            status=401, content_type="text/plain")  # fmt: skip
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LLMCallCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
