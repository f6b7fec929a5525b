"""Prompts API: CRUD by name with revision checks, versions, diff, rollback, tags, preview. Thin views."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.accounts.api import ObjectRightsMixin, PermissionsField, ShareMixin
from apps.core.api import DomainError
from apps.prompts import selectors, services
from apps.prompts.models import Prompt, PromptVersion
from apps.workflows.api import RollbackInput, TagHistoryOutput, TagMoveInput, TagOutput, base_revision


class PromptOutput(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    permissions = PermissionsField()

    class Meta:
        model = Prompt
        fields = ["name", "description", "template", "system", "variables", "defaults", "revision", "created_by",
                  "created_at", "updated_at", "permissions"]  # fmt: skip


class PromptCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    template = serializers.CharField(trim_whitespace=False)
    system = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    variables = serializers.JSONField(required=False, default=list)
    defaults = serializers.JSONField(required=False, default=dict)


class PromptUpdateInput(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True)
    template = serializers.CharField(required=False, trim_whitespace=False)
    system = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    variables = serializers.JSONField(required=False)
    defaults = serializers.JSONField(required=False)
    revision = serializers.IntegerField(required=False, min_value=1, help_text="The revision this edit started from.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class PromptVersionOutput(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    tags = serializers.SlugRelatedField(many=True, slug_field="name", read_only=True)

    class Meta:
        model = PromptVersion
        fields = ["version", "template", "system", "variables", "defaults", "author", "reason", "created_at", "tags"]


class PromptCompareInput(serializers.Serializer):
    runs = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=100,
                                 help_text="Past runs (of one workflow) that rendered this prompt")  # fmt: skip
    version = serializers.IntegerField(min_value=1, help_text="The prompt version to try instead")


class PreviewInput(serializers.Serializer):
    variables = serializers.JSONField(default=dict)
    version = serializers.IntegerField(required=False, min_value=1)
    tag = serializers.CharField(required=False, max_length=50)


class PromptViewSet(ObjectRightsMixin, ShareMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    mixins.DestroyModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Prompts the user may see, by their unique name; every save names its base revision."""

    serializer_class = PromptOutput
    lookup_field = "name"
    lookup_value_regex = r"[a-z0-9][a-z0-9._-]{0,99}"
    rights = {"partial_update": "change", "rollback": "rollback", "tag_move": "publish", "destroy": "delete"}

    def output(self, prompt) -> dict:
        return PromptOutput(prompt, context=self.get_serializer_context()).data

    def get_queryset(self):
        return selectors.prompts_for(user=self.request.user, search=self.request.query_params.get("search", ""))

    def perform_destroy(self, instance):
        services.prompt_delete(prompt=instance, user=self.request.user)

    @extend_schema(request=PromptCreateInput, responses={201: PromptOutput})
    def create(self, request):
        data = PromptCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        prompt = services.prompt_create(user=request.user, **data.validated_data)
        return Response(self.output(prompt), status=status.HTTP_201_CREATED)

    @extend_schema(request=PromptUpdateInput, responses=PromptOutput)
    def partial_update(self, request, name=None):
        prompt = self.get_object()
        data = PromptUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        revision = base_revision(request, values)
        values.pop("revision", None)
        prompt = services.prompt_save(prompt=prompt, base_revision=revision, user=request.user, **values)
        return Response(self.output(prompt), headers={"ETag": f'"{prompt.revision}"'})

    @extend_schema(responses=PromptVersionOutput(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, name=None):
        prompt = self.get_object()
        page = self.paginate_queryset(prompt.versions.select_related("author").prefetch_related("tags"))
        return self.get_paginated_response(PromptVersionOutput(page, many=True).data)

    @extend_schema(responses=PromptVersionOutput)
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]+)")
    def version(self, request, name=None, number=None):
        version = services.version_of(self.get_object(), int(number))
        return Response(PromptVersionOutput(version).data)

    @extend_schema(request=RollbackInput, responses={201: PromptOutput})
    @action(detail=True, methods=["post"], url_path=r"versions/(?P<number>[0-9]+)/rollback")
    def rollback(self, request, name=None, number=None):
        data = RollbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        prompt = services.prompt_rollback(
            prompt=self.get_object(), version=int(number), user=request.user, reason=data.validated_data["reason"]
        )
        return Response(self.output(prompt), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("from", int, required=True), OpenApiParameter("to", int, required=True)],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, name=None):
        """A unified line diff of the template and system message, and the variable and default changes."""
        prompt = self.get_object()
        found = []
        for field in ("from", "to"):
            raw = request.query_params.get(field, "")
            if not raw.isdigit():
                raise DomainError("a version number is needed", field=field)
            try:
                found.append(prompt.versions.get(version=int(raw)))
            except PromptVersion.DoesNotExist:
                raise DomainError(f"this prompt has no version {raw}", field=field) from None
        return Response(services.diff_versions(*found))

    @extend_schema(responses=TagOutput(many=True))
    @action(detail=True, methods=["get"])
    def tags(self, request, name=None):
        prompt = self.get_object()
        return Response(TagOutput(prompt.tags.select_related("version", "moved_by"), many=True).data)

    @extend_schema(request=TagMoveInput, responses=TagOutput)
    @action(detail=True, methods=["put"], url_path=r"tags/(?P<tag>[^/]+)")
    def tag_move(self, request, name=None, tag=None):
        """Point a tag at a version (creating it); needs the publish right; every move is kept."""
        data = TagMoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        moved = services.prompt_tag_move(prompt=self.get_object(), name=tag, user=request.user, **data.validated_data)
        return Response(TagOutput(moved).data)

    @extend_schema(responses=TagHistoryOutput(many=True))
    @action(detail=True, methods=["get"], url_path="tags-history")
    def tag_history(self, request, name=None):
        page = self.paginate_queryset(selectors.tag_history(prompt=self.get_object()))
        return self.get_paginated_response(TagHistoryOutput(page, many=True).data)

    @extend_schema(request=PromptCompareInput, responses={201: dict})
    @action(detail=True, methods=["post"])
    def compare(self, request, name=None):
        """Run past runs again with another version of this prompt (everything else as it was);
        both outputs per run, side by side."""
        from apps.engine import compare
        from apps.engine import selectors as runs

        prompt = self.get_object()
        data = PromptCompareInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.version_of(prompt, data.validated_data["version"])
        wanted = data.validated_data["runs"]
        past = list(runs.runs_for(user=request.user).filter(pk__in=wanted).select_related("workflow_version"))
        if len(past) != len(set(wanted)):
            raise DomainError("every run must be one you may see", field="runs")
        if len({run.workflow_id for run in past}) != 1:
            raise DomainError("the runs must be runs of one workflow", field="runs")
        if not runs.run_rerunnable(user=request.user, run=past[0]):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied("you may see these runs but not run their workflow")
        order = {run_id: i for i, run_id in enumerate(wanted)}
        past.sort(key=lambda run: order[run.pk])
        comparison = compare.comparison_start(
            workflow=past[0].workflow, user=request.user, candidate_version=past[0].workflow_version, runs=past,
            prompt=prompt.name, prompt_version=data.validated_data["version"],
        )  # fmt: skip
        return Response(compare.comparison_result(comparison), status=status.HTTP_201_CREATED)

    @extend_schema(request=PreviewInput, responses={200: dict})
    @action(detail=True, methods=["post"])
    def preview(self, request, name=None):
        """Render a version (the latest, `version` or `tag`) with sample variables, through the sandbox."""
        prompt = self.get_object()
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        pin = data.validated_data.get("tag") or data.validated_data.get("version") or "latest"
        version = services.resolve(f"{prompt.name}@{pin}")
        return Response(services.render(version, data.validated_data["variables"]))
