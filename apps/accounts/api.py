"""Accounts API: tokens (obtain, list, create, revoke), who am I, users and teams."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import permissions, selectors, services
from apps.accounts.forms import LOCKED_MESSAGE
from apps.accounts.models import ApiToken
from apps.accounts.permissions import ROLES
from apps.audit.middleware import client_address
from apps.core.api import DomainError


class TokenObtainInput(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)


class TokenObtainOutput(serializers.Serializer):
    token = serializers.CharField()
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class TokenObtainView(APIView):
    """Exchange a username and password for a new API token (shown once)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenObtainInput, responses={200: TokenObtainOutput})
    def post(self, request):
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        username, address = data.validated_data["username"], client_address(request)
        if services.login_locked(username=username, address=address):
            raise Throttled(detail=LOCKED_MESSAGE)
        user = authenticate(
            request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError({"password": ["Unable to sign in with this username and password."]})
        services.login_succeeded(username=username, address=address)
        token, key = services.token_create(user=user, name=data.validated_data.get("name", ""))
        body = TokenObtainOutput({"token": key, "prefix": token.prefix, "expires_at": token.expires_at}).data
        return Response(body, status=status.HTTP_200_OK)


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    is_superuser = serializers.BooleanField()
    teams = serializers.SerializerMethodField()

    def get_teams(self, user) -> list[str]:
        return sorted(user.groups.values_list("name", flat=True))


class MeView(APIView):
    """The signed-in user."""

    @extend_schema(responses=MeOutput)
    def get(self, request):
        return Response(MeOutput(request.user).data)


class TokenOutput(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]


class TokenCreatedOutput(TokenOutput):
    token = serializers.CharField(help_text="The key, shown this once.")

    class Meta(TokenOutput.Meta):
        fields = [*TokenOutput.Meta.fields, "token"]


class TokenCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True, default="")
    expires_in_days = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True)


class TokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The signed-in user's API tokens; DELETE revokes one (it stays listed, revoked)."""

    serializer_class = TokenOutput
    queryset = ApiToken.objects.none()  # the schema's model; requests get their own tokens

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return selectors.tokens_of(user=self.request.user)

    @extend_schema(request=TokenCreateInput, responses={201: TokenCreatedOutput})
    def create(self, request):
        data = TokenCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        days = data.validated_data.get("expires_in_days")
        token, key = services.token_create(
            user=request.user, name=data.validated_data["name"],
            expires_at=timezone.now() + timedelta(days=days) if days else None,
        )  # fmt: skip
        token.token = key
        return Response(TokenCreatedOutput(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.token_revoke(token=instance, user=self.request.user)


class UserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class UserAdminOutput(UserOutput):
    email = serializers.EmailField()
    is_active = serializers.BooleanField()
    is_staff = serializers.BooleanField()
    is_superuser = serializers.BooleanField()
    teams = serializers.SerializerMethodField()

    def get_teams(self, user) -> list[str]:
        return sorted(group.name for group in user.groups.all())


class UserCreateInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(min_length=8, write_only=True, trim_whitespace=False)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    teams = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    is_staff = serializers.BooleanField(required=False, default=False)


class UserUpdateInput(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True)
    teams = serializers.ListField(child=serializers.CharField(), required=False)
    is_active = serializers.BooleanField(required=False)
    is_staff = serializers.BooleanField(required=False)
    password = serializers.CharField(min_length=8, write_only=True, required=False, trim_whitespace=False)


class AdminWritesMixin:
    """Everyone signed in may list (to share with); only admins may create or change."""

    def get_permissions(self):
        if self.action in ("create", "partial_update", "destroy"):
            return [IsAdminUser()]
        return super().get_permissions()


class UserViewSet(AdminWritesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Users by name (everyone signed in, for sharing); admins also see and manage the details."""

    def get_queryset(self):
        return selectors.users(search=self.request.query_params.get("search", ""))

    def get_serializer_class(self):
        return UserAdminOutput if self.request.user.is_staff else UserOutput

    @extend_schema(parameters=[OpenApiParameter("search", str)], responses=UserOutput(many=True))
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=UserCreateInput, responses={201: UserAdminOutput})
    def create(self, request):
        data = UserCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(actor=request.user, **data.validated_data)
        return Response(UserAdminOutput(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateInput, responses=UserAdminOutput)
    def partial_update(self, request, pk=None):
        data = UserUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=self.get_object(), actor=request.user, **data.validated_data)
        return Response(UserAdminOutput(user).data)


class TeamOutput(serializers.ModelSerializer):
    members = serializers.IntegerField(source="member_count", read_only=True)

    class Meta:
        model = Group
        fields = ["id", "name", "members"]


class TeamDetailOutput(TeamOutput):
    usernames = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField(help_text="Roles the team holds on every object of a kind.")

    class Meta(TeamOutput.Meta):
        fields = [*TeamOutput.Meta.fields, "usernames", "roles"]

    def get_usernames(self, team) -> list[str]:
        return sorted(team.user_set.values_list("username", flat=True))

    def get_roles(self, team) -> dict[str, list[str]]:
        return services.team_global_actions(team=team)


class TeamWriteInput(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False)
    usernames = serializers.ListField(child=serializers.CharField(), required=False)
    roles = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text='Actions on every object of a kind: {"workflow": ["view", "run"], "prompt": ["view"]}',
    )  # fmt: skip


class TeamViewSet(AdminWritesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                  viewsets.GenericViewSet):  # fmt: skip
    """Teams (groups): members, and rights on every object of a kind; admins manage them."""

    def get_queryset(self):
        queryset = Group.objects.annotate(member_count=Count("user")).order_by("name")
        search = self.request.query_params.get("search", "")
        return queryset.filter(name__icontains=search) if search else queryset

    def get_serializer_class(self):
        return TeamOutput if self.action == "list" else TeamDetailOutput

    @extend_schema(parameters=[OpenApiParameter("search", str)], responses=TeamOutput(many=True))
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=TeamWriteInput, responses={201: TeamDetailOutput})
    def create(self, request):
        data = TeamWriteInput(data=request.data)
        data.is_valid(raise_exception=True)
        if "name" not in data.validated_data:
            raise serializers.ValidationError({"name": ["This field is required."]})
        team = services.team_save(team=None, actor=request.user, **data.validated_data)
        return Response(TeamDetailOutput(self.get_queryset().get(pk=team.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TeamWriteInput, responses=TeamDetailOutput)
    def partial_update(self, request, pk=None):
        data = TeamWriteInput(data=request.data)
        data.is_valid(raise_exception=True)
        team = services.team_save(team=self.get_object(), actor=request.user, **data.validated_data)
        return Response(TeamDetailOutput(self.get_queryset().get(pk=team.pk)).data)

    def perform_destroy(self, instance):
        services.team_delete(team=instance, actor=self.request.user)



# --- Per-object rights in the other apps' viewsets ----------------------------------------


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class PermissionsField(serializers.Field):
    """The actions the signed-in user has on the object, so clients offer only those."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj) -> list[str]:
        known = self.context.get("actions") or {}
        if obj.pk in known:
            return known[obj.pk]
        request = self.context.get("request")
        return permissions.actions_on(request.user, obj) if request is not None else []


class ObjectRightsMixin:
    """For viewsets of objects with rights of their own: ``get_object`` answers 404 when the
    user may not see the object and 403 when they may not do ``rights[action]`` with it; list
    pages carry each row's ``permissions`` (two queries a page)."""

    rights: dict[str, str] = {}

    def right_needed(self) -> str:
        return self.rights.get(self.action, "view")

    def get_object(self):
        try:
            obj = super().get_object()
        except (Http404, ValueError, DjangoValidationError):
            raise Http404 from None
        permissions.require(self.request.user, obj, self.right_needed())
        return obj

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page and type(page[0])._meta.label_lower in permissions.ACTIONS:
            self._actions = permissions.actions_for(self.request.user, page)
        return page

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "actions": getattr(self, "_actions", {})}


class ShareInput(serializers.Serializer):
    user = serializers.CharField(required=False, help_text="A username")
    group = serializers.CharField(required=False, help_text="A team's name")
    permissions = serializers.ListField(child=serializers.CharField(), required=False)
    role = serializers.ChoiceField(choices=sorted(ROLES), required=False)

    def validate(self, data):
        if ("user" in data) == ("group" in data):
            raise serializers.ValidationError({"user": ["name a user or a group (one of them)"]})
        if ("permissions" in data) == ("role" in data):
            raise serializers.ValidationError({"permissions": ["give permissions or a role (one of them)"]})
        return data


class ShareOutput(serializers.Serializer):
    actions = serializers.ListField(child=serializers.CharField())
    roles = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    grants = serializers.ListField(child=serializers.DictField())


class ShareMixin:
    """``GET …/share/`` lists who holds which rights; ``POST`` sets one user's or team's rights
    (needs the share right). Every change is audited."""

    def _share_body(self, obj) -> dict:
        model = type(obj)
        return {
            "actions": list(permissions.actions_of_model(model)),
            "roles": {role: sorted(services.role_actions(model=model, role=role),
                                   key=permissions.actions_of_model(model).index) for role in permissions.ROLES},
            "grants": services.grants_of(obj=obj),
        }  # fmt: skip

    @extend_schema(request=ShareInput, responses=ShareOutput)
    @action(detail=True, methods=["get", "post"])
    def share(self, request, **kwargs):
        obj = self.get_object()
        if request.method == "GET":
            return Response(self._share_body(obj))
        permissions.require(request.user, obj, "share")
        data = ShareInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = group = None
        if "user" in values:
            user = get_user_model().objects.filter(username=values["user"], is_active=True).first()
            if user is None:
                raise DomainError("no such user", field="user")
        else:
            group = Group.objects.filter(name=values["group"]).first()
            if group is None:
                raise DomainError("no such team", field="group")
        actions = values.get("permissions")
        if actions is None:
            actions = services.role_actions(model=type(obj), role=values["role"])
        services.object_share(obj=obj, actor=request.user, user=user, group=group, actions=actions)
        return Response(self._share_body(obj))
