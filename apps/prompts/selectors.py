"""Prompt reads, through the restriction point."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.permissions import restrict
from apps.prompts.models import Prompt, PromptTag


def prompts_for(*, user, action: str = "view", search: str = "") -> QuerySet[Prompt]:
    queryset = restrict(Prompt.objects.select_related("created_by"), user, action)
    if search:
        queryset = queryset.filter(name__icontains=search)
    return queryset


def tag_history(*, prompt: Prompt) -> QuerySet:
    return (
        PromptTag.history.filter(prompt_id=prompt.pk)
        .select_related("history_user", "version")
        .order_by("-history_date", "-history_id")
    )
