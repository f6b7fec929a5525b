"""The evidence export: one JSON document with everything an auditor keeps about one run.

What ran (workflow version and prompt versions, each with a content hash), what went in and
came out of every step with timings, the models called and the people who decided, and the
run's audit entries — the record-keeping and human-oversight trail that rules such as the EU
AI Act ask of high-risk systems.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Q
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.audit.services import audit_record, audit_seal

FORMAT = "sluice.evidence/1"


def content_hash(value: Any) -> str:
    """SHA-256 of the value as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _prompt_versions(run) -> list[dict[str, Any]]:
    from apps.engine.services import prompts_used
    from apps.prompts.models import PromptVersion

    used = prompts_used(run)
    rows = {
        (v.prompt.name, v.version): v
        for v in PromptVersion.objects.select_related("prompt", "author").filter(
            Q(*[Q(prompt__name=p["name"], version=p["version"]) for p in used], _connector=Q.OR)
        )
    } if used else {}  # fmt: skip
    result = []
    for item in used:
        version = rows.get((item["name"], item["version"]))
        snapshot = None if version is None else {
            "template": version.template, "system": version.system, "variables": version.variables,
            "defaults": version.defaults,
        }  # fmt: skip
        result.append({
            "node": item["node"], "reference": item.get("reference"), "name": item["name"],
            "version": item["version"], "author": version.author.username if version and version.author else None,
            "content_hash": content_hash(snapshot) if snapshot else None, "content": snapshot,
        })  # fmt: skip
    return result


def _model_calls(run) -> list[dict[str, Any]]:
    """Every model call the run's steps made: profile, provider, model, tries, tokens, cost."""
    from apps.gateway.selectors import calls_of_run

    return [{"node_id": node_id, **call} for node_id, calls in calls_of_run(run).items() for call in calls]


def _reviews(run) -> list[dict[str, Any]]:
    """Each human review: who was asked, what was proposed, who decided what, what they
    changed, and how long the case waited."""
    from apps.reviews.selectors import tasks_of_run
    from apps.reviews.services import changed_fields

    return [
        {"task": t.pk, "node_id": t.node_id, "status": t.status, "assignees": t.assignees,
         "escalated_at": _iso(t.escalated_at), "case": t.case, "proposal": t.proposal, "confidence": t.confidence,
         "decision": t.decision or None, "decided_by": t.decided_by.username if t.decided_by else None,
         "auto": t.auto or None, "data": t.data, "changed": changed_fields(t.proposal, t.data),
         "comment": t.comment, "created_at": _iso(t.created_at), "decided_at": _iso(t.decided_at),
         "waited_seconds": round((t.decided_at - t.created_at).total_seconds(), 3) if t.decided_at else None}
        for t in tasks_of_run(run)
    ]  # fmt: skip


def _audit_entries(run) -> list[dict[str, Any]]:
    about = Q(object_type="run", object_id=str(run.pk)) | Q(summary__run=str(run.pk))
    if run.batch_id:
        about |= Q(object_type="batch", object_id=str(run.batch_id))
    return [
        {"seq": e.seq, "at": _iso(e.at), "actor": e.actor, "source": e.source, "action": e.action,
         "object_type": e.object_type, "object_id": e.object_id, "summary": e.summary, "hash": e.hash,
         "prev_hash": e.prev_hash}
        for e in AuditEntry.objects.filter(about).order_by("id")
    ]  # fmt: skip


def run_evidence(*, run, user) -> dict[str, Any]:
    """The document for one run the user may see; exporting it is audited too."""
    audit_seal()  # the run's entries are in the document with their place in the chain
    version = run.workflow_version
    steps = list(run.steps.order_by("sequence", "id"))
    document = {
        "format": FORMAT,
        "generated_at": _iso(timezone.now()),
        "generated_by": user.get_username(),
        "run": {
            "id": str(run.pk), "status": run.status, "trigger": run.trigger, "tag": run.tag or None,
            "started_by": run.created_by.username if run.created_by else None, "created_at": _iso(run.created_at),
            "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
            "duration_ms": round((run.finished_at - run.started_at).total_seconds() * 1000, 1)
            if run.started_at and run.finished_at else None,
            "input": run.input, "output": run.output, "error": run.error,
            "batch": str(run.batch_id) if run.batch_id else None,
        },
        "workflow": {
            "id": run.workflow_id, "name": version.name, "version": version.version,
            "published_by": version.author.username if version.author else None,
            "published_at": _iso(version.created_at), "reason": version.reason,
            "content_hash": content_hash(version.graph), "graph": version.graph,
        },
        "prompts": _prompt_versions(run),
        "steps": [
            {"node_id": s.node_id, "type": s.type, "status": s.status, "attempts": s.attempts,
             "started_at": _iso(s.started_at), "finished_at": _iso(s.finished_at), "params": s.params,
             "input": s.input, "output": s.output, "error": s.error, "worker": s.worker}
            for s in steps
        ],
        "model_calls": _model_calls(run),
        "reviews": _reviews(run),
        "audit": _audit_entries(run),
    }  # fmt: skip
    audit_record(action="run.evidence_export", user=user, object_type="run", object_id=str(run.pk),
                 object_repr=f"{version.name} v{version.version}")  # fmt: skip
    return document
