"""Appending to the audit log, sealing it into a hash chain, and checking the chain.

An entry is written with the change it records (one INSERT, no lock). ``audit_seal`` — run
by beat every few seconds, and before the log is listed, exported or verified — then gives
each new entry its place and its ``hash``: the SHA-256 of its own fields and the previous
entry's hash. Changing, removing or inserting a sealed row breaks the chain from there on;
``verify_chain`` (``python manage.py verify_audit``) finds the first entry that does not add up.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.models import AuditEntry, AuditHead

GENESIS = "0" * 64
# The client address of the request being served (set by AuditSourceMiddleware); outside
# a request, the process ("worker", "beat", "command").
_source: contextvars.ContextVar[str] = contextvars.ContextVar("sluice_audit_source", default="system")


def set_source(source: str) -> contextvars.Token:
    return _source.set(source[:64])


def reset_source(token: contextvars.Token) -> None:
    _source.reset(token)


def _canonical(value: Any) -> Any:
    """JSON as every database gives it back: sorted keys, plain types."""
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def entry_digest(*, seq: int, at: datetime, actor_id, actor: str, source: str, action: str, object_type: str,
                 object_id: str, object_repr: str, summary: Any, prev_hash: str) -> str:  # fmt: skip
    body = {
        "seq": seq, "at": at.astimezone(UTC).isoformat(timespec="microseconds"), "actor_id": actor_id,
        "actor": actor, "source": source, "action": action, "object_type": object_type, "object_id": object_id,
        "object_repr": object_repr, "summary": summary, "prev_hash": prev_hash,
    }  # fmt: skip
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _digest_of(entry: AuditEntry) -> str:
    return entry_digest(
        seq=entry.seq, at=entry.at, actor_id=entry.actor_id, actor=entry.actor, source=entry.source,
        action=entry.action, object_type=entry.object_type, object_id=entry.object_id,
        object_repr=entry.object_repr, summary=_canonical(entry.summary), prev_hash=entry.prev_hash,
    )  # fmt: skip


def object_ref(obj) -> tuple[str, str, str]:
    """(type, id, label) of a model instance as the log names it: ("workflow", "7", "Claims")."""
    if obj is None:
        return "", "", ""
    return obj._meta.model_name, str(obj.pk), str(obj)[:200]


def audit_record(*, action: str, user=None, obj=None, summary: dict | None = None, object_type: str = "",
                 object_id: str = "", object_repr: str = "", source: str | None = None,
                 actor: str | None = None) -> AuditEntry:  # fmt: skip
    """Write one entry, in the caller's transaction (a rolled-back change leaves no entry).

    It is one INSERT and takes no lock, so recording never makes busy writers wait on each
    other; ``audit_seal`` chains the new entries a moment later.
    """
    if obj is not None:
        object_type, object_id, object_repr = object_ref(obj)
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return AuditEntry.objects.create(
        # Microseconds only: the hash must match what the database gives back.
        at=timezone.now().astimezone(UTC),
        actor_id=user.pk if authenticated else None,
        actor=(actor if actor is not None else (user.get_username() if authenticated else ""))[:150],
        source=(source or _source.get())[:64],
        action=action,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        object_repr=object_repr[:200],
        summary=_canonical(summary or {}),
    )


def audit_seal(*, limit: int = 10_000) -> int:
    """Chain the entries written since the last seal, in the order they were written; returns
    how many. The head row is locked meanwhile, so two sealers never fork the chain."""
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # a database emptied by hand (or by a test run): the chain starts again
            head, _ = AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
        pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:limit])
        seq, previous = head.seq, head.hash
        for entry in pending:
            seq += 1
            entry.seq, entry.prev_hash = seq, previous
            entry.hash = previous = _digest_of(entry)
        AuditEntry.objects.bulk_update(pending, ["seq", "prev_hash", "hash"], batch_size=500)
        if pending:
            AuditHead.objects.filter(pk=1).update(seq=seq, hash=previous)
    return len(pending)


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(*, batch_size: int = 2000) -> tuple[int, ChainProblem | None]:
    """(sealed entries checked, the first problem or None). Reads in order, a batch at a time."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for entry in _in_order(batch_size):
        if entry.seq != expected_seq:
            return checked, ChainProblem(expected_seq, f"entry #{expected_seq} is missing (next is #{entry.seq})")
        if entry.prev_hash != expected_prev:
            return checked, ChainProblem(entry.seq, "its prev_hash is not the hash of the entry before it")
        if _digest_of(entry) != entry.hash:
            return checked, ChainProblem(entry.seq, "its content does not match its hash (changed after writing)")
        expected_prev, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.hash != expected_prev):
        return checked, ChainProblem(head.seq, f"the log ends at #{checked} but its head says #{head.seq}")
    return checked, None


def _in_order(batch_size: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch_size])  # sealed ones
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
