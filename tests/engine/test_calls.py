"""workflow.call: another workflow as a node, once or per item with a concurrency cap."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from apps.accounts.services import object_share
from apps.engine.models import Run
from apps.workflows.models import Workflow
from tests.engine.helpers import create_workflow, edge, node, start_run, steps_by_node, wait_run

pytestmark = pytest.mark.django_db(transaction=True)


def child_flow() -> dict:
    return {
        "nodes": [node("in", "trigger.manual"),
                  node("out", "output", value={"claim": "{{ input.id }}", "double": "{{ input.amount * 2 }}"})],
        "edges": [edge("in", "out")],
    }  # fmt: skip


def test_call_once(user_client, celery_worker_process):
    child = create_workflow(user_client, child_flow(), name="child")
    parent = create_workflow(user_client, {
        "nodes": [node("in", "trigger.manual"),
                  node("call", "workflow.call", workflow=child["id"], input={"id": "{{ input.id }}", "amount": 21}),
                  node("out", "output", value="{{ nodes.call.output.double }}")],
        "edges": [edge("in", "call"), edge("call", "out")],
    }, name="parent")  # fmt: skip
    run = wait_run(user_client, start_run(user_client, parent["id"], {"id": "A-1"})["id"])
    assert run["status"] == "succeeded", run
    assert run["output"] == 42
    child_run = Run.objects.get(workflow_id=child["id"])
    assert child_run.parent_step.node_id == "call" and child_run.depth == 1 and child_run.input["id"] == "A-1"


def test_for_each_with_a_concurrency_cap(user_client, celery_worker_process):
    child = create_workflow(user_client, child_flow(), name="child")
    parent = create_workflow(user_client, {
        "nodes": [node("in", "trigger.manual"),
                  node("each", "workflow.call", workflow=child["id"], for_each="{{ input.claims }}", concurrency=2,
                       input={"id": "{{ item.id }}", "amount": "{{ item.amount }}", "n": "{{ index }}"}),
                  node("out", "output", value="{{ nodes.each.output | length }}")],
        "edges": [edge("in", "each"), edge("each", "out")],
    }, name="parent")  # fmt: skip
    claims = [{"id": f"C{i}", "amount": i} for i in range(7)]
    run = wait_run(user_client, start_run(user_client, parent["id"], {"claims": claims})["id"])
    assert run["status"] == "succeeded", run
    assert run["output"] == 7
    outputs = steps_by_node(run)["each"]["output"]
    assert outputs == [{"claim": f"C{i}", "double": i * 2} for i in range(7)]


def test_a_failing_child_fails_the_call(user_client, celery_worker_process):
    child = create_workflow(user_client, {
        "nodes": [node("in", "trigger.manual"), node("bad", "condition", expression="input.x > 'a'"),
                  node("out", "output")],
        "edges": [edge("in", "bad"), edge("bad", "out", "true")],
    }, name="child")  # fmt: skip
    parent = create_workflow(user_client, {
        "nodes": [node("in", "trigger.manual"), node("call", "workflow.call", workflow=child["id"], input={"x": 1}),
                  node("handled", "output", value="{{ nodes.call.output.message }}")],
        "edges": [edge("in", "call"), edge("call", "handled", "error")],
    }, name="parent")  # fmt: skip
    run = wait_run(user_client, start_run(user_client, parent["id"])["id"])
    assert run["status"] == "succeeded"
    assert run["output"] == "1 of 1 called runs did not succeed"


def test_calling_a_workflow_you_may_not_run_fails(user_client, make_user, celery_worker_process):
    from django.test import Client

    bob = Client()
    bob.force_login(make_user("bob"))
    theirs = create_workflow(bob, child_flow(), name="theirs")
    graph = {
        "nodes": [node("in", "trigger.manual"), node("call", "workflow.call", workflow=theirs["id"])],
        "edges": [edge("in", "call")],
    }
    # Refused at save: the saver would publish a version that runs someone else's workflow.
    refused = user_client.post("/api/v1/workflows/", {"name": "p", "graph": graph}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0] == {"node": "call", "field": "params.workflow", "code": "not_allowed",
                                           "message": f"no workflow {theirs['id']} that you may run"}  # fmt: skip
    # Allowed while bob lets alice run it; once he stops, the saved version fails at run time.
    alice = User.objects.get(username="alice")
    theirs_obj = Workflow.objects.get(pk=theirs["id"])
    object_share(obj=theirs_obj, actor=theirs_obj.created_by, user=alice, actions=["view", "run"])
    parent = create_workflow(user_client, graph)
    object_share(obj=theirs_obj, actor=theirs_obj.created_by, user=alice, actions=[])
    run = wait_run(user_client, start_run(user_client, parent["id"])["id"])
    assert run["status"] == "failed"
    assert "publisher may run" in run["error"]["message"]
    assert not Run.objects.filter(workflow_id=theirs["id"]).exists()


def test_recursion_is_bounded(user_client, celery_worker_process):
    me = create_workflow(user_client, {"nodes": [node("in", "trigger.manual")], "edges": []}, name="self")
    graph = {
        "nodes": [node("in", "trigger.manual"), node("again", "workflow.call", workflow=me["id"])],
        "edges": [edge("in", "again")],
    }
    saved = user_client.patch(
        f"/api/v1/workflows/{me['id']}/", {"graph": graph, "revision": 1}, content_type="application/json"
    )
    assert saved.status_code == 200
    run = wait_run(user_client, start_run(user_client, me["id"])["id"], timeout=60)
    assert run["status"] == "failed"
    assert Run.objects.filter(workflow_id=me["id"]).count() == 9  # the run and 8 nested levels
