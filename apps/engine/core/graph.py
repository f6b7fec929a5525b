"""The workflow graph as DESIGN.md defines it, parsed into frozen dataclasses.

``Graph.from_dict`` accepts exactly the stored/exported JSON shape and ``to_dict`` gives it
back unchanged, so import/export round-trips. Structural problems (missing ids, duplicate
ids, wrong JSON types) raise ``GraphFormatError`` with the path of the offending field;
semantic checks live in ``validation``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

DEFAULT_OUTPUT_PORT = "out"
DEFAULT_INPUT_PORT = "in"


class GraphFormatError(ValueError):
    """The graph JSON does not have the documented shape; ``field`` says where."""

    def __init__(self, message: str, *, field: str, node: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.node = node


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    params: dict[str, Any]
    position: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> dict[str, Any]:
        """Run settings (retries, timeout; see ``policy``), beside the params."""
        settings = self.extra.get("settings")
        return settings if isinstance(settings, dict) else {}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "position": self.position, "params": self.params, **self.extra}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    source_port: str = DEFAULT_OUTPUT_PORT
    target_port: str = DEFAULT_INPUT_PORT
    extra: dict[str, Any] = field(default_factory=dict)
    # Whether the ports were written out, so to_dict gives back exactly what came in.
    explicit: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"source": self.source}
        if "source_port" in self.explicit:
            data["source_port"] = self.source_port
        data["target"] = self.target
        if "target_port" in self.explicit:
            data["target_port"] = self.target_port
        data.update(self.extra)
        return data


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any) -> Graph:
        if not isinstance(data, dict):
            raise GraphFormatError("the graph must be a JSON object with 'nodes' and 'edges'", field="graph")
        raw_nodes = data.get("nodes", [])
        raw_edges = data.get("edges", [])
        if not isinstance(raw_nodes, list):
            raise GraphFormatError("must be a list", field="nodes")
        if not isinstance(raw_edges, list):
            raise GraphFormatError("must be a list", field="edges")
        nodes = tuple(_parse_node(raw, index) for index, raw in enumerate(raw_nodes))
        seen: set[str] = set()
        for index, node in enumerate(nodes):
            if node.id in seen:
                raise GraphFormatError(f"duplicate node id {node.id!r}", field=f"nodes[{index}].id", node=node.id)
            seen.add(node.id)
        edges = tuple(_parse_edge(raw, index) for index, raw in enumerate(raw_edges))
        extra = {k: v for k, v in data.items() if k not in {"nodes", "edges"}}
        return cls(nodes=nodes, edges=edges, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        return {"nodes": [n.to_dict() for n in self.nodes], "edges": [e.to_dict() for e in self.edges], **self.extra}

    @cached_property
    def by_id(self) -> dict[str, Node]:
        return {node.id: node for node in self.nodes}

    @cached_property
    def incoming(self) -> dict[str, tuple[Edge, ...]]:
        result: dict[str, list[Edge]] = defaultdict(list)
        for edge in self.edges:
            result[edge.target].append(edge)
        return {node.id: tuple(result.get(node.id, ())) for node in self.nodes}

    @cached_property
    def outgoing(self) -> dict[str, tuple[Edge, ...]]:
        result: dict[str, list[Edge]] = defaultdict(list)
        for edge in self.edges:
            result[edge.source].append(edge)
        return {node.id: tuple(result.get(node.id, ())) for node in self.nodes}

    @cached_property
    def ancestors(self) -> dict[str, frozenset[str]]:
        """Every node upstream of each node (assumes the graph is acyclic; cycles stop the walk)."""
        memo: dict[str, frozenset[str]] = {}

        def walk(node_id: str, visiting: frozenset[str]) -> frozenset[str]:
            if node_id in memo:
                return memo[node_id]
            found: set[str] = set()
            for edge in self.incoming.get(node_id, ()):
                if edge.source in visiting or edge.source not in self.by_id:
                    continue
                found.add(edge.source)
                found |= walk(edge.source, visiting | {node_id})
            memo[node_id] = frozenset(found)
            return memo[node_id]

        return {node.id: walk(node.id, frozenset()) for node in self.nodes}


def _parse_node(raw: Any, index: int) -> Node:
    where = f"nodes[{index}]"
    if not isinstance(raw, dict):
        raise GraphFormatError("a node must be an object", field=where)
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not node_id.strip():
        raise GraphFormatError("a node needs a non-empty string id", field=f"{where}.id")
    node_type = raw.get("type")
    if not isinstance(node_type, str) or not node_type:
        raise GraphFormatError("a node needs a type", field=f"{where}.type", node=node_id)
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise GraphFormatError("params must be an object", field=f"{where}.params", node=node_id)
    position = raw.get("position", {"x": 0, "y": 0})
    if not isinstance(position, dict):
        raise GraphFormatError("position must be an object with x and y", field=f"{where}.position", node=node_id)
    extra = {k: v for k, v in raw.items() if k not in {"id", "type", "params", "position"}}
    return Node(id=node_id, type=node_type, params=params, position=position, extra=extra)


def _parse_edge(raw: Any, index: int) -> Edge:
    where = f"edges[{index}]"
    if not isinstance(raw, dict):
        raise GraphFormatError("an edge must be an object", field=where)
    for key in ("source", "target"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise GraphFormatError(f"an edge needs a {key} node id", field=f"{where}.{key}")
    explicit = set()
    ports = {}
    for key, default in (("source_port", DEFAULT_OUTPUT_PORT), ("target_port", DEFAULT_INPUT_PORT)):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key]:
                raise GraphFormatError(f"{key} must be a port name", field=f"{where}.{key}")
            explicit.add(key)
        ports[key] = raw.get(key, default)
    extra = {k: v for k, v in raw.items() if k not in {"source", "target", "source_port", "target_port"}}
    return Edge(source=raw["source"], target=raw["target"], extra=extra, explicit=frozenset(explicit), **ports)
