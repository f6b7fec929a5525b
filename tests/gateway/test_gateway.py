"""The model gateway against the loopback test provider: both protocols, streaming, usage and
cost, failover, circuit breakers, JSON output with a repair try, and the recorded calls."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from apps.gateway import providers, services
from apps.gateway.models import CallStatus, LLMCall, ModelPrice
from apps.gateway.routing import Breaker
from tests.fake_provider import reply_segment, words

pytestmark = pytest.mark.django_db

QUESTION = providers.Request(messages=[{"role": "user", "content": "How are you today"}], system="Be brief")


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]  # the test provider (the worker's env does the same)


def profile_of(user, *targets, name="default", policy="failover"):
    return services.profile_create(user=user, name=name, targets=list(targets), policy=policy)


@pytest.mark.parametrize("protocol", ["openai", "anthropic"])
@pytest.mark.parametrize("stream", [False, True])
def test_token_counts_and_cost_are_right_for_both_protocols(user, target, protocol, stream):
    ModelPrice.objects.create(provider="anthropic" if protocol == "anthropic" else "openai", model="small",
                              input_per_million=Decimal("3"), output_per_million=Decimal("15"))  # fmt: skip
    profile = profile_of(user, target(protocol=protocol))
    request = providers.Request(messages=QUESTION.messages, system=QUESTION.system, stream=stream)
    answer = services.complete(profile=profile, request=request, user_id=user.pk)
    assert answer.text == "echo: How are you today"
    call = answer.call
    expected_in, expected_out = words("Be brief How are you today"), words(answer.text)
    assert (call.input_tokens, call.output_tokens, call.tokens_estimated) == (expected_in, expected_out, False)
    assert call.cost == (Decimal(3) * expected_in + Decimal(15) * expected_out) / Decimal(1_000_000)
    assert call.status == CallStatus.OK and call.streamed is stream and call.failovers == 0
    assert (call.ttft_ms is not None) is stream


@pytest.mark.django_db(transaction=True)
def test_a_call_recorded_in_one_round_trip_is_the_same_record(user, target):
    """Outside a transaction, on PostgreSQL, the record is one INSERT that commits without
    waiting for the WAL flush; it holds what the ORM writes inside a caller's transaction, and
    the connection's own setting is untouched afterwards."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    ModelPrice.objects.create(provider="openai", model="small", input_per_million=Decimal("3"),
                              output_per_million=Decimal("15"))  # fmt: skip
    profile = profile_of(user, target())
    with transaction.atomic():
        inside = services.complete(profile=profile, request=QUESTION, user_id=user.pk, node_id="n").call
    with CaptureQueriesContext(connection) as queries:
        alone = services.complete(profile=profile, request=QUESTION, user_id=user.pk, node_id="n").call
    fields = [f.attname for f in LLMCall._meta.concrete_fields if f.attname not in ("id", "created_at", "latency_ms")]
    stored = {call.pk: LLMCall.objects.values(*fields, "created_at").get(pk=call.pk) for call in (inside, alone)}
    assert alone.pk != inside.pk and stored[alone.pk]["created_at"] >= stored[inside.pk]["created_at"]

    def timeless(row):  # what differs between two calls: their times
        tries = [{k: v for k, v in entry.items() if k != "latency_ms"} for entry in row["tries"]]
        return {**{k: v for k, v in row.items() if k != "created_at"}, "tries": tries}

    assert timeless(stored[alone.pk]) == timeless(stored[inside.pk])
    assert stored[alone.pk]["tries"][0]["status"] == "ok" and stored[alone.pk]["cost"] > 0
    assert alone.created_at == stored[alone.pk]["created_at"] and alone._state.adding is False
    if connection.vendor == "postgresql":
        inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
        assert len(inserts) == 1 and "set_config('synchronous_commit', 'off', true)" in inserts[0]
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"


def test_without_usage_tokens_are_counted_and_marked_estimated(user, target):
    answer = services.complete(profile=profile_of(user, target("nousage")), request=QUESTION)
    assert answer.call.tokens_estimated is True
    assert answer.call.output_tokens == providers.estimate_tokens("echo: How are you today")


@pytest.mark.parametrize("failure", ["fail-503", "fail-429", "drop", "badjson", "slow-1500"])
def test_a_failing_primary_fails_over_to_the_secondary(user, target, model_server, failure):
    primary = target(failure, timeout=0.5)
    profile = profile_of(user, primary, target("ok", model="backup"))
    answer = services.complete(profile=profile, request=QUESTION)
    call = answer.call
    assert answer.text.startswith("echo:")
    assert (call.model, call.target, call.failovers, call.attempts) == ("backup", 1, 1, 2)
    assert [t["status"] for t in call.tries] == ["error", "ok"]


def test_a_client_error_does_not_fail_over(user, target, model_server):
    model_server.reset()
    profile = profile_of(user, target("fail-400"), target("ok", model="backup"))
    with pytest.raises(services.GatewayError, match="HTTP 400"):
        services.complete(profile=profile, request=QUESTION)
    assert model_server.hits("ok") == 0
    failed = LLMCall.objects.get()
    assert (failed.status, failed.failovers, failed.attempts) == (CallStatus.ERROR, 0, 1)


def test_when_every_target_fails_the_call_records_each_move(user, target):
    profile = profile_of(user, target("fail-502"), target("fail-503", model="backup"))
    with pytest.raises(services.GatewayError, match="every target of 'default' failed; last: HTTP 503"):
        services.complete(profile=profile, request=QUESTION)
    failed = LLMCall.objects.get()
    assert (failed.status, failed.failovers, failed.attempts) == (CallStatus.ERROR, 1, 2)


def test_retries_the_same_target_with_backoff_before_failing_over(user, target, model_server, settings):
    settings.GATEWAY_RETRY_BASE_SECONDS = 0.01
    model_server.reset()
    profile = profile_of(user, target("flaky-2", retries=2), target("ok", model="backup"))
    call = services.complete(profile=profile, request=QUESTION).call
    assert (call.target, call.failovers, call.attempts) == (0, 0, 3)
    assert model_server.hits("flaky-2") == 3 and model_server.hits("ok") == 0


def test_the_breaker_opens_then_half_opens_after_the_cool_down(user, target, model_server, settings):
    settings.GATEWAY_BREAKER_FAILURES = 2
    settings.GATEWAY_BREAKER_COOLDOWN = 1
    model_server.reset()
    primary = target("fail-500")
    profile = profile_of(user, primary, target("ok", model="backup"))
    for _ in range(2):
        services.complete(profile=profile, request=QUESTION)
    assert model_server.hits("fail-500") == 2 and Breaker(primary).state().open
    # Open: the primary is not called at all, and the call says it was passed over.
    skipped = services.complete(profile=profile, request=QUESTION).call
    assert model_server.hits("fail-500") == 2
    assert skipped.failovers == 1 and skipped.tries[0] == {"target": 0, "provider": "openai", "model": "small",
                                                           "status": "skipped", "error": "circuit breaker open"}
    time.sleep(1.1)
    # Half-open: one trial goes to the primary; it fails, so the breaker opens again.
    services.complete(profile=profile, request=QUESTION)
    assert model_server.hits("fail-500") == 3
    services.complete(profile=profile, request=QUESTION)
    assert model_server.hits("fail-500") == 3


def test_a_recovered_primary_closes_its_breaker(user, target, model_server, settings):
    settings.GATEWAY_BREAKER_FAILURES = 1
    settings.GATEWAY_BREAKER_COOLDOWN = 0.2
    model_server.reset()
    primary = target("flaky-1")
    profile = profile_of(user, primary, target("ok", model="backup"))
    assert services.complete(profile=profile, request=QUESTION).call.failovers == 1
    assert Breaker(primary).state().open
    time.sleep(0.3)
    assert services.complete(profile=profile, request=QUESTION).call.target == 0  # the trial answered
    assert not Breaker(primary).state().open and Breaker(primary).state().failures == 0


def test_json_output_is_validated_with_one_repair_try(user, target, model_server):
    schema = {"type": "object", "properties": {"label": {"enum": ["auto", "review"]}}, "required": ["label"]}
    fixed = reply_segment(json.dumps({"label": "review"}), kind="fixjson")
    model_server.reset()
    answer = services.complete(profile=profile_of(user, target(fixed)),
                               request=providers.Request(messages=QUESTION.messages, json_schema=schema))  # fmt: skip
    assert answer.value == {"label": "review"}
    assert [t["status"] for t in answer.call.tries] == ["ok", "repair"] and model_server.hits(fixed) == 2
    # The repair request says what was wrong.
    assert "invalid: not JSON" in model_server.requests(fixed)[1]["body"]["messages"][-1]["content"]
    # An answer that stays wrong is a clear error naming the output.
    wrong = reply_segment(json.dumps({"label": "maybe"}))
    with pytest.raises(services.GatewayError, match=r"output: .*label: 'maybe' is not one of"):
        services.complete(profile=profile_of(user, target(wrong), name="other"),
                          request=providers.Request(messages=QUESTION.messages, json_schema=schema))  # fmt: skip
    assert LLMCall.objects.filter(status=CallStatus.ERROR, error__startswith="output:").count() == 1


def test_the_routing_policies_order_the_targets(user, target, model_server):
    ModelPrice.objects.create(provider="openai", model="cheap", input_per_million=1, output_per_million=1)
    ModelPrice.objects.create(provider="openai", model="dear", input_per_million=9, output_per_million=9)
    profile = profile_of(user, target("ok", model="dear"), target("ok", model="cheap"), policy="cost")
    assert services.complete(profile=profile, request=QUESTION).call.model == "cheap"
    weighted = profile_of(user, target("ok", model="never", weight=0), target("ok", model="always", weight=1),
                          name="split", policy="weighted")  # fmt: skip
    assert {services.complete(profile=weighted, request=QUESTION).call.model for _ in range(5)} == {"always"}
    latency = profile_of(user, target("slow-200", model="slow"), target("ok", model="fast"), name="quick",
                         policy="latency")  # fmt: skip
    for _ in range(3):  # both get measured, then the fast one leads
        services.complete(profile=latency, request=QUESTION)
    assert services.complete(profile=latency, request=QUESTION).call.model == "fast"


@pytest.mark.parametrize(
    ("targets", "field"),
    [
        ([], "targets"),
        ([{"provider": "acme", "model": "x"}], "targets[0].provider"),
        ([{"provider": "openai"}], "targets[0].model"),
        ([{"provider": "openai", "model": "x", "timeout": 0}], "targets[0].timeout"),
        ([{"provider": "openai", "model": "x", "base_url": "ftp://x"}], "targets[0].base_url"),
        ([{"provider": "openai", "model": "x", "colour": "red"}], "targets[0].colour"),
        ([{"provider": "openai", "model": "x", "credential": 999}], "targets[0].credential"),
    ],
)
def test_bad_profiles_are_refused_naming_the_field(user_client, targets, field):
    response = user_client.post("/api/v1/model-profiles/", {"name": "p", "targets": targets},
                                content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and response.json()["field"] == field
    assert not services.ModelProfile.objects.exists()


def test_profiles_through_the_api_revision_checked_and_tested(user_client, model_server):
    body = {"name": "default", "targets": [{"provider": "openai", "model": "small",
                                            "base_url": model_server.base_url("ok")}]}  # fmt: skip
    created = user_client.post("/api/v1/model-profiles/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    profile = created.json()
    assert profile["permissions"] == ["view", "change", "use", "delete", "share"]
    assert profile["breakers"] == [{"open": False, "failures": 0}]
    base = f"/api/v1/model-profiles/{profile['id']}/"
    stale = user_client.patch(base, {"policy": "cost", "revision": 7}, content_type="application/json")
    assert stale.status_code == 409
    saved = user_client.patch(base, {"policy": "cost", "revision": 1}, content_type="application/json")
    assert saved.json()["revision"] == 2 and saved.json()["policy"] == "cost"
    tested = user_client.post(f"{base}test/", {"message": "ping"}, content_type="application/json").json()
    assert tested["ok"] is True and tested["text"] == "echo: ping" and tested["call"]["status"] == "ok"


def test_one_process_calls_a_provider_forty_times_at_once_over_kept_connections(model_server):
    """The web process (and any threaded caller) shares one client: forty calls at once all reach
    the provider together (a pool of 20 made the rest wait), and a second round reuses every
    connection of the first."""
    from concurrent.futures import ThreadPoolExecutor

    from apps.core.http import SHARED_CONNECTIONS

    at_once = 40
    assert at_once <= SHARED_CONNECTIONS

    def ask(scenario):
        return providers.call(provider="openai", base_url=model_server.base_url(scenario), model="m", headers={},
                              request=QUESTION, timeout=30).text  # fmt: skip

    with ThreadPoolExecutor(at_once) as pool:
        first = list(pool.map(ask, [f"together-{at_once}"] * at_once))
        opened = model_server.connections()
        model_server.reset()
        second = list(pool.map(ask, [f"together-{at_once}"] * at_once))
    assert first == second == ["echo: How are you today"] * at_once
    assert model_server.connections() == opened  # no new connection for the second round
