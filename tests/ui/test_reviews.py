"""The reviewer inbox in the browser: a case arrives live, is found from the waiting run,
corrected through the generated form, approved with a keyboard shortcut — and the run finishes."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from apps.accounts.services import object_share
from apps.reviews.models import ReviewTask
from apps.workflows.models import Workflow
from tests.engine.helpers import create_workflow, edge, node, start_run, wait_run
from tests.permission_cases import signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]
FORM = {"type": "object", "properties": {"label": {"enum": ["auto", "home", "health"], "title": "Queue"},
                                         "amount": {"type": "number", "title": "Amount"}},
        "required": ["label"]}  # fmt: skip


def test_a_reviewer_decides_a_case_in_the_inbox_and_the_run_finishes(screen, make_user, celery_worker_process):
    analyst = make_user("analyst")
    Group.objects.create(name="claims-reviewers").user_set.add(screen.user)
    client = signed_in(analyst)
    graph = {
        "nodes": [node("claim", "trigger.manual"),
                  node("review", "human.review", x=200, assignees=["group:claims-reviewers"], title="Check the queue",
                       instructions="Is the queue right?", case="{{ input.text }}", proposal="{{ input.guess }}",
                       form=FORM, priority="high"),
                  node("done", "output", x=400, value="{{ nodes.review.output.data }}")],
        "edges": [edge("claim", "review"), edge("review", "done", "approved")],
    }  # fmt: skip
    workflow = create_workflow(client, graph, name="Claims triage")
    # The reviewer may also see the workflow's runs (deciding needs no more than the task itself).
    object_share(obj=Workflow.objects.get(pk=workflow["id"]), actor=analyst, user=screen.user, actions=["view"])

    page = screen.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    page.get_by_role("heading", name="Reviews").wait_for()
    page.get_by_text("Nothing to decide").wait_for()
    page.get_by_text("live", exact=True).wait_for()

    # The case arrives while the inbox is open (pushed over /ws/reviews/).
    guess = {"label": "auto", "amount": 1200, "confidence": 0.41}
    run = start_run(client, workflow["id"], {"text": "Water came through the roof", "guess": guess})
    inbox = page.get_by_role("navigation", name="Inbox")
    inbox.get_by_role("link", name=re.compile("Check the queue")).wait_for(timeout=30_000)
    task = ReviewTask.objects.get(run_id=run["id"])

    # The waiting step on the run page links to its task.
    page.goto(f"/runs/{run['id']}")
    page.get_by_test_id("node-review").click()
    page.get_by_text("Waiting for a reviewer").wait_for()
    page.get_by_role("link", name=f"review task #{task.pk}").click()
    page.wait_for_url(re.compile(rf"/reviews/{task.pk}$"))

    panel = page.get_by_role("region", name=f"Review task {task.pk}")
    panel.get_by_text("Water came through the roof").wait_for()
    panel.get_by_text("Is the queue right?").wait_for()
    assert "41% confident" in panel.inner_text()
    queue = panel.get_by_label("Queue *")
    assert queue.input_value() == "auto" and panel.get_by_label("Amount").input_value() == "1200"
    screen.shot("50-review-inbox")

    panel.get_by_role("button", name=re.compile("Claim")).click()
    panel.get_by_text("claimed", exact=True).wait_for()
    queue.select_option("home")
    panel.get_by_label("Amount").fill("twelve")
    panel.get_by_label("Comment").fill("Roof damage is home insurance")
    page.locator("body").click(position={"x": 5, "y": 5})  # leave the fields: the shortcut is for the page
    page.keyboard.press("a")
    panel.get_by_text("Amount: must be a number").wait_for()
    panel.get_by_label("Amount").fill("1150")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("a")

    finished = wait_run(client, run["id"])
    assert finished["status"] == "succeeded", finished
    assert finished["output"] == {"label": "home", "amount": 1150, "confidence": 0.41}
    task.refresh_from_db()
    assert (task.status, task.decided_by, task.comment) == ("approved", screen.user, "Roof damage is home insurance")
    page.get_by_text("Nothing to decide").wait_for()
    page.get_by_label("Show").select_option(label="Decided")
    inbox.get_by_role("link", name=re.compile("Check the queue")).click()
    panel = page.get_by_role("region", name=f"Review task {task.pk}")
    panel.get_by_text("Roof damage is home insurance").wait_for()
    screen.shot("51-review-decided")

    page.goto(f"/runs/{run['id']}")
    page.get_by_text("succeeded").first.wait_for()
    assert screen.unexpected_errors() == []


def test_the_workflow_owner_reassigns_a_case_and_then_may_decide_it(screen, make_user, celery_worker_process):
    desk = make_user("desk-member")
    Group.objects.create(name="desk").user_set.add(desk)
    graph = {
        "nodes": [node("claim", "trigger.manual"),
                  node("review", "human.review", x=200, assignees=["group:desk"], title="Route me"),
                  node("done", "output", x=400, value="{{ nodes.review.output.reviewer }}")],
        "edges": [edge("claim", "review"), edge("review", "done", "approved")],
    }  # fmt: skip
    owner = signed_in(screen.user)
    workflow = create_workflow(owner, graph, name="Routing")
    run = start_run(owner, workflow["id"], {"n": 1})
    task = wait_for_task(run["id"])

    page = screen.page
    page.goto(f"/reviews/{task.pk}")  # not in the owner's inbox: the owner may see it through the run
    panel = page.get_by_role("region", name=f"Review task {task.pk}")
    panel.get_by_text("You may see this task but it is not yours to decide.").wait_for()
    panel.get_by_label("Assignees").fill("group:nobody")
    panel.get_by_role("button", name="Reassign").click()
    panel.get_by_text("no team named 'nobody'", exact=False).wait_for()
    panel.get_by_label("Assignees").fill(f"user:{screen.user.username}")
    panel.get_by_role("button", name="Reassign").click()
    panel.get_by_role("button", name=re.compile("Approve")).wait_for()
    page.get_by_role("navigation", name="Inbox").get_by_role("link", name=re.compile("Route me")).wait_for()
    assert ReviewTask.objects.get(pk=task.pk).assignees == [f"user:{screen.user.username}"]
    assert signed_in(desk).get("/api/v1/reviews/").json()["count"] == 0

    panel.get_by_role("button", name=re.compile("Approve")).click()
    finished = wait_run(owner, run["id"])
    assert (finished["status"], finished["output"]) == ("succeeded", screen.user.username), finished
    assert screen.unexpected_errors(allowed=("status of 400",)) == []  # the refused team, on purpose


def wait_for_task(run_id: str) -> ReviewTask:
    from tests.conftest import wait_for

    return wait_for(lambda: ReviewTask.objects.filter(run_id=run_id).first(), timeout=30, message="the review task")
