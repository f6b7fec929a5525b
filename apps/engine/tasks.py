"""Engine tasks: thin, idempotent (conditional updates), redelivered if their worker dies."""

from celery import shared_task

from apps.engine import runner


@shared_task(name="sluice.engine.advance", bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def advance_run(self, *, run_id: str) -> None:
    """Run every quick node that is ready and queue the slow ones."""
    runner.advance(run_id)


@shared_task(
    name="sluice.engine.execute_step", bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def execute_step(self, *, step_id: int) -> None:
    """Run one slow node (HTTP, timer…) on the queue of its kind, then advance the run."""
    runner.execute_step(step_id, self.request.id, worker=self.request.hostname or runner.HOSTNAME)


@shared_task(name="sluice.engine.batch_pump", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def batch_pump(*, batch_id: str) -> None:
    """Hand out a batch's queued runs up to its concurrency, advancing them in this task."""
    from apps.engine import batches

    batches.pump(batch_id)


@shared_task(name="sluice.engine.sweep", ignore_result=True)
def sweep() -> None:
    """Beat sends this every few seconds: re-queue work whose message or worker was lost."""
    from apps.engine import sweep as sweeper

    sweeper.sweep()


@shared_task(name="sluice.engine.call_finished", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def call_finished(*, step_id: int) -> None:
    """A run started by workflow.call ended: start the next item, or finish the waiting step."""
    from apps.engine import calls

    calls.dispatch(step_id)
