"""Workflow tasks."""

from celery import shared_task

from apps.workflows import services


@shared_task(name="sluice.workflows.schedule_tick", ignore_result=True)
def schedule_tick() -> None:
    """Beat sends this every few seconds: start the runs of schedules that are due."""
    services.schedules_fire_due()
