"""Webhook triggers over the real ASGI server: start a run, answer with its output, HMAC signatures."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from apps.engine.models import Run
from tests.engine.helpers import create_workflow, edge, node, wait_run

pytestmark = pytest.mark.django_db(transaction=True)


def hook_flow(respond: str = "immediately") -> dict:
    return {
        "nodes": [
            node("hook", "trigger.webhook", respond=respond, timeout=20),
            node("reply", "output", value={"greeting": "Hello {{ input.body.name }}", "q": "{{ input.query.q }}"}),
        ],
        "edges": [edge("hook", "reply")],
    }


def hook_path(client, workflow_id: int) -> str:
    hooks = client.get(f"/api/v1/workflows/{workflow_id}/webhooks/").json()
    assert [h["node_id"] for h in hooks] == ["hook"]
    return hooks[0]["path"]


def test_a_call_starts_a_run_with_the_request_as_input(user_client, asgi_server, celery_worker_process):
    workflow = create_workflow(user_client, hook_flow())
    path = hook_path(user_client, workflow["id"])
    response = httpx.post(f"{asgi_server.url}{path}?q=1", json={"name": "Ada {{ 7*7 }}"}, timeout=10)
    assert response.status_code == 202, response.text
    run = wait_run(user_client, response.json()["run"])
    assert run["status"] == "succeeded"
    assert run["input"]["method"] == "POST"
    assert run["input"]["body"] == {"name": "Ada {{ 7*7 }}"}
    assert run["output"] == {"greeting": "Hello Ada {{ 7*7 }}", "q": "1"}
    assert Run.objects.get(pk=run["id"]).trigger == "webhook"


def test_respond_with_the_output(user_client, asgi_server, celery_worker_process):
    workflow = create_workflow(user_client, hook_flow("with_output"))
    path = hook_path(user_client, workflow["id"])
    response = httpx.post(f"{asgi_server.url}{path}?q=x", json={"name": "Grace"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == {"greeting": "Hello Grace", "q": "x"}
    assert Run.objects.get(pk=response.headers["X-Sluice-Run"]).status == "succeeded"


def test_a_failed_run_answers_502_with_the_error(user_client, asgi_server, celery_worker_process):
    graph = {
        "nodes": [node("hook", "trigger.webhook", respond="with_output"),
                  node("bad", "condition", expression="input.body.n > 'text'"), node("o", "output")],
        "edges": [edge("hook", "bad"), edge("bad", "o", "true")],
    }  # fmt: skip
    workflow = create_workflow(user_client, graph)
    response = httpx.post(f"{asgi_server.url}{hook_path(user_client, workflow['id'])}", json={"n": 1}, timeout=30)
    assert response.status_code == 502
    assert response.json()["status"] == "failed" and response.json()["error"]["node"] == "bad"


def test_signed_webhooks(user_client, asgi_server, celery_worker_process):
    workflow = create_workflow(user_client, hook_flow())
    path = hook_path(user_client, workflow["id"])
    set_secret = user_client.post(
        f"/api/v1/workflows/{workflow['id']}/webhooks/hook/secret/", {"secret": "s3cret"},
        content_type="application/json",
    )  # fmt: skip
    assert set_secret.status_code == 200 and set_secret.json()["signed"] is True
    assert "s3cret" not in set_secret.content.decode()
    from apps.workflows.models import Webhook

    assert "s3cret" not in Webhook.objects.get().secret  # encrypted at rest with the vault's keys
    body = json.dumps({"name": "Linus"}).encode()
    headers = {"content-type": "application/json"}
    assert httpx.post(f"{asgi_server.url}{path}", content=body, headers=headers).status_code == 401
    wrong = {**headers, "X-Sluice-Signature": "sha256=" + "0" * 64}
    assert httpx.post(f"{asgi_server.url}{path}", content=body, headers=wrong).status_code == 401
    signature = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    signed = httpx.post(f"{asgi_server.url}{path}", content=body, headers={**headers, "X-Sluice-Signature": signature})
    assert signed.status_code == 202
    assert Run.objects.count() == 1
    # Let the worker finish before the test's data is flushed away under it.
    assert wait_run(user_client, signed.json()["run"])["status"] == "succeeded"


def test_unknown_tokens_and_bad_bodies(user_client, asgi_server):
    assert httpx.post(f"{asgi_server.url}/hooks/nope/", json={}).status_code == 404
    workflow = create_workflow(user_client, hook_flow())
    path = hook_path(user_client, workflow["id"])
    bad = httpx.post(f"{asgi_server.url}{path}", content=b"{nope", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and bad.json()["field"] == "body"
    assert httpx.delete(f"{asgi_server.url}{path}").status_code == 405
    assert not Run.objects.exists()


def test_removing_the_trigger_removes_its_url(user_client, asgi_server):
    workflow = create_workflow(user_client, hook_flow())
    path = hook_path(user_client, workflow["id"])
    manual = {"nodes": [node("m", "trigger.manual"), node("o", "output")], "edges": [edge("m", "o")]}
    saved = user_client.patch(
        f"/api/v1/workflows/{workflow['id']}/", {"graph": manual, "revision": 1}, content_type="application/json"
    )
    assert saved.status_code == 200
    assert httpx.post(f"{asgi_server.url}{path}", json={}).status_code == 404


def slow_hook_flow(server_url: str, seconds: float, timeout: float) -> dict:
    return {
        "nodes": [node("hook", "trigger.webhook", respond="with_output", timeout=timeout),
                  node("call", "http.request", url=f"{server_url}/slow?seconds={seconds}&key=hook-slow"),
                  node("reply", "output", value={"status": "{{ nodes.call.output.status }}"})],
        "edges": [edge("hook", "call"), edge("call", "reply")],
    }  # fmt: skip


def test_the_caller_waits_for_a_slow_node_on_a_worker(user_client, asgi_server, http_server, celery_worker_process):
    workflow = create_workflow(user_client, slow_hook_flow(http_server.url, 0.3, 20))
    response = httpx.post(f"{asgi_server.url}{hook_path(user_client, workflow['id'])}", json={}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": 200}
    run = Run.objects.get(pk=response.headers["X-Sluice-Run"])
    assert run.status == "succeeded" and run.steps.get(node_id="call").worker


def test_a_caller_that_waits_too_long_gets_the_run_to_follow(
    user_client, asgi_server, http_server, celery_worker_process
):
    workflow = create_workflow(user_client, slow_hook_flow(http_server.url, 2, 0.5))
    response = httpx.post(f"{asgi_server.url}{hook_path(user_client, workflow['id'])}", json={}, timeout=30)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "running"
    # The run goes on without the caller.
    assert wait_run(user_client, response.json()["run"])["status"] == "succeeded"


def test_the_short_path_keeps_the_web_rules(user_client, asgi_server, settings):
    workflow = create_workflow(user_client, hook_flow("with_output"))
    url = f"{asgi_server.url}{hook_path(user_client, workflow['id'])}"
    answer = httpx.post(url, json={"name": "Ada"})
    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert int(answer.headers["content-length"]) == len(answer.content)
    # The same limits as every other URL: the Host must be allowed, the body not too big.
    assert httpx.post(url, json={}, headers={"host": "evil.example"}).status_code == 400
    too_big = httpx.post(url, content=b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert too_big.status_code == 413
    # A form post is read like Django reads it.
    form = httpx.post(url, data={"name": "Form"})
    assert form.status_code == 200 and form.json()["greeting"] == "Hello Form"
    assert Run.objects.count() == 2


def test_the_same_url_through_django(user_client):
    """Under WSGI (or the test client) the full Django stack serves the URL, with the same answers."""
    workflow = create_workflow(user_client, hook_flow("with_output"))
    path = hook_path(user_client, workflow["id"])
    answer = user_client.post(f"{path}?q=7", {"name": "Mary"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json() == {"greeting": "Hello Mary", "q": "7"}
    assert user_client.post("/hooks/nope/", {}, content_type="application/json").status_code == 404
    assert user_client.delete(path).status_code == 405
