"""``workflow.call``: a step that runs other workflows and waits for them, holding no worker.

The step creates one child run per item (one when there is no ``for_each``), goes to
``waiting`` and hands out at most ``concurrency`` children at a time, like a small batch.
Each child that ends sends ``call_finished``; the last one turns the step into the list of
outputs (or the single output) and advances the parent run.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.api import DomainError
from apps.engine import runner
from apps.engine.core import templating
from apps.engine.models import TERMINAL_RUN_STATUSES, Run, RunStatus, Step, StepStatus

MAX_DEPTH = 8


def _fail(step: Step, run: Run, message: str) -> None:
    fields = runner.failure_fields(step.node_id, runner.load_graph(run.workflow_version), {"message": message})
    Step.objects.filter(pk=step.pk).update(finished_at=timezone.now(), **fields)
    step.refresh_from_db()
    runner.advance(str(run.pk), prior_events=[runner.events.step_event(step)])


def _children_inputs(step: Step, node, run: Run) -> list[Any]:
    data = runner.data_for_step(run, step)
    params = node.params
    first_input = next(iter((step.input or {}).values()), None)
    if "for_each" not in params:
        return [templating.render_value(params["input"], data) if "input" in params else first_input]
    items = templating.render_value(params["for_each"], data)
    if not isinstance(items, list):
        raise DomainError(f"params.for_each: must give a list, got {type(items).__name__}")
    if "input" not in params:
        return items
    template = params["input"]
    return [templating.render_value(template, {**data, "item": item, "index": i}) for i, item in enumerate(items)]


def start_children(step: Step, node, run: Run) -> None:
    from apps.accounts.permissions import restrict
    from apps.engine.services import _trigger_node, check_runnable
    from apps.workflows.models import Workflow, WorkflowVersion
    from apps.workflows.selectors import version_get

    if run.depth >= MAX_DEPTH:
        _fail(step, run, f"workflow.call nested deeper than {MAX_DEPTH} levels")
        return
    try:
        inputs = _children_inputs(step, node, run)
        # The publisher of the running version must (still) be allowed to run the called workflow.
        publisher = run.workflow_version.author
        called = restrict(Workflow.objects.all(), publisher, "run").filter(pk=node.params["workflow"]).first()
        if called is None:
            raise DomainError(f"params.workflow: no workflow {node.params['workflow']} that this workflow's "
                              "publisher may run")  # fmt: skip
        version = version_get(workflow=called, version=node.params.get("version"))
        check_runnable(version)
        trigger_node = _trigger_node(version.graph, "manual")
    except WorkflowVersion.DoesNotExist:
        _fail(step, run, f"params.version: workflow {node.params['workflow']} has no version {node.params['version']}")
        return
    except (DomainError, templating.TemplateError) as exc:
        _fail(step, run, exc.message)
        return
    with transaction.atomic():
        if not Step.objects.filter(pk=step.pk, status=StepStatus.RUNNING).update(
            status=StepStatus.WAITING,
            params={"workflow": called.pk, "version": version.version, "count": len(inputs),
                    "concurrency": node.params.get("concurrency", 5), "for_each": "for_each" in node.params},
        ):  # fmt: skip
            return
        Run.objects.bulk_create(
            [
                Run(workflow=called, workflow_version=version, version=version.version, trigger="call",
                    trigger_node=trigger_node, input=value, created_by=run.created_by, parent_step=step,
                    depth=run.depth + 1, batch_index=index)
                for index, value in enumerate(inputs)
            ]
        )
    runner.advance(str(run.pk))
    dispatch(step.pk)


def dispatch(step_id: int) -> None:
    """Hand out children up to the concurrency; when all have ended, finish the step."""
    while True:
        with transaction.atomic():
            step = Step.objects.select_for_update().select_related("run__workflow_version").filter(pk=step_id).first()
            if step is None or step.status != StepStatus.WAITING or step.run.status in TERMINAL_RUN_STATUSES:
                return
            children = Run.objects.filter(parent_step=step)
            in_flight = children.filter(dispatched_at__isnull=False).exclude(status__in=TERMINAL_RUN_STATUSES).count()
            pending = children.filter(dispatched_at__isnull=True).order_by("batch_index")
            free = int((step.params or {}).get("concurrency", 5)) - in_flight
            ids = [str(pk) for pk in pending.values_list("pk", flat=True)[: max(free, 0)]]
            if not ids and in_flight == 0 and not pending.exists():
                _collect(step, list(children.order_by("batch_index")))
                parent = str(step.run_id)
                finished = step
            else:
                finished = None
                Run.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())
        if finished is not None:
            runner.advance(parent, prior_events=[runner.events.step_event(finished)])
            return
        if not ids:
            return
        for run_id in ids:
            runner.advance(run_id, from_dispatcher=True)


def _collect(step: Step, children: list[Run]) -> None:
    failures = [
        {"index": child.batch_index, "run": str(child.pk), "error": child.error, "status": child.status}
        for child in children
        if child.status != RunStatus.SUCCEEDED
    ]
    loaded = runner.load_graph(step.run.workflow_version)
    now = timezone.now()
    if failures:
        payload = {"message": f"{len(failures)} of {len(children)} called runs did not succeed",
                   "details": {"failures": failures}}  # fmt: skip
        for name, value in runner.failure_fields(step.node_id, loaded, payload).items():
            setattr(step, name, value)
        step.finished_at = now
    else:
        outputs = [child.output for child in children]
        step.status, step.finished_at, step.ports = StepStatus.SUCCEEDED, now, ["out"]
        step.output = outputs if (step.params or {}).get("for_each") else outputs[0]
    step.save(update_fields=["status", "error", "finished_at", "output", "ports"])
