"""Workflow reads, always through the restriction point."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.permissions import restrict
from apps.workflows.models import Workflow, WorkflowVersion


def workflows_for(*, user, action: str = "view", search: str = "") -> QuerySet[Workflow]:
    queryset = restrict(Workflow.objects.select_related("created_by"), user, action)
    if search:
        queryset = queryset.filter(name__icontains=search)
    return queryset


def version_get(*, workflow: Workflow, version: int | None) -> WorkflowVersion:
    versions = WorkflowVersion.objects.filter(workflow=workflow)
    if version is None:
        return versions.order_by("-version").first()
    return versions.get(version=version)
