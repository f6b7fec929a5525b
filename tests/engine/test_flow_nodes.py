"""Switch and merge at run time, through the same runner the workers use."""

from __future__ import annotations

import pytest

from apps.engine import services as engine
from apps.engine.models import Run
from apps.workflows import services as workflows
from tests.engine.helpers import edge, node

pytestmark = pytest.mark.django_db


def run_inline(graph: dict, payload: dict, user) -> Run:
    workflow = workflows.workflow_create(name="flow", graph=graph, user=user)
    run = engine.run_start_inline(workflow_version=workflow.versions.get(), input=payload, user=user)
    return Run.objects.prefetch_related("steps").get(pk=run.pk)


def statuses(run: Run) -> dict[str, str]:
    return {step.node_id: step.status for step in run.steps.all()}


SWITCH = {
    "nodes": [
        node("in", "trigger.manual"),
        node("route", "switch", cases=[{"port": "auto", "expression": "input.kind == 'car'"},
                                       {"port": "home", "expression": "input.kind in ['house', 'flat']"}]),
        node("a", "output", value="auto desk"), node("h", "output", value="home desk"),
        node("d", "output", value="triage desk"),
    ],
    "edges": [edge("in", "route"), edge("route", "a", "auto"), edge("route", "h", "home"),
              edge("route", "d", "default")],
}  # fmt: skip


@pytest.mark.parametrize(("kind", "desk"), [("car", "auto desk"), ("flat", "home desk"), ("boat", "triage desk")])
def test_switch_takes_one_port(kind, desk, user):
    run = run_inline(SWITCH, {"kind": kind}, user)
    assert run.status == "succeeded" and run.output == desk
    assert sorted(statuses(run).values()).count("skipped") == 2


def merge_graph(mode: str) -> dict:
    return {
        "nodes": [
            node("in", "trigger.manual"), node("left", "transform", value="L"), node("right", "transform", value="R"),
            node("both", "merge", mode=mode), node("out", "output", value="{{ nodes.both.output }}"),
        ],
        "edges": [edge("in", "left"), edge("in", "right"), edge("left", "both"), edge("right", "both"),
                  edge("both", "out")],
    }  # fmt: skip


def test_merge_all_waits_for_every_branch(user):
    run = run_inline(merge_graph("all"), {}, user)
    assert run.output == ["L", "R"]


def test_merge_first_takes_the_first_arrival(user):
    run = run_inline(merge_graph("first"), {}, user)
    assert run.output == "L"


def test_merge_after_a_condition_gets_the_branch_taken(user):
    graph = {
        "nodes": [
            node("in", "trigger.manual"), node("c", "condition", expression="input.big"),
            node("yes", "transform", value="big"), node("no", "transform", value="small"),
            node("m", "merge"), node("out", "output", value="{{ nodes.m.output }}"),
        ],
        "edges": [edge("in", "c"), edge("c", "yes", "true"), edge("c", "no", "false"), edge("yes", "m"),
                  edge("no", "m"), edge("m", "out")],
    }  # fmt: skip
    assert run_inline(graph, {"big": False}, user).output == ["small"]


def test_a_bad_expression_at_run_time_fails_the_run_naming_the_node(user):
    graph = {
        "nodes": [node("in", "trigger.manual"), node("c", "condition", expression="input.n > 'x'"),
                  node("o", "output")],
        "edges": [edge("in", "c"), edge("c", "o", "true")],
    }  # fmt: skip
    run = run_inline(graph, {"n": 1}, user)
    assert run.status == "failed"
    assert run.error["node"] == "c" and run.error["message"].startswith("expression: TypeError")
