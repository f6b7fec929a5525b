"""Review test data made through the services: a one-review workflow, a run taken to its review."""

from __future__ import annotations

from apps.engine import runner
from apps.engine import services as engine
from apps.engine.models import Step
from apps.reviews.models import ReviewTask
from apps.workflows import services as workflows
from tests.engine.helpers import edge, node


def review_graph(*assignees: str, **params) -> dict:
    """trigger → human.review → output (on `approved`)."""
    return {
        "nodes": [node("in", "trigger.manual"),
                  node("review", "human.review", x=200, **{"assignees": list(assignees), **params}),
                  node("out", "output", x=400)],
        "edges": [edge("in", "review"), edge("review", "out", "approved")],
    }  # fmt: skip


def open_review(owner, **params) -> ReviewTask:
    """A run of a one-review workflow (assigned to its owner unless told) taken to its waiting
    review in this process, with no worker."""
    assignees = params.pop("assignees", [f"user:{owner}"])
    workflow = workflows.workflow_create(name=f"review {Step.objects.count()}", graph=review_graph(*assignees,
                                         **params), user=owner)  # fmt: skip
    run = engine.run_start(workflow_version=workflow.versions.get(), input={"amount": 1}, user=owner)
    runner.advance(str(run.pk))
    step = Step.objects.get(run=run, node_id="review")
    runner.execute_step(step.pk, "test-task")
    return ReviewTask.objects.get(step=step)
