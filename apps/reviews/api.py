"""Review API: the inbox, a task, claim/release, decide, reassign, and review metrics."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import permissions
from apps.accounts.api import ObjectRightsMixin
from apps.core.api import DomainError, id_param
from apps.reviews import selectors, services
from apps.reviews.models import Priority, ReviewStatus, ReviewTask


class ReviewTaskOutput(serializers.ModelSerializer):
    workflow_name = serializers.CharField(source="workflow.name", read_only=True)
    priority = serializers.SerializerMethodField()
    claimed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = ReviewTask
        fields = ["id", "run", "node_id", "workflow", "workflow_name", "status", "title", "instructions",
                  "assignees", "case", "proposal", "confidence", "form", "priority", "deadline", "on_timeout",
                  "escalate_to", "escalated_at", "apply_edits", "claimed_by", "claimed_at", "decision",
                  "decided_by", "decided_at", "auto", "data", "comment", "created_at", "permissions"]  # fmt: skip

    def get_priority(self, task) -> str:
        return Priority(task.priority).label

    def get_permissions(self, task) -> list[str]:
        held = self.context.get("actions", {})
        request = self.context.get("request")
        actions = held[task.pk] if task.pk in held else permissions.actions_on(request.user, task) if request else []
        # Whoever is shown the task may see it (those who may see its run hold no row on it).
        actions = actions if "view" in actions else ["view", *actions]
        if self.context.get("detail") and request and _may_reassign(request.user, task):
            actions = [*actions, "reassign"]  # one task at a time: not computed for list pages
        return actions


def _may_reassign(user, task) -> bool:
    return user.is_staff or permissions.allowed(user, task.workflow, "change")


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    data = serializers.JSONField(required=False, allow_null=True, default=None)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class ReassignInput(serializers.Serializer):
    assignees = serializers.ListField(child=serializers.CharField(), min_length=1, max_length=100)


class ReviewTaskViewSet(ObjectRightsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):  # fmt: skip
    """The inbox lists what the user may decide; a task is seen by its deciders and by those
    who may see its run."""

    serializer_class = ReviewTaskOutput
    rights = {"decide": "decide", "claim": "decide", "release": "decide"}

    def get_queryset(self):
        if self.action != "list":
            return selectors.task_visible(user=self.request.user)
        params = self.request.query_params
        statuses = [s for s in params.get("status", "").split(",") if s]
        if statuses == ["open"]:
            statuses = [ReviewStatus.PENDING, ReviewStatus.CLAIMED]
        unknown = set(statuses) - set(ReviewStatus.values)
        if unknown:
            raise DomainError(f"unknown status {sorted(unknown)[0]!r}; one of {', '.join(ReviewStatus.values)} "
                              "or open", field="status")  # fmt: skip
        workflow, run = id_param(params, "workflow"), params.get("run") or None
        ordering = params.get("ordering") or "deadline"
        if ordering not in selectors.ORDERINGS:
            raise DomainError(f"unknown ordering {ordering!r}; one of {', '.join(selectors.ORDERINGS)}",
                              field="ordering")  # fmt: skip
        if run is not None:
            try:
                run = str(uuid.UUID(run))
            except ValueError:
                raise DomainError(f"{run!r} is not a run id", field="run") from None
        return selectors.inbox_for(
            user=self.request.user, statuses=statuses, workflow=workflow, run=run, ordering=ordering,
            mine=params.get("mine") in ("1", "true"),
        )  # fmt: skip

    def output(self, task) -> dict:
        return ReviewTaskOutput(task, context={**self.get_serializer_context(), "detail": True}).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self.output(self.get_object()))

    @extend_schema(parameters=[
        OpenApiParameter("status", str, description="pending, claimed, …, a comma-separated list, or open"),
        OpenApiParameter("workflow", int), OpenApiParameter("run", str), OpenApiParameter("mine", bool),
        OpenApiParameter("ordering", str, enum=list(selectors.ORDERINGS)),
    ])  # fmt: skip
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=DecideInput, responses=ReviewTaskOutput)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Approve or reject; ``data`` corrects the proposal (checked against the task's form)."""
        task = self.get_object()
        data = DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.review_decide(task=task, user=request.user, **data.validated_data)
        return Response(self.output(task))

    @extend_schema(request=None, responses=ReviewTaskOutput)
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        """Work on the task: other reviewers cannot decide it until it is released."""
        return Response(self.output(services.review_claim(task=self.get_object(), user=request.user)))

    @extend_schema(request=None, responses=ReviewTaskOutput)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return Response(self.output(services.review_release(task=self.get_object(), user=request.user)))

    @extend_schema(request=ReassignInput, responses=ReviewTaskOutput)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """Give the task to other users or teams (who may change its workflow, or an admin)."""
        task = self.get_object()
        if not _may_reassign(request.user, task):
            raise PermissionDenied("reassigning needs the right to change the workflow")
        data = ReassignInput(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.review_reassign(task=task, user=request.user, assignees=data.validated_data["assignees"])
        return Response(self.output(task))


class ReviewMetricsView(APIView):
    """Pending tasks, time to decision, auto-approval rate, agreement with the model."""

    @extend_schema(parameters=[OpenApiParameter("workflow", int)], responses={200: dict})
    def get(self, request):
        workflow = id_param(request.query_params, "workflow")
        return Response(selectors.review_metrics(user=request.user, workflow=workflow))
