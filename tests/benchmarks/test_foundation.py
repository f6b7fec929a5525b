"""Foundation figures: live-event round trip through a real worker, /healthz latency.

Run with `make bench`; prints figures, asserts nothing about time.
"""

from __future__ import annotations

import json
import statistics
import time

import httpx
import pytest
from websockets.sync.client import connect

from apps.accounts import services

ROUNDS = 50


def summary(name: str, samples_ms: list[float]) -> None:
    samples_ms.sort()
    p95 = samples_ms[int(len(samples_ms) * 0.95) - 1]
    print(
        f"\nBENCH {name}: n={len(samples_ms)} median={statistics.median(samples_ms):.2f} ms "
        f"p95={p95:.2f} ms min={samples_ms[0]:.2f} ms"
    )


@pytest.mark.django_db(transaction=True)
def test_live_event_round_trip(make_user, asgi_server, celery_worker_process):
    """POST /api/v1/live-check/ → broker → worker → channel layer → WebSocket, as a browser sees it."""
    _, key = services.token_create(user=make_user("bench"))
    auth = {"Authorization": f"Token {key}"}
    samples = []
    with httpx.Client(base_url=asgi_server.url, headers=auth) as http, connect(
        f"{asgi_server.ws_url}/ws/events/", additional_headers=auth, origin="http://127.0.0.1"
    ) as socket:
        for _ in range(ROUNDS):
            started = time.perf_counter()
            check_id = http.post("/api/v1/live-check/", json={}).json()["id"]
            while json.loads(socket.recv(timeout=30))["id"] != check_id:
                pass
            samples.append((time.perf_counter() - started) * 1000)
    summary("live event round trip (HTTP → worker → WebSocket)", samples)


@pytest.mark.django_db(transaction=True)
def test_healthz_latency(asgi_server, celery_worker_process):
    samples = []
    with httpx.Client(base_url=asgi_server.url) as http:
        for _ in range(ROUNDS):
            started = time.perf_counter()
            http.get("/healthz")
            samples.append((time.perf_counter() - started) * 1000)
    summary("GET /healthz (database + broker + heartbeat checks)", samples)
