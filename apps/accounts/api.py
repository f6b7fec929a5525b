"""Accounts API: obtain a token, who am I."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import services


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
        user = authenticate(
            request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise serializers.ValidationError({"password": ["Unable to sign in with this username and password."]})
        token, key = services.token_create(user=user, name=data.validated_data.get("name", ""))
        body = TokenObtainOutput({"token": key, "prefix": token.prefix, "expires_at": token.expires_at}).data
        return Response(body, status=status.HTTP_200_OK)


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()


class MeView(APIView):
    """The signed-in user."""

    @extend_schema(responses=MeOutput)
    def get(self, request):
        return Response(MeOutput(request.user).data)
