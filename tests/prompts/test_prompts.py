"""Prompts: declared variables checked on save, versions, diff, rollback, tags, preview, runs that pin them."""

from __future__ import annotations

import pytest

from apps.prompts.models import Prompt
from tests.engine.helpers import create_workflow, edge, node, wait_run

TRIAGE = {
    "name": "claims-triage",
    "template": "Classify this claim into one of {{ labels | join(', ') }}:\n{{ claim }}\n",
    "system": "You are a careful claims assistant.",
    "variables": ["claim", "labels"],
    "defaults": {"profile": "default", "temperature": 0.2, "max_tokens": 200},
}


def post(client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


def patch(client, path: str, body: dict):
    return client.patch(path, body, content_type="application/json")


@pytest.mark.django_db
def test_a_prompt_is_checked_on_save_and_nothing_is_half_saved(user_client):
    created = post(user_client, "/api/v1/prompts/", TRIAGE)
    assert created.status_code == 201, created.json()
    assert created.json()["revision"] == 1 and created.json()["created_by"] == "alice"

    unknown = post(user_client, "/api/v1/prompts/", {**TRIAGE, "name": "other", "template": "Hi {{ customer }}"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "template"
    assert "customer" in unknown.json()["detail"]
    broken = post(user_client, "/api/v1/prompts/", {**TRIAGE, "name": "other", "template": "line 1\n{{ claim "})
    assert broken.status_code == 400 and broken.json()["errors"][0]["line"] == 2
    bad = post(user_client, "/api/v1/prompts/", {**TRIAGE, "name": "other", "defaults": {"temperature": 9}})
    assert bad.status_code == 400 and bad.json()["field"] == "defaults.temperature"
    badname = post(user_client, "/api/v1/prompts/", {**TRIAGE, "name": "Not OK"})
    assert badname.status_code == 400 and badname.json()["field"] == "name"
    assert post(user_client, "/api/v1/prompts/", TRIAGE).status_code == 409  # the name is taken
    assert Prompt.objects.count() == 1

    stale = patch(user_client, "/api/v1/prompts/claims-triage/", {"template": "{{ claim }}", "revision": 1})
    assert stale.status_code == 200 and stale.json()["revision"] == 2
    lost = patch(user_client, "/api/v1/prompts/claims-triage/", {"template": "{{ labels }}", "revision": 1})
    assert lost.status_code == 409 and lost.json()["current_revision"] == 2
    invalid = patch(user_client, "/api/v1/prompts/claims-triage/", {"template": "{{ nope }}", "revision": 2})
    assert invalid.status_code == 400
    assert Prompt.objects.get().template == "{{ claim }}" and Prompt.objects.get().revision == 2


@pytest.mark.django_db
def test_versions_diff_rollback_tags_and_preview(user_client):
    base = "/api/v1/prompts/claims-triage"
    post(user_client, "/api/v1/prompts/", TRIAGE)
    for revision, line in ((1, "Be brief."), (2, "Be very brief.")):
        template = TRIAGE["template"] + line + "\n"
        assert patch(user_client, f"{base}/", {"template": template, "revision": revision,
                                               "reason": line}).status_code == 200  # fmt: skip
    versions = user_client.get(f"{base}/versions/").json()["results"]
    assert [v["version"] for v in versions] == [3, 2, 1] and versions[0]["reason"] == "Be very brief."

    diff = user_client.get(f"{base}/diff/?from=1&to=3").json()
    assert "+Be very brief." in diff["template"] and diff["template"][0] == "--- v1"
    assert diff["system"] == [] and diff["variables"] == []

    rolled = post(user_client, f"{base}/versions/1/rollback/", {"reason": "too terse"})
    assert rolled.status_code == 201 and rolled.json()["revision"] == 4
    assert rolled.json()["template"] == TRIAGE["template"]
    assert [v["version"] for v in user_client.get(f"{base}/versions/").json()["results"]] == [4, 3, 2, 1]

    user_client.put(f"{base}/tags/production/", {"version": 2}, content_type="application/json")
    user_client.put(f"{base}/tags/production/", {"version": 4}, content_type="application/json")
    assert user_client.get(f"{base}/tags/").json()[0]["version"] == 4
    moves = user_client.get(f"{base}/tags-history/").json()["results"]
    assert [(m["change"], m["version"]) for m in moves] == [("moved", 4), ("created", 2)]

    sample = {"claim": "Water {{ 7*7 }} in the kitchen", "labels": ["home", "auto"]}
    preview = post(user_client, f"{base}/preview/", {"variables": sample, "tag": "production"})
    assert preview.status_code == 200, preview.json()
    assert preview.json()["text"] == "Classify this claim into one of home, auto:\nWater {{ 7*7 }} in the kitchen\n"
    assert preview.json()["system"] == TRIAGE["system"] and preview.json()["version"] == 4
    missing = post(user_client, f"{base}/preview/", {"variables": {"claim": "x"}})
    assert missing.status_code == 400 and missing.json()["field"] == "variables.labels"


def triage_flow() -> dict:
    return {
        "nodes": [node("claim", "trigger.manual"),
                  node("ask", "prompt.render", prompt="claims-triage@production",
                       variables={"claim": "{{ input.text }}", "labels": ["home", "auto"]}),
                  node("out", "output", value="{{ nodes.ask.output.text }}")],
        "edges": [edge("claim", "ask"), edge("ask", "out")],
    }  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_run_records_the_prompt_version_it_rendered_and_a_rerun_renders_it_again(
    user_client, celery_worker_process
):
    base = "/api/v1/prompts/claims-triage"
    post(user_client, "/api/v1/prompts/", TRIAGE)
    user_client.put(f"{base}/tags/production/", {"version": 1}, content_type="application/json")
    workflow = create_workflow(user_client, triage_flow())
    started = post(user_client, f"/api/v1/workflows/{workflow['id']}/runs/", {"input": {"text": "Hail on the roof"}})
    run = wait_run(user_client, started.json()["id"])
    assert run["status"] == "succeeded", run
    assert run["prompts"] == [{"node": "ask", "reference": "claims-triage@production", "name": "claims-triage",
                               "version": 1}]  # fmt: skip
    assert "Hail on the roof" in run["output"]

    # Production moves on; the run is re-run with the prompt version it used.
    patch(user_client, f"{base}/", {"template": "NEW {{ claim }} {{ labels }}", "revision": 1})
    user_client.put(f"{base}/tags/production/", {"version": 2}, content_type="application/json")
    again = wait_run(user_client, post(user_client, f"/api/v1/runs/{run['id']}/rerun/", {}).json()["id"])
    assert again["prompts"][0]["version"] == 1 and again["output"] == run["output"]
    fresh = wait_run(user_client, post(user_client, f"/api/v1/workflows/{workflow['id']}/runs/",
                                       {"input": {"text": "Hail"}}).json()["id"])  # fmt: skip
    assert fresh["prompts"][0]["version"] == 2 and fresh["output"].startswith("NEW Hail")


@pytest.mark.django_db
def test_a_bad_prompt_reference_is_a_400_on_save(user_client):
    graph = triage_flow()
    graph["nodes"][1]["params"]["prompt"] = "Claims Triage!"
    response = post(user_client, "/api/v1/workflows/", {"name": "x", "graph": graph})
    assert response.status_code == 400
    assert [(e["node"], e["field"]) for e in response.json()["errors"]] == [("ask", "params.prompt")]
