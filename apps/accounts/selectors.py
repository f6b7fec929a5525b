"""Accounts reads."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from apps.accounts.models import ApiToken


def tokens_of(*, user) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def users(*, search: str = "") -> QuerySet:
    queryset = get_user_model().objects.filter(is_active=True).prefetch_related("groups").order_by("username")
    return queryset.filter(username__icontains=search) if search else queryset
