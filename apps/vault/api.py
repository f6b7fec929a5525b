"""``/api/v1/credentials/``: the secret is write-only; nothing here ever returns it."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from apps.accounts.api import ObjectRightsMixin, PermissionsField, ShareMixin
from apps.vault import selectors, services
from apps.vault.models import Credential, CredentialKind


class CredentialOutput(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    has_secret = serializers.SerializerMethodField()
    permissions = PermissionsField()

    class Meta:
        model = Credential
        fields = ["id", "name", "description", "kind", "header", "username", "hosts", "has_secret", "secret_changed_at",
                  "created_by", "created_at", "updated_at", "permissions"]  # fmt: skip

    def get_has_secret(self, credential) -> bool:
        return True  # a credential is never stored without one


class CredentialCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=CredentialKind.choices, default=CredentialKind.BEARER)
    header = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    username = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    hosts = serializers.ListField(child=serializers.CharField(max_length=253), required=False, default=list,
                                  help_text="Host names it may be sent to (*.example.com); empty: any.")  # fmt: skip
    secret = serializers.CharField(write_only=True, trim_whitespace=False, max_length=10_000,
                                   style={"input_type": "password"})  # fmt: skip


class CredentialUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=CredentialKind.choices, required=False)
    header = serializers.CharField(required=False, allow_blank=True, max_length=100)
    username = serializers.CharField(required=False, allow_blank=True, max_length=200)
    hosts = serializers.ListField(child=serializers.CharField(max_length=253), required=False)
    secret = serializers.CharField(write_only=True, required=False, trim_whitespace=False, max_length=10_000,
                                   help_text="Replaces the secret.", style={"input_type": "password"})  # fmt: skip


class CredentialViewSet(ObjectRightsMixin, ShareMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.DestroyModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Credentials the user may see; `use` lets a workflow send one without anyone reading it."""

    serializer_class = CredentialOutput
    rights = {"partial_update": "change", "destroy": "delete"}

    def get_queryset(self):
        return selectors.credentials_for(user=self.request.user, search=self.request.query_params.get("search", ""))

    def output(self, credential) -> dict:
        return CredentialOutput(credential, context=self.get_serializer_context()).data

    @extend_schema(parameters=[OpenApiParameter("search", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CredentialCreateInput, responses={201: CredentialOutput})
    def create(self, request):
        data = CredentialCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = services.credential_create(user=request.user, **data.validated_data)
        return Response(self.output(credential), status=status.HTTP_201_CREATED)

    @extend_schema(request=CredentialUpdateInput, responses=CredentialOutput)
    def partial_update(self, request, pk=None):
        credential = self.get_object()
        data = CredentialUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = services.credential_update(credential=credential, user=request.user, **data.validated_data)
        return Response(self.output(credential))

    def perform_destroy(self, instance):
        services.credential_delete(credential=instance, user=self.request.user)
