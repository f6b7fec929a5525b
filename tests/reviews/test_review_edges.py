"""Edges of the review lifecycle: the deadline against a decision, a step that is not waiting
yet, a run that ends while its review opens, escalation targets removed since, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.engine import runner
from apps.engine.models import Step, StepStatus
from apps.reviews import services
from apps.reviews.models import ReviewTask
from apps.reviews.services import reviews_handle_deadlines
from tests.permission_cases import signed_in
from tests.reviews.helpers import open_review

pytestmark = pytest.mark.django_db


def overdue(task: ReviewTask) -> None:
    ReviewTask.objects.filter(pk=task.pk).update(deadline=timezone.now() - timedelta(seconds=1))


def decide(user, task: ReviewTask, **body):
    return signed_in(user).post(f"/api/v1/reviews/{task.pk}/decide/", {"decision": "approve", **body},
                                content_type="application/json")  # fmt: skip


def test_a_decision_after_the_deadline_is_refused_and_the_deadline_action_still_happens(make_user):
    owner = make_user("owner")
    task = open_review(owner, timeout="1h", on_timeout="reject")
    overdue(task)
    late = decide(owner, task)
    assert late.status_code == 409 and late.json()["field"] == "status", late.content
    assert ReviewTask.objects.get(pk=task.pk).status == "pending"
    assert reviews_handle_deadlines()["reject"] == 1
    assert Step.objects.get(pk=task.step_id).ports == ["rejected"]


@pytest.mark.parametrize("on_timeout", ["approve", "fail"])
def test_the_deadline_waits_for_a_step_that_is_not_waiting_yet(make_user, on_timeout):
    owner = make_user("owner")
    task = open_review(owner, timeout="1h", on_timeout=on_timeout)
    overdue(task)
    # The node has opened the task but its step is not marked waiting yet.
    Step.objects.filter(pk=task.step_id).update(status=StepStatus.RUNNING)
    assert reviews_handle_deadlines()[on_timeout] == 0
    assert ReviewTask.objects.get(pk=task.pk).status == "pending"  # not decided with nobody to tell

    Step.objects.filter(pk=task.step_id).update(status=StepStatus.WAITING)
    assert reviews_handle_deadlines()[on_timeout] == 1
    step = Step.objects.get(pk=task.step_id)
    assert step.status == ("succeeded" if on_timeout == "approve" else "failed")


def test_a_decision_before_the_step_waits_is_refused_plainly_and_changes_nothing(make_user):
    owner = make_user("owner")
    task = open_review(owner)
    # The "created" event has gone out; the node has not yet marked its step waiting.
    Step.objects.filter(pk=task.step_id).update(status=StepStatus.RUNNING)
    early = signed_in(owner).post(f"/api/v1/reviews/{task.pk}/decide/", {"decision": "approve"},
                                  content_type="application/json")  # fmt: skip
    assert early.status_code == 409 and "still being opened" in early.json()["detail"], early.content
    assert ReviewTask.objects.get(pk=task.pk).status == "pending"
    Step.objects.filter(pk=task.step_id).update(status=StepStatus.WAITING)
    assert signed_in(owner).post(f"/api/v1/reviews/{task.pk}/decide/", {"decision": "approve"},
                                 content_type="application/json").status_code == 200  # fmt: skip


def test_an_escalation_target_removed_since_holds_up_no_other_deadline(make_user):
    owner, gone = make_user("owner"), make_user("gone")
    stranded = open_review(owner, timeout="1h", on_timeout="escalate", escalate_to=["user:gone"])
    other = open_review(owner, timeout="2h", on_timeout="reject")
    gone.is_active = False
    gone.save()
    overdue(stranded)
    overdue(other)
    ReviewTask.objects.filter(pk=other.pk).update(deadline=timezone.now())  # after the stranded one
    done = reviews_handle_deadlines()
    assert (done["fail"], done["reject"]) == (1, 1), done
    # Nowhere left to escalate to: it fails as the node says an escalation with nowhere to go does.
    assert ReviewTask.objects.get(pk=stranded.pk).status == "expired"
    assert ReviewTask.objects.get(pk=other.pk).status == "rejected"


def test_a_task_whose_run_ended_is_cancelled_at_its_deadline_on_the_record(make_user):
    owner = make_user("owner")
    task = open_review(owner, timeout="1h", on_timeout="approve")
    type(task.run).objects.filter(pk=task.run_id).update(status="cancelled")
    overdue(task)
    reviews_handle_deadlines()
    assert ReviewTask.objects.get(pk=task.pk).status == "cancelled"
    assert AuditEntry.objects.filter(action="review.cancel", object_id=str(task.pk)).count() == 1


def test_a_run_cancelled_while_its_review_opens_leaves_no_task_waiting(make_user, monkeypatch,
                                                                       django_capture_on_commit_callbacks):  # fmt: skip
    owner = make_user("owner")
    opened = services.review_open

    def open_then_cancel(**kwargs):
        task = opened(**kwargs)
        runner.cancel(task.run)  # the run is cancelled while the node still runs
        return task

    monkeypatch.setattr(services, "review_open", open_then_cancel)
    with django_capture_on_commit_callbacks() as callbacks:
        task = open_review(owner)
    assert Step.objects.get(pk=task.step_id).status == "cancelled"
    for callback in callbacks:  # the node's cancel hook (the rest needs a broker)
        if "_tell_waiting_nodes" in callback.__qualname__:
            callback()
    assert ReviewTask.objects.get(pk=task.pk).status == "cancelled"


def test_a_form_with_a_reference_to_nowhere_is_no_server_error(make_user):
    """Saving refuses such a form now; a task opened before that still gets decided."""
    owner = make_user("owner")
    task = open_review(owner, form={"type": "object", "properties": {"label": {"type": "string"}}})
    ReviewTask.objects.filter(pk=task.pk).update(
        form={"type": "object", "properties": {"label": {"$ref": "#/$defs/missing"}}})
    response = decide(owner, task, data={"label": "x"})
    assert response.status_code < 500, response.content


@pytest.mark.parametrize("ordering", ["deadline", "-priority", "created_at", "-created_at"])
def test_the_inbox_orders_as_asked(make_user, ordering):
    owner = make_user("owner")
    open_review(owner)
    response = signed_in(owner).get(f"/api/v1/reviews/?status=open&ordering={ordering}")
    assert response.status_code == 200 and response.json()["count"] == 1, response.content


@pytest.mark.parametrize(("query", "field"), [
    ("ordering=sideways", "ordering"), ("workflow=first", "workflow"), ("run=not-a-run", "run"),
])  # fmt: skip
def test_a_bad_inbox_filter_is_a_400_naming_the_field(make_user, query, field):
    owner = make_user("owner")
    open_review(owner)
    response = signed_in(owner).get(f"/api/v1/reviews/?status=open&{query}")
    assert response.status_code == 400 and response.json()["field"] == field, response.content


def test_a_bad_workflow_filter_on_the_review_metrics_is_a_400(make_user):
    response = signed_in(make_user("owner")).get("/api/v1/metrics/reviews/?workflow=first")
    assert response.status_code == 400 and response.json()["field"] == "workflow", response.content


def test_a_claim_whose_holder_was_deleted_does_not_lock_the_task(make_user):
    owner, holder = make_user("owner"), make_user("holder")
    task = open_review(owner)
    services.review_claim(task=task, user=holder)
    holder.delete()
    claimed = signed_in(owner).post(f"/api/v1/reviews/{task.pk}/claim/")
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "owner", claimed.content


def test_a_claim_whose_holder_was_deactivated_does_not_lock_the_task(make_user):
    owner, holder = make_user("owner"), make_user("holder")
    task = open_review(owner, assignees=[f"user:{owner}", f"user:{holder}"])
    services.review_claim(task=task, user=holder)
    assert decide(owner, task).status_code == 409  # held by an active reviewer: refused
    holder.is_active = False
    holder.save()
    assert decide(owner, task).status_code == 200
    assert ReviewTask.objects.get(pk=task.pk).decided_by == owner


def test_a_decision_let_in_before_a_reassignment_is_refused_after_it(make_user):
    owner, other = make_user("owner"), make_user("other")
    task = open_review(owner)
    seen = ReviewTask.objects.get(pk=task.pk)  # what the decide request fetched, rights checked
    services.review_reassign(task=task, user=owner, assignees=["user:other"])
    with pytest.raises(services.Conflict):
        services.review_decide(task=seen, user=owner, decision="approve")
    assert ReviewTask.objects.get(pk=task.pk).status == "pending"
    assert services.review_decide(task=seen, user=other, decision="approve").status == "approved"
