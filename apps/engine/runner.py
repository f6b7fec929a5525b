"""The runner: moves a run's state machine forward. The Django side of the engine core.

``advance(run_id)`` locks the run, reads its steps, asks ``core.scheduler.plan`` what is
ready, runs every ready *quick* node right here — a chain of transforms and conditions
runs in one go — and records their steps in one bulk write. Ready *slow* nodes get a
queued step and a Celery task of their own (``execute_step``), enqueued after commit.
A slow step is claimed with a conditional update, so a duplicated or redelivered task
does its work once; when it finishes it calls ``advance`` again.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.engine import events
from apps.engine.core import templating
from apps.engine.core.graph import Graph, Node
from apps.engine.core.policy import StepPolicy, StepTimeout, time_limit
from apps.engine.core.scheduler import IN_FLIGHT, NodeState, Status, active_inputs, is_settled, plan
from apps.engine.models import TERMINAL_RUN_STATUSES, Run, RunStatus, Step, StepStatus
from apps.engine.registry import get_registry
from apps.engine.sdk import Context, NodeError, NodeResult, NodeType, Wait

logger = logging.getLogger(__name__)
HOSTNAME = socket.gethostname()


@dataclass(frozen=True)
class LoadedGraph:
    graph: Graph
    types: dict[str, NodeType]
    first_wins: frozenset[str]
    error_edges: frozenset[str]  # nodes whose `error` port is connected
    policies: dict[str, StepPolicy]  # retries and time limit of each node


_graphs: dict[tuple, LoadedGraph] = {}


def version_key(version) -> tuple:
    """What identifies a stored version for in-process caches: its id and creation time.

    The id alone is not enough: a rolled-back transaction can hand the same id out again
    (SQLite), and a cache must never mistake one graph for another.
    """
    return (version.pk, version.created_at)


def load_graph(version) -> LoadedGraph:
    """The parsed graph of a workflow version (versions never change, so it is cached)."""
    key = version_key(version)
    loaded = _graphs.get(key)
    if loaded is None:
        graph = Graph.from_dict(version.graph)
        registry = get_registry()
        types = {node.id: registry.get(node.type) for node in graph.nodes}
        first_wins = frozenset(
            node.id for node in graph.nodes if node.type == "merge" and node.params.get("mode") == "first"
        )
        error_edges = frozenset(edge.source for edge in graph.edges if edge.source_port == "error")
        policies = {
            node.id: StepPolicy.of(
                node.settings, max_attempts=types[node.id].max_attempts, timeout=types[node.id].timeout_seconds
            )
            for node in graph.nodes
        }
        loaded = LoadedGraph(graph, types, first_wins, error_edges, policies)
        if len(_graphs) > 512:
            _graphs.clear()
        _graphs[key] = loaded
    return loaded


def state_of(step: Step) -> NodeState:
    return NodeState(Status(step.status), tuple(step.ports or ()), step.output)


def template_data(run: Run, states: dict[str, NodeState]) -> dict[str, Any]:
    return {
        "input": run.input,
        "nodes": {
            node_id: {"output": state.output, "status": str(state.status)}
            for node_id, state in states.items()
            if state.status in (Status.SUCCEEDED, Status.FAILED)
        },
        "run": {"id": str(run.id), "version": run.version},
    }


def data_for_step(run: Run, step: Step) -> dict[str, Any]:
    """The template data a slow step sees: the run input and every other step's outcome."""
    others = run.steps.exclude(pk=step.pk).only("node_id", "status", "ports", "output")
    return template_data(run, {other.node_id: state_of(other) for other in others})


def failure_fields(node_id: str, loaded: LoadedGraph, payload: dict[str, Any]) -> dict[str, Any]:
    """How a failed step is stored: on its `error` port when one is connected, else a dead end."""
    if node_id in loaded.error_edges:
        return {"status": StepStatus.FAILED, "error": payload, "output": payload, "ports": ["error"]}
    return {"status": StepStatus.FAILED, "error": payload, "output": None, "ports": []}


def render_params(node: Node, node_type: NodeType, data: dict[str, Any]) -> dict[str, Any]:
    keep = set(node_type.raw_params) | set(node_type.expression_params)
    return {
        key: value if key in keep else templating.render_value(value, data) for key, value in node.params.items()
    }


def _error(message: str, **details: Any) -> dict[str, Any]:
    return {"message": message, **({"details": details} if details else {})}


def call_node(
    node: Node,
    node_type: NodeType,
    run: Run,
    data: dict[str, Any],
    inputs: dict[str, Any],
    attempt: int,
    *,
    timeout: float | None = None,
) -> tuple[dict[str, Any] | None, NodeResult | Wait | None, NodeError | None]:
    """Render params and run one node (within ``timeout`` seconds, where the process can
    enforce it); returns (rendered params, result, error)."""
    params = None
    try:
        params = render_params(node, node_type, data)
        context = Context(
            run_id=str(run.id),
            node_id=node.id,
            attempt=attempt,
            params=params,
            data=data,
            logger=logging.getLogger(f"sluice.run.{node.type}"),
            idempotency_key=f"{run.id}:{node.id}",
            pins=run.pins or {},
            publisher_id=run.workflow_version.author_id,
        )
        with time_limit(timeout):
            result = node_type.run(context, inputs)
    except StepTimeout:
        return params, None, NodeError(f"timed out after {timeout:g} s", retryable=True, details={"timeout": timeout})
    except templating.TemplateError as exc:
        return params, None, NodeError(f"params: {exc.message}")
    except NodeError as exc:
        return params, None, exc
    except Exception as exc:  # a bug in a node must fail its step, not the worker
        logger.exception("node %s (%s) raised", node.id, node.type)
        return params, None, NodeError(f"{type(exc).__name__}: {exc}")
    if not isinstance(result, NodeResult | Wait):
        result = NodeResult(result)
    return params, result, None


class _Advance:
    """One pass of ``advance`` over a locked run."""

    def __init__(self, run: Run, loaded: LoadedGraph):
        self.run = run
        self.loaded = loaded
        self.now = timezone.now()
        # A run that has not started has no steps yet: no need to ask.
        fresh = run.status == RunStatus.QUEUED
        self.steps = {} if fresh else {step.node_id: step for step in run.steps.all()}
        self.states = {node_id: state_of(step) for node_id, step in self.steps.items()}
        self.new_steps: list[Step] = []
        self.slow: list[Step] = []
        self.events: list[dict[str, Any]] = []
        self.sequence = len(self.steps)
        self.failure: dict[str, Any] | None = None
        # Kept up to date as nodes finish, rather than rebuilt for every node.
        self.data = template_data(run, self.states)

    def _add(self, node_id: str, status: StepStatus, **fields: Any) -> Step:
        node = self.loaded.graph.by_id[node_id]
        step = Step(
            run=self.run, node_id=node_id, type=node.type, status=status, sequence=self.sequence, **fields
        )
        self.sequence += 1
        self.new_steps.append(step)
        state = NodeState(Status(status), tuple(fields.get("ports") or ()), fields.get("output"))
        self.states[node_id] = state
        if state.status in (Status.SUCCEEDED, Status.FAILED):
            self.data["nodes"][node_id] = {"output": state.output, "status": str(state.status)}
        self.events.append(events.step_event(step))
        return step

    def _run_quick(self, node_id: str) -> None:
        graph, node_type = self.loaded.graph, self.loaded.types[node_id]
        node = graph.by_id[node_id]
        inputs = active_inputs(graph, node_id, self.states, collect=node_type.collect_inputs)
        started = timezone.now()
        params, result, error = call_node(node, node_type, self.run, self.data, inputs, attempt=1)
        common = {"attempts": 1, "params": params, "input": inputs, "started_at": started,
                  "finished_at": timezone.now(), "worker": HOSTNAME}  # fmt: skip
        if isinstance(result, Wait):
            error, result = NodeError("only a slow node may wait"), None
        if error is None:
            self._add(node_id, StepStatus.SUCCEEDED, output=result.output, ports=list(result.ports), **common)
            return
        self._fail(node_id, error, common)

    def _fail(self, node_id: str, error: NodeError, common: dict[str, Any]) -> None:
        payload = _error(error.message, **error.details)
        fields = failure_fields(node_id, self.loaded, payload)
        self._add(node_id, fields.pop("status"), **fields, **common)
        if not fields["ports"]:
            self.failure = {"node": node_id, **payload}

    def _check_failed_slow_steps(self) -> None:
        for node_id, step in self.steps.items():
            if step.status == StepStatus.FAILED and "error" not in (step.ports or ()):
                self.failure = {"node": node_id, **(step.error or {"message": "failed"})}
                return

    def go(self) -> None:
        ready: list[str] = []
        if self.run.status == RunStatus.QUEUED:
            self.run.status = RunStatus.RUNNING
            self.run.started_at = self.now
            self.events.append({"type": "run.started", "run": str(self.run.id)})
            ready.append(self.run.trigger_node)
            for node in self.loaded.graph.nodes:
                if self.loaded.types[node.id].trigger and node.id != self.run.trigger_node:
                    self._add(node.id, StepStatus.SKIPPED)
        self._check_failed_slow_steps()
        while self.failure is None:
            decision = plan(self.loaded.graph, self.states, first_wins=self.loaded.first_wins)
            for node_id in decision.skip:
                self.states.pop(node_id, None)
                self._add(node_id, StepStatus.SKIPPED)
            ready += [node_id for node_id in decision.ready if node_id not in ready]
            if not ready:
                break
            batch, ready = ready, []
            for node_id in batch:
                if self.loaded.types[node_id].speed == "slow":
                    inputs = active_inputs(
                        self.loaded.graph, node_id, self.states, collect=self.loaded.types[node_id].collect_inputs
                    )
                    self.slow.append(self._add(node_id, StepStatus.QUEUED, input=inputs))
                else:
                    self._run_quick(node_id)
                    if self.failure is not None:
                        break
        self._finish()

    def _finish(self) -> None:
        run = self.run
        if self.failure is not None:
            run.status = RunStatus.FAILED
            run.error = self.failure
            # Now, not the pass's start: the run ends after the steps this pass ran.
            run.finished_at = timezone.now()
            self.slow = []
        elif is_settled(self.loaded.graph, self.states):
            run.status = RunStatus.SUCCEEDED
            run.output = self._output()
            run.finished_at = timezone.now()
        else:
            in_flight = [s.status for s in self.states.values() if s.status in IN_FLIGHT]
            waiting = in_flight and all(status == Status.WAITING for status in in_flight)
            run.status = RunStatus.WAITING if waiting else RunStatus.RUNNING

    def _output(self) -> Any:
        outputs = {
            node.id: self.states[node.id].output
            for node in self.loaded.graph.nodes
            if node.type == "output" and self.states.get(node.id, NodeState(Status.SKIPPED)).status == Status.SUCCEEDED
        }
        if len(outputs) == 1:
            return next(iter(outputs.values()))
        return outputs or None

    def save(self) -> None:
        # A run planned before it was ever written goes in with one INSERT, already in its
        # new state; a stored run gets one UPDATE after its new steps.
        new_run = self.run._state.adding
        if self.run.status in TERMINAL_RUN_STATUSES:
            for step in self.new_steps:
                if step.status in (StepStatus.QUEUED, StepStatus.WAITING):
                    # Whatever is still queued or waiting will never run now.
                    step.status, step.finished_at = StepStatus.CANCELLED, self.now
            self.events.append(events.run_event(self.run))
        if new_run:
            self.run.save(force_insert=True)
        if self.new_steps:
            Step.objects.bulk_create(self.new_steps)
        if not new_run:
            pending = (StepStatus.QUEUED, StepStatus.WAITING)
            if self.run.status in TERMINAL_RUN_STATUSES:
                waiting = [s.node_id for s in self.steps.values() if s.status == StepStatus.WAITING]
                _tell_waiting_nodes(str(self.run.id), waiting, self.loaded)
            if self.run.status in TERMINAL_RUN_STATUSES and any(s.status in pending for s in self.steps.values()):
                Step.objects.filter(run=self.run, status__in=pending).update(
                    status=StepStatus.CANCELLED, finished_at=self.now
                )
            self.run.save(update_fields=["status", "started_at", "finished_at", "output", "error"])
        slow, run_id, batch = list(self.slow), str(self.run.id), list(self.events)

        def after_commit() -> None:
            from apps.engine.tasks import execute_step

            for step in slow:
                execute_step.apply_async(kwargs={"step_id": step.pk}, queue=self.loaded.types[step.node_id].queue)
            events.emit_run_events(run_id, batch)

        transaction.on_commit(after_commit)


def advance(
    run_id: str, *, prior_events: list[dict[str, Any]] | None = None, from_dispatcher: bool = False
) -> Run | None:
    """Move the run forward as far as it can go without waiting for anything; returns the run.

    ``prior_events`` (a slow step's outcome) go out first, in the same message. Called inside
    a transaction, it joins it (no savepoint): the caller's commit is the one that counts.
    """
    with transaction.atomic(savepoint=False):
        run = Run.objects.select_for_update().select_related("workflow_version").filter(pk=run_id).first()
        if run is None or run.status in TERMINAL_RUN_STATUSES:
            return run
        _advance(run, prior_events or [], from_dispatcher=from_dispatcher)
    return run


def advance_new(run: Run) -> Run:
    """Take a run that has not been written yet as far as it goes, then write it once.

    For a caller that waits for the output: a flow of quick nodes becomes one INSERT of the
    run, already finished, and one bulk INSERT of its steps — no lock, no re-read.
    """
    with transaction.atomic(savepoint=False):
        _advance(run, [], from_dispatcher=False)
    return run


def _advance(run: Run, prior_events: list[dict[str, Any]], *, from_dispatcher: bool) -> None:
    step = _Advance(run, load_graph(run.workflow_version))
    step.events[:0] = prior_events
    step.go()
    step.save()
    if not from_dispatcher and run.status in TERMINAL_RUN_STATUSES:
        if run.batch_id:
            # A batch slot is free again: let the pump hand out the next item.
            from apps.engine import batches

            batch_id = str(run.batch_id)
            transaction.on_commit(lambda: batches.kick(batch_id))
        if run.parent_step_id:
            from apps.engine.tasks import call_finished

            step_id = run.parent_step_id
            transaction.on_commit(lambda: call_finished.delay(step_id=step_id))


def _claim(step_id: int, task_id: str, worker: str) -> Step | None:
    """Take the step for this task, or None if another delivery already did its work."""
    now = timezone.now()
    claimed = Step.objects.filter(pk=step_id, status=StepStatus.QUEUED).update(
        status=StepStatus.RUNNING, attempts=F("attempts") + 1, started_at=now, worker=worker, task_id=task_id
    )
    if not claimed:
        # The same task delivered again (its worker died mid-node) takes its step back;
        # a waiting step whose time has come is claimed by its wake-up task.
        claimed = Step.objects.filter(pk=step_id, status=StepStatus.RUNNING, task_id=task_id).update(
            attempts=F("attempts") + 1, started_at=now, worker=worker
        ) or Step.objects.filter(pk=step_id, status=StepStatus.WAITING, wake_at__lte=now).update(
            status=StepStatus.RUNNING, started_at=now, worker=worker, task_id=task_id
        )
    if not claimed:
        return None
    return Step.objects.select_related("run", "run__workflow_version").get(pk=step_id)


def execute_step(step_id: int, task_id: str, worker: str = HOSTNAME) -> None:
    """Run one slow step (outside any transaction), record the outcome, advance the run."""
    step = _claim(step_id, task_id, worker)
    if step is None:
        return
    run = step.run
    if run.status in TERMINAL_RUN_STATUSES:
        Step.objects.filter(pk=step.pk).update(status=StepStatus.CANCELLED, finished_at=timezone.now())
        return
    loaded = load_graph(run.workflow_version)
    node, node_type = loaded.graph.by_id[step.node_id], loaded.types[step.node_id]
    events.emit_run_events(str(run.id), [events.step_event(step)])

    if node.type == "delay" and step.wake_at is None:
        _park(step, node, node_type, run, loaded)
        return
    if node.type == "workflow.call":
        from apps.engine import calls

        calls.start_children(step, node, run)
        return

    data = data_for_step(run, step)
    policy = loaded.policies[step.node_id]
    params, result, error = call_node(
        node, node_type, run, data, step.input or {}, step.attempts, timeout=policy.timeout
    )
    now = timezone.now()
    mine = Step.objects.filter(pk=step.pk, status=StepStatus.RUNNING, task_id=task_id)
    if isinstance(result, Wait):
        # Waits for someone outside the run; step_resume gives it its outcome later.
        mine.update(status=StepStatus.WAITING, params=params, output=result.detail, error=None)
        step.refresh_from_db()
        after = advance(str(run.id), prior_events=[events.step_event(step)])
        # The run ended while the node ran (cancelled, another branch failed): nobody cancelled
        # this step then, as it was not waiting yet; its node is told now.
        ended = after is not None and after.status in TERMINAL_RUN_STATUSES
        if ended and Step.objects.filter(pk=step.pk, status=StepStatus.WAITING).update(
            status=StepStatus.CANCELLED, finished_at=timezone.now()
        ):
            _tell_waiting_nodes(str(run.id), [step.node_id], loaded)
        return
    if error is None:
        mine.update(status=StepStatus.SUCCEEDED, params=params, output=result.output, ports=list(result.ports),
                    error=None, finished_at=now)  # fmt: skip
    elif error.retryable and step.attempts < policy.max_attempts:
        backoff = policy.backoff(step.attempts)
        if mine.update(status=StepStatus.QUEUED, params=params, error=_error(error.message, **error.details)):
            from apps.engine.tasks import execute_step as task

            task.apply_async(kwargs={"step_id": step.pk}, queue=node_type.queue, countdown=backoff)
        return
    else:
        payload = _error(error.message, **error.details)
        mine.update(params=params, finished_at=now, **failure_fields(step.node_id, loaded, payload))
    step.refresh_from_db()
    advance(str(run.id), prior_events=[events.step_event(step)])


def _park(step: Step, node: Node, node_type: NodeType, run: Run, loaded: LoadedGraph) -> None:
    """A delay: the step waits, holding no worker, until a task (or the sweep) wakes it."""
    try:
        seconds = float(render_params(node, node_type, data_for_step(run, step))["seconds"])
    except (templating.TemplateError, KeyError, TypeError, ValueError) as exc:
        Step.objects.filter(pk=step.pk).update(
            status=StepStatus.FAILED, error=_error(f"params.seconds: {exc}"), finished_at=timezone.now()
        )
        advance(str(run.id))
        return
    wake_at = timezone.now() + timedelta(seconds=seconds)
    Step.objects.filter(pk=step.pk, status=StepStatus.RUNNING).update(
        status=StepStatus.WAITING, wake_at=wake_at, params={"seconds": seconds}
    )
    from apps.engine.tasks import execute_step as task

    transaction.on_commit(
        lambda: task.apply_async(kwargs={"step_id": step.pk}, queue=node_type.queue, eta=wake_at)
    )
    advance(str(run.id))


def _tell_waiting_nodes(run_id: str, node_ids: list[str], loaded: LoadedGraph) -> None:
    """After commit, tell each node whose step was waiting that its run has ended."""
    if not node_ids:
        return

    def tell() -> None:
        for node_id in node_ids:
            try:
                loaded.types[node_id].cancel(run_id=run_id, node_id=node_id)
            except Exception:  # one node's clean-up must not break the others'
                logger.exception("cancel hook of %s in run %s failed", node_id, run_id)

    transaction.on_commit(tell)


def cancel(run: Run) -> bool:
    """Cancel a run that has not finished; False if it already had."""
    with transaction.atomic():
        locked = Run.objects.select_for_update().get(pk=run.pk)
        if locked.status in TERMINAL_RUN_STATUSES:
            return False
        now = timezone.now()
        locked.status = RunStatus.CANCELLED
        locked.finished_at = now
        locked.save(update_fields=["status", "finished_at"])
        waiting = list(Step.objects.filter(run=locked, status=StepStatus.WAITING).values_list("node_id", flat=True))
        _tell_waiting_nodes(str(locked.id), waiting, load_graph(locked.workflow_version))
        Step.objects.filter(run=locked, status__in=[StepStatus.QUEUED, StepStatus.WAITING]).update(
            status=StepStatus.CANCELLED, finished_at=now
        )
        batch = [events.run_event(locked)]
        transaction.on_commit(lambda: events.emit_run_events(str(locked.id), batch))
    return True
