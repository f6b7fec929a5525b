"""Vault reads, through the restriction point (never the secret)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.permissions import restrict
from apps.vault.models import Credential


def credentials_for(*, user, action: str = "view", search: str = "") -> QuerySet[Credential]:
    queryset = restrict(Credential.objects.select_related("created_by").defer("ciphertext"), user, action)
    return queryset.filter(name__icontains=search) if search else queryset
