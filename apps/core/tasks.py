"""Core Celery tasks: thin, named, enqueued on commit."""

from __future__ import annotations

import os
import socket
import time

from celery import shared_task
from django.utils import timezone

from apps.core import events, services
from apps.core.models import ServiceHeartbeat


@shared_task(name="sluice.core.live_check", ignore_result=True)
def live_check(*, check_id: str, user_id: int) -> None:
    """Send a ``live.check`` event from inside the worker to the user's WebSockets."""
    events.emit(
        events.user_group(user_id),
        {"type": "live.check", "id": check_id, "worker": socket.gethostname(), "sent_at": time.time()},
    )


@shared_task(name="sluice.core.scheduler_heartbeat", ignore_result=True)
def scheduler_heartbeat() -> None:
    """Beat sends this on a timer; a worker running it proves beat, broker and worker work together."""
    now = timezone.now()
    services.heartbeat_record(
        kind=ServiceHeartbeat.Kind.SCHEDULER, name="beat", pid=os.getpid(), queues=[], started_at=now
    )
