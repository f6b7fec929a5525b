"""Workflow reads, always through the restriction point."""

from __future__ import annotations

from django.db.models import F, OuterRef, QuerySet, Subquery

from apps.accounts.permissions import restrict
from apps.workflows.models import Webhook, Workflow, WorkflowTag, WorkflowVersion

# How the workflow list may be sorted: the API's names for the orderings.
WORKFLOW_ORDERINGS = {
    "-updated_at": [F("updated_at").desc()],
    "updated_at": [F("updated_at").asc()],
    "name": [F("name").asc()],
    "-name": [F("name").desc()],
    "-last_run_at": [F("last_run_at").desc(nulls_last=True)],
    "last_run_status": [F("last_run_status").asc(nulls_last=True), F("updated_at").desc()],
}


def workflows_for(
    *,
    user,
    action: str = "view",
    search: str = "",
    ordering: str = "-updated_at",
    last_run_status: str = "",
    created_by: str = "",
) -> QuerySet[Workflow]:
    """Workflows the user may act on, each with its last run's status and time (one query)."""
    from apps.engine.models import Run

    last_run = Run.objects.filter(workflow=OuterRef("pk")).order_by("-created_at")
    queryset = restrict(Workflow.objects.select_related("created_by"), user, action).annotate(
        last_run_status=Subquery(last_run.values("status")[:1]),
        last_run_at=Subquery(last_run.values("created_at")[:1]),
    )
    if search:
        queryset = queryset.filter(name__icontains=search)
    if last_run_status == "never":
        queryset = queryset.filter(last_run_status__isnull=True)
    elif last_run_status:
        queryset = queryset.filter(last_run_status=last_run_status)
    if created_by:
        queryset = queryset.filter(created_by__username=created_by)
    return queryset.order_by(*WORKFLOW_ORDERINGS[ordering], "-id")


def version_get(*, workflow: Workflow, version: int | None) -> WorkflowVersion:
    """A version of the workflow (the latest when None); raises WorkflowVersion.DoesNotExist."""
    return WorkflowVersion.objects.get(workflow=workflow, version=workflow.revision if version is None else version)


def version_by_tag(*, workflow: Workflow, tag: str) -> WorkflowVersion:
    """The version a tag points at; raises WorkflowVersion.DoesNotExist when there is no such tag."""
    return WorkflowVersion.objects.get(workflow=workflow, tags__name=tag)


def tags_of(*, workflow: Workflow) -> QuerySet[WorkflowTag]:
    return workflow.tags.select_related("version", "moved_by").order_by("name")


def tag_history(*, workflow: Workflow) -> QuerySet:
    """Every move of every tag of the workflow, newest first."""
    return (
        WorkflowTag.history.filter(workflow_id=workflow.pk)
        .select_related("history_user", "version")
        .order_by("-history_date", "-history_id")
    )


def webhook_by_token(*, token: str) -> Webhook | None:
    return Webhook.objects.select_related("workflow").filter(token=token).first()
