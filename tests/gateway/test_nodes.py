"""The LLM nodes in real runs on a worker, against the loopback test provider."""

from __future__ import annotations

import json
import math
import uuid

import pytest

from apps.accounts.services import object_share
from apps.gateway import services
from apps.gateway.models import LLMCall
from apps.gateway.routing import Breaker
from apps.prompts import services as prompts
from tests.engine.helpers import create_workflow, edge, node, start_run, steps_by_node, wait_run
from tests.fake_provider import reply_segment, scored_segment

pytestmark = pytest.mark.django_db(transaction=True)


def flow(node_type: str, **params) -> dict:
    return {
        "nodes": [node("in", "trigger.manual"), node("ask", node_type, x=200, **params),
                  node("out", "output", x=400, value="{{ nodes.ask.output }}")],
        "edges": [edge("in", "ask"), edge("ask", "out")],
    }  # fmt: skip


@pytest.fixture
def triage_prompt(user):
    return prompts.prompt_create(name="triage", template="Claim {{ claim }}: which queue?", variables=["claim"],
                                 system="You sort insurance claims.", user=user)  # fmt: skip


def test_a_failing_primary_and_an_answering_secondary_complete_the_run_with_one_failover(
    user, user_client, model_server, triage_prompt, celery_worker_process
):
    primary = {"provider": "openai", "model": "primary", "base_url": model_server.base_url("fail-503"), "retries": 0}
    secondary = {"provider": "anthropic", "model": "secondary", "base_url": model_server.base_url("ok", "anthropic")}
    Breaker(primary).succeeded()
    services.profile_create(user=user, name="default", targets=[primary, secondary])
    workflow = create_workflow(user_client, flow("llm.prompt", prompt="triage@latest", model="default",
                                                 variables={"claim": "{{ input.id }}"}))  # fmt: skip
    run = wait_run(user_client, start_run(user_client, workflow["id"], {"id": "C-7"})["id"])
    assert run["status"] == "succeeded", run
    step = steps_by_node(run)["ask"]
    assert step["output"]["text"] == "echo: Claim C-7: which queue?"
    assert step["output"]["model"] == {"profile": "default", "provider": "anthropic", "model": "secondary"}
    assert step["output"]["prompt"] == {"reference": "triage@latest", "name": "triage", "version": 1}
    [call] = step["llm_calls"]
    assert (call["failovers"], call["attempts"], call["status"], call["model"]) == (1, 2, "ok", "secondary")
    assert call["input_tokens"] == 8 and call["output_tokens"] == 5  # the system prompt and the text; the answer
    metrics = user_client.get("/api/v1/metrics/llm/?group_by=model").json()["results"]
    assert {row["model"]: (row["calls"], row["failovers"], row["errors"]) for row in metrics} == {
        "secondary": (1, 1, 0)
    }
    by_workflow = user_client.get("/api/v1/metrics/llm/?group_by=workflow").json()["results"]
    assert by_workflow[0]["workflow"] == "flow" and by_workflow[0]["input_tokens"] == 8
    assert user_client.get("/api/v1/metrics/llm/?group_by=colour").status_code == 400
    evidence = user_client.get(f"/api/v1/runs/{run['id']}/evidence/").json()
    [recorded] = evidence["model_calls"]
    assert (recorded["node_id"], recorded["provider"], recorded["model"], recorded["failovers"]) == (
        "ask", "anthropic", "secondary", 1)


def test_classify_returns_a_label_and_a_confidence(user, user_client, model_server, triage_prompt,
                                                   celery_worker_process):  # fmt: skip
    answer = reply_segment(json.dumps({"label": "review", "confidence": 0.42}))
    services.profile_create(user=user, name="default",
                            targets=[{"provider": "openai", "model": "m", "base_url": model_server.base_url(answer)}])
    workflow = create_workflow(user_client, flow("llm.classify", prompt="triage@latest", model="default",
                                                 labels=["auto", "review"], variables={"claim": "x"}))  # fmt: skip
    run = wait_run(user_client, start_run(user_client, workflow["id"])["id"])
    assert run["status"] == "succeeded", run
    output = steps_by_node(run)["ask"]["output"]
    # The server was asked for log-probabilities but gave none: the model's own number.
    assert (output["label"], output["confidence"], output["confidence_source"]) == ("review", 0.42, "model")
    sent = model_server.requests(answer)[-1]["body"]
    assert sent["response_format"]["json_schema"]["schema"]["properties"]["label"] == {"enum": ["auto", "review"]}
    assert (sent["logprobs"], sent["top_logprobs"]) == (True, 10)


# "review" in two tokens (0.8 * 0.9), "auto" listed at the first (0.15); the model wrote 0.3.
SCORED = scored_segment([
    ('{"label": "', 0.0, {}), ("rev", math.log(0.8), {"auto": math.log(0.15), "\n": math.log(0.01)}),
    ("iew", math.log(0.9), {}), ('", "confidence": 0.3}', 0.0, {}),
])  # fmt: skip


def classify_flow(**params) -> dict:
    return flow("llm.classify", prompt="triage@latest", model="default", labels=["auto", "review"],
                variables={"claim": "x"}, **params)  # fmt: skip


@pytest.mark.parametrize("stream", [False, True])
def test_classify_takes_its_confidence_from_log_probabilities(user, user_client, model_server, triage_prompt,
                                                               celery_worker_process, stream):  # fmt: skip
    services.profile_create(user=user, name="default",
                            targets=[{"provider": "openai", "model": "m", "base_url": model_server.base_url(SCORED)}])
    workflow = create_workflow(user_client, classify_flow(stream=stream))
    run = wait_run(user_client, start_run(user_client, workflow["id"])["id"])
    assert run["status"] == "succeeded", run
    output = steps_by_node(run)["ask"]["output"]
    assert (output["label"], output["confidence_source"]) == ("review", "logprobs")
    assert output["confidence"] == pytest.approx(0.72 / (0.72 + 0.15), abs=1e-6)  # not the 0.3 it wrote
    assert 0 <= output["confidence"] <= 1
    assert model_server.requests(SCORED)[-1]["body"].get("stream", False) is stream


def test_classify_through_anthropic_uses_the_model_s_own_confidence(user, user_client, model_server, triage_prompt,
                                                                    celery_worker_process):  # fmt: skip
    answer = reply_segment(json.dumps({"label": "auto", "confidence": 0.9}))
    services.profile_create(user=user, name="default", targets=[
        {"provider": "anthropic", "model": "m", "base_url": model_server.base_url(answer, "anthropic")}])  # fmt: skip
    run = wait_run(user_client, start_run(user_client, create_workflow(user_client, classify_flow())["id"])["id"])
    output = steps_by_node(run)["ask"]["output"]
    assert (output["label"], output["confidence"], output["confidence_source"]) == ("auto", 0.9, "model")
    assert "logprobs" not in model_server.requests(answer)[-1]["body"]  # the Messages API has none


def test_a_server_that_refuses_log_probabilities_is_asked_again_without_them(
    user, user_client, model_server, triage_prompt, celery_worker_process
):
    answer = reply_segment(json.dumps({"label": "review", "confidence": 0.6}), kind="nologprobs")
    model = f"strict-{uuid.uuid4().hex[:8]}"  # its own remembered refusal, whatever ran before
    services.profile_create(user=user, name="default", targets=[
        {"provider": "openai", "model": model, "base_url": model_server.base_url(answer), "retries": 0}])  # fmt: skip
    workflow = create_workflow(user_client, classify_flow())
    first = wait_run(user_client, start_run(user_client, workflow["id"])["id"])
    assert first["status"] == "succeeded", first
    output = steps_by_node(first)["ask"]["output"]
    assert (output["label"], output["confidence"], output["confidence_source"]) == ("review", 0.6, "model")
    asked = [r["body"] for r in model_server.requests(answer)]
    assert ["logprobs" in body for body in asked] == [True, False]
    call = LLMCall.objects.get(run_id=first["id"])
    assert (call.status, call.attempts, call.failovers) == ("ok", 2, 0)
    assert call.tries[0]["status"] == "error" and "asked again without log-probabilities" in call.tries[0]["error"]
    assert not Breaker(call.tries[0] | {"base_url": model_server.base_url(answer)}).state().failures
    # The refusal is remembered (by every worker): the next run asks without them at once.
    second = wait_run(user_client, start_run(user_client, workflow["id"])["id"])
    assert steps_by_node(second)["ask"]["output"]["confidence_source"] == "model"
    assert ["logprobs" in r["body"] for r in model_server.requests(answer)] == [True, False, False]


def test_a_profile_the_publisher_may_not_use_is_refused_at_save_and_at_run(
    user, user_client, make_user, model_server, triage_prompt, celery_worker_process
):
    from django.test import Client

    owner = make_user("owner")
    profile = services.profile_create(user=owner, name="shared", targets=[
        {"provider": "openai", "model": "m", "base_url": model_server.base_url("ok")}])  # fmt: skip
    graph = flow("llm.prompt", prompt="triage@latest", model="shared", variables={"claim": "x"})
    refused = user_client.post("/api/v1/workflows/", {"name": "mine", "graph": graph}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "params.model"
    object_share(obj=profile, actor=owner, user=user, actions=["use"])
    workflow = create_workflow(user_client, graph)
    assert wait_run(user_client, start_run(user_client, workflow["id"])["id"])["status"] == "succeeded"
    object_share(obj=profile, actor=owner, user=user, actions=[])
    failed = wait_run(user_client, start_run(user_client, workflow["id"])["id"])
    assert failed["status"] == "failed"
    assert "no model profile 'shared' that this workflow's publisher may use" in failed["error"]["message"]
    # The owner's calls are not the user's to see, and the user's are not a stranger's.
    stranger = Client()
    stranger.force_login(make_user("stranger"))
    assert stranger.get("/api/v1/llm-calls/").json()["count"] == 0
    assert user_client.get("/api/v1/llm-calls/").json()["count"] == 1
