"""Gateway API: model profiles (versioned, shared like every governed object), "test this
target", the recorded calls and their metrics. Views are thin."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import ObjectRightsMixin, PermissionsField, ShareMixin
from apps.core.api import DomainError
from apps.gateway import providers, selectors, services
from apps.gateway.models import LLMCall, ModelProfile, RoutingPolicy
from apps.workflows.api import base_revision


class ModelProfileOutput(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    permissions = PermissionsField()
    breakers = serializers.SerializerMethodField(help_text="Each target's circuit breaker: open, failures.")

    class Meta:
        model = ModelProfile
        fields = ["id", "name", "description", "policy", "targets", "revision", "created_by", "created_at",
                  "updated_at", "breakers", "permissions"]  # fmt: skip

    def get_breakers(self, profile) -> list[dict]:
        from apps.gateway.routing import Breaker

        return [{"open": (s := Breaker(t).state()).open, "failures": s.failures} for t in profile.targets]


class ModelProfileCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    policy = serializers.ChoiceField(choices=RoutingPolicy.choices, default=RoutingPolicy.FAILOVER)
    targets = serializers.JSONField()


class ModelProfileUpdateInput(serializers.Serializer):
    description = serializers.CharField(required=False, allow_blank=True)
    policy = serializers.ChoiceField(choices=RoutingPolicy.choices, required=False)
    targets = serializers.JSONField(required=False)
    revision = serializers.IntegerField(required=False, min_value=1)


class TestTargetInput(serializers.Serializer):
    target = serializers.IntegerField(min_value=0, required=False, help_text="Only this target (default: the profile)")
    message = serializers.CharField(default="Say hello in five words.", max_length=2000)


class LLMCallOutput(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = LLMCall
        fields = ["id", "run", "node_id", "workflow", "user", "profile", "prompt", "prompt_version", "provider",
                  "model", "target", "attempts", "failovers", "tries", "latency_ms", "ttft_ms", "input_tokens",
                  "output_tokens", "tokens_estimated", "cost", "status", "error", "streamed", "created_at"]  # fmt: skip


class ModelProfileViewSet(ObjectRightsMixin, ShareMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.DestroyModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Model profiles the user may see; `use` lets workflows (and "test") call through one."""

    serializer_class = ModelProfileOutput
    rights = {"partial_update": "change", "destroy": "delete", "test": "use"}

    def get_queryset(self):
        return selectors.profiles_for(user=self.request.user, search=self.request.query_params.get("search", ""))

    def output(self, profile) -> dict:
        return ModelProfileOutput(profile, context=self.get_serializer_context()).data

    @extend_schema(request=ModelProfileCreateInput, responses={201: ModelProfileOutput})
    def create(self, request):
        data = ModelProfileCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.profile_create(user=request.user, **data.validated_data)
        return Response(self.output(profile), status=status.HTTP_201_CREATED)

    @extend_schema(request=ModelProfileUpdateInput, responses=ModelProfileOutput)
    def partial_update(self, request, pk=None):
        profile = self.get_object()
        data = ModelProfileUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        revision = base_revision(request, values)
        values.pop("revision", None)
        profile = services.profile_save(profile=profile, user=request.user, base_revision=revision, **values)
        return Response(self.output(profile))

    def perform_destroy(self, instance):
        services.profile_delete(profile=instance, user=self.request.user)

    @extend_schema(request=TestTargetInput, responses={200: dict})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send one short message through the profile (or one of its targets); the call is recorded."""
        profile = self.get_object()
        data = TestTargetInput(data=request.data)
        data.is_valid(raise_exception=True)
        index = data.validated_data.get("target")
        if index is not None:
            if index >= len(profile.targets):
                raise DomainError(f"the profile has {len(profile.targets)} targets", field="target")
            profile.targets = [profile.targets[index]]
            profile.policy = RoutingPolicy.FAILOVER
        question = providers.Request(messages=[{"role": "user", "content": data.validated_data["message"]}],
                                     max_tokens=64)  # fmt: skip
        try:
            answer = services.complete(profile=profile, request=question, user_id=request.user.pk)
        except services.GatewayError as exc:
            call = LLMCall.objects.filter(pk=exc.extra.get("call")).first()
            return Response({"ok": False, "error": exc.message, "call": LLMCallOutput(call).data if call else None})
        return Response({"ok": True, "text": answer.text, "call": LLMCallOutput(answer.call).data})


class LLMCallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Recorded model calls, for those who may see their run."""

    serializer_class = LLMCallOutput

    def get_queryset(self):
        params = self.request.query_params
        return selectors.calls_for(user=self.request.user, run=params.get("run") or None,
                                   model=params.get("model") or None)  # fmt: skip

    @extend_schema(parameters=[OpenApiParameter("run", str), OpenApiParameter("model", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class LLMMetricsView(APIView):
    """Tokens, cost, latency percentiles, errors and failovers, grouped by model, workflow, user or day."""

    @extend_schema(
        parameters=[
            OpenApiParameter("group_by", str, enum=list(selectors.GROUPS)),
            OpenApiParameter("since", str, description="ISO 8601 date or time"),
            OpenApiParameter("until", str, description="ISO 8601 date or time"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        from apps.engine.api import _datetime_param

        group_by = request.query_params.get("group_by", "model")
        if group_by not in selectors.GROUPS:
            raise DomainError(f"one of {', '.join(selectors.GROUPS)}", field="group_by")
        params = request.query_params
        rows = selectors.metrics(user=request.user, group_by=group_by, since=_datetime_param(params, "since"),
                                 until=_datetime_param(params, "until"))  # fmt: skip
        return Response({"group_by": group_by, "results": rows})
