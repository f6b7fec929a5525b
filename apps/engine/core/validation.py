"""Graph validation: every problem, each naming the node and the field, so the canvas can mark them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from apps.engine.core import templating
from apps.engine.core.graph import Graph, GraphFormatError
from apps.engine.core.policy import SETTINGS_SCHEMA

_REQUIRED = re.compile(r"^'(?P<name>[^']+)' is a required property$")


@dataclass(frozen=True)
class Problem:
    node: str | None
    field: str
    message: str
    code: str

    def as_dict(self) -> dict[str, Any]:
        return {"node": self.node, "field": self.field, "message": self.message, "code": self.code}


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [item for key, v in value.items() for item in _strings(v, f"{path}.{key}")]
    if isinstance(value, list):
        return [item for i, v in enumerate(value) for item in _strings(v, f"{path}[{i}]")]
    return []


def _expression_strings(node_type, params: dict[str, Any]) -> list[tuple[str, str]]:
    """Expressions inside the expression params: plain strings, or `expression` keys of objects."""
    found = []
    for name in node_type.expression_params:
        if name not in params:
            continue
        for path, source in _strings(params[name], name):
            if path == name or path.endswith(".expression"):
                found.append((path, source))
    return found


def _schema_problems(node, node_type) -> list[Problem]:
    problems = []
    validator = Draft202012Validator(node_type.params_schema)
    for error in validator.iter_errors(node.params):
        # A template stands for a value only known at run time: its type is checked then.
        if templating.is_template(error.instance):
            continue
        path = ".".join(str(part) for part in error.absolute_path)
        required = _REQUIRED.match(error.message) if error.validator == "required" else None
        if required:
            path = f"{path}.{required['name']}" if path else required["name"]
            message = "is required"
        else:
            message = error.message
        problems.append(Problem(node.id, f"params.{path}" if path else "params", message, "param"))
    return problems


_SETTINGS = Draft202012Validator(SETTINGS_SCHEMA)


def _settings_problems(node) -> list[Problem]:
    if "settings" not in node.extra:
        return []
    problems = []
    settings = node.extra["settings"]
    known = SETTINGS_SCHEMA["properties"]
    for error in _SETTINGS.iter_errors(settings):
        if error.validator == "additionalProperties":
            for key in sorted(set(settings) - set(known)):
                message = f"unknown setting (known: {', '.join(known)})"
                problems.append(Problem(node.id, f"settings.{key}", message, "settings"))
            continue
        path = ".".join(str(part) for part in error.absolute_path)
        problems.append(Problem(node.id, f"settings.{path}" if path else "settings", error.message, "settings"))
    return problems


def _template_problems(graph: Graph, node, node_type) -> list[Problem]:
    problems = []
    upstream = graph.ancestors[node.id]
    skip = set(node_type.raw_params) | set(node_type.expression_params)
    sources = [
        (f"params.{path}", source, False)
        for path, source in templating.templates_in({k: v for k, v in node.params.items() if k not in skip})
    ]
    sources += [(f"params.{path}", source, True) for path, source in _expression_strings(node_type, node.params)]
    for field, source, is_expression in sources:
        try:
            if is_expression:
                templating.check_expression(source)
            else:
                templating.check_template(source)
            referenced = templating.referenced_nodes(source, expression=is_expression)
        except templating.TemplateError as exc:
            where = f" (line {exc.line})" if exc.line else ""
            problems.append(Problem(node.id, field, f"{exc.message}{where}", "template"))
            continue
        for ref in sorted(referenced):
            if ref not in graph.by_id:
                problems.append(Problem(node.id, field, f"reads nodes.{ref}, but there is no node {ref!r}", "template"))
            elif ref not in upstream:
                problems.append(
                    Problem(node.id, field, f"reads nodes.{ref}, which is not upstream of {node.id!r}", "template")
                )
    return problems


def _cycle_problems(graph: Graph, edges) -> list[Problem]:
    adjacency: dict[str, list[str]] = {node.id: [] for node in graph.nodes}
    for edge in edges:
        adjacency[edge.source].append(edge.target)
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(adjacency, white)
    problems: list[Problem] = []
    stack_path: list[str] = []

    def visit(node_id: str) -> None:
        color[node_id] = grey
        stack_path.append(node_id)
        for target in adjacency[node_id]:
            if color[target] == grey:
                cycle = [*stack_path[stack_path.index(target) :], target]
                problems.append(Problem(target, "edges", "cycle: " + " → ".join(cycle), "cycle"))
            elif color[target] == white:
                visit(target)
        stack_path.pop()
        color[node_id] = black

    for node_id in adjacency:
        if color[node_id] == white:
            visit(node_id)
    return problems


def validate(data: Any, registry) -> list[Problem]:
    """Every problem in a graph (empty when it can be saved and run)."""
    try:
        graph = Graph.from_dict(data)
    except GraphFormatError as exc:
        return [Problem(exc.node, exc.field, exc.message, "format")]

    problems: list[Problem] = []
    types = {}
    for node in graph.nodes:
        if node.type not in registry:
            problems.append(Problem(node.id, "type", f"unknown node type {node.type!r}", "unknown_type"))
            continue
        node_type = types[node.id] = registry.get(node.type)
        problems += _schema_problems(node, node_type)
        problems += _settings_problems(node)
        problems += [Problem(node.id, f"params.{f}", m, "param") for f, m in node_type.check_params(node.params)]

    valid_edges = []
    for index, edge in enumerate(graph.edges):
        field = f"edges[{index}]"
        missing = [end for end in (edge.source, edge.target) if end not in graph.by_id]
        if missing:
            for end in missing:
                problems.append(Problem(None, field, f"connects to {end!r}, which is not a node", "dangling_edge"))
            continue
        source_type, target_type = types.get(edge.source), types.get(edge.target)
        if source_type is not None:
            ports = source_type.output_ports(graph.by_id[edge.source].params)
            if edge.source_port not in ports:
                known = ", ".join(ports) or "none"
                problems.append(
                    Problem(edge.source, f"{field}.source_port", f"no output port {edge.source_port!r} (has {known})",
                            "unknown_port")
                )  # fmt: skip
                continue
        if target_type is not None and edge.target_port not in target_type.inputs:
            known = ", ".join(target_type.inputs) or "none: it starts runs"
            problems.append(
                Problem(edge.target, f"{field}.target_port", f"no input port {edge.target_port!r} (has {known})",
                        "unknown_port")
            )  # fmt: skip
            continue
        valid_edges.append(edge)

    cycles = _cycle_problems(graph, valid_edges)
    problems += cycles

    triggers = [node.id for node in graph.nodes if node.id in types and types[node.id].trigger]
    if graph.nodes and not triggers:
        problems.append(Problem(None, "nodes", "a workflow needs a trigger node to start from", "no_trigger"))
    elif triggers:
        reachable = set(triggers)
        frontier = list(triggers)
        targets: dict[str, list[str]] = {}
        for edge in valid_edges:
            targets.setdefault(edge.source, []).append(edge.target)
        while frontier:
            for target in targets.get(frontier.pop(), []):
                if target not in reachable:
                    reachable.add(target)
                    frontier.append(target)
        for node in graph.nodes:
            if node.id not in reachable and node.id in types:
                problems.append(Problem(node.id, "id", "unreachable: no path from a trigger leads here", "unreachable"))

    if not cycles:
        for node in graph.nodes:
            if node.id in types:
                problems += _template_problems(graph, node, types[node.id])
    return problems
