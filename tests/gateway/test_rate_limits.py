"""One rate limit shared by every worker process: calls spread over the target's slots."""

from __future__ import annotations

import pytest

from apps.engine.models import Step
from apps.gateway import services
from apps.gateway.routing import Breaker
from apps.prompts import services as prompts
from tests.conftest import start_worker
from tests.engine.helpers import create_workflow, edge, node, start_run, wait_run

pytestmark = pytest.mark.django_db(transaction=True)
CALLS = 6


@pytest.fixture
def second_worker(celery_worker_process, tmp_path):
    worker = start_worker(tmp_path, queues="llm")
    yield worker
    worker.stop()


def test_concurrent_runs_on_two_workers_respect_one_shared_rate_limit(user, user_client, model_server,
                                                                      second_worker):  # fmt: skip
    scenario = "ok"
    target = {"provider": "openai", "model": "limited", "base_url": model_server.base_url(scenario), "rpm": 60}
    Breaker(target).succeeded()
    services.profile_create(user=user, name="limited", targets=[target])
    prompts.prompt_create(name="hello", template="Hello", user=user)
    graph = {
        "nodes": [node("in", "trigger.manual"),
                  node("ask", "llm.prompt", x=200, prompt="hello@latest", model="limited")],
        "edges": [edge("in", "ask")],
    }
    workflow = create_workflow(user_client, graph)
    model_server.reset()
    runs = [start_run(user_client, workflow["id"])["id"] for _ in range(CALLS)]
    finished = [wait_run(user_client, run_id, timeout=60) for run_id in runs]
    assert all(run["status"] == "succeeded" for run in finished), finished
    arrivals = sorted(r["at"] for r in model_server.requests(scenario))
    assert len(arrivals) == CALLS
    # 60 a minute is one a second: six calls take six distinct one-second slots. The first may
    # take the very end of its slot and arrive a little late, so a bit under four seconds can lie
    # between the first arrival and the last; without the limit they all arrive within one.
    assert arrivals[-1] - arrivals[0] >= CALLS - 3, arrivals
    assert len({int(at) for at in arrivals}) >= CALLS - 1, arrivals  # spread over the seconds
    workers = set(Step.objects.filter(node_id="ask").values_list("worker", flat=True))
    assert len(workers) >= 2, workers  # the calls were made by both worker processes
