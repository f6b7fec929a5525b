"""The node SDK: what a node type is. Built-in nodes and third-party ones use the same classes.

A node type is a subclass of ``NodeType`` with a ``type`` name, a title, a category, a
description, input and output ports, a JSON Schema for its params and ``run(context,
inputs)``. It is registered in ``apps.engine.registry`` (built-ins), through the Python entry
point group ``sluice.nodes``, or listed in the ``SLUICE_NODE_TYPES`` setting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from apps.engine.core import templating
from apps.engine.core.graph import DEFAULT_INPUT_PORT, DEFAULT_OUTPUT_PORT
from apps.engine.core.policy import SETTINGS_SCHEMA


@dataclass(frozen=True)
class NodeResult:
    """What a node produced, and which of its output ports fire."""

    output: Any
    ports: tuple[str, ...] = (DEFAULT_OUTPUT_PORT,)


@dataclass(frozen=True)
class Wait:
    """Returned by a node that waits for something outside the run (a person's decision):
    the step waits, holding no worker, and ``detail`` is shown as its output meanwhile. Whoever
    ends the wait calls ``apps.engine.services.step_resume`` (or ``step_fail``) with the
    step's real outcome; ``NodeType.cancel`` tells the node when its run ends first."""

    detail: Any = None


class NodeError(Exception):
    """A node failed; ``retryable`` failures are retried (with backoff) as its settings allow."""

    def __init__(self, message: str, *, retryable: bool = False, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.details = details or {}


@dataclass(frozen=True)
class Reference:
    """Something a node's params name that has rights of its own: ``kind`` is "credential"
    (used), "prompt" (read) or "workflow" (run); ``value`` an id or a name."""

    kind: str
    field: str
    value: Any


@dataclass
class Context:
    """What a node's ``run`` gets besides its inputs."""

    run_id: str
    node_id: str
    attempt: int
    params: dict[str, Any]
    data: dict[str, Any]  # the template data: {"input": …, "nodes": {id: {"output": …}}}
    logger: logging.Logger
    idempotency_key: str
    services: dict[str, Any] = field(default_factory=dict)
    # Versions a re-run must use again: {"prompts": {"claims-triage@production": 3}}.
    pins: dict[str, Any] = field(default_factory=dict)
    # Who published the version that runs (its author): credentials, prompts and workflows the
    # run uses must be ones this user may use, whoever started the run.
    publisher_id: int | None = None

    @property
    def input(self) -> Any:
        return self.data.get("input")

    def evaluate(self, expression: str) -> Any:
        """Evaluate an expression (``nodes.x.output.confidence >= 0.85``) in the sandbox."""
        return templating.evaluate(expression, self.data)

    def render(self, value: Any) -> Any:
        return templating.render_value(value, self.data)


class NodeType:
    """Base class of every node type."""

    type: ClassVar[str]
    title: ClassVar[str]
    category: ClassVar[str] = "General"
    description: ClassVar[str] = ""
    inputs: ClassVar[tuple[str, ...]] = (DEFAULT_INPUT_PORT,)
    outputs: ClassVar[tuple[str, ...]] = (DEFAULT_OUTPUT_PORT,)
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
    # Quick nodes (transforms, conditions…) run inline, many in one task. Slow ones (I/O,
    # models, people, timers) get a task of their own on ``queue``.
    speed: ClassVar[Literal["quick", "slow"]] = "quick"
    queue: ClassVar[str] = "default"
    trigger: ClassVar[bool] = False
    # Params holding expressions: not rendered as templates, evaluated by the node itself.
    expression_params: ClassVar[tuple[str, ...]] = ()
    # Params left exactly as written (neither rendered nor checked as templates).
    raw_params: ClassVar[tuple[str, ...]] = ()
    # True: every input port gets the list of values arriving on it (a merge); False: a port
    # with one active edge gets the value itself.
    collect_inputs: ClassVar[bool] = False
    # Defaults of the per-node settings (``settings.retries`` + 1, ``settings.timeout``):
    # how often a retryable failure is tried, and how long one attempt of a slow node may take.
    max_attempts: ClassVar[int] = 1
    timeout_seconds: ClassVar[float] = 300

    def output_ports(self, params: dict[str, Any]) -> tuple[str, ...]:
        """The output ports for these params (a switch has one per case)."""
        return self.outputs

    def check_params(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        """Checks beyond the JSON Schema, as (field, message) pairs."""
        return []

    def references(self, params: dict[str, Any]) -> list[Reference]:
        """What the params name that the publisher must have rights on (checked at save and
        again at run time). Templated values can only be checked at run time."""
        return []

    def run(self, context: Context, inputs: dict[str, Any]) -> NodeResult | Wait | Any:
        raise NotImplementedError

    def cancel(self, *, run_id: str, node_id: str) -> None:
        """The run ended while this node's step was waiting (a ``Wait`` it returned)."""

    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "type": cls.type,
            "title": cls.title,
            "category": cls.category,
            "description": cls.description,
            "inputs": list(cls.inputs),
            "outputs": list(cls.outputs),
            "params_schema": cls.params_schema,
            "speed": cls.speed,
            "trigger": cls.trigger,
            "settings_schema": SETTINGS_SCHEMA,
            "settings_defaults": {"retries": cls.max_attempts - 1, "retry_delay": 1, "timeout": cls.timeout_seconds},
        }
