"""Remembers the client's address for the audit entries a request writes."""

from __future__ import annotations

from django.conf import settings

from apps.audit import services


def client_address(request) -> str:
    """REMOTE_ADDR, or the first X-Forwarded-For hop when the proxy headers are trusted."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class AuditSourceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = services.set_source(client_address(request))
        try:
            return self.get_response(request)
        finally:
            services.reset_source(token)
