"""Versions, diff, rollback and tags of workflows; runs pinned by tag; re-running a run."""

from __future__ import annotations

import pytest

from apps.engine.models import Run
from apps.workflows.models import Workflow, WorkflowTag
from tests.engine.helpers import create_workflow, edge, node

pytestmark = pytest.mark.django_db


def graph(greeting: str, *, extra: bool = False, x: int = 0) -> dict:
    nodes = [node("in", "trigger.manual"), node("say", "transform", x=x, value={"greeting": greeting}),
             node("out", "output", value="{{ nodes.say.output }}")]  # fmt: skip
    edges = [edge("in", "say"), edge("say", "out")]
    if extra:
        nodes.append(node("shout", "transform", value="{{ nodes.say.output.greeting | upper }}"))
        edges.append(edge("say", "shout"))
    return {"nodes": nodes, "edges": edges}


def save(client, workflow_id: int, revision: int, body: dict):
    return client.patch(
        f"/api/v1/workflows/{workflow_id}/", {**body, "revision": revision}, content_type="application/json"
    )


@pytest.fixture
def five_versions(user_client) -> int:
    """Created, then saved four times: v2 adds a node, v3 changes a param, v4 moves a node, v5 removes it."""
    workflow = create_workflow(user_client, graph("Hello"), name="Greeter")
    steps = [
        {"graph": graph("Hello", extra=True), "reason": "shout too"},
        {"graph": graph("Hi", extra=True), "reason": "friendlier"},
        {"graph": graph("Hi", extra=True, x=300), "reason": "tidy"},
        {"graph": graph("Hi there"), "reason": "no shouting", "name": "Greeter 2"},
    ]
    for revision, body in enumerate(steps, start=1):
        response = save(user_client, workflow["id"], revision, body)
        assert response.status_code == 200, response.json()
    return workflow["id"]


def test_versions_are_listed_newest_first_with_author_and_reason(user_client, five_versions):
    listing = user_client.get(f"/api/v1/workflows/{five_versions}/versions/").json()
    assert listing["count"] == 5
    assert [v["version"] for v in listing["results"]] == [5, 4, 3, 2, 1]
    assert [v["reason"] for v in listing["results"]][:2] == ["no shouting", "tidy"]
    assert {v["author"] for v in listing["results"]} == {"alice"}
    one = user_client.get(f"/api/v1/workflows/{five_versions}/versions/2/").json()
    assert one["graph"] == graph("Hello", extra=True) and one["name"] == "Greeter"
    assert user_client.get(f"/api/v1/workflows/{five_versions}/versions/9/").status_code == 404


def test_diff_names_exactly_the_changed_nodes(user_client, five_versions):
    diff = user_client.get(f"/api/v1/workflows/{five_versions}/diff/?from=1&to=5").json()
    assert diff["from"] == 1 and diff["to"] == 5
    assert diff["nodes_added"] == [] and diff["nodes_removed"] == [] and diff["nodes_moved"] == []
    assert diff["nodes_changed"] == [
        {"id": "say", "type": "transform",
         "changes": [{"path": "params.value.greeting", "before": "Hello", "after": "Hi there"}]},
    ]  # fmt: skip
    assert diff["name"] == {"before": "Greeter", "after": "Greeter 2"}

    step = user_client.get(f"/api/v1/workflows/{five_versions}/diff/?from=4&to=5").json()
    assert step["nodes_removed"] == [{"id": "shout", "type": "transform"}]
    assert step["edges_removed"] == [{"source": "say", "source_port": "out", "target": "shout", "target_port": "in"}]
    assert [m["id"] for m in step["nodes_moved"]] == ["say"]
    back = user_client.get(f"/api/v1/workflows/{five_versions}/diff/?from=5&to=2").json()
    assert back["nodes_added"] == [{"id": "shout", "type": "transform"}]

    assert user_client.get(f"/api/v1/workflows/{five_versions}/diff/?from=1").json()["field"] == "to"
    assert user_client.get(f"/api/v1/workflows/{five_versions}/diff/?from=1&to=8").json()["field"] == "to"


def test_rollback_adds_a_version_equal_to_the_old_one(user_client, five_versions):
    response = user_client.post(
        f"/api/v1/workflows/{five_versions}/versions/2/rollback/", {"reason": "v5 broke triage"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    workflow = Workflow.objects.get(pk=five_versions)
    assert workflow.revision == 6 and workflow.name == "Greeter"
    assert workflow.graph == graph("Hello", extra=True)
    versions = {v.version: v for v in workflow.versions.all()}
    assert sorted(versions) == [1, 2, 3, 4, 5, 6]  # nothing rewritten
    assert versions[6].graph == versions[2].graph and versions[5].graph == graph("Hi there")
    assert versions[6].reason == "rolled back to version 2: v5 broke triage"
    history = list(workflow.history.order_by("history_date").values_list("revision", "history_change_reason"))
    assert history[-1] == (6, "rolled back to version 2: v5 broke triage") and len(history) == 6
    missing = user_client.post(f"/api/v1/workflows/{five_versions}/versions/42/rollback/", {})
    assert missing.status_code == 400 and missing.json()["field"] == "version"


def test_tags_move_with_history_and_runs_start_by_tag(user_client, user, five_versions):
    base = f"/api/v1/workflows/{five_versions}"
    moved = user_client.put(f"{base}/tags/production/", {"version": 2}, content_type="application/json")
    assert moved.status_code == 200 and moved.json()["version"] == 2
    user_client.put(f"{base}/tags/production/", {"version": 4, "reason": "after review"},
                    content_type="application/json")  # fmt: skip
    user_client.put(f"{base}/tags/staging/", {"version": 5}, content_type="application/json")
    assert [(t["name"], t["version"]) for t in user_client.get(f"{base}/tags/").json()] == [
        ("production", 4), ("staging", 5)
    ]
    history = user_client.get(f"{base}/tags-history/").json()["results"]
    assert [(h["name"], h["change"], h["version"], h["by"]) for h in history] == [
        ("staging", "created", 5, "alice"), ("production", "moved", 4, "alice"),
        ("production", "created", 2, "alice"),
    ]  # fmt: skip
    assert history[1]["reason"] == "after review"
    versions = user_client.get(f"{base}/versions/").json()["results"]
    assert {v["version"]: v["tags"] for v in versions}[4] == ["production"]

    run = user_client.post(f"{base}/runs/", {"tag": "production", "input": {}}, content_type="application/json")
    assert run.status_code == 201, run.json()
    assert run.json()["version"] == 4 and run.json()["tag"] == "production"
    assert Run.objects.get(pk=run.json()["id"]).workflow_version.version == 4

    bad = user_client.put(f"{base}/tags/Not OK/", {"version": 1}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "name"
    assert user_client.put(f"{base}/tags/x/", {"version": 99}, content_type="application/json").json()["field"] == (
        "version"
    )
    unknown = user_client.post(f"{base}/runs/", {"tag": "nope"}, content_type="application/json")
    assert unknown.status_code == 400 and unknown.json()["field"] == "tag"
    both = user_client.post(f"{base}/runs/", {"tag": "production", "version": 1}, content_type="application/json")
    assert both.status_code == 400 and "tag" in both.json()
    assert user_client.delete(f"{base}/tags/staging/").status_code == 204
    assert not WorkflowTag.objects.filter(name="staging").exists()
    assert user_client.get(f"{base}/tags-history/").json()["results"][0]["change"] == "removed"


def test_rerun_uses_the_same_version_and_input(user_client, user, five_versions):
    base = f"/api/v1/workflows/{five_versions}"
    first = user_client.post(f"{base}/runs/", {"version": 3, "input": {"n": 1}}, content_type="application/json")
    save(user_client, five_versions, 5, {"graph": graph("Changed since")})
    again = user_client.post(f"/api/v1/runs/{first.json()['id']}/rerun/")
    assert again.status_code == 201, again.json()
    assert again.json()["id"] != first.json()["id"]
    assert again.json()["version"] == 3 and again.json()["input"] == {"n": 1}


def test_others_cannot_roll_back_or_tag(client, user_client, make_user, five_versions):
    client.force_login(make_user("mallory"))
    base = f"/api/v1/workflows/{five_versions}"
    assert client.post(f"{base}/versions/1/rollback/", {}).status_code == 404
    assert client.put(f"{base}/tags/production/", {"version": 1}, content_type="application/json").status_code == 404
    assert client.get(f"{base}/diff/?from=1&to=2").status_code == 404
