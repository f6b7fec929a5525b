"""Graph-aware diff of two workflow graphs (plain Python).

Nodes are matched by id: added, removed, moved (position only) and changed (type, params
or settings, each change with its path, before and after). Edges are matched by their
ends and ports.
"""

from __future__ import annotations

from typing import Any

from apps.engine.core.graph import DEFAULT_INPUT_PORT, DEFAULT_OUTPUT_PORT

_MISSING = object()


def _value_changes(before: Any, after: Any, path: str) -> list[dict[str, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        changes = []
        for key in sorted(set(before) | set(after), key=str):
            inner = f"{path}.{key}" if path else str(key)
            changes += _value_changes(before.get(key, _MISSING), after.get(key, _MISSING), inner)
        return changes
    if before == after and type(before) is type(after):
        return []
    change: dict[str, Any] = {"path": path}
    if before is not _MISSING:
        change["before"] = before
    if after is not _MISSING:
        change["after"] = after
    return [change]


def _edge_key(edge: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(edge.get("source")),
        str(edge.get("source_port") or DEFAULT_OUTPUT_PORT),
        str(edge.get("target")),
        str(edge.get("target_port") or DEFAULT_INPUT_PORT),
    )


def _edge_dict(key: tuple[str, str, str, str]) -> dict[str, str]:
    return {"source": key[0], "source_port": key[1], "target": key[2], "target_port": key[3]}


def diff_graphs(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed from ``before`` to ``after``; every list is sorted, so the result is stable."""
    old = {n["id"]: n for n in before.get("nodes", []) if isinstance(n, dict) and "id" in n}
    new = {n["id"]: n for n in after.get("nodes", []) if isinstance(n, dict) and "id" in n}
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    moved, changed = [], []
    for node_id in sorted(set(old) & set(new)):
        a, b = old[node_id], new[node_id]
        if a.get("position") != b.get("position"):
            moved.append({"id": node_id, "before": a.get("position"), "after": b.get("position")})
        changes = []
        if a.get("type") != b.get("type"):
            changes.append({"path": "type", "before": a.get("type"), "after": b.get("type")})
        changes += _value_changes(a.get("params") or {}, b.get("params") or {}, "params")
        changes += _value_changes(a.get("settings") or {}, b.get("settings") or {}, "settings")
        if changes:
            changed.append({"id": node_id, "type": b.get("type"), "changes": changes})
    old_edges = {_edge_key(e) for e in before.get("edges", []) if isinstance(e, dict)}
    new_edges = {_edge_key(e) for e in after.get("edges", []) if isinstance(e, dict)}
    return {
        "nodes_added": [{"id": i, "type": new[i].get("type")} for i in added],
        "nodes_removed": [{"id": i, "type": old[i].get("type")} for i in removed],
        "nodes_moved": moved,
        "nodes_changed": changed,
        "edges_added": [_edge_dict(k) for k in sorted(new_edges - old_edges)],
        "edges_removed": [_edge_dict(k) for k in sorted(old_edges - new_edges)],
    }


def value_changes(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Every leaf that differs between two JSON values, with its dotted path, before and after."""
    return _value_changes(before, after, path)
