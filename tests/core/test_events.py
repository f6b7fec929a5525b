"""Live events: an event emitted inside a real Celery worker reaches a WebSocket held by the
real ASGI server (uvicorn), through the channel layer."""

from __future__ import annotations

import json

import httpx
import pytest
from django.conf import settings
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

ORIGIN = "http://127.0.0.1"


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def receive_json(socket, timeout: float = 20) -> dict:
    return json.loads(socket.recv(timeout=timeout))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("auth", ["session", "token"])
def test_event_from_a_worker_reaches_the_users_websocket(
    auth, client, user, api_token, asgi_server, celery_worker_process
):
    if auth == "session":
        cookie = session_cookie(client, user)
        csrf = "x" * 32
        headers = {"Cookie": f"{cookie}; csrftoken={csrf}", "X-CSRFToken": csrf, "Referer": asgi_server.url}
    else:
        headers = {"Authorization": f"Token {api_token}"}

    with connect(f"{asgi_server.ws_url}/ws/events/", additional_headers=headers, origin=ORIGIN) as socket:
        response = httpx.post(f"{asgi_server.url}/api/v1/live-check/", json={}, headers=headers, timeout=10)
        assert response.status_code == 202, response.text
        event = receive_json(socket)

    assert event["type"] == "live.check"
    assert event["id"] == response.json()["id"]
    assert event["worker"]
    assert isinstance(event["sent_at"], float)


@pytest.mark.django_db(transaction=True)
def test_events_go_only_to_their_user(make_user, asgi_server, celery_worker_process):
    from apps.accounts import services

    _, alice_key = services.token_create(user=make_user("alice"))
    _, bob_key = services.token_create(user=make_user("bob"))
    bob = {"Authorization": f"Token {bob_key}"}
    with connect(f"{asgi_server.ws_url}/ws/events/", additional_headers=bob, origin=ORIGIN) as bobs_socket:
        response = httpx.post(
            f"{asgi_server.url}/api/v1/live-check/", json={}, headers={"Authorization": f"Token {alice_key}"}
        )
        assert response.status_code == 202
        # Bob's own check arrives; Alice's, sent first, never does.
        mine = httpx.post(f"{asgi_server.url}/api/v1/live-check/", json={}, headers=bob).json()["id"]
        event = receive_json(bobs_socket)
        assert event["id"] == mine


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("headers", "origin"),
    [
        ({}, ORIGIN),
        ({"Authorization": "Token not-a-real-token"}, ORIGIN),
        ("token", "https://evil.example"),
    ],
    ids=["anonymous", "bad-token", "foreign-origin"],
)
def test_websocket_handshake_is_refused(headers, origin, api_token, asgi_server):
    if headers == "token":
        headers = {"Authorization": f"Token {api_token}"}
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{asgi_server.ws_url}/ws/events/", additional_headers=headers, origin=origin, open_timeout=5)
    assert refused.value.response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_ping_gets_a_pong(api_token, asgi_server):
    headers = {"Authorization": f"Token {api_token}"}
    with connect(f"{asgi_server.ws_url}/ws/events/", additional_headers=headers, origin=ORIGIN) as socket:
        socket.send(json.dumps({"type": "ping"}))
        assert receive_json(socket, timeout=5) == {"type": "pong"}


@pytest.mark.django_db
def test_live_check_needs_a_signed_in_user(client):
    response = client.post("/api/v1/live-check/", {}, content_type="application/json")
    assert response.status_code in (401, 403)
