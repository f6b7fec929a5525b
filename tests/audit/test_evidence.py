"""The evidence export of a run: what ran (with content hashes), every step, the run's audit trail."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import pytest
from django.test import Client

from apps.audit.models import AuditEntry
from apps.audit.services import verify_chain
from apps.prompts.services import prompt_create
from apps.workflows.services import workflow_create
from tests.engine.helpers import edge, node, start_run, wait_run

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE = "Classify this claim into one of {{ labels | join(', ') }}:\n{{ claim }}\n"
SYSTEM = "You are a careful claims assistant."


def sha256_of(value) -> str:
    """The canonical-JSON hash, computed here without the app's helper."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def triage_flow() -> dict:
    return {
        "nodes": [node("claim", "trigger.manual"),
                  node("ask", "prompt.render", prompt="claims-triage@latest",
                       variables={"claim": "{{ input.text }}", "labels": ["home", "auto"]}),
                  node("out", "output", value="{{ nodes.ask.output.text }}")],
        "edges": [edge("claim", "ask"), edge("ask", "out")],
    }  # fmt: skip


EXPECTED_TEXT = "Classify this claim into one of home, auto:\nHail on the roof\n"


def triage_run(user, client):
    """A finished run (on the worker) of a workflow that renders a prompt: (workflow, run)."""
    prompt_create(name="claims-triage", template=TEMPLATE, system=SYSTEM, variables=["claim", "labels"],
                  defaults={"temperature": 0.2}, user=user)  # fmt: skip
    workflow = workflow_create(name="Claims triage", graph=triage_flow(), user=user)
    run = wait_run(client, start_run(client, workflow.pk, {"text": "Hail on the roof"})["id"])
    assert run["status"] == "succeeded", run
    assert run["output"] == EXPECTED_TEXT
    return workflow, run


def test_the_evidence_of_a_run_that_rendered_a_prompt(user, user_client, make_user, celery_worker_process):
    workflow, run = triage_run(user, user_client)

    response = user_client.get(f"/api/v1/runs/{run['id']}/evidence/")
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == f'attachment; filename="run-{run["id"]}-evidence.json"'
    document = response.json()
    assert document["format"] == "sluice.evidence/1" and document["generated_by"] == "alice"
    assert document["run"]["id"] == run["id"] and document["run"]["status"] == "succeeded"
    assert document["run"]["input"] == {"text": "Hail on the roof"} and document["run"]["output"] == EXPECTED_TEXT
    assert document["run"]["started_by"] == "alice" and document["run"]["duration_ms"] >= 0

    # What ran: the exact version, its graph hashed independently of the app.
    version = user_client.get(f"/api/v1/workflows/{workflow.pk}/versions/1/").json()
    pinned = document["workflow"]
    assert (pinned["id"], pinned["name"], pinned["version"], pinned["published_by"]) == (
        workflow.pk,
        "Claims triage",
        1,
        "alice",
    )
    assert pinned["graph"] == version["graph"]
    assert pinned["content_hash"] == sha256_of(version["graph"])
    assert pinned["content_hash"] != sha256_of(triage_flow() | {"edges": []})  # the hash depends on the graph

    # The prompt version it rendered, hashed the same way.
    stored = user_client.get("/api/v1/prompts/claims-triage/versions/1/").json()
    content = {key: stored[key] for key in ("template", "system", "variables", "defaults")}
    assert content["template"] == TEMPLATE
    assert len(document["prompts"]) == 1
    prompt = document["prompts"][0]
    assert (prompt["node"], prompt["reference"], prompt["name"], prompt["version"], prompt["author"]) == (
        "ask",
        "claims-triage@latest",
        "claims-triage",
        1,
        "alice",
    )
    assert prompt["content"] == content and prompt["content_hash"] == sha256_of(content)

    # Every step, in order, with timings, what went in and what came out.
    steps = document["steps"]
    assert [(s["node_id"], s["type"], s["status"]) for s in steps] == [
        ("claim", "trigger.manual", "succeeded"), ("ask", "prompt.render", "succeeded"),
        ("out", "output", "succeeded")]  # fmt: skip
    for step in steps:
        started, finished = (datetime.fromisoformat(step[key]) for key in ("started_at", "finished_at"))
        assert datetime.fromisoformat(document["run"]["started_at"]) <= started <= finished
    ask, out = steps[1], steps[2]
    assert ask["params"]["variables"] == {"claim": "Hail on the roof", "labels": ["home", "auto"]}
    assert ask["input"] == {"in": steps[0]["output"]}
    assert ask["output"]["text"] == EXPECTED_TEXT and ask["output"]["system"] == SYSTEM
    assert ask["output"]["prompt"] == {"reference": "claims-triage@latest", "name": "claims-triage", "version": 1}
    assert out["input"] == {"in": ask["output"]} and out["output"] == EXPECTED_TEXT

    # The run's audit trail.
    trail = [(entry["action"], entry["object_id"]) for entry in document["audit"]]
    assert ("run.start", run["id"]) in trail
    assert all(entry["object_id"] == run["id"] or entry["summary"].get("run") == run["id"]
               for entry in document["audit"])  # fmt: skip
    start = next(entry for entry in document["audit"] if entry["action"] == "run.start")
    assert start["actor"] == "alice" and start["summary"]["version"] == 1

    # Exporting is audited, and shows in the next export.
    def exports():
        return list(AuditEntry.objects.filter(action="run.evidence_export", object_id=run["id"]).order_by("id"))

    assert [(e.actor, e.object_type, e.object_repr) for e in exports()] == [("alice", "run", "Claims triage v1")]
    again = user_client.get(f"/api/v1/runs/{run['id']}/evidence/").json()
    assert [e["action"] for e in again["audit"]].count("run.evidence_export") == 1
    assert [e.actor for e in exports()] == ["alice", "alice"]

    # Someone who may not see the run is told nothing, and nothing is exported or audited.
    stranger = Client()
    stranger.force_login(make_user("mallory"))
    assert stranger.get(f"/api/v1/runs/{run['id']}/evidence/").status_code == 404
    assert stranger.get(f"/api/v1/runs/{run['id']}/").status_code == 404
    assert Client().get(f"/api/v1/runs/{run['id']}/evidence/").status_code in (401, 403)
    assert [e.actor for e in exports()] == ["alice", "alice"]
    assert verify_chain()[1] is None


def test_the_evidence_times_a_run_from_its_start_to_its_last_step(user, user_client, celery_worker_process):
    _, run = triage_run(user, user_client)
    document = user_client.get(f"/api/v1/runs/{run['id']}/evidence/").json()
    finished = datetime.fromisoformat(document["run"]["finished_at"])
    last_step = max(datetime.fromisoformat(step["finished_at"]) for step in document["steps"])
    assert last_step <= finished
    assert document["run"]["duration_ms"] > 0
