"""`make run`'s launcher: the embedded default end to end, and clear failures at start."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from websockets.sync.client import connect

from tests.conftest import BASE_DIR, free_port, wait_for

SERVICE_VARIABLES = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SLUICE_REDIS_PREFIX", "DJANGO_SETTINGS_MODULE"}


class Launch:
    """`python -m apps.core.launcher run` in the background, its output collected."""

    def __init__(self, env: dict[str, str]):
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "apps.core.launcher", "run"],
            env=env,
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until_running(self, timeout: float = 180) -> None:
        def running():
            if self.process.poll() is not None:
                pytest.fail(f"launcher exited with {self.process.returncode}:\n{self.output[-4000:]}")
            return "Sluice is running at" in self.output

        wait_for(running, timeout=timeout, interval=0.2, message="the launcher's banner")

    def logins(self) -> dict[str, str]:
        return dict(re.findall(r"^    (admin|analyst|reviewer)\s+(\S+)$", self.output, flags=re.MULTILINE))

    def stop(self, timeout: float = 60) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def processes_mentioning(*needles: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(needle in cmdline for needle in needles):
            found.append(f"{proc.name}: {cmdline}")
    return found


def embedded_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    # SLUICE_LOCAL_MODEL=off: no llama.cpp build in the background while the rest of the suite runs
    # (tests/gateway/test_local.py covers the installer).
    env.update(SLUICE_DATA_DIR=str(data_dir), HOST="127.0.0.1", PORT=str(port), SLUICE_LOCAL_MODEL="off")
    return env


@pytest.mark.embedded
def test_embedded_default_end_to_end(tmp_path):
    """SQLite, the embedded Redis, a real worker and beat: up, green, live, stopped, kept."""
    data_dir, port = tmp_path / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    launch = Launch(embedded_env(data_dir, port))
    try:
        launch.wait_until_running()
        health = httpx.get(f"{base}/healthz", timeout=10)
        assert health.status_code == 200, health.text
        checks = health.json()["checks"]
        assert checks["database"]["detail"].startswith("sqlite")
        assert checks["broker"]["detail"].startswith("redis+socket")
        assert checks["worker"]["ok"] is True

        admin = httpx.get(f"{base}/admin/login/", timeout=10)
        assert admin.status_code == 200 and "Sluice administration" in admin.text
        assert httpx.get(f"{base}/static/core/shell.css", timeout=10).status_code == 200
        assert httpx.get(f"{base}/", timeout=10).headers["location"].startswith("/accounts/login/")
        assert httpx.get(f"{base}/api/docs/", timeout=10).status_code == 200

        logins = launch.logins()
        assert set(logins) == {"admin", "analyst", "reviewer"}
        token = httpx.post(
            f"{base}/api/v1/auth/token/", json={"username": "admin", "password": logins["admin"]}, timeout=10
        ).json()["token"]
        auth = {"Authorization": f"Token {token}"}
        with connect(f"ws://127.0.0.1:{port}/ws/events/", additional_headers=auth, origin=base) as socket:
            check = httpx.post(f"{base}/api/v1/live-check/", json={}, headers=auth, timeout=10).json()
            event = json.loads(socket.recv(timeout=30))
        assert event["type"] == "live.check" and event["id"] == check["id"]

        # The demo workflows run on the embedded worker, from the API and from a webhook.
        analyst = httpx.post(
            f"{base}/api/v1/auth/token/", json={"username": "analyst", "password": logins["analyst"]}, timeout=10
        ).json()["token"]
        as_analyst = {"Authorization": f"Token {analyst}"}
        demos = {w["name"]: w for w in httpx.get(f"{base}/api/v1/workflows/", headers=as_analyst).json()["results"]}
        triage = demos["Claims triage (demo)"]
        run = httpx.post(f"{base}/api/v1/workflows/{triage['id']}/runs/", headers=as_analyst,
                         json={"input": {"id": "C-7", "amount": 5000}}).json()  # fmt: skip
        finished = wait_for(
            lambda: (r := httpx.get(f"{base}/api/v1/runs/{run['id']}/", headers=as_analyst).json())["status"]
            in ("succeeded", "failed") and r,
            message="the demo run",
        )
        assert finished["output"]["decision"] == "review", finished
        hook = httpx.get(f"{base}/api/v1/workflows/{demos['Webhook greeting (demo)']['id']}/webhooks/",
                         headers=as_analyst).json()[0]["path"]  # fmt: skip
        assert httpx.post(f"{base}{hook}", json={"name": "Ada"}, timeout=20).json() == {"greeting": "Hello Ada"}
    finally:
        code = launch.stop()
    assert code == 0, launch.output[-3000:]
    assert processes_mentioning(f"sluice-{launch.process.pid}@", str(data_dir)) == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base}/healthz", timeout=2)
    with sqlite3.connect(data_dir / "sluice.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    # A second start is quick, keeps the data and prints the same logins.
    again = Launch(embedded_env(data_dir, port))
    try:
        started = time.monotonic()
        again.wait_until_running()
        elapsed = time.monotonic() - started
        assert again.logins() == logins
        me = httpx.get(f"{base}/api/v1/me/", headers=auth, timeout=10)
        assert me.status_code == 200 and me.json()["username"] == "admin"
        print(f"second start took {elapsed:.1f} s")
    finally:
        assert again.stop() == 0, again.output[-3000:]


def run_launcher(env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "apps.core.launcher", "run"],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}, "sluice: CELERY_BROKER_URL: cannot reach the broker"),
        ({"CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:1//"}, "sluice: CELERY_BROKER_URL: cannot reach"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/sluice"}, "sluice: DATABASE_URL: cannot use the database"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1/"}, "sluice: configuration error: DATABASE_URL: needs"),
        ({"PORT": "eighty"}, "sluice: PORT: expected a port number"),
    ],
    ids=["redis-broker-down", "amqp-broker-down", "database-down", "database-malformed", "port"],
)
def test_bad_configuration_fails_at_start_with_one_line(variables, expected, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(SLUICE_DATA_DIR=str(tmp_path), PORT=str(free_port()), REDIS_URL=os.environ["REDIS_URL"])
    env.update(variables)
    result = run_launcher(env)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected), lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    print(lines[0])


AMQP_URL = os.environ.get("SLUICE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def amqp_reachable() -> bool:
    from kombu import Connection

    try:
        with Connection(AMQP_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception:
        return False
    return True


@pytest.fixture
def scratch_postgres_url(django_db_setup):
    """An empty schema in the test database, first on the search path of a DATABASE_URL, dropped
    afterwards: to the launcher, a fresh PostgreSQL database.

    A schema rather than a database of its own: DROP DATABASE forces a checkpoint of the whole
    server and waits for every backend to take a signal, which under the suite's load took from
    seconds to (once) more than five minutes; dropping a schema waits for neither.
    """
    from urllib.parse import quote

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runs when the suite runs on PostgreSQL (DATABASE_URL set)")
    db = connection.settings_dict
    schema = "sluice_launch"
    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"],
              "password": db["PASSWORD"], "dbname": db["NAME"]}  # fmt: skip
    with psycopg.connect(autocommit=True, options="-c statement_timeout=60s", **server) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    options = quote(f"-c search_path={schema}", safe="")
    yield f"postgres://{db['USER']}{password}@{server['host']}:{server['port']}/{db['NAME']}?options={options}"
    with psycopg.connect(autocommit=True, options="-c statement_timeout=60s", **server) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.mark.django_db  # so that the test database (which holds the scratch schema) is set up
@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_the_same_command_runs_on_production_services(broker, scratch_postgres_url, tmp_path):
    """DATABASE_URL, CELERY_BROKER_URL and REDIS_URL set: PostgreSQL, Redis or RabbitMQ, channels-redis."""
    if broker == "rabbitmq" and not amqp_reachable():
        pytest.skip(f"no RabbitMQ at {AMQP_URL}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = embedded_env(tmp_path / "data", port)
    env.update(
        DATABASE_URL=scratch_postgres_url,
        REDIS_URL=os.environ["REDIS_URL"],
        SLUICE_REDIS_PREFIX=f"sluice-launch-{os.getpid()}",
        CELERY_BROKER_URL=AMQP_URL if broker == "rabbitmq" else os.environ["REDIS_URL"],
    )
    launch = Launch(env)
    try:
        launch.wait_until_running()
        checks = httpx.get(f"{base}/healthz", timeout=10).json()["checks"]
        assert checks["database"]["detail"].startswith("postgresql")
        assert checks["broker"]["detail"].startswith("amqp" if broker == "rabbitmq" else "redis")
        assert checks["worker"]["ok"] is True
        # The embedded Redis was not started: every service is the one named by the environment.
        assert not (tmp_path / "data" / "redis").exists()
        # The launcher migrated and seeded the empty database it was given.
        with psycopg.connect(scratch_postgres_url) as conn:
            assert conn.execute("SELECT current_schema()").fetchone()[0] == "sluice_launch"
            assert conn.execute("SELECT count(*) FROM auth_user WHERE username = 'admin'").fetchone()[0] == 1
        token = httpx.post(
            f"{base}/api/v1/auth/token/",
            json={"username": "admin", "password": launch.logins()["admin"]},
            timeout=10,
        ).json()["token"]
        auth = {"Authorization": f"Token {token}"}
        with connect(f"ws://127.0.0.1:{port}/ws/events/", additional_headers=auth, origin=base) as socket:
            check = httpx.post(f"{base}/api/v1/live-check/", json={}, headers=auth, timeout=10).json()
            assert json.loads(socket.recv(timeout=30))["id"] == check["id"]
    finally:
        assert launch.stop() == 0, launch.output[-3000:]


def test_a_crashed_process_is_started_again_until_it_keeps_crashing(monkeypatch):
    from apps.core.launcher import Supervisor

    supervisor = Supervisor()
    monkeypatch.setattr(Supervisor, "MAX_RESTARTS", 2)
    supervisor.start("worker", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ))
    try:
        deadline = time.monotonic() + 20
        crashed = None
        while crashed is None and time.monotonic() < deadline:
            time.sleep(0.1)
            crashed = supervisor.restart_crashed()
        assert crashed == ("worker", 3)
        assert len(supervisor.restarts["worker"]) == 2
    finally:
        supervisor.stop_all()
