"""Workflow writes: create, save with optimistic concurrency, roll back, tag, delete, import and export."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.services import grant_all
from apps.audit.services import audit_record
from apps.core.api import Conflict, DomainError
from apps.engine.core.validation import validate
from apps.engine.registry import get_registry
from apps.workflows.models import TAG_NAME, Schedule, Webhook, Workflow, WorkflowTag, WorkflowVersion

EXPORT_FORMAT = 1


class InvalidGraph(DomainError):
    code = "invalid_graph"


def graph_problems(graph: Any) -> list[dict[str, Any]]:
    """Every problem of a graph, each naming its node and field (empty: it can be saved)."""
    return [problem.as_dict() for problem in validate(graph, get_registry())]


def graph_check(graph: Any) -> None:
    """Raise InvalidGraph with every problem, each naming its node and field."""
    problems = validate(graph, get_registry())
    if problems:
        raise InvalidGraph(
            f"the graph has {len(problems)} problem{'s' if len(problems) != 1 else ''}",
            field="graph",
            extra={"errors": [problem.as_dict() for problem in problems]},
        )


def _reference_targets():
    """What each kind of reference points at, and the right its publisher needs on it."""
    from apps.gateway.models import ModelProfile
    from apps.knowledge.models import Collection
    from apps.prompts.models import Prompt
    from apps.vault.models import Credential

    def by_id_or_name(value):
        return {"pk": int(value)} if str(value).isdigit() else {"name": str(value)}

    return {
        "credential": (Credential, "use", by_id_or_name),
        "prompt": (Prompt, "view", lambda value: {"name": str(value)}),
        "workflow": (Workflow, "run", lambda value: {"pk": int(value)}),
        "model_profile": (ModelProfile, "use", lambda value: {"name": str(value)}),
        "collection": (Collection, "use", lambda value: {"name": str(value)}),
    }


def references_check(graph: Any, *, user) -> None:
    """Refuse a graph that names credentials, prompts or workflows the user may not use:
    whoever saves a version is its publisher, and its runs use things with their rights."""
    from apps.accounts.permissions import restrict
    from apps.engine.core.graph import Graph

    registry = get_registry()
    targets = _reference_targets()
    problems = []
    for node in Graph.from_dict(graph).nodes:
        if node.type not in registry:
            continue
        for ref in registry.get(node.type).references(node.params):
            model, action, lookup = targets[ref.kind]
            try:
                found = restrict(model._default_manager.all(), user, action).filter(**lookup(ref.value)).exists()
            except (TypeError, ValueError):
                found = False
            if not found:
                problems.append({"node": node.id, "field": f"params.{ref.field}", "code": "not_allowed",
                                 "message": f"no {ref.kind} {ref.value!r} that you may {action}"})  # fmt: skip
    if problems:
        raise InvalidGraph(f"the graph uses what you may not: {problems[0]['message']}", field="graph",
                           extra={"errors": problems})  # fmt: skip


def node_params(graph: dict, node_id: str) -> dict:
    """The params of one node of a stored graph ({} when it has none)."""
    return next((n.get("params") or {} for n in graph.get("nodes", []) if n.get("id") == node_id), {})


def webhooks_sync(*, workflow: Workflow) -> None:
    """One webhook (with a stable token) per trigger.webhook node of the current graph."""
    import secrets

    wanted = {n.get("id") for n in workflow.graph.get("nodes", []) if n.get("type") == "trigger.webhook"}
    existing = set(Webhook.objects.filter(workflow=workflow).values_list("node_id", flat=True))
    Webhook.objects.filter(workflow=workflow).exclude(node_id__in=wanted).delete()
    Webhook.objects.bulk_create(
        [Webhook(workflow=workflow, node_id=node_id, token=secrets.token_urlsafe(24)) for node_id in wanted - existing]
    )


def schedules_sync(*, workflow: Workflow) -> None:
    """One schedule per trigger.schedule node, its next time computed from the current graph."""
    from django.utils import timezone

    from apps.engine.core import cron

    nodes = {
        n["id"]: n.get("params") or {} for n in workflow.graph.get("nodes", []) if n.get("type") == "trigger.schedule"
    }
    Schedule.objects.filter(workflow=workflow).exclude(node_id__in=nodes).delete()
    now = timezone.now()
    for node_id, params in nodes.items():
        zone = params.get("timezone") or "UTC"
        existing = Schedule.objects.filter(workflow=workflow, node_id=node_id).first()
        if existing and existing.cron == params["cron"] and existing.timezone == zone:
            continue
        Schedule.objects.update_or_create(
            workflow=workflow,
            node_id=node_id,
            defaults={
                "cron": params["cron"],
                "timezone": zone,
                "next_run_at": cron.next_after(params["cron"], now, zone),
            },
        )


def schedules_fire_due() -> int:
    """Start a run for every schedule that is due (once, however late), and move it on."""
    from django.utils import timezone

    from apps.engine import services as engine
    from apps.engine.core import cron
    from apps.workflows.selectors import version_get

    now = timezone.now()
    fired = 0
    with transaction.atomic():
        due = Schedule.objects.select_for_update(skip_locked=True).select_related("workflow")
        for schedule in due.filter(next_run_at__lte=now)[:500]:
            params = node_params(schedule.workflow.graph, schedule.node_id)
            payload = {**(params.get("input") or {}), "scheduled_at": schedule.next_run_at.isoformat()}
            try:
                engine.run_start(
                    workflow_version=version_get(workflow=schedule.workflow, version=None), input=payload, user=None,
                    trigger="schedule", trigger_node=schedule.node_id,
                )  # fmt: skip
                fired += 1
            except DomainError:
                pass  # an invalid latest version: skip this time, try again at the next one
            schedule.last_run_at = now
            schedule.next_run_at = cron.next_after(schedule.cron, now, schedule.timezone)
            schedule.save(update_fields=["last_run_at", "next_run_at"])
    return fired


@transaction.atomic
def webhook_set_secret(*, webhook: Webhook, secret: str, user=None) -> Webhook:
    """Require an HMAC-SHA256 signature made with this secret (an empty secret turns it off).
    The secret is kept encrypted by the vault's keys. Audited."""
    from apps.vault import crypto

    webhook.secret = crypto.encrypt(secret) if secret else ""
    webhook.save(update_fields=["secret"])
    audit_record(action="workflow.webhook_secret", user=user, obj=webhook.workflow,
                 summary={"node": webhook.node_id, "signed": bool(secret)})  # fmt: skip
    return webhook


def webhook_secret(webhook: Webhook) -> str:
    """The webhook's signing secret, decrypted."""
    from apps.vault import crypto

    return crypto.decrypt(webhook.secret) if webhook.secret else ""


def _snapshot(workflow: Workflow, *, user, reason: str) -> WorkflowVersion:
    return WorkflowVersion.objects.create(
        workflow=workflow,
        version=workflow.revision,
        name=workflow.name,
        description=workflow.description,
        graph=workflow.graph,
        author=user,
        reason=reason,
    )


@transaction.atomic
def workflow_create(*, name: str, graph: dict, user, description: str = "", reason: str = "created") -> Workflow:
    """A new workflow at revision 1, with version 1; its creator gets every right on it."""
    graph_check(graph)
    references_check(graph, user=user)
    workflow = Workflow.objects.create(name=name, description=description, graph=graph, created_by=user)
    _snapshot(workflow, user=user, reason=reason)
    webhooks_sync(workflow=workflow)
    schedules_sync(workflow=workflow)
    grant_all(obj=workflow, user=user)
    audit_record(action="workflow.create", user=user, obj=workflow, summary={"revision": 1, "reason": reason})
    return workflow


@transaction.atomic
def workflow_save(
    *,
    workflow: Workflow,
    base_revision: int,
    user,
    name: str | None = None,
    description: str | None = None,
    graph: dict | None = None,
    reason: str = "",
) -> Workflow:
    """Save changes made from ``base_revision``; a stale base is refused with 409 and nothing is written."""
    locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
    if base_revision != locked.revision:
        raise Conflict(
            f"the workflow was saved by someone else since revision {base_revision}; it is now at "
            f"revision {locked.revision}",
            field="revision",
            extra={"current_revision": locked.revision},
        )
    changed = [field for field, value in (("name", name), ("description", description), ("graph", graph))
               if value is not None and value != getattr(locked, field)]  # fmt: skip
    if graph is not None:
        graph_check(graph)
        references_check(graph, user=user)
        locked.graph = graph
    if name is not None:
        locked.name = name
    if description is not None:
        locked.description = description
    locked.revision += 1
    locked._change_reason = reason or "saved"
    locked.save()
    _snapshot(locked, user=user, reason=reason or "saved")
    webhooks_sync(workflow=locked)
    schedules_sync(workflow=locked)
    audit_record(action="workflow.update", user=user, obj=locked,
                 summary={"revision": locked.revision, "reason": reason, "changed": changed})  # fmt: skip
    return locked


@transaction.atomic
def workflow_delete(*, workflow: Workflow, user=None) -> None:
    """Delete a workflow with its versions, runs and batches. Audited."""
    audit_record(action="workflow.delete", user=user, obj=workflow, summary={"revision": workflow.revision})
    workflow.delete()


def workflow_duplicate(*, workflow: Workflow, user, name: str | None = None) -> Workflow:
    """A new workflow with the same graph and description, at revision 1."""
    return workflow_create(
        name=name or f"{workflow.name} (copy)"[:200],
        description=workflow.description,
        graph=workflow.graph,
        user=user,
        reason=f"duplicated from workflow {workflow.pk}",
    )


@transaction.atomic
def version_rollback(*, workflow: Workflow, version: int, user, reason: str = "") -> Workflow:
    """A new version equal to ``version`` (graph, name, description); history is never rewritten."""
    locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
    try:
        target = locked.versions.get(version=version)
    except WorkflowVersion.DoesNotExist:
        raise DomainError(f"this workflow has no version {version}", field="version") from None
    graph_check(target.graph)  # still valid with today's node types
    references_check(target.graph, user=user)  # whoever rolls back publishes the version again
    locked.graph, locked.name, locked.description = target.graph, target.name, target.description
    locked.revision += 1
    locked._change_reason = f"rolled back to version {version}" + (f": {reason}" if reason else "")
    locked.save()
    _snapshot(locked, user=user, reason=locked._change_reason)
    webhooks_sync(workflow=locked)
    schedules_sync(workflow=locked)
    audit_record(action="workflow.rollback", user=user, obj=locked,
                 summary={"to_version": version, "revision": locked.revision, "reason": reason})  # fmt: skip
    return locked


def move_tag(*, tags, owner: dict[str, Any], name: str, target, user, reason: str = ""):
    """Point the tag ``name`` of an owner (a workflow or a prompt) at ``target`` (one of its
    versions), creating the tag; the move is a row in the tag's history. Call inside a
    transaction: the tag row is locked."""
    try:
        TAG_NAME(name)
    except ValidationError as exc:
        raise DomainError(f"not a tag name: {exc.messages[0]}", field="name") from None
    tag = tags.select_for_update().filter(name=name, **owner).first() or tags.model(name=name, **owner)
    if tag.pk and tag.version_id == target.pk:
        return tag
    tag.version, tag.moved_by, tag.reason = target, user, reason
    tag._history_user = user
    tag._change_reason = reason or f"{name} → version {target.version}"
    tag.save()
    return tag


@transaction.atomic
def tag_move(*, workflow: Workflow, name: str, version: int, user, reason: str = "") -> WorkflowTag:
    """Point the workflow's tag at a version (creating the tag)."""
    try:
        target = workflow.versions.get(version=version)
    except WorkflowVersion.DoesNotExist:
        raise DomainError(f"this workflow has no version {version}", field="version") from None
    before = WorkflowTag.objects.filter(workflow=workflow, name=name).values_list("version__version", flat=True).first()
    tag = move_tag(tags=WorkflowTag.objects, owner={"workflow": workflow}, name=name, target=target, user=user,
                   reason=reason)  # fmt: skip
    if before != version:
        audit_record(action="workflow.tag_move", user=user, obj=workflow,
                     summary={"tag": name, "from": before, "to": version, "reason": reason})  # fmt: skip
    return tag


@transaction.atomic
def tag_delete(*, tag: WorkflowTag, user) -> None:
    audit_record(action="workflow.tag_delete", user=user, obj=tag.workflow,
                 summary={"tag": tag.name, "from": tag.version.version})  # fmt: skip
    tag._history_user = user
    tag._change_reason = "removed"
    tag.delete()


def workflow_export(*, workflow: Workflow) -> dict[str, Any]:
    """The workflow as a file: importing it gives back the same name, description and graph."""
    return {
        "sluice": EXPORT_FORMAT,
        "name": workflow.name,
        "description": workflow.description,
        "graph": workflow.graph,
    }


def workflow_import(*, data: Any, user) -> Workflow:
    if not isinstance(data, dict) or data.get("sluice") != EXPORT_FORMAT:
        raise DomainError(f"not a Sluice workflow export (expected \"sluice\": {EXPORT_FORMAT})", field="sluice")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise DomainError("the export has no name", field="name")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise DomainError("must be a string", field="description")
    return workflow_create(name=name, description=description, graph=data.get("graph"), user=user, reason="imported")
