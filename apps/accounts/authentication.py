"""``Authorization: Token <key>`` for the REST API and for WebSockets."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

KEYWORD = "Token"


def key_from_header(value: str) -> str | None:
    parts = value.split()
    if len(parts) != 2 or parts[0] != KEYWORD:
        return None
    return parts[1]


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """DRF authentication by API token."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(KEYWORD + " ") and header != KEYWORD:
            return None
        key = key_from_header(header)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Invalid token header: use 'Token <key>'."))
        from apps.accounts import services  # not at import: DRF's settings load this module early

        token = services.token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`, from POST /api/v1/auth/token/",
        }


class TokenAuthMiddleware:
    """Channels middleware: a WebSocket that sends ``Authorization: Token <key>`` is that user.

    Browsers authenticate WebSockets with their session cookie (AuthMiddlewareStack, which
    runs first); scripts and the SDK send the token header instead.
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        headers = dict(scope.get("headers") or [])
        raw = headers.get(b"authorization")
        if raw:
            key = key_from_header(raw.decode("latin-1"))
            from apps.accounts import services

            token = await database_sync_to_async(services.token_authenticate)(key=key or "")
            if token is not None:
                scope = dict(scope, user=token.user)
        return await self.inner(scope, receive, send)
