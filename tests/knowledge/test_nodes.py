"""``knowledge.search`` in real runs on a worker: passages with source and position, and the
publisher's right to use the collection, checked at save and at run time."""

from __future__ import annotations

import pytest

from apps.accounts.services import object_share
from apps.knowledge import services
from tests.engine.helpers import create_workflow, edge, node, start_run, steps_by_node, wait_run
from tests.knowledge.helpers import tiny_pdf, upload, wait_processed

pytestmark = pytest.mark.django_db(transaction=True)


def flow(**params) -> dict:
    return {
        "nodes": [node("in", "trigger.manual"), node("find", "knowledge.search", x=200, **params),
                  node("out", "output", x=400, value="{{ nodes.find.output }}")],
        "edges": [edge("in", "find"), edge("find", "out")],
    }  # fmt: skip


def ready_collection(client, owner_client=None) -> dict:
    """A collection "policies" with a two-page PDF, processed by the worker."""
    owner_client = owner_client or client
    collection = owner_client.post("/api/v1/collections/", {"name": "policies"}, content_type="application/json").json()
    pdf = tiny_pdf(["Refunds are paid back to the card within five working days.",
                    "Visitors sign in at the front desk and wear a badge."])  # fmt: skip
    document = upload(owner_client, collection["id"], "policies.pdf", pdf, "application/pdf").json()
    assert wait_processed(owner_client, collection["id"], document["id"])["status"] == "ready"
    return collection


def test_a_run_returns_the_passages_with_their_source_and_position(user_client, celery_worker_process):
    ready_collection(user_client)
    workflow = create_workflow(user_client, flow(collection="policies", query="{{ input.question }}", top_k=2))
    run = wait_run(user_client, start_run(user_client, workflow["id"], {"question": "When is my refund paid?"})["id"],
                   timeout=60)  # fmt: skip
    assert run["status"] == "succeeded", run
    output = steps_by_node(run)["find"]["output"]
    assert output["query"] == "When is my refund paid?" and output["collection"] == "policies"
    first, second = output["passages"]
    assert first["text"] == "Refunds are paid back to the card within five working days."
    assert (first["source"], first["page"], first["position"]["index"], first["position"]["start"]) == (
        "policies.pdf", 1, 0, 0)
    assert second["page"] == 2 and first["score"] > second["score"]
    assert output["context"].startswith("[1] policies.pdf, p. 1: Refunds are paid back")
    assert run["output"]["passages"][0]["source"] == "policies.pdf"


def test_a_collection_the_publisher_may_not_use_is_refused_at_save_and_at_run(
    user, user_client, make_user, celery_worker_process
):
    from django.test import Client

    owner = make_user("owner")
    owner_client = Client()
    owner_client.force_login(owner)
    ready_collection(user_client, owner_client)
    collection = services.Collection.objects.get(name="policies")
    graph = flow(collection="policies", query="refunds")
    refused = user_client.post("/api/v1/workflows/", {"name": "mine", "graph": graph}, content_type="application/json")
    assert refused.status_code == 400
    [problem] = refused.json()["errors"]
    assert (problem["node"], problem["field"]) == ("find", "params.collection")
    assert "no collection 'policies' that you may use" in problem["message"]

    object_share(obj=collection, actor=owner, user=user, actions=["use"])
    workflow = create_workflow(user_client, graph)
    assert wait_run(user_client, start_run(user_client, workflow["id"])["id"], timeout=60)["status"] == "succeeded"

    object_share(obj=collection, actor=owner, user=user, actions=[])
    failed = wait_run(user_client, start_run(user_client, workflow["id"])["id"], timeout=60)
    assert failed["status"] == "failed"
    assert "no collection 'policies' that this workflow's publisher may use" in failed["error"]["message"]


def test_the_node_type_is_listed_with_its_params_schema(user_client):
    types = {t["type"]: t for t in user_client.get("/api/v1/node-types/").json()}
    described = types["knowledge.search"]
    assert described["category"] == "AI" and described["speed"] == "slow"
    assert described["params_schema"]["required"] == ["collection", "query"]
    assert described["params_schema"]["properties"]["top_k"]["default"] == 4
