"""Human in the loop: confidence routing, the reviewer inbox, decisions, deadlines, resume —
real runs on a worker against the loopback test provider."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.accounts.services import object_share
from apps.audit.models import AuditEntry
from apps.gateway import services as gateway
from apps.prompts import services as prompts
from apps.reviews.models import ReviewTask
from apps.reviews.services import reviews_handle_deadlines
from tests.conftest import wait_for
from tests.engine.helpers import create_workflow, edge, node, start_run, steps_by_node, wait_run
from tests.permission_cases import signed_in

pytestmark = pytest.mark.django_db(transaction=True)
FORM = {"type": "object", "properties": {"label": {"enum": ["auto", "home", "health"]}, "note": {"type": "string"}},
        "required": ["label"]}  # fmt: skip


def claims_flow(**review) -> dict:
    """llm.classify → condition on its confidence → (not sure) human.review → output."""
    params = {"assignees": ["group:claims-reviewers"], "instructions": "Check the queue", "form": FORM,
              "case": "{{ input.claim }}", "proposal": "{{ nodes.triage.output }}", **review}  # fmt: skip
    return {
        "nodes": [
            node("claim", "trigger.manual"),
            node("triage", "llm.classify", x=200, prompt="triage@latest", model="default",
                 labels=["auto", "home", "health"], variables={"claim": "{{ input.claim }}"}),
            node("sure", "condition", x=400, expression="nodes.triage.output.confidence >= 0.85"),
            node("review", "human.review", x=600, **params),
            node("done", "output", x=800, value="{{ nodes.triage.output.label }}"),
            node("reviewed", "output", x=800, value="{{ nodes.review.output.data.label }}"),
        ],
        "edges": [edge("claim", "triage"), edge("triage", "sure"), edge("sure", "done", "true"),
                  edge("sure", "review", "false"), edge("review", "reviewed", "approved")],
    }  # fmt: skip


@pytest.fixture
def people(make_user):
    analyst, rita, rob, otto, senior = (make_user(n) for n in ("analyst", "rita", "rob", "otto", "senior"))
    reviewers = Group.objects.create(name="claims-reviewers")
    reviewers.user_set.add(rita, rob)
    Group.objects.create(name="seniors").user_set.add(senior)
    return {"analyst": analyst, "rita": rita, "rob": rob, "otto": otto, "senior": senior}


@pytest.fixture
def claims(people, model_server):
    """A workflow whose classifier answers what each claim's text says (the 'parrot' provider)."""
    analyst = people["analyst"]
    prompts.prompt_create(name="triage", template="{{ claim }}", variables=["claim"], user=analyst)
    gateway.profile_create(user=analyst, name="default", targets=[
        {"provider": "openai", "model": "m", "base_url": model_server.base_url("parrot")}])  # fmt: skip
    return signed_in(analyst)


def answer(label: str, confidence: float) -> dict:
    return {"claim": json.dumps({"label": label, "confidence": confidence})}


def inbox(user) -> list[dict]:
    response = signed_in(user).get("/api/v1/reviews/?status=open")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def waiting_task(analyst_client, run_id: str) -> dict:
    run = wait_run(analyst_client, run_id, statuses={"waiting", "failed", "succeeded"})
    assert run["status"] == "waiting", run
    step = steps_by_node(run)["review"]
    assert step["status"] == "waiting" and step["output"]["review"]
    return {"run": run, "task_id": step["output"]["review"]}


def test_confident_cases_go_through_and_the_others_wait_for_the_right_reviewer(people, claims, celery_worker_process):
    workflow = create_workflow(claims, claims_flow())
    sure = wait_run(claims, start_run(claims, workflow["id"], answer("auto", 0.97))["id"])
    assert (sure["status"], sure["output"]) == ("succeeded", "auto")
    assert steps_by_node(sure)["review"]["status"] == "skipped"

    unsure = start_run(claims, workflow["id"], answer("health", 0.41))
    task_id = waiting_task(claims, unsure["id"])["task_id"]
    assert [t["id"] for t in inbox(people["rita"])] == [task_id]
    assert [t["id"] for t in inbox(people["rob"])] == [task_id]
    assert inbox(people["otto"]) == [] and inbox(people["senior"]) == []
    task = signed_in(people["rita"]).get(f"/api/v1/reviews/{task_id}/").json()
    assert task["proposal"]["label"] == "health" and task["confidence"] == 0.41
    assert task["case"] == answer("health", 0.41)["claim"] and task["form"] == FORM
    assert task["permissions"] == ["view", "decide"]

    rita = signed_in(people["rita"])
    decided = rita.post(f"/api/v1/reviews/{task_id}/decide/", {"decision": "approve", "data": {"label": "home"},
                        "comment": "it is a roof"}, content_type="application/json")  # fmt: skip
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["decided_by"]) == ("approved", "rita")
    run = wait_run(claims, unsure["id"])
    assert (run["status"], run["output"]) == ("succeeded", "home"), run
    review = steps_by_node(run)["review"]
    assert review["ports"] == ["approved"]
    assert review["output"]["reviewer"] == "rita" and review["output"]["data"]["label"] == "home"
    assert review["output"]["proposal"]["label"] == "health" and review["output"]["comment"] == "it is a roof"
    assert inbox(people["rita"]) == []

    evidence = claims.get(f"/api/v1/runs/{unsure['id']}/evidence/").json()
    [record] = evidence["reviews"]
    assert (record["decided_by"], record["decision"], record["changed"]) == ("rita", "approve", ["label"])
    assert record["proposal"]["label"] == "health" and record["waited_seconds"] > 0
    assert "review.decide" in [entry["action"] for entry in evidence["audit"]]


def test_deciding_without_the_right_twice_or_with_bad_data_is_refused_and_changes_nothing(
    people, claims, celery_worker_process
):
    workflow = create_workflow(claims, claims_flow())
    run = start_run(claims, workflow["id"], answer("health", 0.3))
    task_id = waiting_task(claims, run["id"])["task_id"]
    url = f"/api/v1/reviews/{task_id}/decide/"
    approve = {"decision": "approve", "data": {"label": "home"}}

    # Neither assigned nor able to see the run: the task does not exist for them.
    assert signed_in(people["otto"]).post(url, approve, content_type="application/json").status_code == 404
    # May see the run (and so the task), may not decide it.
    object_share(obj=ReviewTask.objects.get(pk=task_id).workflow, actor=people["analyst"], user=people["otto"],
                 actions=["view"])  # fmt: skip
    assert signed_in(people["otto"]).get(f"/api/v1/reviews/{task_id}/").status_code == 200
    assert signed_in(people["otto"]).post(url, approve, content_type="application/json").status_code == 403
    assert claims.post(url, approve, content_type="application/json").status_code == 403  # the analyst neither

    rita = signed_in(people["rita"])
    bad = rita.post(url, {"decision": "approve", "data": {"label": "boat"}}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "data.label", bad.content
    missing = rita.post(url, {"decision": "approve", "data": {"note": "x"}}, content_type="application/json")
    assert missing.status_code == 400 and missing.json()["field"] == "data.label", missing.content
    assert "decision" in rita.post(url, {"decision": "maybe"}, content_type="application/json").json()
    task = ReviewTask.objects.get(pk=task_id)
    assert (task.status, task.decided_by, task.data) == ("pending", None, None)
    assert claims.get(f"/api/v1/runs/{run['id']}/").json()["status"] == "waiting"

    # A claim keeps other reviewers off the task until it is released or decided.
    assert rita.post(f"/api/v1/reviews/{task_id}/claim/").json()["status"] == "claimed"
    rob = signed_in(people["rob"])
    assert rob.post(f"/api/v1/reviews/{task_id}/claim/").status_code == 409
    assert rob.post(url, approve, content_type="application/json").status_code == 409

    rejected = rita.post(url, {"decision": "reject", "comment": "fraud"}, content_type="application/json")
    assert rejected.status_code == 200
    again = rita.post(url, approve, content_type="application/json")
    assert again.status_code == 409 and again.json()["task_status"] == "rejected"
    finished = wait_run(claims, run["id"])
    # Rejected: the run takes the `rejected` port, which leads nowhere here.
    assert finished["status"] == "succeeded" and finished["output"] is None
    assert steps_by_node(finished)["review"]["ports"] == ["rejected"]
    assert AuditEntry.objects.filter(action="review.decide", object_id=str(task_id)).count() == 1


def test_above_the_threshold_the_review_decides_itself_and_says_so(people, claims, celery_worker_process):
    full = claims_flow(threshold=0.6)
    graph = {"nodes": [n for n in full["nodes"] if n["id"] not in ("sure", "done")],
             "edges": [edge("claim", "triage"), edge("triage", "review"), edge("review", "reviewed", "approved")]}
    workflow = create_workflow(claims, graph)
    run = wait_run(claims, start_run(claims, workflow["id"], answer("home", 0.7))["id"])
    assert (run["status"], run["output"]) == ("succeeded", "home"), run
    output = steps_by_node(run)["review"]["output"]
    assert (output["auto"], output["reviewer"], output["approved"]) == ("threshold", None, True)
    task = ReviewTask.objects.get(run_id=run["id"])
    assert (task.status, task.auto) == ("approved", "threshold")
    assert inbox(people["rita"]) == []
    metrics = claims.get("/api/v1/metrics/reviews/").json()
    assert (metrics["auto_approved"], metrics["auto_approval_rate"], metrics["pending"]) == (1, 1.0, 0)

    below = start_run(claims, workflow["id"], answer("home", 0.5))
    assert waiting_task(claims, below["id"])["task_id"]


def test_the_deadline_escalates_once_and_a_cancelled_run_cancels_its_task(people, claims, celery_worker_process):
    workflow = create_workflow(claims, claims_flow(timeout="1h", on_timeout="escalate", escalate_to=["group:seniors"]))
    run = start_run(claims, workflow["id"], answer("auto", 0.2))
    task_id = waiting_task(claims, run["id"])["task_id"]
    ReviewTask.objects.filter(pk=task_id).update(deadline=timezone.now() - timedelta(seconds=1))

    assert reviews_handle_deadlines()["escalate"] == 1
    assert reviews_handle_deadlines()["escalate"] == 0  # once, however many ticks see it
    assert AuditEntry.objects.filter(action="review.escalate", object_id=str(task_id)).count() == 1
    assert inbox(people["rita"]) == [] and [t["id"] for t in inbox(people["senior"])] == [task_id]
    assert signed_in(people["rita"]).post(f"/api/v1/reviews/{task_id}/decide/", {"decision": "approve"},
                                          content_type="application/json").status_code == 404  # fmt: skip

    assert claims.post(f"/api/v1/runs/{run['id']}/cancel/").status_code == 200
    wait_for(lambda: ReviewTask.objects.get(pk=task_id).status == "cancelled", message="the task to be cancelled")
    late = signed_in(people["senior"]).post(f"/api/v1/reviews/{task_id}/decide/", {"decision": "approve"},
                                            content_type="application/json")  # fmt: skip
    assert late.status_code == 409, late.content


@pytest.mark.parametrize(("on_timeout", "status", "port"), [("approve", "succeeded", "approved"),
                                                            ("fail", "failed", None)])  # fmt: skip
def test_other_deadline_actions(people, claims, celery_worker_process, on_timeout, status, port):
    workflow = create_workflow(claims, claims_flow(timeout="2h", on_timeout=on_timeout))
    run = start_run(claims, workflow["id"], answer("auto", 0.2))
    task_id = waiting_task(claims, run["id"])["task_id"]
    ReviewTask.objects.filter(pk=task_id).update(deadline=timezone.now() - timedelta(seconds=1))
    assert reviews_handle_deadlines()[on_timeout] == 1
    finished = wait_run(claims, run["id"])
    assert finished["status"] == status, finished
    review = steps_by_node(finished)["review"]
    if port:
        assert review["ports"] == [port] and review["output"]["auto"] == "deadline"
        assert finished["output"] == "auto"
    else:
        assert "deadline passed" in finished["error"]["message"]


def test_bad_review_params_are_refused_on_save_naming_the_field(people, claims):
    for params, field in (
        ({"assignees": ["group:nobody"]}, "params.assignees[0]"),
        ({"assignees": ["team:x"]}, "params.assignees[0]"),
        ({"timeout": "soon"}, "params.timeout"),
        ({"timeout": "4h"}, "params.escalate_to"),
        ({"form": {"type": "nonsense"}}, "params.form"),
        ({"form": {"type": "object", "properties": {"label": {"$ref": "#/$defs/missing"}}}}, "params.form"),
        ({"form": {"properties": {"label": {"$ref": "https://schemas.example.com/label.json"}}}}, "params.form"),
    ):
        response = claims.post("/api/v1/workflows/", {"name": "bad", "graph": claims_flow(**params)},
                               content_type="application/json")  # fmt: skip
        assert response.status_code == 400, response.content
        fields = [(e["node"], e["field"]) for e in response.json()["errors"]]
        assert ("review", field) in fields, (field, response.json())


def test_a_waiting_review_survives_a_worker_restart(people, claims, celery_worker_process):
    workflow = create_workflow(claims, claims_flow())
    run = start_run(claims, workflow["id"], answer("health", 0.1))
    task_id = waiting_task(claims, run["id"])["task_id"]
    celery_worker_process.restart()
    signed_in(people["rob"]).post(f"/api/v1/reviews/{task_id}/decide/", {"decision": "approve"},
                                  content_type="application/json")  # fmt: skip
    finished = wait_run(claims, run["id"], timeout=60)
    assert (finished["status"], finished["output"]) == ("succeeded", "health"), finished


def test_the_demo_claims_wait_for_the_demo_reviewer(data_dir, celery_worker_process):
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from apps.workflows.models import Workflow

    call_command("seed_demo")
    analyst, reviewer = (signed_in(User.objects.get(username=name)) for name in ("analyst", "reviewer"))
    workflow = Workflow.objects.get(name="Claims with a reviewer (demo)")
    small = wait_run(analyst, start_run(analyst, workflow.pk, {"id": "C-1", "amount": 200})["id"])
    assert small["output"] == {"decision": "approved automatically", "amount": 200}
    large = start_run(analyst, workflow.pk, {"id": "C-2", "amount": 5000, "text": "Storm damage"})
    task_id = waiting_task(analyst, large["id"])["task_id"]
    [task] = reviewer.get("/api/v1/reviews/?status=pending").json()["results"]
    assert (task["id"], task["title"], task["case"]) == (task_id, "Large claim C-2", "Storm damage")
    assert task["proposal"] == {"queue": "home", "amount": 5000}
    corrected = {"decision": "approve", "data": {"queue": "home", "amount": 4800}}
    reviewer.post(f"/api/v1/reviews/{task_id}/decide/", corrected, content_type="application/json")
    run = wait_run(analyst, large["id"])
    assert run["output"] == {"decision": "approved by a reviewer", "claim": {"queue": "home", "amount": 4800}}
