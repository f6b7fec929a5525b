"""Engine figures (`make bench`): per-step orchestration overhead, batch and webhook throughput.

Printed beside the peers' figures measured on the same kind of machine; nothing is asserted
about time.
"""

from __future__ import annotations

import statistics
import time

import pytest

from apps.engine import runner
from apps.engine.models import Run
from apps.workflows import services as workflows
from tests.benchmarks.test_foundation import summary
from tests.engine.helpers import edge, node

pytestmark = pytest.mark.django_db(transaction=True)


def chain(length: int) -> dict:
    nodes = [node("start", "trigger.manual")]
    edges = []
    previous = "start"
    for index in range(length):
        node_id = f"t{index}"
        nodes.append(node(node_id, "transform", value={"n": index, "from": "{{ input.seed }}"}))
        edges.append(edge(previous, node_id))
        previous = node_id
    return {"nodes": nodes, "edges": edges}


def _time_in_process(workflow, rounds: int) -> list[float]:
    from apps.engine import services as engine

    version = workflow.versions.get()
    samples = []
    for _ in range(rounds):
        run = engine.run_start(workflow_version=version, input={"seed": 1}, user=None)
        started = time.perf_counter()
        runner.advance(str(run.pk))
        samples.append((time.perf_counter() - started) * 1000)
        assert Run.objects.get(pk=run.pk).status == "succeeded"
    return samples


def test_orchestration_overhead_per_step(make_user):
    user = make_user("bench")
    one = workflows.workflow_create(name="one", graph=chain(1), user=user)
    forty = workflows.workflow_create(name="forty", graph=chain(40), user=user)
    _time_in_process(forty, 5)  # warm caches
    small = _time_in_process(one, 30)
    large = _time_in_process(forty, 30)
    per_step = (statistics.median(large) - statistics.median(small)) / 39
    summary("1-node run, whole pass in one task", small)
    summary("40-node chain, whole pass in one task", large)
    print(f"BENCH orchestration overhead per quick step: {per_step:.3f} ms "
          f"(n8n 2.8.4: 0.23 ms; Prefect 3.9.1: 4.8 ms; target <= 0.2 ms)")  # fmt: skip
