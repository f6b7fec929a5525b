"""Reading review tasks: the inbox (what the user may decide), one task, and review metrics."""

from __future__ import annotations

from statistics import median
from typing import Any

from django.db.models import QuerySet

from apps.accounts.permissions import restrict
from apps.reviews.models import OPEN_STATUSES, ReviewStatus, ReviewTask

ORDERINGS = {
    "deadline": ("deadline", "-priority", "created_at"),
    "-priority": ("-priority", "deadline", "created_at"),
    "created_at": ("created_at",),
    "-created_at": ("-created_at",),
}


def _base() -> QuerySet:
    return ReviewTask.objects.select_related("claimed_by", "decided_by", "workflow")


def inbox_for(*, user, statuses: list[str] | None = None, workflow: int | None = None, run: str | None = None,
              ordering: str = "deadline", mine: bool = False) -> QuerySet:  # fmt: skip
    """The tasks the user may decide, filtered, most urgent first (a deadline first, then none)."""
    from django.db.models import F

    tasks = restrict(_base(), user, "decide")
    if statuses:
        tasks = tasks.filter(status__in=statuses)
    if workflow:
        tasks = tasks.filter(workflow_id=workflow)
    if run:
        tasks = tasks.filter(run_id=run)
    if mine:
        tasks = tasks.filter(claimed_by=user)
    fields = ORDERINGS.get(ordering, ORDERINGS["deadline"])
    return tasks.order_by(*(F(f).asc(nulls_last=True) if f == "deadline" else f for f in fields))


def task_visible(*, user) -> QuerySet:
    """Tasks the user may see: theirs to decide, or of a run they may see."""
    return restrict(_base(), user, "view")


def tasks_of_run(run) -> list[ReviewTask]:
    return list(ReviewTask.objects.filter(run=run).select_related("decided_by").order_by("created_at"))


def _agrees(task: ReviewTask) -> bool:
    from apps.reviews.services import changed_fields

    return task.status == ReviewStatus.APPROVED and not changed_fields(task.proposal, task.data)


def review_metrics(*, user, workflow: int | None = None) -> dict[str, Any]:
    """Pending count, time to decision, auto-approval rate and how often reviewers agree with the
    model, over the tasks the user may see."""
    tasks = restrict(ReviewTask.objects.all(), user, "view")
    if workflow:
        tasks = tasks.filter(workflow_id=workflow)
    pending = tasks.filter(status__in=OPEN_STATUSES).count()
    decided = list(
        tasks.filter(status__in=(ReviewStatus.APPROVED, ReviewStatus.REJECTED, ReviewStatus.EXPIRED)).only(
            "status", "auto", "proposal", "data", "created_at", "decided_at"
        )
    )
    by_people = [t for t in decided if not t.auto and t.decided_at]
    waits = [(t.decided_at - t.created_at).total_seconds() for t in by_people]
    auto_approved = sum(1 for t in decided if t.auto and t.status == ReviewStatus.APPROVED)
    return {
        "pending": pending,
        "decided": len(decided),
        "by_people": len(by_people),
        "auto_approved": auto_approved,
        "auto_approval_rate": round(auto_approved / len(decided), 4) if decided else None,
        "expired": sum(1 for t in decided if t.status == ReviewStatus.EXPIRED),
        "time_to_decision_seconds": {
            "p50": round(median(waits), 3) if waits else None,
            "mean": round(sum(waits) / len(waits), 3) if waits else None,
            "max": round(max(waits), 3) if waits else None,
        },
        "agreement_with_model": round(sum(1 for t in by_people if _agrees(t)) / len(by_people), 4)
        if by_people else None,
    }  # fmt: skip
