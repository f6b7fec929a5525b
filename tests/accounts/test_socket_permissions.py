"""WebSocket subscriptions follow the permissions of what they stream: the permission cases
for ``/ws/runs/{id}/`` against the real ASGI server."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from apps.accounts.services import object_share, token_create
from apps.engine import services as engine
from apps.workflows import services as workflows
from tests.engine.helpers import edge, node

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = "http://127.0.0.1"
GRAPH = {"nodes": [node("in", "trigger.manual"), node("out", "output", x=200)], "edges": [edge("in", "out")]}


def _run_of(user):
    workflow = workflows.workflow_create(name=f"{user.username}'s", graph=GRAPH, user=user)
    return engine.run_start(workflow_version=workflow.versions.get(), input={}, user=user)


def _headers(user) -> dict:
    return {"Authorization": f"Token {token_create(user=user)[1]}"}


@pytest.mark.parametrize("who", ["anonymous", "stranger", "foreign-id", "allowed"])
def test_run_socket_permission_cases(who, make_user, asgi_server):
    owner = make_user("owner")
    run = _run_of(owner)
    url = f"{asgi_server.ws_url}/ws/runs/{run.pk}/"
    if who == "allowed":
        viewer = make_user("viewer")
        object_share(obj=run.workflow, actor=owner, user=viewer, actions=["view"])
        with connect(url, additional_headers=_headers(viewer), origin=ORIGIN, open_timeout=5) as socket:
            snapshot = json.loads(socket.recv(timeout=10))
        assert snapshot["type"] == "run.snapshot" and snapshot["run"] == str(run.pk)
        return
    headers = {}
    if who == "stranger":
        headers = _headers(make_user("stranger"))
    elif who == "foreign-id":
        other = make_user("other")
        _run_of(other)  # other may see their own run, not the owner's
        headers = _headers(other)
    with pytest.raises(InvalidStatus) as refused:
        connect(url, additional_headers=headers, origin=ORIGIN, open_timeout=5)
    assert refused.value.response.status_code == 403
