"""The worker heartbeat: each Celery worker records every few seconds that it is alive.

/healthz reads these rows. They live in the database rather than in Redis so that the
check works with any broker (Redis or RabbitMQ) and proves the worker can reach the
database it needs for real work.
"""

from __future__ import annotations

import logging
import os
import threading

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

_stop = threading.Event()
_state: dict = {}

# The heartbeat's database connection is open only while this lock is held, and the worker
# never forks a pool process while it is: a child must not inherit an open connection. (An
# inherited SQLite connection confuses the file locks of WAL mode, and a process can then go
# on reading an old snapshot of the database for good.)
_connection_lock = threading.Lock()
os.register_at_fork(
    before=_connection_lock.acquire,
    after_in_parent=_connection_lock.release,
    after_in_child=_connection_lock.release,
)


def _beat_forever(hostname: str, queues: list[str]) -> None:
    from apps.core import services
    from apps.core.models import ServiceHeartbeat

    started_at = timezone.now()
    interval = settings.WORKER_HEARTBEAT_SECONDS
    while True:
        with _connection_lock:
            try:
                services.heartbeat_record(
                    kind=ServiceHeartbeat.Kind.WORKER, name=hostname, pid=os.getpid(), queues=queues,
                    started_at=started_at,
                )  # fmt: skip
            except Exception:
                # The database may be restarting; keep trying, /healthz shows the gap.
                logger.warning("worker heartbeat could not be recorded", exc_info=True)
            finally:
                connection.close()
        if _stop.wait(interval):
            break


@worker_ready.connect
def start_heartbeat(sender=None, **kwargs) -> None:
    hostname = getattr(sender, "hostname", None) or "worker"
    queues = sorted(sender.app.amqp.queues.consume_from) if sender is not None else []
    _stop.clear()
    thread = threading.Thread(target=_beat_forever, args=(hostname, queues), name="sluice-heartbeat", daemon=True)
    thread.start()
    _state.update(thread=thread, hostname=hostname)


@worker_shutdown.connect
def stop_heartbeat(**kwargs) -> None:
    thread = _state.pop("thread", None)
    if thread is None:
        return
    _stop.set()
    thread.join(timeout=5)
    from apps.core import services
    from apps.core.models import ServiceHeartbeat

    try:
        services.heartbeat_clear(kind=ServiceHeartbeat.Kind.WORKER, name=_state.get("hostname", "worker"))
    except Exception:
        logger.warning("worker heartbeat could not be cleared", exc_info=True)
