"""Compare before you promote: past runs again on another workflow or prompt version, side by side."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from tests.engine.helpers import create_workflow, edge, node, wait_run

pytestmark = pytest.mark.django_db(transaction=True)


def greeter(word: str) -> dict:
    return {"nodes": [node("in", "trigger.manual"), node("out", "output", value=word + " {{ input.name }}")],
            "edges": [edge("in", "out")]}  # fmt: skip


def post(client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


def finished(client, comparison_id: str) -> dict:
    result = {}

    def done():
        result.update(client.get(f"/api/v1/comparisons/{comparison_id}/").json())
        return result["done"]

    wait_for(done, timeout=30, message="the comparison's runs")
    return result


def test_past_runs_against_another_workflow_version(user_client, celery_worker_process):
    workflow = create_workflow(user_client, greeter("Hello"))
    base = f"/api/v1/workflows/{workflow['id']}"
    past = [wait_run(user_client, post(user_client, f"{base}/runs/", {"input": {"name": name}}).json()["id"])
            for name in ("Ada", "Grace")]  # fmt: skip
    user_client.patch(f"{base}/", {"graph": greeter("Hi"), "revision": 1}, content_type="application/json")

    started = post(user_client, f"{base}/compare/", {"runs": [run["id"] for run in past], "version": 2})
    assert started.status_code == 201, started.json()
    result = finished(user_client, started.json()["id"])
    assert result["counts"] == {"same": 0, "different": 2, "pending": 0, "failed": 0}
    first = result["items"][0]
    assert first["input"] == {"name": "Ada"} and first["baseline"]["run"] == past[0]["id"]
    assert (first["baseline"]["output"], first["candidate"]["output"]) == ("Hello Ada", "Hi Ada")
    assert (first["baseline"]["version"], first["candidate"]["version"]) == (1, 2)
    assert first["changes"] == [{"path": "output", "before": "Hello Ada", "after": "Hi Ada"}]

    # Plain inputs run on both versions; an unchanged output is "same".
    same = post(user_client, f"{base}/compare/", {"items": [{"name": "Linus"}], "baseline_version": 2, "version": 2})
    assert finished(user_client, same.json()["id"])["counts"]["same"] == 1

    other = create_workflow(user_client, greeter("Yo"), name="other")
    foreign = post(user_client, f"/api/v1/workflows/{other['id']}/runs/", {"input": {}}).json()
    wait_run(user_client, foreign["id"])
    refused = post(user_client, f"{base}/compare/", {"runs": [foreign["id"]], "version": 2})
    assert refused.status_code == 400 and refused.json()["field"] == "runs"
    both = post(user_client, f"{base}/compare/", {"runs": [past[0]["id"]], "items": [{}], "version": 2})
    assert both.status_code == 400 and both.json()["field"] == "runs"


def test_past_runs_against_another_prompt_version(user_client, celery_worker_process):
    post(user_client, "/api/v1/prompts/", {"name": "reply", "template": "Dear {{ name }},", "variables": ["name"]})
    user_client.put("/api/v1/prompts/reply/tags/production/", {"version": 1}, content_type="application/json")
    user_client.patch("/api/v1/prompts/reply/", {"template": "Hello {{ name }}!", "revision": 1},
                      content_type="application/json")  # fmt: skip
    graph = {
        "nodes": [node("in", "trigger.manual"),
                  node("ask", "prompt.render", prompt="reply@production", variables={"name": "{{ input.name }}"}),
                  node("out", "output", value="{{ nodes.ask.output.text }}")],
        "edges": [edge("in", "ask"), edge("ask", "out")],
    }  # fmt: skip
    workflow = create_workflow(user_client, graph)
    run = wait_run(user_client, post(user_client, f"/api/v1/workflows/{workflow['id']}/runs/",
                                     {"input": {"name": "Ada"}}).json()["id"])  # fmt: skip
    assert run["output"] == "Dear Ada,"

    started = post(user_client, "/api/v1/prompts/reply/compare/", {"runs": [run["id"]], "version": 2})
    assert started.status_code == 201, started.json()
    item = finished(user_client, started.json()["id"])["items"][0]
    assert (item["baseline"]["output"], item["candidate"]["output"]) == ("Dear Ada,", "Hello Ada!")
    assert item["baseline"]["prompts"][0]["version"] == 1 and item["candidate"]["prompts"][0]["version"] == 2
    assert item["outcome"] == "different"
    # The tag did not move: a compare changes nothing that is in production.
    assert user_client.get("/api/v1/prompts/reply/tags/").json()[0]["version"] == 1
    assert post(user_client, "/api/v1/prompts/reply/compare/", {"runs": [run["id"]], "version": 9}).status_code == 400


def test_comparisons_are_private(user_client, make_user, client, celery_worker_process):
    workflow = create_workflow(user_client, greeter("Hello"))
    base = f"/api/v1/workflows/{workflow['id']}"
    run = wait_run(user_client, post(user_client, f"{base}/runs/", {"input": {"name": "Ada"}}).json()["id"])
    started = post(user_client, f"{base}/compare/", {"runs": [run["id"]], "version": 1}).json()
    finished(user_client, started["id"])
    client.force_login(make_user("mallory"))
    assert client.get(f"/api/v1/comparisons/{started['id']}/").status_code == 404
    assert post(client, f"{base}/compare/", {"runs": [run["id"]], "version": 1}).status_code == 404
