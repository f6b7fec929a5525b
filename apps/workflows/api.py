"""Workflows API: CRUD with revision checks, runs, import/export. Views are thin."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.accounts.api import ObjectRightsMixin, PermissionsField, ShareMixin
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
    permissions = PermissionsField()

    class Meta:
        model = Workflow
        fields = ["id", "name", "description", "graph", "revision", "created_by", "created_at", "updated_at",
                  "last_run_status", "last_run_at", "permissions"]  # fmt: skip

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


class RollbackInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=400, default="")


class TagOutput(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField(source="version.version")
    moved_by = serializers.SerializerMethodField()
    moved_at = serializers.DateTimeField()
    reason = serializers.CharField()

    def get_moved_by(self, tag) -> str | None:
        return tag.moved_by.username if tag.moved_by else None


class TagMoveInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class TagHistoryOutput(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.SerializerMethodField()
    change = serializers.SerializerMethodField()
    by = serializers.SerializerMethodField()
    at = serializers.DateTimeField(source="history_date")
    reason = serializers.CharField(source="history_change_reason", allow_null=True)

    def get_version(self, row) -> int | None:
        return row.version.version if row.version_id and row.version else None

    def get_by(self, row) -> str | None:
        return row.history_user.username if row.history_user else None

    def get_change(self, row) -> str:
        return {"+": "created", "~": "moved", "-": "removed"}[row.history_type]


class CompareInput(serializers.Serializer):
    runs = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=100,
        help_text="Past runs of this workflow: their inputs run again, their outputs are the baseline",
    )  # fmt: skip
    items = serializers.ListField(child=serializers.JSONField(), required=False, max_length=100,
                                  help_text="Or inputs, run on both versions")  # fmt: skip
    version = serializers.IntegerField(required=False, min_value=1, help_text="The candidate version")
    tag = serializers.CharField(required=False, max_length=50, help_text="Or the candidate tag")
    baseline_version = serializers.IntegerField(required=False, min_value=1,
                                                help_text="With items: the baseline (default the latest)")  # fmt: skip


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
    version = serializers.IntegerField(required=False, min_value=1, help_text="A version number; default the latest")
    tag = serializers.CharField(required=False, max_length=50, help_text="Or the version a tag points at")

    def validate(self, data):
        if "version" in data and "tag" in data:
            raise serializers.ValidationError({"tag": "name a version or a tag, not both"})
        return data


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
    tags = serializers.SlugRelatedField(many=True, slug_field="name", read_only=True)

    class Meta:
        model = WorkflowVersion
        fields = ["version", "created_at", "author", "reason", "tags"]


class VersionDetailOutput(VersionOutput):
    graph = serializers.JSONField()

    class Meta(VersionOutput.Meta):
        fields = [*VersionOutput.Meta.fields, "name", "description", "graph"]


def base_revision(request, data: dict) -> int:
    """The revision an edit started from: the `revision` field, or an `If-Match` header."""
    if "revision" in data:
        return data["revision"]
    header = request.headers.get("If-Match", "").strip().strip('"').removeprefix("W/").strip('"')
    if header.isdigit():
        return int(header)
    raise DomainError("name the revision this edit started from (`revision` field or If-Match)", field="revision")


class WorkflowViewSet(
    ObjectRightsMixin, ShareMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Workflows the user may see (404 otherwise); acting on one needs that right (403 otherwise).
    Every save names its base revision."""

    serializer_class = WorkflowOutput
    rights = {
        "partial_update": "change", "destroy": "delete", "runs": "run", "batches": "run", "webhook_secret": "change",
        "rollback": "rollback", "tag_move": "publish", "compare": "run",
    }  # fmt: skip

    def output(self, workflow) -> dict:
        return WorkflowOutput(workflow, context=self.get_serializer_context()).data

    def get_queryset(self):
        params = self.request.query_params if self.action == "list" else {}
        ordering = params.get("ordering") or "-updated_at"
        if ordering not in selectors.WORKFLOW_ORDERINGS:
            raise DomainError(f"one of {', '.join(selectors.WORKFLOW_ORDERINGS)}", field="ordering")
        last_run_status = params.get("last_run_status", "")
        if last_run_status and last_run_status not in [*RunStatus.values, "never"]:
            raise DomainError(f"one of {', '.join([*RunStatus.values, 'never'])}", field="last_run_status")
        return selectors.workflows_for(
            user=self.request.user, search=params.get("search", ""), ordering=ordering,
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
        return Response(self.output(copy), status=status.HTTP_201_CREATED)

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
        return Response(self.output(workflow), status=status.HTTP_201_CREATED)

    @extend_schema(request=WorkflowUpdateInput, responses=WorkflowOutput)
    def partial_update(self, request, pk=None):
        workflow = self.get_object()
        data = WorkflowUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        revision = base_revision(request, values)
        values.pop("revision", None)
        workflow = services.workflow_save(workflow=workflow, base_revision=revision, user=request.user, **values)
        return Response(self.output(workflow), headers={"ETag": f'"{workflow.revision}"'})

    def retrieve(self, request, *args, **kwargs):
        workflow = self.get_object()
        return Response(self.output(workflow), headers={"ETag": f'"{workflow.revision}"'})

    def perform_destroy(self, instance):
        services.workflow_delete(workflow=instance, user=self.request.user)

    @extend_schema(request=RunStartInput, responses={201: RunOutput})
    @action(detail=True, methods=["post"])
    def runs(self, request, pk=None):
        """Start a run of the latest version, or of `version`."""
        workflow = self.get_object()
        data = RunStartInput(data=request.data)
        data.is_valid(raise_exception=True)
        tag = data.validated_data.get("tag", "")
        try:
            if tag:
                version = selectors.version_by_tag(workflow=workflow, tag=tag)
            else:
                version = selectors.version_get(workflow=workflow, version=data.validated_data.get("version"))
        except WorkflowVersion.DoesNotExist:
            if tag:
                raise DomainError(f"this workflow has no tag {tag!r}", field="tag") from None
            raise DomainError("no such version of this workflow", field="version") from None
        run = engine_services.run_start(
            workflow_version=version, input=data.validated_data["input"], user=request.user, tag=tag
        )
        run = engine_selectors.run_detail(user=request.user, run_id=run.pk)
        return Response(RunOutput(run, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

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
        hook = services.webhook_set_secret(webhook=hook, secret=data.validated_data["secret"], user=request.user)
        return Response(WebhookOutput(hook).data)

    @extend_schema(responses=VersionOutput(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        workflow = self.get_object()
        versions = workflow.versions.select_related("author").prefetch_related("tags").order_by("-version")
        page = self.paginate_queryset(versions.defer("graph"))
        return self.get_paginated_response(VersionOutput(page, many=True).data)

    @extend_schema(responses=VersionDetailOutput)
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]+)")
    def version(self, request, pk=None, number=None):
        """One version with its graph."""
        workflow = self.get_object()
        try:
            version = selectors.version_get(workflow=workflow, version=int(number))
        except WorkflowVersion.DoesNotExist:
            raise Http404 from None
        return Response(VersionDetailOutput(version).data)

    @extend_schema(request=RollbackInput, responses={201: WorkflowOutput})
    @action(detail=True, methods=["post"], url_path=r"versions/(?P<number>[0-9]+)/rollback")
    def rollback(self, request, pk=None, number=None):
        """A new version equal to this one (the versions after it stay); needs the rollback right."""
        data = RollbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        workflow = services.version_rollback(
            workflow=self.get_object(), version=int(number), user=request.user, reason=data.validated_data["reason"]
        )
        return Response(self.output(workflow), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("from", int, required=True), OpenApiParameter("to", int, required=True)],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """What changed between two versions: nodes added, removed, moved and changed (each param
        with before and after), edges added and removed."""
        from apps.engine.core.diff import diff_graphs

        workflow = self.get_object()
        numbers = {}
        for name in ("from", "to"):
            raw = request.query_params.get(name, "")
            if not raw.isdigit():
                raise DomainError("a version number is needed", field=name)
            numbers[name] = int(raw)
        found = {v.version: v for v in workflow.versions.filter(version__in=numbers.values())}
        for name, number in numbers.items():
            if number not in found:
                raise DomainError(f"this workflow has no version {number}", field=name)
        before, after = found[numbers["from"]], found[numbers["to"]]
        result = diff_graphs(before.graph, after.graph)
        for field in ("name", "description"):
            if getattr(before, field) != getattr(after, field):
                result[field] = {"before": getattr(before, field), "after": getattr(after, field)}
        return Response({"from": before.version, "to": after.version, **result})

    @extend_schema(request=CompareInput, responses={201: dict})
    @action(detail=True, methods=["post"])
    def compare(self, request, pk=None):
        """Run past runs' inputs (or `items`) again on another version; outputs side by side."""
        from apps.engine import compare
        from apps.engine import selectors as runs

        workflow = self.get_object()
        data = CompareInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data

        def version_of(number, tag, field):
            try:
                if tag:
                    return selectors.version_by_tag(workflow=workflow, tag=tag)
                return selectors.version_get(workflow=workflow, version=number)
            except WorkflowVersion.DoesNotExist:
                raise DomainError("no such version or tag of this workflow", field=field) from None

        candidate = version_of(values.get("version"), values.get("tag"), "tag" if values.get("tag") else "version")
        past = None
        if values.get("runs"):
            past = list(runs.runs_for(user=request.user, workflow_id=workflow.pk).filter(pk__in=values["runs"]))
            if len(past) != len(set(values["runs"])):
                raise DomainError("every run must be a run of this workflow that you may see", field="runs")
            order = {run_id: i for i, run_id in enumerate(values["runs"])}
            past.sort(key=lambda run: order[run.pk])
        comparison = compare.comparison_start(
            workflow=workflow, user=request.user, candidate_version=candidate, runs=past, items=values.get("items"),
            baseline_version=version_of(values.get("baseline_version"), "", "baseline_version")
            if values.get("items") else None,
        )  # fmt: skip
        return Response(compare.comparison_result(comparison), status=status.HTTP_201_CREATED)

    @extend_schema(responses=TagOutput(many=True))
    @action(detail=True, methods=["get"])
    def tags(self, request, pk=None):
        """The workflow's tags and the versions they point at."""
        return Response(TagOutput(selectors.tags_of(workflow=self.get_object()), many=True).data)

    @extend_schema(request=TagMoveInput, responses=TagOutput)
    @action(detail=True, methods=["put", "delete"], url_path=r"tags/(?P<name>[^/]+)")
    def tag_move(self, request, pk=None, name=None):
        """Point a tag at a version (creating it), or remove it; needs the publish right. Every
        move is kept in the tag history."""
        workflow = self.get_object()
        if request.method == "DELETE":
            tag = workflow.tags.filter(name=name).first()
            if tag is None:
                raise Http404
            services.tag_delete(tag=tag, user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = TagMoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        tag = services.tag_move(workflow=workflow, name=name, user=request.user, **data.validated_data)
        return Response(TagOutput(tag).data)

    @extend_schema(responses=TagHistoryOutput(many=True))
    @action(detail=True, methods=["get"], url_path="tags-history")
    def tag_history(self, request, pk=None):
        """Every creation, move and removal of the workflow's tags, newest first."""
        page = self.paginate_queryset(selectors.tag_history(workflow=self.get_object()))
        return self.get_paginated_response(TagHistoryOutput(page, many=True).data)

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
        return Response(self.output(workflow), status=status.HTTP_201_CREATED)
