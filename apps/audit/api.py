"""``GET /api/v1/audit/``: the audit log for admins, newest first, filterable. There is no write path."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import BasePermission

from apps.audit import selectors
from apps.audit.models import AuditEntry


class AuditEntryOutput(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = ["seq", "at", "actor", "source", "action", "object_type", "object_id", "object_repr", "summary",
                  "hash", "prev_hash"]  # fmt: skip


class IsStaff(BasePermission):
    """Staff users and superusers."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


class AuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The append-only audit log (staff only)."""

    serializer_class = AuditEntryOutput
    permission_classes = [IsStaff]
    lookup_field = "seq"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        from apps.audit.services import audit_seal

        audit_seal()  # what was just recorded is listed with its place in the chain

    def get_queryset(self):
        from apps.engine.api import _datetime_param

        params = self.request.query_params
        return selectors.entries(
            actor=params.get("actor", ""), action=params.get("action", ""), object_type=params.get("object_type", ""),
            object_id=params.get("object_id", ""), since=_datetime_param(params, "since"),
            until=_datetime_param(params, "until"),
        )  # fmt: skip

    @extend_schema(
        parameters=[
            OpenApiParameter("actor", str, description="Username"),
            OpenApiParameter("action", str, description="e.g. workflow.update, or a prefix ending in '.': run."),
            OpenApiParameter("object_type", str, description="workflow, prompt, credential, run, user, …"),
            OpenApiParameter("object_id", str),
            OpenApiParameter("since", str, description="ISO 8601 date or time"),
            OpenApiParameter("until", str, description="ISO 8601 date or time"),
        ],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
