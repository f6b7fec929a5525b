"""Scheduling decisions: given the state of every node, which nodes run next and which are skipped.

Pure functions over the graph and a mapping of node states; the runner stores the states in
the database and calls ``plan`` after every change. An edge is *active* when its source
finished and fired the edge's port, *dead* when its source was skipped or fired other ports,
and *unresolved* while its source has not finished. A node runs when its inputs are resolved
and at least one is active (a ``first``-mode merge runs on the first active input); a node
whose inputs are all dead is skipped, which in turn kills its outgoing edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from apps.engine.core.graph import Edge, Graph


class Status(StrEnum):
    PENDING = "pending"
    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


IN_FLIGHT = frozenset({Status.QUEUED, Status.RUNNING, Status.WAITING})
DONE = frozenset({Status.SUCCEEDED, Status.FAILED, Status.SKIPPED, Status.CANCELLED})


@dataclass
class NodeState:
    status: Status
    ports: tuple[str, ...] = ()
    output: Any = None


@dataclass
class Plan:
    ready: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)


class EdgeState(StrEnum):
    ACTIVE = "active"
    DEAD = "dead"
    UNRESOLVED = "unresolved"


def edge_state(edge: Edge, states: dict[str, NodeState]) -> EdgeState:
    source = states.get(edge.source)
    if source is None or source.status not in DONE:
        return EdgeState.UNRESOLVED
    if source.status in (Status.SUCCEEDED, Status.FAILED) and edge.source_port in source.ports:
        return EdgeState.ACTIVE
    return EdgeState.DEAD


def plan(graph: Graph, states: dict[str, NodeState], *, first_wins: frozenset[str] = frozenset()) -> Plan:
    """Nodes that are ready to run and nodes to skip, given the current states.

    ``states`` holds every node that has a state beyond pending; it is updated in place with
    the skipped nodes so the result is a fixpoint. ``first_wins`` names nodes (first-mode
    merges) that run as soon as one input is active.
    """
    result = Plan()
    changed = True
    while changed:
        changed = False
        for node in graph.nodes:
            state = states.get(node.id)
            if state is not None and state.status != Status.PENDING:
                continue
            incoming = graph.incoming[node.id]
            if not incoming:
                continue  # triggers are started by the run, never by the planner
            edges = [edge_state(edge, states) for edge in incoming]
            if node.id in first_wins and EdgeState.ACTIVE in edges:
                decision = Status.QUEUED
            elif EdgeState.UNRESOLVED in edges:
                continue
            elif EdgeState.ACTIVE in edges:
                decision = Status.QUEUED
            else:
                decision = Status.SKIPPED
            if decision == Status.SKIPPED:
                states[node.id] = NodeState(Status.SKIPPED)
                result.skip.append(node.id)
                changed = True
            elif node.id not in result.ready:
                result.ready.append(node.id)
    return result


def active_inputs(
    graph: Graph, node_id: str, states: dict[str, NodeState], *, collect: bool = False
) -> dict[str, Any]:
    """The values arriving at a node, by input port, in edge order.

    With ``collect`` every port gets a list; otherwise a port with one active edge gets the
    value itself and a port with several gets the list.
    """
    by_port: dict[str, list[Any]] = {}
    for edge in graph.incoming[node_id]:
        if edge_state(edge, states) == EdgeState.ACTIVE:
            by_port.setdefault(edge.target_port, []).append(states[edge.source].output)
    if collect:
        return by_port
    return {port: values[0] if len(values) == 1 else values for port, values in by_port.items()}


def is_settled(graph: Graph, states: dict[str, NodeState]) -> bool:
    """True when nothing is running or can still run."""
    return all(states.get(node.id) is not None and states[node.id].status in DONE for node in graph.nodes)
