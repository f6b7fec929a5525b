"""Engine API: node types for the palette, runs with their steps, cancel."""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import DomainError, id_param
from apps.engine import batches, selectors, services
from apps.engine.models import Batch, Run, RunStatus, Step
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
    settings_schema = serializers.DictField(help_text="JSON Schema of a node's optional `settings` object.")
    settings_defaults = serializers.DictField(help_text="What applies when a setting is left out.")


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
    workflow_name = serializers.CharField(source="workflow.name", read_only=True)

    class Meta:
        model = Run
        fields = ["id", "workflow", "workflow_name", "version", "tag", "status", "trigger", "input", "output",
                  "error", "created_by", "created_at", "started_at", "finished_at", "batch"]  # fmt: skip


class RunOutput(RunListOutput):
    steps = StepOutput(many=True, read_only=True)
    prompts = serializers.SerializerMethodField(help_text="The exact prompt versions the run rendered.")
    graph = serializers.JSONField(source="workflow_version.graph", read_only=True, help_text="The pinned graph.")
    permissions = serializers.SerializerMethodField(help_text="view; run (re-run) and cancel when allowed.")

    class Meta(RunListOutput.Meta):
        fields = [*RunListOutput.Meta.fields, "steps", "graph", "prompts", "permissions"]

    def get_prompts(self, run) -> list[dict]:
        return services.prompts_used(run)

    def get_permissions(self, run) -> list[str]:
        from apps.accounts.permissions import run_actions

        request = self.context.get("request")
        return run_actions(request.user, run) if request is not None else []

    def to_representation(self, run):
        """Each step with the model calls it made (one query for the whole run)."""
        from apps.gateway.selectors import calls_of_run

        data = super().to_representation(run)
        calls = calls_of_run(run)
        for step in data["steps"]:
            step["llm_calls"] = calls.get(step["node_id"], [])
        return data


def _datetime_param(params, name: str):
    """An ISO 8601 date or date-time query parameter (a date means its midnight), or None."""
    from datetime import datetime, time

    from django.utils import timezone
    from django.utils.dateparse import parse_date, parse_datetime

    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw) or (
            datetime.combine(day, time.min) if (day := parse_date(raw)) is not None else None
        )
    except ValueError:
        value = None
    if value is None:
        raise DomainError("must be an ISO 8601 date or date-time", field=name)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs the user may see, newest first."""

    serializer_class = RunOutput

    def get_queryset(self):
        status = self.request.query_params.get("status") or None
        if status and status not in RunStatus.values:
            raise DomainError(f"unknown status; one of {', '.join(RunStatus.values)}", field="status")
        params = self.request.query_params
        return selectors.runs_for(
            user=self.request.user, workflow_id=id_param(params, "workflow"), status=status,
            created_by=params.get("created_by") or None, trigger=params.get("trigger") or None,
            since=_datetime_param(params, "since"), until=_datetime_param(params, "until"),
        )  # fmt: skip

    def get_serializer_class(self):
        return RunListOutput if self.action == "list" else RunOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("workflow", int),
            OpenApiParameter("status", str, enum=RunStatus.values),
            OpenApiParameter("created_by", str, description="Username of who started the run"),
            OpenApiParameter("trigger", str, description="manual, webhook, schedule, batch, call"),
            OpenApiParameter("since", str, description="ISO 8601 date or time: runs created at or after it"),
            OpenApiParameter("until", str, description="ISO 8601 date or time: runs created before it"),
        ],
        responses=RunListOutput(many=True),
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_object(self):
        try:
            return selectors.run_detail(user=self.request.user, run_id=uuid.UUID(str(self.kwargs["pk"])))
        except (Run.DoesNotExist, ValueError):
            raise Http404 from None

    @extend_schema(request=None, responses={201: RunOutput})
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        """Run the same pinned version again with the same input."""
        from rest_framework import status as http

        run = self.get_object()
        if not selectors.run_rerunnable(user=request.user, run=run):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied("you may see this run but not run its workflow")
        again = services.run_rerun(run=run, user=request.user)
        detail = selectors.run_detail(user=request.user, run_id=again.pk)
        return Response(self.get_serializer(detail).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=None, responses=RunOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        from apps.accounts.permissions import require

        run = self.get_object()
        require(request.user, run, "cancel")
        run = services.run_cancel(run=run, user=request.user)
        return Response(self.get_serializer(selectors.run_detail(user=request.user, run_id=run.pk)).data)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["get"])
    def evidence(self, request, pk=None):
        """Everything an auditor keeps about one run, as one JSON document (see README, "Evidence")."""
        from apps.audit.evidence import run_evidence

        document = run_evidence(run=self.get_object(), user=request.user)
        return Response(document, headers={
            "Content-Disposition": f'attachment; filename="run-{pk}-evidence.json"',
        })  # fmt: skip


class BatchOutput(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    counts = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Batch
        fields = ["id", "workflow", "version", "status", "total", "concurrency", "source", "counts", "progress",
                  "created_by", "created_at", "started_at", "finished_at"]  # fmt: skip

    def _counts(self, batch) -> dict[str, int]:
        cache = self.context.setdefault("_counts", {})
        if batch.pk not in cache:
            cache[batch.pk] = batches.counts(batch)
        return cache[batch.pk]

    def get_counts(self, batch) -> dict[str, int]:
        return self._counts(batch)

    def get_progress(self, batch) -> float:
        counts = self._counts(batch)
        done = counts["succeeded"] + counts["failed"] + counts["cancelled"]
        return round(done / batch.total, 4) if batch.total else 1.0


class BatchDetailOutput(BatchOutput):
    permissions = serializers.SerializerMethodField(help_text="view; run (retry) and cancel when allowed.")

    class Meta(BatchOutput.Meta):
        fields = [*BatchOutput.Meta.fields, "permissions"]

    def get_permissions(self, batch) -> list[str]:
        from apps.accounts.permissions import run_actions

        request = self.context.get("request")
        return run_actions(request.user, batch) if request is not None else []


class BatchItemOutput(serializers.ModelSerializer):
    run = serializers.UUIDField(source="id")

    class Meta:
        model = Run
        fields = ["batch_index", "run", "status", "input", "output", "error", "started_at", "finished_at"]


class BatchStartInput(serializers.Serializer):
    items = serializers.JSONField(required=False, help_text="A JSON list of run inputs (or upload `file`).")
    file = serializers.FileField(
        required=False, allow_empty_file=True, help_text="JSONL, CSV (header row) or a .json list."
    )
    version = serializers.IntegerField(required=False, min_value=1)
    concurrency = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=50)


class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Batches the user may see, with counts by status and progress."""

    serializer_class = BatchOutput

    def get_queryset(self):
        return selectors.batches_for(user=self.request.user)

    def get_serializer_class(self):
        return BatchOutput if self.action == "list" else BatchDetailOutput

    def get_object(self):
        try:
            return self.get_queryset().get(pk=uuid.UUID(str(self.kwargs["pk"])))
        except (Batch.DoesNotExist, ValueError):
            raise Http404 from None

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        # Counts of the whole page in one query, not one per batch.
        context = {**self.get_serializer_context(), "_counts": batches.counts_for(page)}
        return self.get_paginated_response(BatchOutput(page, many=True, context=context).data)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=RunStatus.values)],
        responses=BatchItemOutput(many=True),
    )
    @action(detail=True, methods=["get"])
    def runs(self, request, pk=None):
        """Per-item outcomes, in item order."""
        items = Run.objects.filter(batch=self.get_object(), superseded=False).order_by("batch_index")
        status = request.query_params.get("status")
        if status:
            items = items.filter(status=status)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(BatchItemOutput(page, many=True).data)

    @extend_schema(request=None, responses=BatchDetailOutput)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run the failed items again (the others are left as they are); needs the right to run."""
        from apps.accounts.permissions import require

        batch = self.get_object()
        require(request.user, batch, "run")
        batches.batch_retry_failed(batch=batch)
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data)

    @extend_schema(request=None, responses=BatchDetailOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        from apps.accounts.permissions import require

        batch = self.get_object()
        require(request.user, batch, "cancel")
        batch = batches.batch_cancel(batch=batch, user=request.user)
        return Response(self.get_serializer(batch).data)


class ComparisonView(APIView):
    """A comparison's items: both outputs per input, what differs, and counts."""

    @extend_schema(responses={200: dict})
    def get(self, request, comparison_id):
        from apps.accounts.permissions import restrict
        from apps.engine import compare
        from apps.engine.models import Comparison

        comparison = restrict(Comparison.objects.select_related("candidate_version"), request.user).filter(
            pk=comparison_id
        ).first()
        if comparison is None:
            raise Http404
        return Response(compare.comparison_result(comparison))
