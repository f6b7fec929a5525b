"""Graph format: parse, round-trip, structural errors naming the field."""

from __future__ import annotations

import json

import pytest

from apps.engine.core.graph import Graph, GraphFormatError

DESIGN_GRAPH = {
    "nodes": [
        {"id": "claim", "type": "trigger.manual", "position": {"x": 0, "y": 0}, "params": {}},
        {"id": "sure", "type": "condition", "position": {"x": 480, "y": 0},
         "params": {"expression": "input.score >= 0.85"}},
        {"id": "done", "type": "output", "position": {"x": 960, "y": 0}, "params": {"value": "{{ input }}"},
         "data": {"note": "kept"}},
    ],
    "edges": [
        {"source": "claim", "target": "sure"},
        {"source": "sure", "source_port": "true", "target": "done"},
    ],
    "viewport": {"zoom": 1},
}  # fmt: skip


def test_round_trip_is_identical():
    graph = Graph.from_dict(json.loads(json.dumps(DESIGN_GRAPH)))
    assert json.dumps(graph.to_dict(), sort_keys=True) == json.dumps(DESIGN_GRAPH, sort_keys=True)
    assert graph.to_dict() == DESIGN_GRAPH


def test_defaults_ports_and_relations():
    graph = Graph.from_dict(DESIGN_GRAPH)
    first, second = graph.edges
    assert (first.source_port, first.target_port) == ("out", "in")
    assert second.source_port == "true"
    assert graph.ancestors["done"] == {"claim", "sure"}
    assert [e.target for e in graph.outgoing["claim"]] == ["sure"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "graph"),
        ({"nodes": {}}, "nodes"),
        ({"nodes": [{"type": "transform"}]}, "nodes[0].id"),
        ({"nodes": [{"id": "a"}]}, "nodes[0].type"),
        ({"nodes": [{"id": "a", "type": "x", "params": []}]}, "nodes[0].params"),
        ({"nodes": [{"id": "a", "type": "x"}, {"id": "a", "type": "y"}]}, "nodes[1].id"),
        ({"nodes": [], "edges": [{"source": "a"}]}, "edges[0].target"),
        ({"nodes": [], "edges": [{"source": "a", "target": "b", "source_port": 3}]}, "edges[0].source_port"),
    ],
)
def test_format_errors_name_the_field(data, field):
    with pytest.raises(GraphFormatError) as failure:
        Graph.from_dict(data)
    assert failure.value.field == field
