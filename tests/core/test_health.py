"""/healthz: database, broker and worker heartbeat; 503 when one is down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core import services
from apps.core.celery_app import app as celery_app
from apps.core.models import ServiceHeartbeat
from tests.conftest import start_worker, wait_for


def heartbeat(age_seconds: float, name: str = "w1@host") -> None:
    services.heartbeat_record(kind="worker", name=name, pid=1, queues=["default"], started_at=timezone.now())
    ServiceHeartbeat.objects.filter(kind="worker", name=name).update(
        last_seen=timezone.now() - timedelta(seconds=age_seconds)
    )


@pytest.mark.django_db(transaction=True)
def test_green_with_a_real_worker(client, celery_worker_process):
    response = wait_for(lambda: (r := client.get("/healthz")).status_code == 200 and r, message="/healthz 200")
    body = response.json()
    assert body["status"] == "ok"
    assert {"database", "broker", "worker"} <= set(body["checks"])
    assert all(body["checks"][name]["ok"] for name in ("database", "broker", "worker"))
    assert body["checks"]["database"]["detail"].startswith(("postgresql", "sqlite"))


@pytest.mark.django_db
def test_503_when_no_worker_ever_reported(client):
    ServiceHeartbeat.objects.all().delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["worker"] == {"ok": False, "detail": "no worker has ever reported", "required": True}
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_503_when_the_heartbeat_is_stale(client, settings):
    ServiceHeartbeat.objects.all().delete()
    heartbeat(age_seconds=settings.WORKER_HEARTBEAT_SECONDS * 3 + 30)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["detail"].startswith("no worker heartbeat for ")


@pytest.mark.django_db
def test_fresh_heartbeat_is_healthy(client):
    ServiceHeartbeat.objects.all().delete()
    heartbeat(age_seconds=0)
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"]["detail"].startswith("1 worker, last heartbeat")


@pytest.mark.django_db
def test_503_when_the_broker_is_unreachable(client, monkeypatch):
    ServiceHeartbeat.objects.all().delete()
    heartbeat(age_seconds=0)
    # Nothing listens on port 1: a real connection attempt that fails.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False
    assert "cannot connect" in broker["detail"]


@pytest.mark.django_db
def test_scheduler_is_reported_but_not_required(client):
    ServiceHeartbeat.objects.all().delete()
    heartbeat(age_seconds=0)
    body = client.get("/healthz").json()
    assert body["checks"]["scheduler"] == {"ok": False, "detail": "beat has not ticked yet", "required": False}
    assert body["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_stops_clears_its_heartbeat(tmp_path):
    worker = start_worker(tmp_path)
    assert ServiceHeartbeat.objects.filter(kind="worker", name=worker.hostname).exists()
    assert worker.stop() == 0, worker.log()[-2000:]
    assert not ServiceHeartbeat.objects.filter(kind="worker", name=worker.hostname).exists()


@pytest.mark.django_db(transaction=True)
def test_beat_task_runs_on_the_worker_and_records_the_scheduler(celery_worker_process):
    from apps.core.tasks import scheduler_heartbeat

    ServiceHeartbeat.objects.filter(kind="scheduler").delete()
    scheduler_heartbeat.delay()
    wait_for(lambda: ServiceHeartbeat.objects.filter(kind="scheduler", name="beat").exists(), message="beat tick")


@pytest.mark.django_db
def test_database_check_fails_on_an_unreachable_database(tmp_path):
    from django.db import connection
    from django.db.utils import ConnectionHandler

    from apps.core.health import check_database

    broken = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        broken["NAME"] = str(tmp_path / "missing-dir" / "db.sqlite3")
    else:
        broken["PORT"] = 1
    # Its own alias: PostgreSQL connection pools are kept per alias.
    handler = ConnectionHandler({"default": dict(connection.settings_dict), "broken": broken})
    try:
        result = check_database(handler["broken"])
    finally:
        handler.close_all()
        # A PostgreSQL pool would otherwise keep trying to reach the broken port in the background.
        getattr(handler["broken"], "close_pool", lambda: None)()
    assert result.ok is False
    # PostgreSQL: the pool is waited for a few seconds, then one connection of its own says why.
    assert result.detail.startswith(f"{connection.vendor}: OperationalError"), result.detail
    if connection.vendor == "postgresql":
        assert "refused" in result.detail, result.detail
