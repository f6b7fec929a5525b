"""Workflows API: CRUD with revision checks, runs, import/export. Views are thin."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api import DomainError
from apps.engine import batches
from apps.engine import selectors as engine_selectors
from apps.engine import services as engine_services
from apps.engine.api import BatchOutput, BatchStartInput, RunOutput
from apps.engine.models import RunStatus
from apps.workflows import selectors, services
from apps.workflows.models import Workflow, WorkflowVersion


class WorkflowOutput(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    last_run_status = serializers.SerializerMethodField()
    last_run_at = serializers.SerializerMethodField()

    class Meta:
        model = Workflow
        fields = ["id", "name", "description", "graph", "revision", "created_by", "created_at", "updated_at",
                  "last_run_status", "last_run_at"]  # fmt: skip

    def get_last_run_status(self, workflow) -> str | None:
        return getattr(workflow, "last_run_status", None)

    def get_last_run_at(self, workflow) -> datetime | None:
        return getattr(workflow, "last_run_at", None)


class WorkflowListOutput(WorkflowOutput):
    """The list leaves the graph out (a 1,000-node graph per row would make it slow); it
    gives the node count instead."""

    nodes = serializers.SerializerMethodField()

    class Meta(WorkflowOutput.Meta):
        fields = [f for f in WorkflowOutput.Meta.fields if f != "graph"] + ["nodes"]

    def get_nodes(self, workflow) -> int:
        return len((workflow.graph or {}).get("nodes", []))


class DuplicateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)


class ValidateInput(serializers.Serializer):
    graph = serializers.JSONField()


class ValidationOutput(serializers.Serializer):
    errors = serializers.ListField(child=serializers.DictField(), help_text="{node, field, message, code} each")


class WorkflowCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    graph = serializers.JSONField(default=dict)


class WorkflowUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    graph = serializers.JSONField(required=False)
    revision = serializers.IntegerField(required=False, min_value=1, help_text="The revision this edit started from.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class RunStartInput(serializers.Serializer):
    input = serializers.JSONField(default=dict)
    version = serializers.IntegerField(required=False, min_value=1)


class WebhookOutput(serializers.Serializer):
    node_id = serializers.CharField()
    path = serializers.SerializerMethodField()
    signed = serializers.SerializerMethodField()

    def get_path(self, hook) -> str:
        return f"/hooks/{hook.token}/"

    def get_signed(self, hook) -> bool:
        return bool(hook.secret)


class WebhookSecretInput(serializers.Serializer):
    secret = serializers.CharField(allow_blank=True, max_length=200, write_only=True, trim_whitespace=False)


class VersionOutput(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WorkflowVersion
        fields = ["version", "created_at", "author", "reason"]


def base_revision(request, data: dict) -> int:
    """The revision an edit started from: the `revision` field, or an `If-Match` header."""
    if "revision" in data:
        return data["revision"]
    header = request.headers.get("If-Match", "").strip().strip('"').removeprefix("W/").strip('"')
    if header.isdigit():
        return int(header)
    raise DomainError("name the revision this edit started from (`revision` field or If-Match)", field="revision")


class WorkflowViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Workflows the user may see; every save names its base revision."""

    serializer_class = WorkflowOutput

    def get_queryset(self):
        action_name = {
            "partial_update": "change", "destroy": "delete", "runs": "run", "batches": "run",
            "webhook_secret": "change",
        }.get(self.action, "view")  # fmt: skip
        params = self.request.query_params if self.action == "list" else {}
        ordering = params.get("ordering") or "-updated_at"
        if ordering not in selectors.WORKFLOW_ORDERINGS:
            raise DomainError(f"one of {', '.join(selectors.WORKFLOW_ORDERINGS)}", field="ordering")
        last_run_status = params.get("last_run_status", "")
        if last_run_status and last_run_status not in [*RunStatus.values, "never"]:
            raise DomainError(f"one of {', '.join([*RunStatus.values, 'never'])}", field="last_run_status")
        return selectors.workflows_for(
            user=self.request.user, action=action_name, search=params.get("search", ""), ordering=ordering,
            last_run_status=last_run_status, created_by=params.get("created_by", ""),
        )  # fmt: skip

    def get_serializer_class(self):
        return WorkflowListOutput if self.action == "list" else WorkflowOutput

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Part of the name"),
            OpenApiParameter("ordering", str, enum=list(selectors.WORKFLOW_ORDERINGS), description="Sort order"),
            OpenApiParameter("last_run_status", str, enum=[*RunStatus.values, "never"],
                             description="Only workflows whose last run has this status"),
            OpenApiParameter("created_by", str, description="Only workflows created by this username"),
        ],
        responses=WorkflowListOutput(many=True),
    )  # fmt: skip
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=DuplicateInput, responses={201: WorkflowOutput})
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        """A copy of the workflow (same graph and description) at revision 1, owned by the caller."""
        data = DuplicateInput(data=request.data)
        data.is_valid(raise_exception=True)
        copy = services.workflow_duplicate(workflow=self.get_object(), user=request.user, **data.validated_data)
        return Response(WorkflowOutput(copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ValidateInput, responses=ValidationOutput)
    @action(detail=False, methods=["post"])
    def validate(self, request):
        """Every problem of a graph, each naming its node and field, without saving anything."""
        data = ValidateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"errors": services.graph_problems(data.validated_data["graph"])})

    @extend_schema(request=WorkflowCreateInput, responses={201: WorkflowOutput})
    def create(self, request):
        data = WorkflowCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        workflow = services.workflow_create(user=request.user, **data.validated_data)
        return Response(WorkflowOutput(workflow).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WorkflowUpdateInput, responses=WorkflowOutput)
    def partial_update(self, request, pk=None):
        workflow = self.get_object()
        data = WorkflowUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        revision = base_revision(request, values)
        values.pop("revision", None)
        workflow = services.workflow_save(workflow=workflow, base_revision=revision, user=request.user, **values)
        return Response(WorkflowOutput(workflow).data, headers={"ETag": f'"{workflow.revision}"'})

    def retrieve(self, request, *args, **kwargs):
        workflow = self.get_object()
        return Response(WorkflowOutput(workflow).data, headers={"ETag": f'"{workflow.revision}"'})

    def perform_destroy(self, instance):
        services.workflow_delete(workflow=instance)

    @extend_schema(request=RunStartInput, responses={201: RunOutput})
    @action(detail=True, methods=["post"])
    def runs(self, request, pk=None):
        """Start a run of the latest version, or of `version`."""
        workflow = self.get_object()
        data = RunStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            version = selectors.version_get(workflow=workflow, version=data.validated_data.get("version"))
        except WorkflowVersion.DoesNotExist:
            raise DomainError("no such version of this workflow", field="version") from None
        run = engine_services.run_start(workflow_version=version, input=data.validated_data["input"], user=request.user)
        run = engine_selectors.run_detail(user=request.user, run_id=run.pk)
        return Response(RunOutput(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BatchStartInput, responses={201: BatchOutput})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def batches(self, request, pk=None):
        """One run per item of a JSON list (`items`, or the body itself) or an uploaded JSONL/CSV file."""
        workflow = self.get_object()
        body = {"items": request.data} if isinstance(request.data, list) else request.data
        data = BatchStartInput(data=body)
        data.is_valid(raise_exception=True)
        upload = data.validated_data.get("file")
        if upload is not None:
            items = batches.parse_items(content=upload.read(), filename=upload.name or "")
            source = upload.name or "upload"
        elif "items" in data.validated_data:
            items = batches.parse_items(items=data.validated_data["items"])
            source = "json"
        else:
            raise DomainError("send the items as a JSON list (`items`) or upload a `file`", field="items")
        try:
            version = selectors.version_get(workflow=workflow, version=data.validated_data.get("version"))
        except WorkflowVersion.DoesNotExist:
            raise DomainError("no such version of this workflow", field="version") from None
        batch = batches.batch_start(
            workflow_version=version,
            items=items,
            user=request.user,
            concurrency=data.validated_data["concurrency"],
            source=source,
        )
        return Response(BatchOutput(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=WebhookOutput(many=True))
    @action(detail=True, methods=["get"])
    def webhooks(self, request, pk=None):
        """The URL of every webhook trigger of the workflow (and whether calls must be signed)."""
        workflow = self.get_object()
        return Response(WebhookOutput(workflow.webhooks.order_by("node_id"), many=True).data)

    @extend_schema(request=WebhookSecretInput, responses=WebhookOutput)
    @action(detail=True, methods=["post"], url_path=r"webhooks/(?P<node_id>[^/]+)/secret")
    def webhook_secret(self, request, pk=None, node_id=None):
        """Set the HMAC-SHA256 secret callers sign with (`X-Sluice-Signature: sha256=…`); empty turns it off."""
        workflow = self.get_object()
        hook = workflow.webhooks.filter(node_id=node_id).first()
        if hook is None:
            raise Http404
        data = WebhookSecretInput(data=request.data)
        data.is_valid(raise_exception=True)
        hook = services.webhook_set_secret(webhook=hook, secret=data.validated_data["secret"])
        return Response(WebhookOutput(hook).data)

    @extend_schema(responses=VersionOutput(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        workflow = self.get_object()
        page = self.paginate_queryset(workflow.versions.select_related("author").order_by("-version"))
        return self.get_paginated_response(VersionOutput(page, many=True).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        workflow = self.get_object()
        filename = "".join(c if c.isalnum() or c in "-_" else "-" for c in workflow.name)[:60] or "workflow"
        return Response(
            services.workflow_export(workflow=workflow),
            headers={"Content-Disposition": f'attachment; filename="{filename}.sluice.json"'},
        )

    @extend_schema(request=dict, responses={201: WorkflowOutput})
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[JSONParser, MultiPartParser, FormParser])
    def import_(self, request):
        """Create a workflow from an export (JSON body, or a `file` upload)."""
        data = request.data
        upload = request.FILES.get("file")
        if upload is not None:
            import json

            try:
                data = json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise DomainError(f"not a JSON file: {exc}", field="file") from None
        workflow = services.workflow_import(data=data, user=request.user)
        return Response(WorkflowOutput(workflow).data, status=status.HTTP_201_CREATED)

    def get_object(self):
        try:
            return super().get_object()
        except (Http404, ValueError):
            raise Http404 from None
