"""Engine API: node types for the palette, runs with their steps, cancel."""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.engine import selectors, services
from apps.engine.models import Run, RunStatus, Step
from apps.engine.registry import get_registry


class NodeTypeOutput(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    inputs = serializers.ListField(child=serializers.CharField())
    outputs = serializers.ListField(child=serializers.CharField())
    params_schema = serializers.DictField()
    speed = serializers.CharField()
    trigger = serializers.BooleanField()


class NodeTypesView(APIView):
    """Every node type with its ports and param JSON Schema (the canvas palette)."""

    @extend_schema(responses=NodeTypeOutput(many=True))
    def get(self, request):
        return Response([node.describe() for node in get_registry().all()])


class StepOutput(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ["node_id", "type", "status", "attempts", "params", "input", "output", "ports", "error",
                  "worker", "started_at", "finished_at"]  # fmt: skip


class RunListOutput(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Run
        fields = ["id", "workflow", "version", "status", "trigger", "input", "output", "error", "created_by",
                  "created_at", "started_at", "finished_at"]  # fmt: skip


class RunOutput(RunListOutput):
    steps = StepOutput(many=True, read_only=True)

    class Meta(RunListOutput.Meta):
        fields = [*RunListOutput.Meta.fields, "steps"]


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs the user may see, newest first."""

    serializer_class = RunOutput

    def get_queryset(self):
        status = self.request.query_params.get("status") or None
        if status and status not in RunStatus.values:
            from apps.core.api import DomainError

            raise DomainError(f"unknown status; one of {', '.join(RunStatus.values)}", field="status")
        workflow = self.request.query_params.get("workflow")
        if workflow is not None and not workflow.isdigit():
            from apps.core.api import DomainError

            raise DomainError("must be a workflow id", field="workflow")
        return selectors.runs_for(
            user=self.request.user, workflow_id=int(workflow) if workflow else None, status=status
        )

    def get_serializer_class(self):
        return RunListOutput if self.action == "list" else RunOutput

    @extend_schema(
        parameters=[OpenApiParameter("workflow", int), OpenApiParameter("status", str, enum=RunStatus.values)],
        responses=RunListOutput(many=True),
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_object(self):
        try:
            return selectors.run_detail(user=self.request.user, run_id=uuid.UUID(str(self.kwargs["pk"])))
        except (Run.DoesNotExist, ValueError):
            raise Http404 from None

    @extend_schema(request=None, responses=RunOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        run = services.run_cancel(run=self.get_object())
        return Response(RunOutput(selectors.run_detail(user=request.user, run_id=run.pk)).data)
