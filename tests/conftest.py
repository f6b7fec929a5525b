"""Shared fixtures: a real Celery worker process, users, signed-in clients, waiting helpers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection

from apps.accounts import services as accounts

BASE_DIR = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    if not os.environ.get("REDIS_URL"):
        raise pytest.UsageError(
            "REDIS_URL is not set: run the tests with `make test`, which starts the embedded Redis, "
            "or set REDIS_URL to a Redis server."
        )


def wait_for(condition: Callable[[], object], *, timeout: float = 20, interval: float = 0.1, message: str = ""):
    """Poll until the condition returns something truthy; fail the test after the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {message or condition}")
        time.sleep(interval)


def database_url_for_children() -> str:
    """A DATABASE_URL that points other processes at this test run's database."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def child_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="apps.core.settings.test",
        DATABASE_URL=database_url_for_children(),
        PYTHONUNBUFFERED="1",
        # The loopback test server is the only private address the HTTP node may call.
        OUTBOUND_ALLOWLIST="127.0.0.1/32",
        # The README's custom node, loaded the way an operator would add one.
        SLUICE_NODE_TYPES="tests.engine.custom_nodes.SlugifyNode",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # only ever for the browser tests' own process
    env.update(overrides)
    return env


@dataclass
class WorkerProcess:
    hostname: str
    process: subprocess.Popen
    log_path: Path
    tmp_dir: Path | None = None
    queues: str = "default,io,llm"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill_hard(self) -> None:
        """SIGKILL the worker and its pool processes at once: a machine that lost power."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def pool_pids(self) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def restart(self) -> None:
        """Start a fresh worker process (under a new name) in place of this one."""
        if self.process.poll() is None:
            self.stop()
        fresh = start_worker(self.tmp_dir or self.log_path.parent, queues=self.queues)
        self.hostname, self.process, self.log_path = fresh.hostname, fresh.process, fresh.log_path

    def stop(self, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def start_worker(tmp_dir: Path, *, queues: str = "default,io,llm") -> WorkerProcess:
    """Start a real `celery worker` process against this test run's database and broker."""
    from apps.core.models import ServiceHeartbeat

    hostname = f"test-{uuid.uuid4().hex[:8]}@localhost"
    log_path = tmp_dir / f"worker-{hostname.split('@')[0]}.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "apps.core.celery_app", "worker", "-Q", queues, "-c", "2",
         "-n", hostname, "--without-mingle", "--without-gossip", "-l", "info"],
        env=child_env(),
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so a test can kill it whole
    )  # fmt: skip
    worker = WorkerProcess(hostname=hostname, process=process, log_path=log_path, tmp_dir=tmp_dir, queues=queues)

    def ready():
        if process.poll() is not None:
            pytest.fail(f"worker exited with {process.returncode}:\n{worker.log()[-3000:]}")
        return ServiceHeartbeat.objects.filter(kind="worker", name=hostname).exists()

    wait_for(ready, timeout=60, message="the worker's first heartbeat")
    return worker


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[WorkerProcess]:
    """One real Celery worker process for the whole session; tests using it need transaction=True."""
    with django_db_blocker.unblock():
        worker = start_worker(tmp_path_factory.mktemp("worker"))
    yield worker
    if worker.process.poll() is None:
        worker.stop()


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(username: str | None = None, *, password: str = "correct-horse-battery", superuser: bool = False):
        name = username or f"user{next(counter)}"
        user, _ = accounts.user_ensure(username=name, password=password, is_superuser=superuser)
        return user

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def api_token(user) -> str:
    _, key = accounts.token_create(user=user, name="tests")
    return key


@pytest.fixture
def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class AsgiServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    @property
    def ws_url(self) -> str:
        return "ws" + self.url.removeprefix("http")


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, tmp_path_factory) -> Iterator[AsgiServer]:
    """The real ASGI application under uvicorn, on loopback, against the test database."""
    import httpx

    port = free_port()
    log_path = tmp_path_factory.mktemp("asgi") / "uvicorn.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "apps.core.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--ws", "websockets-sansio", "--lifespan", "off", "--log-level", "warning",
         "--timeout-graceful-shutdown", "5", "--workers", os.environ.get("TEST_WEB_PROCESSES", "1")],
        env=child_env(),
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = AsgiServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)

    def answers():
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited: {log_path.read_text()[-2000:]}")
        try:
            return httpx.get(f"{server.url}/accounts/login/", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(answers, timeout=30, message="uvicorn to answer")
    yield server
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class _TestServerHandler(BaseHTTPRequestHandler):
    """Plays the outside world for HTTP nodes: echo, slow, failing, redirecting endpoints."""

    hits: dict[str, int] = {}

    def log_message(self, *args):  # keep test output clean
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        key = query.get("key", url.path)
        self.hits[key] = self.hits.get(key, 0) + 1
        body = self._body()
        if url.path == "/slow":
            time.sleep(float(query.get("seconds", "1")))
        if url.path.startswith("/status/"):
            return self._send(int(url.path.rsplit("/", 1)[1]), {"error": "as asked"})
        if url.path == "/flaky" and self.hits[key] < int(query.get("succeed_on", "2")):
            # Fails until the given attempt, then answers.
            return self._send(503, {"error": "try again"})
        if url.path == "/redirect":
            self.send_response(302)
            self.send_header("location", query["to"])
            self.send_header("content-length", "0")
            self.end_headers()
            return None
        if url.path == "/big":
            data = b"x" * int(query.get("bytes", "100"))
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode(errors="replace")
        return self._send(
            200,
            {"method": self.command, "path": url.path, "query": query, "json": parsed, "hits": self.hits[key],
             "headers": {k.lower(): v for k, v in self.headers.items()}},
        )  # fmt: skip

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


@dataclass
class TestServer:
    url: str
    handler: type

    def hits(self, key: str) -> int:
        return self.handler.hits.get(key, 0)


@pytest.fixture(scope="session")
def http_server() -> Iterator[TestServer]:
    """A real HTTP server on 127.0.0.1 for HTTP nodes to call."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TestServerHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield TestServer(url=f"http://127.0.0.1:{server.server_address[1]}", handler=_TestServerHandler)
    server.shutdown()


@pytest.fixture(scope="session")
def model_server():
    """The test fixture that plays model providers (tests/fake_provider.py), on 127.0.0.1."""
    from tests import fake_provider

    provider, server = fake_provider.start()
    yield provider
    server.shutdown()
    server.server_close()
