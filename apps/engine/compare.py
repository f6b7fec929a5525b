"""Compare before you promote: past runs (or a batch of inputs) again on another version.

A comparison re-runs each input on the candidate — another workflow version, or the same
workflow with another version of one prompt — and puts each baseline output beside the
candidate's, with the differences by path. The candidate runs are ordinary runs on the
workers; the comparison only records which run goes with which.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.core.api import DomainError
from apps.engine import services
from apps.engine.core.diff import value_changes
from apps.engine.models import TERMINAL_RUN_STATUSES, Comparison, ComparisonItem, Run

MAX_ITEMS = 100


@transaction.atomic
def comparison_start(
    *, workflow, user, candidate_version, runs: list[Run] | None = None, items: list[Any] | None = None,
    baseline_version=None, prompt: str = "", prompt_version: int | None = None,
) -> Comparison:  # fmt: skip
    """Start the candidate runs (and, for plain inputs, the baseline runs) of a comparison."""
    if bool(runs) == bool(items):
        raise DomainError("name past `runs` or give `items` (inputs), one of the two", field="runs")
    count = len(runs or items or [])
    if count > MAX_ITEMS:
        raise DomainError(f"at most {MAX_ITEMS} runs per comparison", field="runs" if runs else "items")
    comparison = Comparison.objects.create(
        workflow=workflow, candidate_version=candidate_version, baseline_version=baseline_version,
        prompt=prompt, prompt_version=prompt_version, created_by=user,
    )  # fmt: skip
    pairs = []
    for index, baseline in enumerate(runs or []):
        pins = _pins_for(baseline, prompt, prompt_version)
        version = baseline.workflow_version if prompt else candidate_version
        candidate = services.run_start(
            workflow_version=version, input=baseline.input, user=user, trigger=baseline.trigger,
            trigger_node=baseline.trigger_node, pins=pins,
        )  # fmt: skip
        pairs.append(ComparisonItem(comparison=comparison, index=index, baseline_run=baseline, candidate_run=candidate))
    for index, item in enumerate(items or []):
        baseline = services.run_start(workflow_version=baseline_version, input=item, user=user)
        candidate = services.run_start(workflow_version=candidate_version, input=item, user=user)
        pairs.append(ComparisonItem(comparison=comparison, index=index, baseline_run=baseline, candidate_run=candidate))
    ComparisonItem.objects.bulk_create(pairs)
    return comparison


def _pins_for(baseline: Run, prompt: str, prompt_version: int | None) -> dict:
    """The prompt versions the baseline used, except the compared prompt, which gets the candidate version."""
    used = {p["reference"]: p["version"] for p in services.prompts_used(baseline) if p.get("reference")}
    if prompt:
        for reference in list(used):
            if reference.split("@", 1)[0] == prompt:
                used[reference] = prompt_version
        if not any(r.split("@", 1)[0] == prompt for r in used):
            raise DomainError(f"run {baseline.pk} did not render the prompt {prompt!r}", field="runs")
    return {"prompts": used}


def _side(run: Run) -> dict[str, Any]:
    return {"run": str(run.pk), "status": run.status, "version": run.version, "output": run.output,
            "error": run.error, "prompts": services.prompts_used(run)}  # fmt: skip


def comparison_result(comparison: Comparison) -> dict[str, Any]:
    """Each input with both outputs side by side and what differs; counts of same, different and pending."""
    rows, counts = [], {"same": 0, "different": 0, "pending": 0, "failed": 0}
    items = comparison.items.select_related("baseline_run", "candidate_run").prefetch_related(
        "baseline_run__steps", "candidate_run__steps"
    )
    for item in items.order_by("index"):
        baseline, candidate = item.baseline_run, item.candidate_run
        done = baseline.status in TERMINAL_RUN_STATUSES and candidate.status in TERMINAL_RUN_STATUSES
        changes = value_changes(baseline.output, candidate.output, "output") if done else []
        if not done:
            outcome = "pending"
        elif "failed" in (baseline.status, candidate.status) and baseline.status != candidate.status:
            outcome = "failed"
        else:
            outcome = "different" if changes or baseline.status != candidate.status else "same"
        counts[outcome] += 1
        rows.append({"index": item.index, "input": baseline.input, "outcome": outcome, "changes": changes,
                     "baseline": _side(baseline), "candidate": _side(candidate)})  # fmt: skip
    return {"id": str(comparison.pk), "workflow": comparison.workflow_id,
            "candidate_version": comparison.candidate_version.version,
            "prompt": comparison.prompt or None, "prompt_version": comparison.prompt_version,
            "done": counts["pending"] == 0, "counts": counts, "items": rows}  # fmt: skip
