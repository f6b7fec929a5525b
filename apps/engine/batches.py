"""Batches: parse the items, create one run per item, pump them under the concurrency limit.

The pump claims queued runs of a batch in chunks (a conditional update on ``dispatched_at``,
so two pumps never take the same run), advances each one right there — a batch of quick
flows never goes back through the broker per item — and stops when the batch's in-flight
runs reach its concurrency. A batch run that finishes elsewhere (after a slow node) starts
the pump again.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from apps.core.api import Conflict, DomainError
from apps.engine import runner
from apps.engine.models import TERMINAL_RUN_STATUSES, Batch, BatchStatus, Run, RunStatus

MAX_ITEMS = 100_000
CHUNK = 200
CREATE_CHUNK = 2_000


class BadBatchFile(DomainError):
    code = "invalid_batch"


def parse_items(*, content: bytes | str | None = None, filename: str = "", items: Any = None) -> list[Any]:
    """Items from a JSON list, or a JSONL / CSV / JSON file; errors name the line."""
    if items is not None:
        if not isinstance(items, list):
            raise BadBatchFile("must be a JSON list of inputs", field="items")
        parsed = items
    else:
        if isinstance(content, bytes):
            try:
                content = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise BadBatchFile("the file is not UTF-8 text", field="file") from None
        text = content or ""
        lower = filename.lower()
        if lower.endswith(".csv"):
            parsed = _csv(text)
        elif lower.endswith(".json"):
            try:
                parsed = json.loads(text)
            except ValueError as exc:
                raise BadBatchFile(f"line {exc.lineno}: not valid JSON ({exc.msg})", field="file") from None
            if not isinstance(parsed, list):
                raise BadBatchFile("a .json file must hold a list of inputs", field="file")
        else:
            parsed = _jsonl(text)
    if not parsed:
        raise BadBatchFile("no items: the batch would start no runs", field="items" if items is not None else "file")
    if len(parsed) > MAX_ITEMS:
        raise BadBatchFile(f"at most {MAX_ITEMS} items per batch, got {len(parsed)}", field="items")
    return parsed


def _jsonl(text: str) -> list[Any]:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except ValueError as exc:
            message = f"line {number}: not valid JSON ({exc.msg})"
            raise BadBatchFile(message, field="file", extra={"line": number}) from None
    return items


def _csv(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or any(not (name or "").strip() for name in reader.fieldnames):
        raise BadBatchFile("line 1: a CSV file needs a header row naming every column", field="file", extra={"line": 1})
    rows = []
    try:
        for row in reader:
            if None in row:
                line = reader.line_num
                raise BadBatchFile(f"line {line}: more values than columns", field="file", extra={"line": line})
            if any(value is None for value in row.values()):
                line = reader.line_num
                raise BadBatchFile(f"line {line}: fewer values than columns", field="file", extra={"line": line})
            rows.append(dict(row))
    except csv.Error as exc:
        line = reader.line_num
        raise BadBatchFile(f"line {line}: {exc}", field="file", extra={"line": line}) from None
    return rows


@transaction.atomic
def batch_start(*, workflow_version, items: list[Any], user, concurrency: int = 50, source: str = "json") -> Batch:
    """One queued run per item, all pinned to the same version; the pump starts after commit."""
    from apps.engine.services import _trigger_node, check_runnable

    check_runnable(workflow_version)
    trigger_node = _trigger_node(workflow_version.graph, "manual")
    batch = Batch.objects.create(
        workflow_id=workflow_version.workflow_id,
        workflow_version=workflow_version,
        version=workflow_version.version,
        total=len(items),
        concurrency=concurrency,
        source=source[:200],
        created_by=user,
    )
    for start in range(0, len(items), CREATE_CHUNK):
        Run.objects.bulk_create(
            [
                Run(
                    workflow_id=workflow_version.workflow_id,
                    workflow_version=workflow_version,
                    version=workflow_version.version,
                    trigger="batch",
                    trigger_node=trigger_node,
                    input=item,
                    created_by=user,
                    batch=batch,
                    batch_index=start + offset,
                )
                for offset, item in enumerate(items[start : start + CREATE_CHUNK])
            ]
        )
    from apps.audit.services import audit_record

    # One entry for the batch: its runs are its items, each on record as a run of the batch.
    audit_record(action="batch.start", user=user, object_type="batch", object_id=str(batch.pk),
                 object_repr=f"{workflow_version.name} v{workflow_version.version}",
                 summary={"workflow": workflow_version.workflow_id, "version": workflow_version.version,
                          "items": len(items), "source": batch.source})  # fmt: skip
    transaction.on_commit(lambda: kick(str(batch.pk), pumps=2))
    return batch


def kick(batch_id: str, pumps: int = 1) -> None:
    from apps.engine.tasks import batch_pump

    for _ in range(pumps):
        batch_pump.delay(batch_id=batch_id)


def counts_for(batch_list: list[Batch]) -> dict[Any, dict[str, int]]:
    """Runs of each batch by status, in one query (retried items count once, by their newest run)."""
    result = {batch.pk: dict.fromkeys(RunStatus.values, 0) for batch in batch_list}
    rows = (
        Run.objects.filter(batch__in=batch_list, superseded=False)
        .values("batch_id", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        result[row["batch_id"]][row["status"]] = row["n"]
    return result


def counts(batch: Batch) -> dict[str, int]:
    return counts_for([batch])[batch.pk]


def _claim_chunk(batch_id: str) -> list[str] | None:
    """Claim up to a chunk of queued runs within the free concurrency; None when the batch is done."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status in (BatchStatus.FINISHED, BatchStatus.CANCELLED):
            return None
        now = timezone.now()
        live = Run.objects.filter(batch=batch, superseded=False)
        in_flight = live.filter(dispatched_at__isnull=False).exclude(status__in=TERMINAL_RUN_STATUSES).count()
        free = batch.concurrency - in_flight
        if batch.status == BatchStatus.QUEUED:
            batch.status, batch.started_at = BatchStatus.RUNNING, now
            batch.save(update_fields=["status", "started_at"])
        if free <= 0:
            return []
        ids = list(
            live.filter(dispatched_at__isnull=True).order_by("batch_index").values_list("pk", flat=True)[
                : min(free, CHUNK)
            ]
        )
        if not ids:
            if in_flight == 0:
                batch.status, batch.finished_at = BatchStatus.FINISHED, now
                batch.save(update_fields=["status", "finished_at"])
            return None
        Run.objects.filter(pk__in=ids, dispatched_at__isnull=True).update(dispatched_at=now)
        return [str(pk) for pk in ids]


def pump(batch_id: str) -> None:
    """Advance the batch's queued runs, chunk by chunk, until the concurrency is used up."""
    while True:
        ids = _claim_chunk(batch_id)
        if not ids:
            return
        for run_id in ids:
            runner.advance(run_id, from_dispatcher=True)


def batch_retry_failed(*, batch: Batch) -> int:
    """Start a new run for every failed item; the failed runs stay on record, superseded."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.status == BatchStatus.CANCELLED:
            raise Conflict("the batch was cancelled")
        failed = list(Run.objects.filter(batch=locked, superseded=False, status=RunStatus.FAILED))
        if not failed:
            return 0
        Run.objects.filter(pk__in=[run.pk for run in failed]).update(superseded=True)
        Run.objects.bulk_create(
            [
                Run(
                    workflow_id=run.workflow_id,
                    workflow_version_id=run.workflow_version_id,
                    version=run.version,
                    trigger="batch",
                    trigger_node=run.trigger_node,
                    input=run.input,
                    created_by=run.created_by,
                    batch=locked,
                    batch_index=run.batch_index,
                )
                for run in failed
            ]
        )
        locked.status, locked.finished_at = BatchStatus.RUNNING, None
        locked.save(update_fields=["status", "finished_at"])
        transaction.on_commit(lambda: kick(str(locked.pk)))
    return len(failed)


def batch_cancel(*, batch: Batch, user=None) -> Batch:
    """Stop handing out runs and cancel those not finished. Audited."""
    from apps.audit.services import audit_record

    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.status in (BatchStatus.FINISHED, BatchStatus.CANCELLED):
            raise Conflict(f"the batch has already {'finished' if locked.status == 'finished' else 'been cancelled'}")
        now = timezone.now()
        locked.status, locked.finished_at = BatchStatus.CANCELLED, now
        locked.save(update_fields=["status", "finished_at"])
        audit_record(action="batch.cancel", user=user, object_type="batch", object_id=str(locked.pk),
                     summary={"workflow": locked.workflow_id})  # fmt: skip
        pending = Run.objects.filter(batch=locked).filter(~Q(status__in=TERMINAL_RUN_STATUSES))
        for run in pending.filter(dispatched_at__isnull=False):
            runner.cancel(run)
        pending.filter(dispatched_at__isnull=True).update(status=RunStatus.CANCELLED, finished_at=now)
    return locked
