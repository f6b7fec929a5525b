"""Audit reads."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.audit.models import AuditEntry


def entries(*, actor: str = "", action: str = "", object_type: str = "", object_id: str = "", since=None,
            until=None) -> QuerySet[AuditEntry]:  # fmt: skip
    queryset = AuditEntry.objects.order_by("-id")
    if actor:
        queryset = queryset.filter(actor=actor)
    if action:
        prefix = action.endswith(".")
        queryset = queryset.filter(action__startswith=action) if prefix else queryset.filter(action=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id:
        queryset = queryset.filter(object_id=object_id)
    if since is not None:
        queryset = queryset.filter(at__gte=since)
    if until is not None:
        queryset = queryset.filter(at__lt=until)
    return queryset
