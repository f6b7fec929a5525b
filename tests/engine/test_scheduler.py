"""Scheduling decisions: readiness, skipping branches not taken, merges."""

from __future__ import annotations

from apps.engine.core.graph import Graph
from apps.engine.core.scheduler import NodeState, Status, active_inputs, is_settled, plan


def g(edges, nodes):
    return Graph.from_dict(
        {
            "nodes": [{"id": n, "type": "t"} for n in nodes],
            "edges": [
                {"source": s, "target": t, **({"source_port": p} if p else {})} for s, t, p in edges
            ],
        }
    )


DIAMOND = g(
    [("start", "cond", None), ("cond", "a", "true"), ("cond", "b", "false"), ("a", "m", None), ("b", "m", None),
     ("m", "end", None)],
    ["start", "cond", "a", "b", "m", "end"],
)  # fmt: skip


def done(output=None, ports=("out",)):
    return NodeState(Status.SUCCEEDED, ports=ports, output=output)


def test_chain_runs_one_after_another():
    states = {"start": done(1)}
    assert plan(DIAMOND, states).ready == ["cond"]


def test_branch_not_taken_is_skipped_and_merge_runs_with_the_taken_one():
    states = {"start": done(1), "cond": done(1, ports=("true",))}
    result = plan(DIAMOND, states)
    assert result.ready == ["a"]
    assert result.skip == ["b"]
    states["a"] = done("A")
    result = plan(DIAMOND, states)
    assert result.ready == ["m"]
    assert active_inputs(DIAMOND, "m", states) == {"in": "A"}
    assert active_inputs(DIAMOND, "m", states, collect=True) == {"in": ["A"]}


def test_a_node_waits_for_every_input():
    graph = g([("s", "a", None), ("s", "b", None), ("a", "m", None), ("b", "m", None)], ["s", "a", "b", "m"])
    states = {"s": done(), "a": done("A"), "b": NodeState(Status.RUNNING)}
    assert plan(graph, states).ready == []
    states["b"] = done("B")
    assert plan(graph, states).ready == ["m"]
    assert active_inputs(graph, "m", states) == {"in": ["A", "B"]}


def test_first_mode_merge_runs_on_the_first_arrival():
    graph = g([("s", "a", None), ("s", "b", None), ("a", "m", None), ("b", "m", None)], ["s", "a", "b", "m"])
    states = {"s": done(), "a": done("A"), "b": NodeState(Status.RUNNING)}
    assert plan(graph, states, first_wins=frozenset({"m"})).ready == ["m"]


def test_skips_cascade_and_the_run_settles():
    states = {"start": done(), "cond": done(ports=("false",)), "b": done("B")}
    result = plan(DIAMOND, states)
    assert "a" in result.skip and result.ready == ["m"]
    states["m"] = done()
    states["end"] = done()
    assert is_settled(DIAMOND, states)


def test_all_inputs_dead_skips_downstream_entirely():
    graph = g([("s", "c", None), ("c", "x", "true"), ("x", "y", None)], ["s", "c", "x", "y"])
    states = {"s": done(), "c": done(ports=("false",))}
    result = plan(graph, states)
    assert result.skip == ["x", "y"]
    assert is_settled(graph, states)


def test_a_failed_node_with_an_error_port_routes_there():
    graph = g([("s", "h", None), ("h", "ok", None), ("h", "oops", "error")], ["s", "h", "ok", "oops"])
    states = {"s": done(), "h": NodeState(Status.FAILED, ports=("error",), output={"error": "boom"})}
    result = plan(graph, states)
    assert result.ready == ["oops"] and result.skip == ["ok"]
