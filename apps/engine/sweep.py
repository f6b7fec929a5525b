"""The sweep: finds work that lost its message or its worker and hands it out again.

Celery delivers at least once, and a message can still be lost (a broker restarted without
its last writes, a publish that failed after commit) or held by a worker that died. Every
task here is safe to repeat (runs and steps move by conditional updates), so the sweep
simply sends again what has been quiet for too long:

- runs still ``queued`` after the grace period (their first message was lost);
- slow steps ``queued`` for longer than the grace period (lost message or retry);
- steps ``running`` on a worker whose heartbeat has stopped (killed mid-node);
- steps ``waiting`` whose wake-up time has passed (timer message lost);
- runs ``waiting`` with no step waiting any more (a decision's advance message lost);
- batches with free slots and queued items (their pump stopped).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.core import selectors as core_selectors
from apps.core.models import ServiceHeartbeat
from apps.engine.models import TERMINAL_RUN_STATUSES, Batch, BatchStatus, Run, RunStatus, Step, StepStatus

logger = logging.getLogger(__name__)
LIMIT = 1000


def sweep() -> dict[str, int]:
    from apps.engine import batches
    from apps.engine.runner import load_graph
    from apps.engine.tasks import advance_run, execute_step

    now = timezone.now()
    grace = timedelta(seconds=settings.ENGINE_SWEEP_GRACE_SECONDS)
    found = {"runs": 0, "steps": 0, "orphaned": 0, "timers": 0, "resumed": 0, "batches": 0}

    quiet_runs = Run.objects.filter(status=RunStatus.QUEUED).filter(
        Q(batch__isnull=True, created_at__lt=now - grace) | Q(batch__isnull=False, dispatched_at__lt=now - grace)
    )
    for run_id in quiet_runs.values_list("pk", flat=True)[:LIMIT]:
        advance_run.delay(run_id=str(run_id))
        found["runs"] += 1

    alive = set(
        core_selectors.heartbeats_recent(
            kind=ServiceHeartbeat.Kind.WORKER, within_seconds=settings.WORKER_HEARTBEAT_SECONDS * 3
        ).values_list("name", flat=True)
    )
    live_steps = Step.objects.exclude(run__status__in=TERMINAL_RUN_STATUSES).select_related("run__workflow_version")
    orphaned = live_steps.filter(status=StepStatus.RUNNING, started_at__lt=now - grace).exclude(worker__in=alive)
    for step in orphaned[:LIMIT]:
        # The worker that held it is gone: put it back in the queue (conditionally).
        if Step.objects.filter(pk=step.pk, status=StepStatus.RUNNING, worker=step.worker).update(
            status=StepStatus.QUEUED, task_id=""
        ):
            found["orphaned"] += 1
            _send(execute_step, step, load_graph)

    stale = live_steps.filter(status=StepStatus.QUEUED).filter(
        Q(started_at__isnull=True, created_at__lt=now - grace) | Q(started_at__lt=now - grace)
    )
    for step in stale[:LIMIT]:
        found["steps"] += 1
        _send(execute_step, step, load_graph)

    for step in live_steps.filter(status=StepStatus.WAITING, wake_at__lt=now - timedelta(seconds=1))[:LIMIT]:
        found["timers"] += 1
        _send(execute_step, step, load_graph)

    woken = Run.objects.filter(status=RunStatus.WAITING).exclude(
        pk__in=Step.objects.filter(status=StepStatus.WAITING).values("run_id")
    )
    for run_id in woken.values_list("pk", flat=True)[:LIMIT]:
        advance_run.delay(run_id=str(run_id))
        found["resumed"] += 1

    for batch_id in Batch.objects.filter(status=BatchStatus.RUNNING).values_list("pk", flat=True)[:LIMIT]:
        batches.kick(str(batch_id))
        found["batches"] += 1

    if any(found.values()):
        logger.info("sweep re-sent %s", found)
    return found


def _send(task, step: Step, load_graph) -> None:
    version = step.run.workflow_version
    queue = load_graph(version).types[step.node_id].queue
    task.apply_async(kwargs={"step_id": step.pk}, queue=queue)
