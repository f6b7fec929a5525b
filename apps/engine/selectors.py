"""Engine reads, through the restriction point."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.accounts.permissions import restrict
from apps.engine.models import Batch, Run, Step


def runs_for(*, user, workflow_id: int | None = None, status: str | None = None) -> QuerySet[Run]:
    queryset = restrict(Run.objects.select_related("created_by"), user)
    if workflow_id is not None:
        queryset = queryset.filter(workflow_id=workflow_id)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def run_detail(*, user, run_id) -> Run:
    """One run with its steps, or Run.DoesNotExist when the user may not see it."""
    return (
        runs_for(user=user)
        .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("sequence", "id")))
        .get(pk=run_id)
    )


def run_visible(*, user, run_id) -> bool:
    return runs_for(user=user).filter(pk=run_id).exists()


def batches_for(*, user) -> QuerySet[Batch]:
    return restrict(Batch.objects.select_related("created_by"), user)
