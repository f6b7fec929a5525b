"""A credential bound to its hosts is never sent anywhere else."""

from __future__ import annotations

import pytest

from apps.vault import services as vault
from apps.vault.services import host_allowed
from tests.engine.helpers import create_workflow, edge, node, start_run, steps_by_node, wait_run


@pytest.mark.parametrize(
    ("hosts", "host", "allowed"),
    [
        ([], "anything.example", True),
        (["api.example.com"], "api.example.com", True),
        (["api.example.com"], "API.example.com.", True),
        (["api.example.com"], "evil.example.com", False),
        (["*.example.com"], "eu.api.example.com", True),
        (["*.example.com"], "example.com.evil.net", False),
        (["*.example.com"], "notexample.com", False),
    ],
)
def test_host_matching(hosts, host, allowed):
    assert host_allowed(hosts, host) is allowed


@pytest.mark.django_db
def test_bad_hosts_are_refused_naming_the_field(user_client):
    response = user_client.post("/api/v1/credentials/", {"name": "x", "secret": "s", "hosts": ["https://a.b/"]},
                                content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and response.json()["field"] == "hosts"


@pytest.mark.django_db(transaction=True)
def test_a_credential_is_not_sent_to_another_host(user, user_client, http_server, celery_worker_process):
    credential = vault.credential_create(name="claims-api", secret="bound-secret-42", user=user,
                                         hosts=["api.claims.example"])  # fmt: skip
    url = f"{http_server.url}/echo?key=bound"
    graph = {
        "nodes": [node("in", "trigger.manual"),
                  node("call", "http.request", x=100, url=url, credential=credential.pk),
                  node("out", "output", x=200)],
        "edges": [edge("in", "call"), edge("call", "out")],
    }  # fmt: skip
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"])["id"])
    assert run["status"] == "failed"
    assert "may not be sent to 127.0.0.1" in steps_by_node(run)["call"]["error"]["message"]
    assert http_server.hits("bound") == 0
