"""Redis, the broker, stops and comes back during a batch: the whole app on its own Redis."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tests.conftest import wait_for
from tests.engine.helpers import edge, node


def start_tcp_redis(directory, port: int):
    """A private redis-server on 127.0.0.1:port with an append-only file, like a production Redis."""
    import subprocess

    from apps.core import launcher

    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [str(launcher.redis_server_binary()), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
         "--appendonly", "yes", "--save", "", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    import redis as redis_client

    wait_for(lambda: _pings(redis_client, port), timeout=15, message="the private Redis")
    return process


def _pings(redis_client, port: int) -> bool:
    try:
        return redis_client.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping()
    except redis_client.RedisError:
        return False


@dataclass
class OwnSluice:
    """A whole Sluice (web, worker, beat) on a Redis of its own that a test may restart."""

    base: str
    auth: dict
    redis: object
    redis_port: int
    redis_dir: object
    alive: Callable[[], bool] = field(default=lambda: True)  # the launcher's process still runs

    def restart_redis(self) -> None:
        self.redis.terminate()  # Redis stops (saving its append-only file) ...
        self.redis.wait(10)
        time.sleep(2)
        self.redis = start_tcp_redis(self.redis_dir, self.redis_port)  # ... and comes back


@contextlib.contextmanager
def own_sluice(tmp_path) -> Iterator[OwnSluice]:
    """Start it, sign in as the demo admin, and stop everything afterwards (its output shown on failure)."""
    import httpx

    from tests.conftest import free_port
    from tests.core.test_launcher import Launch, embedded_env

    redis_port = free_port()
    redis = start_tcp_redis(tmp_path / "redis", redis_port)
    port = free_port()
    env = embedded_env(tmp_path / "data", port)
    env.update(REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", ENGINE_SWEEP_SECONDS="2",
               ENGINE_SWEEP_GRACE_SECONDS="3", WORKER_HEARTBEAT_SECONDS="1")  # fmt: skip
    app = Launch(env)
    base = f"http://127.0.0.1:{port}"
    sluice = OwnSluice(base, {}, redis, redis_port, tmp_path / "redis")
    try:
        app.wait_until_running()
        token = httpx.post(f"{base}/api/v1/auth/token/",
                           json={"username": "admin", "password": app.logins()["admin"]}).json()["token"]  # fmt: skip
        sluice.auth = {"Authorization": f"Token {token}"}
        sluice.alive = lambda: app.process.poll() is None
        yield sluice
    except BaseException:
        print(app.output[-6000:])
        raise
    finally:
        app.stop()
        sluice.redis.terminate()
        sluice.redis.wait(10)


def test_redis_restarted_during_a_batch_every_item_finishes(tmp_path):
    """The whole app (web, worker, beat) on its own Redis; that Redis stops and comes back mid-batch.

    It drives its own Sluice over HTTP and uses no test database, so it takes no database
    fixture (a transactional one here disturbed later tests on SQLite).
    """
    import httpx

    with own_sluice(tmp_path) as sluice:
        base, auth = sluice.base, sluice.auth
        graph = {
            "nodes": [node("in", "trigger.manual"), node("wait", "delay", seconds=0.3),
                      node("out", "output", value="{{ input.n }}")],
            "edges": [edge("in", "wait"), edge("wait", "out")],
        }  # fmt: skip
        workflow = httpx.post(f"{base}/api/v1/workflows/", json={"name": "b", "graph": graph}, headers=auth).json()
        items = [{"n": i} for i in range(60)]
        batch = httpx.post(f"{base}/api/v1/workflows/{workflow['id']}/batches/",
                           json={"items": items, "concurrency": 10}, headers=auth).json()  # fmt: skip

        def progress():
            return httpx.get(f"{base}/api/v1/batches/{batch['id']}/", headers=auth, timeout=10).json()

        wait_for(lambda: progress()["counts"]["succeeded"] >= 10, timeout=60, message="the batch to get going")
        sluice.restart_redis()
        done = wait_for(
            lambda: sluice.alive() and (p := progress())["status"] == "finished" and p,
            timeout=120, interval=1, message="the batch to finish after the restart",
        )  # fmt: skip
        assert done["counts"]["succeeded"] == 60, done
        outcomes = httpx.get(f"{base}/api/v1/batches/{batch['id']}/runs/?page_size=100", headers=auth).json()
        assert sorted(o["output"] for o in outcomes["results"]) == list(range(60))
        assert outcomes["count"] == 60
