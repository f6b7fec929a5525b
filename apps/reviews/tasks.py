"""Review tasks' timers: beat checks deadlines (no ETA messages, so a broker restart loses none)."""

from celery import shared_task


@shared_task(name="sluice.reviews.deadlines", ignore_result=True)
def deadlines() -> None:
    """Escalate, auto-decide or fail the open tasks whose deadline has passed (once each)."""
    from apps.reviews.services import reviews_handle_deadlines

    reviews_handle_deadlines()
