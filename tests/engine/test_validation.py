"""Validation returns every problem with its node and field."""

from __future__ import annotations

import pytest

from apps.engine.core.validation import validate
from apps.engine.registry import build_registry

REGISTRY = build_registry()


def node(node_id, node_type, **params):
    return {"id": node_id, "type": node_type, "position": {"x": 0, "y": 0}, "params": params}


def graph(nodes, edges):
    return {"nodes": nodes, "edges": [dict(zip(("source", "target"), e, strict=False)) if isinstance(e, tuple) else e
                                      for e in edges]}  # fmt: skip


VALID = graph(
    [
        node("start", "trigger.manual"),
        node("score", "transform", value={"confidence": "{{ input.confidence }}"}),
        node("sure", "condition", expression="nodes.score.output.confidence >= 0.85"),
        node("yes", "output", value="{{ nodes.score.output }}"),
        node("no", "output", value="review"),
    ],
    [
        ("start", "score"),
        ("score", "sure"),
        {"source": "sure", "source_port": "true", "target": "yes"},
        {"source": "sure", "source_port": "false", "target": "no"},
    ],
)


def problems_of(data):
    return {(p.node, p.field, p.code) for p in validate(data, REGISTRY)}


def test_a_valid_graph_has_no_problems():
    assert validate(VALID, REGISTRY) == []


@pytest.mark.parametrize(
    ("nodes", "edges", "expected"),
    [
        ([node("start", "trigger.manual"), node("x", "no.such.type")], [("start", "x")], ("x", "type", "unknown_type")),
        ([node("start", "trigger.manual"), node("t", "transform")], [("start", "t")], ("t", "params.value", "param")),
        (
            [node("start", "trigger.manual"), node("h", "http.request", url="http://x", timeout="soon")],
            [("start", "h")],
            ("h", "params.timeout", "param"),
        ),
        ([node("start", "trigger.manual")], [("start", "ghost")], (None, "edges[0]", "dangling_edge")),
        (
            [node("start", "trigger.manual"), node("c", "condition", expression="true"), node("o", "output")],
            [("start", "c"), {"source": "c", "source_port": "maybe", "target": "o"}],
            ("c", "edges[1].source_port", "unknown_port"),
        ),
        (
            [node("start", "trigger.manual"), node("a", "transform", value=1), node("b", "transform", value=2)],
            [("start", "a"), ("a", "b"), ("b", "a")],
            ("a", "edges", "cycle"),
        ),
        (
            [node("start", "trigger.manual"), node("lonely", "transform", value=1)],
            [],
            ("lonely", "id", "unreachable"),
        ),
        ([node("a", "transform", value=1)], [], (None, "nodes", "no_trigger")),
        (
            [node("start", "trigger.manual"), node("a", "transform", value="{{ nodes.b.output }}"),
             node("b", "transform", value=1)],
            [("start", "a"), ("start", "b")],
            ("a", "params.value", "template"),
        ),
        (
            [node("start", "trigger.manual"), node("a", "transform", value={"deep": ["{{ input.x "]})],
            [("start", "a")],
            ("a", "params.value.deep[0]", "template"),
        ),
        (
            [node("start", "trigger.manual"), node("c", "condition", expression="nodes.later.output > 1"),
             node("later", "transform", value=1)],
            [("start", "c"), {"source": "c", "source_port": "true", "target": "later"}],
            ("c", "params.expression", "template"),
        ),
        (
            [node("start", "trigger.manual"),
             node("s", "switch", cases=[{"port": "a", "expression": "1 >"}])],
            [("start", "s")],
            ("s", "params.cases[0].expression", "template"),
        ),
        (
            [node("start", "trigger.manual"),
             node("s", "switch", cases=[{"port": "a", "expression": "true"}], default="a")],
            [("start", "s")],
            ("s", "params.cases", "param"),
        ),
        (
            [node("start", "trigger.manual"), node("o", "output")],
            [("start", "o"), {"source": "o", "target": "start"}],
            ("o", "edges[1].source_port", "unknown_port"),
        ),
    ],
    ids=[
        "unknown-type", "missing-param", "ill-typed-param", "dangling-edge", "unknown-port", "cycle",
        "unreachable", "no-trigger", "template-reads-non-upstream", "template-syntax", "expression-reads-downstream",
        "switch-expression-syntax", "switch-duplicate-ports", "output-has-no-out-port",
    ],
)  # fmt: skip
def test_problems_name_node_and_field(nodes, edges, expected):
    assert expected in problems_of(graph(nodes, edges))


def test_every_problem_is_reported_at_once():
    data = graph(
        [node("start", "trigger.manual"), node("x", "nope"), node("t", "transform"), node("u", "transform", value=1)],
        [("start", "x"), ("start", "t"), ("start", "ghost")],
    )
    codes = {p.code for p in validate(data, REGISTRY)}
    assert {"unknown_type", "param", "dangling_edge", "unreachable"} <= codes


def test_a_template_param_may_stand_for_a_number():
    data = graph(
        [
            node("start", "trigger.manual"),
            node("h", "http.request", url="https://example.com", timeout="{{ input.t }}"),
        ],
        [("start", "h")],
    )
    assert validate(data, REGISTRY) == []


def test_node_settings_are_checked():
    def with_settings(settings):
        return graph([node("start", "trigger.manual"), {**node("t", "transform", value=1), "settings": settings}],
                     [("start", "t")])  # fmt: skip

    assert validate(with_settings({"retries": 2, "retry_delay": 0.5, "timeout": 10}), REGISTRY) == []
    assert problems_of(with_settings({"retries": -1})) == {("t", "settings.retries", "settings")}
    assert problems_of(with_settings({"timeout": "soon"})) == {("t", "settings.timeout", "settings")}
    assert problems_of(with_settings({"retry": 2})) == {("t", "settings.retry", "settings")}
    assert problems_of(with_settings([1])) == {("t", "settings", "settings")}


def test_step_policy_defaults_and_backoff():
    from apps.engine.core.policy import StepPolicy

    default = StepPolicy.of(None, max_attempts=3, timeout=300)
    assert (default.max_attempts, default.timeout) == (3, 300)
    assert [default.backoff(n) for n in (1, 2, 3)] == [1, 2, 4]
    chosen = StepPolicy.of({"retries": 0, "retry_delay": 10, "timeout": 2}, max_attempts=3, timeout=300)
    assert (chosen.max_attempts, chosen.timeout, chosen.backoff(20)) == (1, 2, 3600)
