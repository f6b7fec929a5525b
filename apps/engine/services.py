"""Engine writes: start and cancel runs."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.core.api import Conflict, DomainError
from apps.engine.core.validation import validate
from apps.engine.models import Run
from apps.engine.registry import get_registry


def _trigger_node(graph: dict[str, Any], trigger: str) -> str:
    registry = get_registry()
    wanted = f"trigger.{trigger}"
    triggers = [n for n in graph.get("nodes", []) if n.get("type") in registry and registry.get(n["type"]).trigger]
    for node in triggers:
        if node["type"] == wanted:
            return node["id"]
    if triggers and trigger == "manual":
        return triggers[0]["id"]
    raise DomainError(f"the workflow has no {wanted} node to start from", field="graph")


_valid_versions: set[tuple] = set()


def check_runnable(workflow_version) -> None:
    """Validation before a run: the version must still be valid with today's node types.

    Versions never change and node types only change with a restart, so a version that
    passed once is remembered for the life of the process.
    """
    from apps.engine.runner import version_key

    if version_key(workflow_version) in _valid_versions:
        return
    problems = validate(workflow_version.graph, get_registry())
    if problems:
        raise DomainError(
            "the workflow version is not valid; fix it before running",
            field="graph",
            extra={"errors": [p.as_dict() for p in problems]},
        )
    _valid_versions.add(version_key(workflow_version))


def _new_run(
    *, workflow_version, input: Any, user, trigger: str, trigger_node: str | None, run_id, tag: str = "",
    pins: dict | None = None,
) -> Run:
    check_runnable(workflow_version)
    return Run(
        **({"id": run_id} if run_id else {}),
        workflow_id=workflow_version.workflow_id,
        workflow_version=workflow_version,
        version=workflow_version.version,
        trigger=trigger,
        trigger_node=trigger_node or _trigger_node(workflow_version.graph, trigger),
        input=input,
        tag=tag,
        pins=pins or {},
        created_by=user if user is not None and user.is_authenticated else None,
    )


def run_start_inline(
    *, workflow_version, input: Any, user, trigger: str = "manual", trigger_node: str | None = None, run_id=None
) -> Run:
    """Create a run and take its quick nodes right here; slow nodes still go to workers.

    For callers that wait for the output (a webhook answering with it): a flow of quick
    nodes finishes without a round trip through the broker, exactly as a worker would have
    run it — the same runner, the same step records and events — and the run and its steps
    are written together, in one transaction.
    """
    from apps.engine import runner

    run = _new_run(
        workflow_version=workflow_version, input=input, user=user, trigger=trigger, trigger_node=trigger_node,
        run_id=run_id,
    )  # fmt: skip
    with transaction.atomic():
        runner.advance_new(run)
        _audit_start(run, user)
    return run


def _audit_start(run: Run, user) -> None:
    from apps.audit.services import audit_record

    audit_record(
        action="run.start", user=user, object_type="run", object_id=str(run.pk),
        object_repr=f"{run.workflow_version.name} v{run.version}",
        summary={"workflow": run.workflow_id, "version": run.version, "trigger": run.trigger, "tag": run.tag},
    )  # fmt: skip


@transaction.atomic
def run_start(
    *,
    workflow_version,
    input: Any,
    user,
    trigger: str = "manual",
    trigger_node: str | None = None,
    run_id=None,
    tag: str = "",
    pins: dict | None = None,
) -> Run:
    """Create a run pinned to this exact version and hand it to a worker after commit."""
    from apps.engine.tasks import advance_run

    run = _new_run(
        workflow_version=workflow_version, input=input, user=user, trigger=trigger, trigger_node=trigger_node,
        run_id=run_id, tag=tag, pins=pins,
    )  # fmt: skip
    run.save(force_insert=True)
    _audit_start(run, user)
    transaction.on_commit(lambda: advance_run.delay(run_id=str(run.pk)))
    return run


def prompts_used(run: Run) -> list[dict[str, Any]]:
    """The exact prompt versions a run's steps rendered (steps whose output names its ``prompt``)."""
    used = []
    for step in run.steps.all():
        prompt = step.output.get("prompt") if isinstance(step.output, dict) else None
        if isinstance(prompt, dict) and {"name", "version"} <= set(prompt):
            used.append({"node": step.node_id, **prompt})
    return used


def run_rerun(*, run: Run, user) -> Run:
    """The same workflow version with the same input, from the same trigger, as a new run that
    renders the same prompt versions again (whatever their tags point at now)."""
    pins = {"prompts": {p["reference"]: p["version"] for p in prompts_used(run) if p.get("reference")}}
    return run_start(
        workflow_version=run.workflow_version, input=run.input, user=user, trigger=run.trigger,
        trigger_node=run.trigger_node, tag=run.tag, pins=pins,
    )  # fmt: skip


@transaction.atomic
def run_cancel(*, run: Run, user=None) -> Run:
    """Cancel a run; refused with 409 when it has already finished. Audited."""
    from apps.audit.services import audit_record
    from apps.engine import runner

    if not runner.cancel(run):
        raise Conflict(f"the run has already finished ({run.status})")
    audit_record(action="run.cancel", user=user, object_type="run", object_id=str(run.pk),
                 object_repr=f"{run.workflow.name} v{run.version}", summary={"workflow": run.workflow_id})  # fmt: skip
    run.refresh_from_db()
    return run


def step_resume(*, step_id: int, output: Any, port: str) -> bool:
    """End a waiting step (a person decided) with ``output`` on ``port`` and move its run on
    through a worker; False when the step no longer waits (decided before, run cancelled).

    Joins the caller's transaction, so the outcome is stored with the decision that made it;
    a lost advance message is sent again by the sweep (a waiting run with nothing waiting).
    """
    from django.utils import timezone

    from apps.engine.models import Step, StepStatus
    from apps.engine.tasks import advance_run

    step = Step.objects.filter(pk=step_id).only("run_id").first()
    if step is None:
        return False
    done = Step.objects.filter(pk=step_id, status=StepStatus.WAITING).update(
        status=StepStatus.SUCCEEDED, output=output, ports=[port], error=None, finished_at=timezone.now()
    )
    if done:
        run_id = str(step.run_id)
        transaction.on_commit(lambda: advance_run.delay(run_id=run_id))
    return bool(done)


def step_fail(*, step_id: int, message: str, details: dict | None = None) -> bool:
    """Fail a waiting step (its error port, or the run) and move its run on; False when it no
    longer waits."""
    from django.utils import timezone

    from apps.engine import runner
    from apps.engine.models import Step, StepStatus
    from apps.engine.tasks import advance_run

    step = Step.objects.filter(pk=step_id).select_related("run__workflow_version").first()
    if step is None:
        return False
    payload = {"message": message, **({"details": details} if details else {})}
    fields = runner.failure_fields(step.node_id, runner.load_graph(step.run.workflow_version), payload)
    done = Step.objects.filter(pk=step_id, status=StepStatus.WAITING).update(finished_at=timezone.now(), **fields)
    if done:
        run_id = str(step.run_id)
        transaction.on_commit(lambda: advance_run.delay(run_id=run_id))
    return bool(done)
