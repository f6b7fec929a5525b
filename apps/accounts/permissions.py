"""The one restriction point: every queryset an API or a socket reads starts here.

``restrict(queryset, user, action)`` returns only the objects the user may act on, in the
same single query. Until per-object permissions arrive (teams, roles, sharing), the rule
is: superusers see everything; everyone else sees what they created, and runs of the
workflows they created. Objects outside the result are answered with 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet


def _owner_q(model, user) -> Q:
    label = model._meta.label_lower
    if label in ("engine.run", "engine.batch"):
        return Q(created_by=user) | Q(workflow__created_by=user)
    if label == "engine.step":
        return Q(run__created_by=user) | Q(run__workflow__created_by=user)
    if label == "workflows.workflowversion":
        return Q(workflow__created_by=user)
    return Q(created_by=user)


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    """The objects of ``queryset`` that ``user`` may ``action`` (view, change, run, delete, …)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(_owner_q(queryset.model, user))
