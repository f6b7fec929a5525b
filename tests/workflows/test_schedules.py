"""Schedule triggers: validated cron, kept in step with the graph, fired by the beat task on a worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.engine.models import Run
from apps.workflows.models import Schedule
from apps.workflows.tasks import schedule_tick
from tests.conftest import wait_for
from tests.engine.helpers import create_workflow, edge, node, wait_run


def scheduled(cron: str = "*/5 * * * *", **params) -> dict:
    return {
        "nodes": [node("tick", "trigger.schedule", cron=cron, input={"report": "daily"}, **params),
                  node("out", "output", value="{{ input.report }} at {{ input.scheduled_at }}")],
        "edges": [edge("tick", "out")],
    }  # fmt: skip


@pytest.mark.django_db
def test_saving_a_schedule_computes_its_next_time(user_client):
    workflow = create_workflow(user_client, scheduled("0 8 * * *", timezone="Europe/Berlin"))
    schedule = Schedule.objects.get(workflow_id=workflow["id"])
    local = schedule.next_run_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (8, 0)
    assert schedule.next_run_at > timezone.now()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [({"cron": "every day"}, "params.cron"), ({"cron": "0 8 * * *", "timezone": "Mars/Base"}, "params.timezone")],
)
def test_bad_schedules_are_a_400(user_client, params, field):
    graph = scheduled(**params)
    response = user_client.post("/api/v1/workflows/", {"name": "s", "graph": graph}, content_type="application/json")
    assert response.status_code == 400
    assert ("tick", field) in {(e["node"], e["field"]) for e in response.json()["errors"]}
    assert not Schedule.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_due_schedule_starts_one_run_on_the_worker(user_client, celery_worker_process):
    workflow = create_workflow(user_client, scheduled())
    Schedule.objects.update(next_run_at=timezone.now() - timedelta(minutes=30))  # missed several times
    schedule_tick.delay()
    schedule_tick.delay()
    run = wait_for(lambda: Run.objects.filter(workflow_id=workflow["id"]).first(), message="the scheduled run")
    done = wait_run(user_client, str(run.pk))
    assert done["status"] == "succeeded" and done["trigger"] == "schedule"
    assert done["output"].startswith("daily at ")
    assert Run.objects.filter(workflow_id=workflow["id"]).count() == 1  # late, but once
    assert Schedule.objects.get().next_run_at > timezone.now()


@pytest.mark.django_db
def test_removing_the_trigger_removes_the_schedule(user_client):
    workflow = create_workflow(user_client, scheduled())
    manual = {"nodes": [node("m", "trigger.manual"), node("o", "output")], "edges": [edge("m", "o")]}
    user_client.patch(
        f"/api/v1/workflows/{workflow['id']}/", {"graph": manual, "revision": 1}, content_type="application/json"
    )
    assert not Schedule.objects.exists()
