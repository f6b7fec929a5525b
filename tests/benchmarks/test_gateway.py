"""Gateway figures against the loopback test provider: the latency the gateway adds over a
direct HTTP call at 50 concurrent requests (provider answering in 500 ms, and in 50 ms), and a
3-node flow with a model call answering in 50 ms, through the worker.

Run with `make bench`; prints figures, asserts nothing about time.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections

from apps.core import http
from apps.gateway import providers, services
from apps.gateway.routing import Breaker
from apps.prompts import services as prompts
from tests.engine.helpers import edge, node

CONCURRENCY = 50
ROUNDS = 8
FLOW_RUNS = 200
QUESTION = providers.Request(messages=[{"role": "user", "content": "How are you"}])


def _p50(samples: list[float]) -> float:
    return statistics.median(samples)


@pytest.fixture
def provider_process():
    """The test provider in a process of its own, so that it does not share this one's GIL."""
    import subprocess
    import sys

    from tests.conftest import BASE_DIR
    from tests.fake_provider import FakeProvider

    process = subprocess.Popen([sys.executable, "-m", "tests.fake_provider"], cwd=BASE_DIR, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    url = process.stdout.readline().strip()
    yield FakeProvider(url)
    process.stdin.close()
    process.wait(10)


@pytest.mark.django_db(transaction=True)
def test_gateway_added_latency_at_50_concurrent_requests(make_user, provider_process, settings):
    """Direct calls and calls through the gateway, interleaved (each of the 50 threads alternates),
    so both kinds meet the same load on the provider and on the machine.

    Twice: with the provider answering in 500 ms (a quick model's whole answer), and in 50 ms.
    At 50 ms, 50 callers ask 1,000 times a second; one Python process doing that on 2 cores is
    CPU-bound whatever it calls, so that line measures the process's limit more than the gateway.
    """
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    user = make_user("bench-gateway")
    for delay in (500, 50):
        target = {"provider": "openai", "model": "bench", "base_url": provider_process.base_url(f"slow-{delay}")}
        Breaker(target).succeeded()
        profile = services.profile_create(user=user, name=f"bench-{delay}", targets=[target])
        url = target["base_url"] + "/chat/completions"
        body = {"model": "bench", "messages": QUESTION.messages, "max_tokens": 1024}

        def direct(url=url, body=body):
            with http.open_stream("POST", url, json=body, timeout=30) as answer:
                answer.read()

        def through_gateway(profile=profile):
            try:
                services.complete(profile=profile, request=QUESTION, user_id=user.pk)
            finally:
                close_old_connections()  # as a Celery task does after each node

        def timed(i, direct=direct, through_gateway=through_gateway):
            started = time.perf_counter()
            (through_gateway if i % 2 else direct)()
            return i % 2, (time.perf_counter() - started) * 1000

        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(timed, range(CONCURRENCY * 2)))  # warm: connections, threads
            samples = list(pool.map(timed, range(CONCURRENCY * ROUNDS * 2)))
        direct_p50 = _p50([ms for kind, ms in samples if kind == 0])
        gateway_p50 = _p50([ms for kind, ms in samples if kind == 1])
        print(f"\nBENCH gateway vs direct call, {CONCURRENCY} concurrent (interleaved), provider answering in "
              f"{delay} ms: direct p50 {direct_p50:.1f} ms, through the gateway p50 {gateway_p50:.1f} ms (profile, "
              f"breaker, recorded call): added {gateway_p50 - direct_p50:.1f} ms (target <= 5 ms)")  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_three_node_flow_with_a_50ms_model(make_user, model_server, celery_worker_process):
    from apps.engine import batches
    from apps.engine.models import Batch
    from apps.workflows import services as workflows

    user = make_user("bench-llm-flow")
    target = {"provider": "openai", "model": "bench", "base_url": model_server.base_url("slow-50")}
    Breaker(target).succeeded()
    services.profile_create(user=user, name="bench-flow", targets=[target])
    prompts.prompt_create(name="bench", template="Hello {{ n }}", variables=["n"], user=user)
    graph = {
        "nodes": [node("in", "trigger.manual"),
                  node("ask", "llm.prompt", x=200, prompt="bench@latest", model="bench-flow",
                       variables={"n": "{{ input.n }}"}),
                  node("out", "output", x=400, value="{{ nodes.ask.output.text }}")],
        "edges": [edge("in", "ask"), edge("ask", "out")],
    }  # fmt: skip
    workflow = workflows.workflow_create(name="llm flow", graph=graph, user=user)
    started = time.perf_counter()
    batch = batches.batch_start(workflow_version=workflow.versions.get(), items=[{"n": i} for i in range(FLOW_RUNS)],
                                user=user, concurrency=50)  # fmt: skip
    while Batch.objects.get(pk=batch.pk).status != "finished":
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    counts = batches.counts(batch)
    print(f"\nBENCH 3-node flow (trigger → llm.prompt → output), provider answering in 50 ms, {FLOW_RUNS} runs on "
          f"one worker with two pool processes: {FLOW_RUNS / elapsed:.1f} runs/s; succeeded={counts['succeeded']} "
          f"failed={counts['failed']} (each pool process holds a call for 50 ms: at most 40/s)")  # fmt: skip
