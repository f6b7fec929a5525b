"""Gateway reads, through the restriction point: profiles, recorded calls and their metrics."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from apps.accounts.permissions import restrict
from apps.gateway.models import CallStatus, LLMCall, ModelProfile

GROUPS = {"model": "model", "workflow": "workflow__name", "user": "user__username", "day": "created_at__date"}


def profiles_for(*, user, action: str = "view", search: str = "") -> QuerySet[ModelProfile]:
    queryset = restrict(ModelProfile.objects.select_related("created_by"), user, action)
    return queryset.filter(name__icontains=search) if search else queryset


def calls_for(*, user, run=None, model=None) -> QuerySet[LLMCall]:
    queryset = restrict(LLMCall.objects.select_related("user"), user)
    if run:
        queryset = queryset.filter(run_id=run)
    if model:
        queryset = queryset.filter(model=model)
    return queryset


def calls_of_run(run) -> dict[str, list[dict[str, Any]]]:
    """The run's calls by node, in the shape a step shows them."""
    by_node: dict[str, list[dict[str, Any]]] = defaultdict(list)
    fields = ("id", "node_id", "profile", "provider", "model", "target", "attempts", "failovers", "latency_ms",
              "ttft_ms", "input_tokens", "output_tokens", "tokens_estimated", "cost", "status", "error",
              "tries")  # fmt: skip
    for row in LLMCall.objects.filter(run=run).order_by("id").values(*fields):
        row["cost"] = str(row["cost"]) if row["cost"] is not None else None
        by_node[row.pop("node_id")].append(row)
    return by_node


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, round(fraction * (len(values) - 1)))], 2)


def metrics(*, user, group_by: str, since=None, until=None) -> list[dict[str, Any]]:
    """One row per group: calls, errors, failovers, tokens, cost, latency p50/p95, of the
    calls the user may see (their runs' permissions)."""
    queryset = calls_for(user=user)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    rows = queryset.values_list(GROUPS[group_by], "status", "failovers", "input_tokens", "output_tokens", "cost",
                                "latency_ms")  # fmt: skip
    groups: dict[Any, dict[str, Any]] = defaultdict(lambda: {"calls": 0, "errors": 0, "failovers": 0,
                                                             "input_tokens": 0, "output_tokens": 0,
                                                             "cost": Decimal(0), "priced_calls": 0,
                                                             "latencies": []})  # fmt: skip
    for key, status, failovers, input_tokens, output_tokens, cost, latency in rows.iterator():
        group = groups[str(key) if key is not None else None]
        group["calls"] += 1
        group["errors"] += status == CallStatus.ERROR
        group["failovers"] += failovers
        group["input_tokens"] += input_tokens
        group["output_tokens"] += output_tokens
        group["cost"] += cost or 0
        group["priced_calls"] += cost is not None
        if latency is not None:
            group["latencies"].append(latency)
    result = []
    for key, group in sorted(groups.items(), key=lambda item: str(item[0])):
        latencies = group.pop("latencies")
        result.append({group_by: key, **group, "cost": str(group["cost"]),
                       "latency_ms_p50": _percentile(latencies, 0.5),
                       "latency_ms_p95": _percentile(latencies, 0.95)})  # fmt: skip
    return result
