"""What /healthz checks: the database, the broker, a worker heartbeat and the scheduler."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from apps.core import selectors
from apps.core.models import ServiceHeartbeat


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str
    # A check that is not required is reported but does not turn /healthz into a 503.
    required: bool = True

    def as_dict(self) -> dict:
        return {"ok": self.ok, "detail": self.detail, "required": self.required}


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


# /healthz answers within seconds when the database does not: a pooled PostgreSQL connection
# is waited for this long, not the pool's own timeout (meant for requests under load).
DATABASE_CHECK_SECONDS = 3


def check_database(db=None) -> Check:
    db = db or connection
    started = time.perf_counter()
    try:
        pool = db.pool if db.vendor == "postgresql" and db.connection is None else None
        if pool is not None:
            _check_pooled(db, pool)
        else:
            with db.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except Exception as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return Check(False, f"{db.vendor}: {type(exc).__name__}: {first_line}")
    return Check(True, f"{db.vendor}, {_elapsed_ms(started)} ms")


def _check_pooled(db, pool) -> None:
    """SELECT 1 on a pooled connection; when none comes in time, one connection of its own says
    why (refused, unknown host, bad password…), which the pool's timeout does not."""
    from psycopg_pool import PoolTimeout

    pool.open()
    try:
        with pool.connection(timeout=DATABASE_CHECK_SECONDS) as conn:
            conn.execute("SELECT 1").fetchone()
    except PoolTimeout:
        params = {**db.get_connection_params(), "connect_timeout": DATABASE_CHECK_SECONDS}
        with db.Database.connect(**params) as conn:
            conn.execute("SELECT 1").fetchone()
        raise  # it answered now: the pool was only busy


def check_broker(url: str | None = None) -> Check:
    from apps.core.celery_app import app

    url = url or app.conf.broker_url
    transport = url.split("://", 1)[0]
    if transport == "memory":
        return Check(False, "in-process broker: set REDIS_URL or CELERY_BROKER_URL so workers can be reached")
    started = time.perf_counter()
    try:
        with Connection(url, connect_timeout=2, transport_options=app.conf.broker_transport_options) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:
        return Check(False, f"{transport}: cannot connect ({type(exc).__name__})")
    return Check(True, f"{transport}, {_elapsed_ms(started)} ms")


def check_worker() -> Check:
    # Three missed heartbeats and the worker counts as gone.
    window = settings.WORKER_HEARTBEAT_SECONDS * 3
    try:
        alive = list(selectors.heartbeats_recent(kind=ServiceHeartbeat.Kind.WORKER, within_seconds=window))
        latest = alive[0] if alive else selectors.heartbeat_latest(kind=ServiceHeartbeat.Kind.WORKER)
    except Exception as exc:
        return Check(False, f"heartbeats unreadable ({type(exc).__name__})")
    if alive:
        age = (timezone.now() - alive[0].last_seen).total_seconds()
        count = len(alive)
        return Check(True, f"{count} worker{'s' if count != 1 else ''}, last heartbeat {age:.0f} s ago")
    if latest is None:
        return Check(False, "no worker has ever reported")
    age = (timezone.now() - latest.last_seen).total_seconds()
    return Check(False, f"no worker heartbeat for {age:.0f} s")


def check_scheduler() -> Check:
    window = settings.CELERY_BEAT_HEARTBEAT_SECONDS * 3
    try:
        latest = selectors.heartbeat_latest(kind=ServiceHeartbeat.Kind.SCHEDULER)
    except Exception as exc:
        return Check(False, f"heartbeats unreadable ({type(exc).__name__})", required=False)
    if latest is None:
        return Check(False, "beat has not ticked yet", required=False)
    age = (timezone.now() - latest.last_seen).total_seconds()
    if age > window:
        return Check(False, f"no beat tick for {age:.0f} s", required=False)
    return Check(True, f"last tick {age:.0f} s ago", required=False)


def check_local_model() -> Check:
    """Whether the local model answers yet (reported, never required: a provider can do without it)."""
    from apps.gateway.local import state

    current = state()
    return Check(current["state"] == "ready", f"{current['state']}: {current.get('detail', '')}".strip(": "),
                 required=False)  # fmt: skip


def health_report() -> tuple[bool, dict]:
    """Run every check; healthy when every required check passes."""
    checks = {
        "database": check_database(),
        "broker": check_broker(),
        "worker": check_worker(),
        "scheduler": check_scheduler(),
        "local_model": check_local_model(),
    }
    healthy = all(check.ok for check in checks.values() if check.required)
    return healthy, {
        "status": "ok" if healthy else "fail",
        "checks": {name: check.as_dict() for name, check in checks.items()},
    }
