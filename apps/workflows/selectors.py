"""Workflow reads, always through the restriction point."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.permissions import restrict
from apps.workflows.models import Webhook, Workflow, WorkflowVersion


def workflows_for(*, user, action: str = "view", search: str = "") -> QuerySet[Workflow]:
    queryset = restrict(Workflow.objects.select_related("created_by"), user, action)
    if search:
        queryset = queryset.filter(name__icontains=search)
    return queryset


def version_get(*, workflow: Workflow, version: int | None) -> WorkflowVersion:
    """A version of the workflow (the latest when None); raises WorkflowVersion.DoesNotExist."""
    return WorkflowVersion.objects.get(workflow=workflow, version=workflow.revision if version is None else version)


def webhook_by_token(*, token: str) -> Webhook | None:
    return Webhook.objects.select_related("workflow").filter(token=token).first()
