"""Engine reads, through the restriction point."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.accounts.permissions import restrict
from apps.engine.models import Batch, Run, Step


def runs_for(
    *,
    user,
    workflow_id: int | None = None,
    status: str | None = None,
    created_by: str | None = None,
    trigger: str | None = None,
    since=None,
    until=None,
) -> QuerySet[Run]:
    queryset = restrict(Run.objects.select_related("created_by", "workflow"), user)
    if workflow_id is not None:
        queryset = queryset.filter(workflow_id=workflow_id)
    if status:
        queryset = queryset.filter(status=status)
    if created_by:
        queryset = queryset.filter(created_by__username=created_by)
    if trigger:
        queryset = queryset.filter(trigger=trigger)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    return queryset


def run_detail(*, user, run_id) -> Run:
    """One run with its steps, or Run.DoesNotExist when the user may not see it."""
    return (
        runs_for(user=user)
        .select_related("workflow_version")
        .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("sequence", "id")))
        .get(pk=run_id)
    )


def run_rerunnable(*, user, run: Run) -> bool:
    """Whether the user may run the run's workflow (to run it again)."""
    from apps.workflows.models import Workflow

    return restrict(Workflow.objects.all(), user, "run").filter(pk=run.workflow_id).exists()


def run_visible(*, user, run_id) -> bool:
    return runs_for(user=user).filter(pk=run_id).exists()


def batches_for(*, user) -> QuerySet[Batch]:
    return restrict(Batch.objects.select_related("created_by"), user)


def step_status(*, step_id: int) -> str | None:
    """The status of one step (for services of other apps that wait on it), None if it is gone."""
    return Step.objects.filter(pk=step_id).values_list("status", flat=True).first()
