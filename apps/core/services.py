"""Core writes: heartbeats and the live-events check."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.models import ServiceHeartbeat


def heartbeat_record(*, kind: str, name: str, pid: int | None, queues: list[str], started_at: datetime) -> None:
    """Record that a worker or the scheduler is alive now."""
    now = timezone.now()
    ServiceHeartbeat.objects.update_or_create(
        kind=kind,
        name=name,
        defaults={"pid": pid, "queues": queues, "last_seen": now},
        create_defaults={"pid": pid, "queues": queues, "last_seen": now, "started_at": started_at},
    )


def heartbeat_clear(*, kind: str, name: str) -> None:
    """Forget a worker that shut down cleanly, so /healthz notices at once."""
    ServiceHeartbeat.objects.filter(kind=kind, name=name).delete()


def live_check_start(*, user_id: int) -> str:
    """Ask a worker to send an event to the user's live stream; returns the check's id."""
    from apps.core.tasks import live_check

    check_id = str(uuid.uuid4())
    transaction.on_commit(lambda: live_check.delay(check_id=check_id, user_id=user_id))
    return check_id
