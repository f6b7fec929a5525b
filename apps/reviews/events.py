"""Live inbox events for ``/ws/reviews/``: each goes to the reviewers who may decide the task."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.core import events as live

EVERYTHING = "reviews.all"  # superusers and those who may decide every task


def user_group(user_id: int) -> str:
    return f"reviews.user.{user_id}"


def team_group(team_id: int) -> str:
    return f"reviews.team.{team_id}"


# Internal, to a user's own sockets: their teams changed, so join and leave groups again.
TEAMS_CHANGED = "reviews.teams_changed"


def teams_changed(user_ids) -> None:
    """After commit, tell these users' open inboxes to follow their teams as they are now: a
    reviewer added to a team hears of its tasks at once, one removed stops hearing of them."""
    ids = sorted(set(user_ids))

    def send() -> None:
        for pk in ids:
            live.emit(user_group(pk), {"type": TEAMS_CHANGED})

    if ids:
        transaction.on_commit(send)


def task_summary(task) -> dict[str, Any]:
    return {
        "id": task.pk, "run": str(task.run_id), "node_id": task.node_id, "workflow": task.workflow_id,
        "status": task.status, "priority": task.priority, "assignees": list(task.assignees or []),
        "deadline": task.deadline.isoformat() if task.deadline else None,
        "claimed_by": task.claimed_by.username if task.claimed_by_id and task.claimed_by else None,
    }  # fmt: skip


def emit_task(task, kind: str, *, principals: tuple[list, list]) -> None:
    """After commit, send ``review.<kind>`` to the users and teams given (and to EVERYTHING)."""
    users, teams = principals
    groups = {EVERYTHING, *(user_group(u.pk) for u in users), *(team_group(t.pk) for t in teams)}
    event = {"type": f"review.{kind}", "task": task_summary(task)}

    def send() -> None:
        for group in groups:
            live.emit(group, event)

    transaction.on_commit(send)
