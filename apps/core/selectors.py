"""Core reads."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from apps.core.models import ServiceHeartbeat


def heartbeats_recent(*, kind: str, within_seconds: float) -> QuerySet[ServiceHeartbeat]:
    """Heartbeats of this kind newer than the given age, newest first."""
    cutoff = timezone.now() - timedelta(seconds=within_seconds)
    return ServiceHeartbeat.objects.filter(kind=kind, last_seen__gte=cutoff).order_by("-last_seen")


def heartbeat_latest(*, kind: str) -> ServiceHeartbeat | None:
    return ServiceHeartbeat.objects.filter(kind=kind).order_by("-last_seen").first()
