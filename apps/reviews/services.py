"""Review tasks: open one for a waiting step, claim, decide, reassign, escalate at the deadline.

A decision ends the waiting step in the same transaction (``engine.services.step_resume``)
and the run goes on through a worker. Every state change is a conditional update on the
task's status, so a decision is taken once however often it is sent, and a deadline's action
happens once however many beat ticks see it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

from apps.accounts.permissions import allowed
from apps.core.api import Conflict, DomainError
from apps.reviews import events
from apps.reviews.models import OPEN_STATUSES, OnTimeout, Priority, ReviewStatus, ReviewTask

logger = logging.getLogger(__name__)
DECISIONS = {"approve": ReviewStatus.APPROVED, "reject": ReviewStatus.REJECTED}


# --- assignees ---------------------------------------------------------------------------


def assignees_check(assignees: Any, *, field: str = "assignees") -> list[tuple[str, str]]:
    """Problems with a list of ``user:<username>`` / ``group:<team>`` entries, as (field, message)."""
    if not isinstance(assignees, list) or not assignees:
        return [(field, "must be a non-empty list such as ['group:claims-reviewers', 'user:ana']")]
    problems = []
    for index, entry in enumerate(assignees):
        kind, _, name = entry.partition(":") if isinstance(entry, str) else ("", "", "")
        if kind not in ("user", "group") or not name:
            problems.append((f"{field}[{index}]", "must be 'user:<username>' or 'group:<team>'"))
    return problems


def principals_of(assignees: list[str], *, field: str = "assignees") -> tuple[list, list]:
    """(users, teams) named by assignees; a name that does not exist is a DomainError naming it."""
    problems = assignees_check(assignees, field=field)
    if problems:
        raise DomainError(problems[0][1], field=problems[0][0])
    wanted = {"user": [], "group": []}
    for entry in assignees:
        kind, _, name = entry.partition(":")
        wanted[kind].append(name)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=wanted["user"], is_active=True)}
    teams = {t.name: t for t in Group.objects.filter(name__in=wanted["group"])}
    for index, entry in enumerate(assignees):
        kind, _, name = entry.partition(":")
        if name not in (users if kind == "user" else teams):
            raise DomainError(f"no {'user' if kind == 'user' else 'team'} named {name!r}", field=f"{field}[{index}]")
    return list(users.values()), list(teams.values())


def _set_deciders(task: ReviewTask, principals: tuple[list, list], *, actor=None) -> None:
    from apps.accounts.services import object_share

    users, teams = principals
    for user in users:
        object_share(obj=task, actor=actor, user=user, actions=["view", "decide"])
    for team in teams:
        object_share(obj=task, actor=actor, group=team, actions=["view", "decide"])


def _revoke_deciders(task: ReviewTask, principals: tuple[list, list], *, keep: tuple[list, list], actor=None) -> None:
    from apps.accounts.services import object_share

    users, teams = principals
    for user in users:
        if user not in keep[0]:
            object_share(obj=task, actor=actor, user=user, actions=[])
    for team in teams:
        if team not in keep[1]:
            object_share(obj=task, actor=actor, group=team, actions=[])


# --- opening a task (from the human.review node, on a worker) ----------------------------


def _audit(action: str, task: ReviewTask, *, user=None, actor: str | None = None, **summary: Any) -> None:
    from apps.audit.services import audit_record

    audit_record(action=action, user=user, obj=task, actor=actor,
                 summary={"run": str(task.run_id), "node": task.node_id, **summary})  # fmt: skip


def _as_mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def outcome(task: ReviewTask) -> dict[str, Any]:
    """What the step outputs once the task is decided (on port ``approved`` or ``rejected``)."""
    edits = task.data
    final = task.proposal
    if task.apply_edits and edits is not None:
        final = {**task.proposal, **edits} if isinstance(task.proposal, dict) and isinstance(edits, dict) else edits
    return {
        "decision": task.decision,
        "approved": task.status == ReviewStatus.APPROVED,
        "reviewer": task.decided_by.username if task.decided_by_id else None,
        "auto": task.auto or None,
        "data": final,
        "proposal": task.proposal,
        "edits": edits,
        "comment": task.comment,
        "confidence": task.confidence,
        "task": task.pk,
        "decided_at": task.decided_at.isoformat() if task.decided_at else None,
    }


def port_of(task: ReviewTask) -> str:
    return "approved" if task.status == ReviewStatus.APPROVED else "rejected"


@transaction.atomic
def review_open(*, run_id: str, step_id: int, node_id: str, params: dict[str, Any], proposal: Any,
                confidence: float | None) -> ReviewTask:  # fmt: skip
    """The task of a human.review step (the same one if the step runs again after a crash).

    Above the threshold the task is decided at once (``auto="threshold"``) and recorded as such.
    """
    from apps.engine.models import Run

    existing = ReviewTask.objects.filter(step_id=step_id).first()
    if existing is not None:
        return existing
    run = Run.objects.only("workflow_id").get(pk=run_id)
    principals = principals_of(params["assignees"], field="params.assignees")
    escalate_to = params.get("escalate_to") or []
    if escalate_to:
        principals_of(escalate_to, field="params.escalate_to")
    timeout = params.get("timeout")
    now = timezone.now()
    task = ReviewTask(
        run_id=run_id, step_id=step_id, node_id=node_id, workflow_id=run.workflow_id,
        title=str(params.get("title") or "")[:200], instructions=str(params.get("instructions") or ""),
        assignees=list(params["assignees"]), case=params.get("case"), proposal=proposal, confidence=confidence,
        form=params.get("form"), priority=Priority[str(params.get("priority", "normal")).upper()],
        on_timeout=params.get("on_timeout", OnTimeout.ESCALATE), escalate_to=list(escalate_to),
        apply_edits=bool(params.get("apply_edits", True)),
    )  # fmt: skip
    if timeout is not None:
        from apps.engine.core.durations import parse_duration

        task.deadline = now + parse_duration(timeout)
    threshold = params.get("threshold")
    if threshold is not None and confidence is not None and confidence >= float(threshold):
        task.status, task.decision, task.auto, task.decided_at = ReviewStatus.APPROVED, "approve", "threshold", now
        task.deadline = None
        task.save()
        _set_deciders(task, principals)
        _audit("review.auto_decide", task, actor="sluice", decision="approve", reason="threshold",
               confidence=confidence, threshold=float(threshold))  # fmt: skip
        return task
    task.save()
    _set_deciders(task, principals)
    _audit("review.create", task, actor="sluice", assignees=task.assignees,
           deadline=task.deadline.isoformat() if task.deadline else None)  # fmt: skip
    events.emit_task(task, "created", principals=principals)
    return task


# --- what reviewers do -------------------------------------------------------------------


def _locked(task: ReviewTask) -> ReviewTask:
    task = ReviewTask.objects.select_for_update(of=("self",)).select_related("claimed_by", "run").get(pk=task.pk)
    if task.status == ReviewStatus.CLAIMED and (task.claimed_by is None or not task.claimed_by.is_active):
        # Its holder's account was deleted or deactivated: the claim holds no one back.
        task.status, task.claimed_by, task.claimed_at = ReviewStatus.PENDING, None, None
    return task


def _require_open(task: ReviewTask, doing: str) -> None:
    if task.status not in OPEN_STATUSES:
        raise Conflict(f"the task is {task.status}; it cannot be {doing}", field="status",
                       extra={"task_status": task.status})  # fmt: skip
    if task.run.status in ("succeeded", "failed", "cancelled"):
        raise Conflict(f"its run is {task.run.status}; the task cannot be {doing}", field="status",
                       extra={"task_status": task.status})  # fmt: skip


def _assigned(task: ReviewTask) -> tuple[list, list]:
    return _existing(task.assignees)  # a user or team removed since: the others still hear of it


@transaction.atomic
def review_claim(*, task: ReviewTask, user) -> ReviewTask:
    """Take the task so that no other reviewer works on it at the same time."""
    task = _locked(task)
    _require_open(task, "claimed")
    if task.status == ReviewStatus.CLAIMED and task.claimed_by_id != user.pk:
        raise Conflict(f"{task.claimed_by.username} is working on this task", field="status",
                       extra={"claimed_by": task.claimed_by.username})  # fmt: skip
    if task.status == ReviewStatus.CLAIMED:
        return task
    task.status, task.claimed_by, task.claimed_at = ReviewStatus.CLAIMED, user, timezone.now()
    task.save(update_fields=["status", "claimed_by", "claimed_at", "updated_at"])
    _audit("review.claim", task, user=user)
    events.emit_task(task, "claimed", principals=_assigned(task))
    return task


@transaction.atomic
def review_release(*, task: ReviewTask, user) -> ReviewTask:
    """Give a claimed task back to the inbox (its holder, or an admin)."""
    task = _locked(task)
    _require_open(task, "released")
    if task.status != ReviewStatus.CLAIMED:
        return task
    if task.claimed_by_id != user.pk and not user.is_superuser:
        raise Conflict(f"{task.claimed_by.username} holds this task", field="status")
    task.status, task.claimed_by, task.claimed_at = ReviewStatus.PENDING, None, None
    task.save(update_fields=["status", "claimed_by", "claimed_at", "updated_at"])
    _audit("review.release", task, user=user)
    events.emit_task(task, "released", principals=_assigned(task))
    return task


def form_schema_problem(form: dict) -> str | None:
    """Why ``form`` cannot check a reviewer's data: not a JSON Schema, or a ``$ref`` that leads
    nowhere (only references inside the form resolve; nothing is fetched)."""
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    try:
        Draft202012Validator.check_schema(form)
    except SchemaError as exc:
        return f"not a valid JSON Schema: {exc.message}"
    resolver = Registry().resolver_with_root(DRAFT202012.create_resource(form))
    pending: list[Any] = [form]
    while pending:
        part = pending.pop()
        if isinstance(part, dict):
            ref = part.get("$ref")
            if isinstance(ref, str):
                try:
                    resolver.lookup(ref)
                except Unresolvable:
                    return f"$ref {ref!r} leads nowhere in the form"
            pending.extend(part.values())
        elif isinstance(part, list):
            pending.extend(part)
    return None


def form_problems(form: Any, data: Any) -> list[tuple[str, str]]:
    """Where ``data`` breaks the task's form (JSON Schema), as (field, message) pairs."""
    if not isinstance(form, dict) or data is None:
        return []
    try:
        validator = Draft202012Validator(form)
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    except (SchemaError, Unresolvable):  # a broken form (e.g. a $ref to nowhere) checks nothing
        return []
    problems = []
    for error in errors:
        path = ".".join(str(part) for part in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = ".".join(p for p in (path, missing) if p)
        problems.append((f"data.{path}" if path else "data", error.message))
    return problems


@transaction.atomic
def review_decide(*, task: ReviewTask, user, decision: str, data: Any = None, comment: str = "") -> ReviewTask:
    """Approve or reject; ``data`` (checked against the form) corrects the proposal. The
    waiting step ends on ``approved`` or ``rejected`` and the run goes on."""
    from apps.engine.services import step_resume

    if decision not in DECISIONS:
        raise DomainError("must be 'approve' or 'reject'", field="decision")
    task = _locked(task)
    _require_open(task, "decided")
    if not allowed(user, task, "decide"):
        # Checked again under the lock: reassigned or escalated since the request was let in.
        raise Conflict("the task has been given to someone else", field="assignees",
                       extra={"assignees": task.assignees})  # fmt: skip
    if task.deadline is not None and task.deadline <= timezone.now():
        # The deadline's action (escalate, approve, reject, fail) is beat's to take, once.
        raise Conflict("the task's deadline has passed; it cannot be decided", field="status",
                       extra={"task_status": task.status, "deadline": task.deadline.isoformat()})  # fmt: skip
    if task.status == ReviewStatus.CLAIMED and task.claimed_by_id != user.pk:
        raise Conflict(f"{task.claimed_by.username} is working on this task", field="status",
                       extra={"claimed_by": task.claimed_by.username})  # fmt: skip
    problems = form_problems(task.form, data)
    if problems:
        field, message = problems[0]
        raise DomainError(message, field=field, extra={"errors": [{"field": f, "message": m} for f, m in problems]})
    task.status, task.decision = DECISIONS[decision], decision
    task.decided_by, task.decided_at = user, timezone.now()
    task.data, task.comment = data, comment or ""
    task.save(update_fields=["status", "decision", "decided_by", "decided_at", "data", "comment", "updated_at"])
    if not step_resume(step_id=task.step_id, output=outcome(task), port=port_of(task)):
        from apps.engine.selectors import step_status

        if step_status(step_id=task.step_id) == "running":  # the node is still opening the case
            raise Conflict("the case is still being opened; try again in a moment", field="status")
        raise Conflict("the step no longer waits for this decision", field="status")
    waited = round((task.decided_at - task.created_at).total_seconds(), 3)
    _audit("review.decide", task, user=user, decision=decision, changed=changed_fields(task.proposal, data),
           comment=task.comment, waited_seconds=waited)  # fmt: skip
    events.emit_task(task, "decided", principals=_assigned(task))
    return task


def changed_fields(proposal: Any, data: Any) -> list[str]:
    """The fields a reviewer changed (``["."]`` when a whole non-object value was replaced)."""
    if data is None:
        return []
    if isinstance(proposal, dict) and isinstance(data, dict):
        return sorted(key for key, value in data.items() if proposal.get(key) != value)
    return [] if proposal == data else ["."]


@transaction.atomic
def review_reassign(*, task: ReviewTask, user, assignees: list[str]) -> ReviewTask:
    """Give the task to other users or teams (those before lose the right to decide it)."""
    task = _locked(task)
    _require_open(task, "reassigned")
    new = principals_of(assignees)
    old = _assigned(task)
    before = list(task.assignees)
    task.assignees, task.status, task.claimed_by, task.claimed_at = list(assignees), ReviewStatus.PENDING, None, None
    task.save(update_fields=["assignees", "status", "claimed_by", "claimed_at", "updated_at"])
    _revoke_deciders(task, old, keep=new, actor=user)
    _set_deciders(task, new, actor=user)
    _audit("review.reassign", task, user=user, before=before, after=task.assignees)
    events.emit_task(task, "reassigned", principals=(old[0] + new[0], old[1] + new[1]))
    return task


# --- the run ended; the deadline passed ----------------------------------------------------


@transaction.atomic
def reviews_cancel_for_step(*, run_id: str, node_id: str) -> int:
    """The run ended while its review waited: the task is cancelled (not decidable any more)."""
    tasks = list(ReviewTask.objects.select_for_update().filter(run_id=run_id, node_id=node_id,
                                                               status__in=OPEN_STATUSES))  # fmt: skip
    for task in tasks:
        task.status = ReviewStatus.CANCELLED
        task.save(update_fields=["status", "updated_at"])
        _audit("review.cancel", task, actor="sluice", reason="the run ended")
        events.emit_task(task, "cancelled", principals=_assigned(task))
    return len(tasks)


def reviews_handle_deadlines(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Carry out the deadline action of every open task whose deadline has passed, once each."""
    now = now or timezone.now()
    done = {"escalate": 0, "approve": 0, "reject": 0, "fail": 0}
    due = ReviewTask.objects.filter(status__in=OPEN_STATUSES, deadline__lte=now).values_list("pk", flat=True)
    for task_id in list(due[:limit]):
        try:
            action = _deadline_one(task_id, now)
        except Exception:  # one task's failure must not hold up every deadline after it
            logger.exception("the deadline of review task %s could not be handled", task_id)
            continue
        if action:
            done[action] += 1
    return done


def _existing(entries: list[str]) -> tuple[list, list]:
    """The active users and the teams of ``entries`` that still exist (the others are left out)."""
    users = [e.partition(":")[2] for e in entries if e.startswith("user:")]
    teams = [e.partition(":")[2] for e in entries if e.startswith("group:")]
    return (list(get_user_model().objects.filter(username__in=users, is_active=True)),
            list(Group.objects.filter(name__in=teams)))  # fmt: skip


@transaction.atomic
def _deadline_one(task_id: int, now: datetime) -> str | None:
    from apps.engine.services import step_fail, step_resume

    task = ReviewTask.objects.select_for_update(skip_locked=True).select_related("run").filter(
        pk=task_id, status__in=OPEN_STATUSES, deadline__lte=now
    ).first()
    if task is None:  # decided meanwhile, or another beat tick has it
        return None
    action = task.on_timeout
    if task.run.status in ("succeeded", "failed", "cancelled"):
        task.status = ReviewStatus.CANCELLED
        task.save(update_fields=["status", "updated_at"])
        _audit("review.cancel", task, actor="sluice", reason="the run ended")
        events.emit_task(task, "cancelled", principals=_assigned(task))
        return None
    escalating = action == OnTimeout.ESCALATE and task.escalate_to and not task.escalated_at
    # A user or team of escalate_to removed since: the others get it; none left: it fails.
    new = _existing(task.escalate_to) if escalating else ([], [])
    if new[0] or new[1]:
        old = _assigned(task)
        before = list(task.assignees)
        task.assignees, task.escalated_at, task.deadline = list(task.escalate_to), now, None
        task.status, task.claimed_by, task.claimed_at = ReviewStatus.PENDING, None, None
        task.save(update_fields=["assignees", "escalated_at", "deadline", "status", "claimed_by", "claimed_at",
                                 "updated_at"])  # fmt: skip
        _revoke_deciders(task, old, keep=new)
        _set_deciders(task, new)
        _audit("review.escalate", task, actor="sluice", before=before, after=task.assignees)
        events.emit_task(task, "escalated", principals=(old[0] + new[0], old[1] + new[1]))
        return "escalate"
    if action in (OnTimeout.APPROVE, OnTimeout.REJECT):
        task.status = DECISIONS[action]
        task.decision, task.auto, task.decided_at = str(action), "deadline", now
        task.save(update_fields=["status", "decision", "auto", "decided_at", "updated_at"])
        if not step_resume(step_id=task.step_id, output=outcome(task), port=port_of(task)):
            return _not_waiting_yet()
        _audit("review.auto_decide", task, actor="sluice", decision=str(action), reason="deadline")
        events.emit_task(task, "decided", principals=_assigned(task))
        return str(action)
    # "fail", or an escalation with nowhere (left) to go
    task.status, task.auto, task.decided_at = ReviewStatus.EXPIRED, "deadline", now
    task.save(update_fields=["status", "auto", "decided_at", "updated_at"])
    if not step_fail(step_id=task.step_id, message="the review's deadline passed without a decision",
                     details={"task": task.pk, "deadline": task.deadline.isoformat() if task.deadline else None}):
        return _not_waiting_yet()
    _audit("review.expire", task, actor="sluice")
    events.emit_task(task, "expired", principals=_assigned(task))
    return "fail"


def _not_waiting_yet() -> None:
    """The step has not started waiting yet (its node is still opening the task): nothing is
    changed, and a later tick carries out the deadline's action."""
    transaction.set_rollback(True)
