"""Faults: workers killed mid-node, duplicated tasks. Real worker processes, real broker and database."""

from __future__ import annotations

import os
import signal
import time

import pytest

from apps.engine.models import Run, Step
from apps.engine.tasks import advance_run, sweep
from tests.conftest import wait_for
from tests.engine.helpers import create_workflow, edge, node, start_run, steps_by_node, wait_run

pytestmark = pytest.mark.django_db(transaction=True)


def slow_call_flow(server_url: str, key: str, seconds: float = 3) -> dict:
    return {
        "nodes": [
            node("in", "trigger.manual"),
            node("prep", "transform", value={"key": key}),
            node("call", "http.request", url=f"{server_url}/slow?seconds={seconds}&key={key}"),
            node("out", "output", value="{{ nodes.call.output.body.hits }}"),
        ],
        "edges": [edge("in", "prep"), edge("prep", "call"), edge("call", "out")],
    }


def wait_step(run_id: str, node_id: str, status: str) -> Step:
    return wait_for(
        lambda: Step.objects.filter(run_id=run_id, node_id=node_id, status=status).first(),
        timeout=30,
        message=f"{node_id} to be {status}",
    )


def test_worker_killed_mid_node_the_run_still_finishes_once(user_client, http_server, celery_worker_process):
    workflow = create_workflow(user_client, slow_call_flow(http_server.url, "kill-worker"))
    run = start_run(user_client, workflow["id"])
    wait_step(run["id"], "call", "running")
    wait_for(lambda: http_server.hits("kill-worker") == 1, message="the call to reach the server")

    celery_worker_process.kill_hard()  # worker and pool gone, its message unacknowledged
    celery_worker_process.restart()

    def finished():
        sweep.delay()
        return Run.objects.get(pk=run["id"]).status in ("succeeded", "failed")

    wait_for(finished, timeout=60, interval=1, message="the run to finish after the sweep")
    result = wait_run(user_client, run["id"])
    steps = steps_by_node(result)
    assert result["status"] == "succeeded", result
    assert Step.objects.filter(run_id=run["id"]).count() == 4  # no step recorded twice
    assert steps["call"]["attempts"] == 2
    assert steps["prep"]["attempts"] == 1
    assert http_server.hits("kill-worker") == 2  # the interrupted call was made again, once
    assert result["output"] == 2


def test_pool_process_killed_mid_node_is_redelivered(user_client, http_server, celery_worker_process):
    workflow = create_workflow(user_client, slow_call_flow(http_server.url, "kill-child"))
    run = start_run(user_client, workflow["id"])
    step = wait_step(run["id"], "call", "running")
    wait_for(lambda: http_server.hits("kill-child") == 1, message="the call to reach the server")
    for pid in celery_worker_process.pool_pids():
        os.kill(pid, signal.SIGKILL)

    result = wait_run(user_client, run["id"], timeout=60)
    assert result["status"] == "succeeded", result
    assert Step.objects.filter(run_id=run["id"], node_id="call").count() == 1
    step.refresh_from_db()
    assert step.attempts == 2
    assert http_server.hits("kill-child") == 2


def test_advance_delivered_many_times_records_each_step_once(user_client, celery_worker_process):
    chain = {
        "nodes": [node("in", "trigger.manual"), *[node(f"t{i}", "transform", value=i) for i in range(10)],
                  node("out", "output")],
        "edges": [edge("in", "t0"), *[edge(f"t{i}", f"t{i + 1}") for i in range(9)], edge("t9", "out")],
    }  # fmt: skip
    workflow = create_workflow(user_client, chain)
    run = start_run(user_client, workflow["id"])
    for _ in range(5):
        advance_run.delay(run_id=run["id"])
    result = wait_run(user_client, run["id"])
    time.sleep(1)
    assert result["status"] == "succeeded"
    assert Step.objects.filter(run_id=run["id"]).count() == 12
    assert sorted(Step.objects.filter(run_id=run["id"]).values_list("attempts", flat=True)) == [1] * 12


def test_a_lost_first_message_is_sent_again_by_the_sweep(user_client, celery_worker_process):
    from apps.engine import services
    from apps.workflows.models import WorkflowVersion

    graph = {"nodes": [node("in", "trigger.manual"), node("out", "output", value="ok")], "edges": [edge("in", "out")]}
    workflow = create_workflow(user_client, graph)
    version = WorkflowVersion.objects.get(workflow_id=workflow["id"])
    # Simulate a message lost between the commit and the broker: create the run, send nothing.
    from django.db import transaction

    with transaction.atomic():
        run = services.Run.objects.create(
            workflow_id=workflow["id"], workflow_version=version, version=1, trigger_node="in", input={}
        )
    time.sleep(2.5)
    sweep.delay()
    assert wait_run(user_client, str(run.pk))["status"] == "succeeded"
