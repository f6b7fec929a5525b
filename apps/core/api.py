"""Shared API plumbing: pagination, the domain error type and its one JSON handler."""

from __future__ import annotations

from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(PageNumberPagination):
    """Lists answer ``{"count", "next", "previous", "results"}``."""

    page_size_query_param = "page_size"
    max_page_size = 500


class DomainError(Exception):
    """A rule of the domain was broken; services raise it, the handler turns it into JSON."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.code
        self.extra = extra or {}


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


def id_param(params, name: str) -> int | None:
    """A numeric id filter (``workflow``…) from the query string: None when absent, a 400 naming
    it when not a number."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise DomainError(f"must be a {name} id", field=name)
    return int(raw)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code, **exc.extra}
        if exc.field:
            body["field"] = exc.field
            body[exc.field] = [exc.message]
        return Response(body, status=exc.status_code)
    return drf_exception_handler(exc, context)
