"""Workflows API: validation errors naming node and field, revisions, import/export, visibility."""

from __future__ import annotations

import io
import json

import pytest

from apps.workflows.models import Workflow, WorkflowVersion
from tests.engine.helpers import create_workflow, edge, node

pytestmark = pytest.mark.django_db

SIMPLE = {
    "nodes": [node("in", "trigger.manual"), node("t", "transform", value={"x": "{{ input.x }}"}), node("o", "output")],
    "edges": [edge("in", "t"), edge("t", "o")],
}


def test_node_types_list_the_palette(user_client):
    types = {t["type"]: t for t in user_client.get("/api/v1/node-types/").json()}
    assert {"trigger.manual", "transform", "condition", "switch", "merge", "http.request", "delay", "output"} <= set(
        types
    )
    assert types["condition"]["outputs"] == ["true", "false"]
    assert types["http.request"]["outputs"] == ["out", "error"]
    assert types["http.request"]["params_schema"]["required"] == ["url"]
    assert types["trigger.manual"]["inputs"] == []


def test_create_and_read(user_client):
    created = create_workflow(user_client, SIMPLE, name="Claims")
    assert created["revision"] == 1 and created["created_by"] == "alice"
    detail = user_client.get(f"/api/v1/workflows/{created['id']}/")
    assert detail.json()["graph"] == SIMPLE
    assert detail.headers["ETag"] == '"1"'
    listing = user_client.get("/api/v1/workflows/?search=clai").json()
    assert listing["count"] == 1 and listing["results"][0]["name"] == "Claims"


def test_an_invalid_graph_is_a_400_naming_node_and_field_and_nothing_is_saved(user_client):
    bad = {
        "nodes": [node("in", "trigger.manual"), node("c", "condition"), node("x", "no.such")],
        "edges": [edge("in", "c"), edge("c", "x", "true"), edge("c", "ghost", "false")],
    }
    response = user_client.post("/api/v1/workflows/", {"name": "bad", "graph": bad}, content_type="application/json")
    assert response.status_code == 400
    errors = {(e["node"], e["field"]) for e in response.json()["errors"]}
    assert {("c", "params.expression"), ("x", "type"), (None, "edges[2]")} <= errors
    assert response.json()["field"] == "graph"
    assert not Workflow.objects.exists() and not WorkflowVersion.objects.exists()


def test_a_malformed_graph_is_a_400_too(user_client):
    response = user_client.post(
        "/api/v1/workflows/", {"name": "bad", "graph": {"nodes": "no"}}, content_type="application/json"
    )
    assert response.status_code == 400
    expected = {"node": None, "field": "nodes", "message": "must be a list", "code": "format"}
    assert response.json()["errors"] == [expected]


def test_save_names_its_revision_and_a_stale_save_is_refused(user_client):
    workflow = create_workflow(user_client, SIMPLE)
    url = f"/api/v1/workflows/{workflow['id']}/"
    first = user_client.patch(url, {"name": "mine", "revision": 1}, content_type="application/json")
    assert first.status_code == 200 and first.json()["revision"] == 2
    stale = user_client.patch(url, {"name": "theirs", "revision": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert stale.json()["current_revision"] == 2
    assert Workflow.objects.get().name == "mine"
    by_header = user_client.patch(url, {"description": "d"}, content_type="application/json", HTTP_IF_MATCH='"2"')
    assert by_header.status_code == 200 and by_header.json()["revision"] == 3
    missing = user_client.patch(url, {"description": "e"}, content_type="application/json")
    assert missing.status_code == 400 and "revision" in missing.json()
    assert [v["version"] for v in user_client.get(f"{url}versions/").json()["results"]] == [3, 2, 1]


def test_an_invalid_save_changes_nothing(user_client):
    workflow = create_workflow(user_client, SIMPLE)
    broken = {**SIMPLE, "edges": [edge("in", "t"), edge("t", "nowhere")]}
    response = user_client.patch(
        f"/api/v1/workflows/{workflow['id']}/", {"graph": broken, "revision": 1}, content_type="application/json"
    )
    assert response.status_code == 400
    stored = Workflow.objects.get()
    assert stored.revision == 1 and stored.graph == SIMPLE
    assert WorkflowVersion.objects.count() == 1


def test_export_then_import_round_trips(user_client):
    workflow = create_workflow(user_client, SIMPLE, name="Round trip")
    exported = user_client.get(f"/api/v1/workflows/{workflow['id']}/export/")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    file = io.BytesIO(exported.content)
    file.name = "flow.sluice.json"
    imported = user_client.post("/api/v1/workflows/import/", {"file": file})
    assert imported.status_code == 201, imported.content
    again = user_client.get(f"/api/v1/workflows/{imported.json()['id']}/export/")
    assert json.loads(again.content) == json.loads(exported.content)
    assert again.content == exported.content


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"name": "x", "graph": {}}, "sluice"), ({"sluice": 1, "graph": {}}, "name")],
)
def test_import_rejects_what_is_not_an_export(user_client, payload, field):
    response = user_client.post("/api/v1/workflows/import/", payload, content_type="application/json")
    assert response.status_code == 400 and field in response.json()


def test_other_users_get_404(client, user_client, make_user):
    workflow = create_workflow(user_client, SIMPLE)
    client.force_login(make_user("mallory"))
    assert client.get(f"/api/v1/workflows/{workflow['id']}/").status_code == 404
    run = client.post(f"/api/v1/workflows/{workflow['id']}/runs/", {}, content_type="application/json")
    assert run.status_code == 404
    assert client.get("/api/v1/workflows/").json()["count"] == 0


def test_running_an_unknown_version_is_a_400(user_client):
    workflow = create_workflow(user_client, SIMPLE)
    response = user_client.post(
        f"/api/v1/workflows/{workflow['id']}/runs/", {"version": 9}, content_type="application/json"
    )
    assert response.status_code == 400 and "version" in response.json()


def test_run_filters_are_checked(user_client):
    assert user_client.get("/api/v1/runs/?status=sideways").status_code == 400
    assert user_client.get("/api/v1/runs/?workflow=abc").status_code == 400
    assert user_client.get("/api/v1/runs/not-a-uuid/").status_code == 404


def test_the_list_sorts_and_filters_by_last_run(user_client, user, make_user, django_assert_max_num_queries):
    from apps.engine import services as engine

    quiet = create_workflow(user_client, SIMPLE, name="Quiet")
    failing = create_workflow(user_client, SIMPLE, name="Failing")
    passing = create_workflow(user_client, SIMPLE, name="Passing")
    for workflow, status in ((failing, "failed"), (passing, "succeeded")):
        run = engine.run_start_inline(workflow_version=Workflow.objects.get(pk=workflow["id"]).versions.get(),
                                      input={}, user=user)  # fmt: skip
        run.status = status
        run.save(update_fields=["status"])

    def names(query: str) -> list[str]:
        response = user_client.get(f"/api/v1/workflows/?{query}")
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names("") == ["Passing", "Failing", "Quiet"]  # last change first
    assert names("ordering=name") == ["Failing", "Passing", "Quiet"]
    assert names("ordering=last_run_status") == ["Failing", "Passing", "Quiet"]
    assert names("last_run_status=failed") == ["Failing"]
    assert names("last_run_status=never") == ["Quiet"]
    assert names("created_by=nobody") == []
    row = user_client.get("/api/v1/workflows/?search=pass").json()["results"][0]
    assert row["last_run_status"] == "succeeded" and row["last_run_at"] and row["nodes"] == 3 and "graph" not in row
    assert user_client.get("/api/v1/workflows/?ordering=colour").json()["field"] == "ordering"
    assert user_client.get("/api/v1/workflows/?last_run_status=maybe").status_code == 400
    for index in range(10):
        create_workflow(user_client, SIMPLE, name=f"More {index}")
    # Session, user, the user's and teams' global rights, count, page, the page's rights
    # (the user's and the teams') — whatever the size (tests/accounts/test_permissions.py
    # checks that with thousands of workflows).
    with django_assert_max_num_queries(8):
        assert user_client.get("/api/v1/workflows/").status_code == 200
    assert quiet["id"]


def test_duplicate_and_validate(user_client):
    original = create_workflow(user_client, SIMPLE, name="Claims")
    copy = user_client.post(f"/api/v1/workflows/{original['id']}/duplicate/", {}, content_type="application/json")
    assert copy.status_code == 201
    assert copy.json()["name"] == "Claims (copy)" and copy.json()["graph"] == SIMPLE and copy.json()["revision"] == 1
    named = user_client.post(
        f"/api/v1/workflows/{original['id']}/duplicate/", {"name": "Mine"}, content_type="application/json"
    )
    assert named.json()["name"] == "Mine"

    bad = {"nodes": [node("in", "trigger.manual"), node("t", "transform")], "edges": [edge("in", "t")]}
    checked = user_client.post("/api/v1/workflows/validate/", {"graph": bad}, content_type="application/json")
    assert checked.status_code == 200
    assert [(e["node"], e["field"]) for e in checked.json()["errors"]] == [("t", "params.value")]
    assert user_client.post(
        "/api/v1/workflows/validate/", {"graph": SIMPLE}, content_type="application/json"
    ).json() == {"errors": []}
    assert Workflow.objects.count() == 3


def test_runs_filter_by_who_and_when(user_client, user, make_user):
    from apps.engine import services as engine

    workflow = Workflow.objects.get(pk=create_workflow(user_client, SIMPLE)["id"])
    mine = engine.run_start_inline(workflow_version=workflow.versions.get(), input={}, user=user)
    engine.run_start_inline(workflow_version=workflow.versions.get(), input={}, user=None, trigger_node="in")

    def ids(query: str) -> list[str]:
        response = user_client.get(f"/api/v1/runs/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(f"created_by={user.username}") == [str(mine.pk)]
    assert len(ids("trigger=manual")) == 2 and ids("trigger=webhook") == []
    assert len(ids("since=2000-01-01")) == 2 and ids("until=2000-01-01") == []
    assert user_client.get("/api/v1/runs/?since=yesterday").json()["field"] == "since"
    assert user_client.get("/api/v1/runs/").json()["results"][0]["workflow_name"] == "flow"


def test_app_pages_are_served_by_the_shell(user_client):
    for path in ("/workflows", "/workflows/12", "/prompts/claims-triage", "/runs/abc", "/batches/1"):
        assert user_client.get(path).status_code == 200
    user_client.logout()
    assert user_client.get("/workflows").status_code == 302  # signed out: to the login page
