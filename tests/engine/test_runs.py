"""Runs through the API, executed by a real Celery worker process."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.sync.client import connect

from apps.accounts import services as accounts
from apps.engine.models import Step
from tests.engine.helpers import create_workflow, edge, node, start_run, steps_by_node, wait_run

pytestmark = pytest.mark.django_db(transaction=True)


def claim_flow(server_url: str) -> dict:
    """trigger → transform → condition → (true) HTTP call → output / (false) output."""
    return {
        "nodes": [
            node("claim", "trigger.manual"),
            node("score", "transform", value={"amount": "{{ input.amount }}", "big": "{{ input.amount > 1000 }}"}),
            node("sure", "condition", expression="nodes.score.output.big"),
            node("notify", "http.request", method="POST", url=f"{server_url}/echo?key=notify",
                 body={"amount": "{{ nodes.score.output.amount }}", "note": "Claim of {{ input.amount }}"}),
            node("done", "output", value={"status": "{{ nodes.notify.output.status }}",
                                          "echo": "{{ nodes.notify.output.body.json }}"}),
            node("small", "output", value="small claim: {{ input.amount }}"),
        ],
        "edges": [
            edge("claim", "score"), edge("score", "sure"), edge("sure", "notify", "true"),
            edge("notify", "done"), edge("sure", "small", "false"),
        ],
    }  # fmt: skip


def test_a_run_executes_every_step_and_records_it(user_client, http_server, celery_worker_process):
    workflow = create_workflow(user_client, claim_flow(http_server.url))
    run = start_run(user_client, workflow["id"], {"amount": 1200})
    # 201 as soon as it is queued; a quick worker may already have taken it by the answer.
    assert run["status"] in ("queued", "running") and run["version"] == 1
    run = wait_run(user_client, run["id"])
    assert run["status"] == "succeeded", run
    steps = steps_by_node(run)
    assert {k: v["status"] for k, v in steps.items()} == {
        "claim": "succeeded", "score": "succeeded", "sure": "succeeded", "notify": "succeeded",
        "done": "succeeded", "small": "skipped",
    }  # fmt: skip
    assert steps["score"]["output"] == {"amount": 1200, "big": True}
    assert steps["sure"]["ports"] == ["true"]
    assert steps["notify"]["params"]["body"] == {"amount": 1200, "note": "Claim of 1200"}
    assert steps["notify"]["input"] == {"in": {"amount": 1200, "big": True}}
    assert steps["notify"]["attempts"] == 1
    assert steps["notify"]["worker"]
    assert run["output"] == {"status": 200, "echo": {"amount": 1200, "note": "Claim of 1200"}}
    assert all(s["started_at"] and s["finished_at"] for s in steps.values() if s["status"] == "succeeded")


def test_the_other_branch(user_client, http_server, celery_worker_process):
    workflow = create_workflow(user_client, claim_flow(http_server.url))
    run = wait_run(user_client, start_run(user_client, workflow["id"], {"amount": 10})["id"])
    steps = steps_by_node(run)
    assert run["status"] == "succeeded"
    assert run["output"] == "small claim: 10"
    assert steps["notify"]["status"] == steps["done"]["status"] == "skipped"


def test_input_is_data_not_a_template(user_client, http_server, celery_worker_process):
    graph = {
        "nodes": [node("in", "trigger.manual"), node("out", "output", value="Said: {{ input.text }}")],
        "edges": [edge("in", "out")],
    }
    workflow = create_workflow(user_client, graph)
    run = wait_run(user_client, start_run(user_client, workflow["id"], {"text": "{{ 7 * 7 }}"})["id"])
    assert run["output"] == "Said: {{ 7 * 7 }}"


def test_retries_with_backoff_then_success(user_client, http_server, celery_worker_process):
    graph = {
        "nodes": [node("in", "trigger.manual"),
                  node("call", "http.request", url=f"{http_server.url}/flaky?key=retry-ok&succeed_on=2")],
        "edges": [edge("in", "call")],
    }  # fmt: skip
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"])["id"])
    call = steps_by_node(run)["call"]
    assert run["status"] == "succeeded", run
    assert call["attempts"] == 2
    assert http_server.hits("retry-ok") == 2


def test_node_settings_choose_retries_and_their_delay(user_client, http_server, celery_worker_process):
    flaky = node("call", "http.request", url=f"{http_server.url}/flaky?key=retry-set&succeed_on=4")
    graph = {"nodes": [node("in", "trigger.manual"), {**flaky, "settings": {"retries": 3, "retry_delay": 0.1}}],
             "edges": [edge("in", "call")]}  # fmt: skip
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"])["id"])
    assert run["status"] == "succeeded", run
    assert steps_by_node(run)["call"]["attempts"] == 4 and http_server.hits("retry-set") == 4

    # No retries at all: the first 503 is the end of it.
    once = node("call", "http.request", url=f"{http_server.url}/status/503?key=no-retry")
    once["settings"] = {"retries": 0}
    graph = {"nodes": [node("in", "trigger.manual"), once], "edges": [edge("in", "call")]}
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"])["id"])
    assert run["status"] == "failed"
    assert steps_by_node(run)["call"]["attempts"] == 1 and http_server.hits("no-retry") == 1


def test_a_node_that_runs_past_its_time_limit_fails(user_client, http_server, celery_worker_process):
    slow = node("call", "http.request", url=f"{http_server.url}/slow?seconds=3&key=too-slow", timeout=30)
    graph = {
        "nodes": [node("in", "trigger.manual"), {**slow, "settings": {"timeout": 0.5, "retries": 0}},
                  node("late", "output", value="{{ nodes.call.output.message }}")],
        "edges": [edge("in", "call"), edge("call", "late", "error")],
    }  # fmt: skip
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"])["id"])
    call = steps_by_node(run)["call"]
    assert call["status"] == "failed" and call["error"]["message"] == "timed out after 0.5 s"
    assert run["status"] == "succeeded" and run["output"] == "timed out after 0.5 s"
    assert call["attempts"] == 1


def test_a_failure_follows_the_error_port(user_client, http_server, celery_worker_process):
    graph = {
        "nodes": [node("in", "trigger.manual"), node("call", "http.request", url=f"{http_server.url}/status/404"),
                  node("ok", "output", value="fine"), node("oops", "output", value="{{ nodes.call.output.message }}")],
        "edges": [edge("in", "call"), edge("call", "ok"), edge("call", "oops", "error")],
    }  # fmt: skip
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"])["id"])
    steps = steps_by_node(run)
    assert run["status"] == "succeeded"
    assert steps["call"]["status"] == "failed" and steps["call"]["attempts"] == 1  # a 404 is not retried
    assert steps["ok"]["status"] == "skipped"
    assert run["output"] == "HTTP 404"


def test_a_failure_without_an_error_port_fails_the_run(user_client, http_server, celery_worker_process):
    graph = {
        "nodes": [node("in", "trigger.manual"), node("call", "http.request", url=f"{http_server.url}/status/503"),
                  node("after", "output", value="never")],
        "edges": [edge("in", "call"), edge("call", "after")],
    }  # fmt: skip
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"])["id"], timeout=40)
    steps = steps_by_node(run)
    assert run["status"] == "failed"
    assert run["error"]["node"] == "call" and run["error"]["message"] == "HTTP 503"
    assert steps["call"]["attempts"] == 3  # 503 is retried up to the node's limit
    assert "after" not in steps or steps["after"]["status"] != "succeeded"


def test_private_addresses_are_refused(user_client, http_server, celery_worker_process):
    port = http_server.url.rsplit(":", 1)[1]
    graph = {
        "nodes": [node("in", "trigger.manual"), node("call", "http.request", url=f"http://127.0.0.2:{port}/echo")],
        "edges": [edge("in", "call")],
    }
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"])["id"])
    assert run["status"] == "failed"
    assert "loopback address; not allowed" in run["error"]["message"]


def test_delay_waits_without_a_worker_then_goes_on(user_client, celery_worker_process):
    graph = {
        "nodes": [node("in", "trigger.manual"), node("wait", "delay", seconds=1), node("out", "output", value="late")],
        "edges": [edge("in", "wait"), edge("wait", "out")],
    }
    run = start_run(user_client, create_workflow(user_client, graph)["id"])
    waiting = wait_run(user_client, run["id"], statuses={"waiting"}, timeout=15)
    assert steps_by_node(waiting)["wait"]["status"] == "waiting"
    done = wait_run(user_client, run["id"], timeout=20)
    assert done["status"] == "succeeded" and done["output"] == "late"


def test_cancel_a_waiting_run(user_client, celery_worker_process):
    graph = {
        "nodes": [node("in", "trigger.manual"), node("wait", "delay", seconds=600), node("out", "output")],
        "edges": [edge("in", "wait"), edge("wait", "out")],
    }
    run = start_run(user_client, create_workflow(user_client, graph)["id"])
    wait_run(user_client, run["id"], statuses={"waiting"}, timeout=15)
    response = user_client.post(f"/api/v1/runs/{run['id']}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert steps_by_node(response.json())["wait"]["status"] == "cancelled"
    again = user_client.post(f"/api/v1/runs/{run['id']}/cancel/")
    assert again.status_code == 409


def test_live_events_on_the_run_socket(user, asgi_server, http_server, celery_worker_process):
    _, key = accounts.token_create(user=user)
    auth = {"Authorization": f"Token {key}"}
    graph = {
        "nodes": [node("in", "trigger.manual"), node("slow", "http.request", url=f"{http_server.url}/slow?seconds=1"),
                  node("out", "output", value="{{ nodes.slow.output.status }}")],
        "edges": [edge("in", "slow"), edge("slow", "out")],
    }  # fmt: skip
    base = asgi_server.url
    workflow = httpx.post(f"{base}/api/v1/workflows/", json={"name": "live", "graph": graph}, headers=auth).json()
    run = httpx.post(f"{base}/api/v1/workflows/{workflow['id']}/runs/", json={"input": {}}, headers=auth).json()
    received = []
    with connect(f"{asgi_server.ws_url}/ws/runs/{run['id']}/", additional_headers=auth, origin=base) as socket:
        while True:
            event = json.loads(socket.recv(timeout=30))
            received.append(event)
            if event["type"] == "run.finished":
                break
    snapshot = received[0]
    assert snapshot["type"] == "run.snapshot"
    # Taken at once: the worker may not have planned the steps yet, and "slow" has not finished.
    assert {s["node_id"]: s["status"] for s in snapshot["steps"]}.get("slow") in (None, "queued", "running")
    kinds = [(e["type"], e.get("node_id")) for e in received[1:]]
    assert kinds.index(("step.finished", "slow")) < kinds.index(("step.finished", "out"))
    assert ("step.finished", "out") in kinds
    assert received[-1]["status"] == "succeeded" and received[-1]["output"] == 200


def test_a_redelivered_step_task_does_its_work_once(user_client, http_server, celery_worker_process):
    from apps.engine.tasks import execute_step

    graph = {
        "nodes": [node("in", "trigger.manual"), node("call", "http.request", url=f"{http_server.url}/echo?key=once")],
        "edges": [edge("in", "call")],
    }
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, graph)["id"])["id"])
    assert run["status"] == "succeeded"
    step = Step.objects.get(run_id=run["id"], node_id="call")
    execute_step.delay(step_id=step.pk)  # the same work, delivered again
    execute_step.delay(step_id=step.pk)
    wait_run(user_client, run["id"])
    import time

    time.sleep(1.5)
    assert http_server.hits("once") == 1
    assert Step.objects.filter(run_id=run["id"], node_id="call").count() == 1
    step.refresh_from_db()
    assert step.attempts == 1
