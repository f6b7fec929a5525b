"""Run events for ``/ws/runs/{id}/``: built in the runner, sent after commit in one message per pass."""

from __future__ import annotations

from typing import Any

from apps.core import events as live


def run_group(run_id: str) -> str:
    return f"run.{run_id}"


def step_event(step) -> dict[str, Any]:
    kind = {
        "queued": "step.queued",
        "running": "step.started",
        "waiting": "step.waiting",
        "succeeded": "step.finished",
        "failed": "step.failed",
        "skipped": "step.skipped",
        "cancelled": "step.cancelled",
    }[str(step.status)]
    return {
        "type": kind,
        "run": str(step.run_id),
        "node_id": step.node_id,
        "status": str(step.status),
        "attempts": step.attempts,
        "ports": list(step.ports or ()),
        "error": step.error,
    }


def run_event(run) -> dict[str, Any]:
    return {
        "type": "run.finished",
        "run": str(run.id),
        "status": str(run.status),
        "output": run.output,
        "error": run.error,
    }


def emit_run_events(run_id: str, batch: list[dict[str, Any]]) -> None:
    """One channel-layer message for many events: a 40-step chain is one send, not forty."""
    if batch:
        live.emit(run_group(run_id), {"type": "batch", "events": batch})
