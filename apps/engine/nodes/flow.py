"""Quick flow nodes: build values, branch, merge, finish. They run inline, many per task."""

from __future__ import annotations

from typing import Any

from apps.engine.core import templating
from apps.engine.sdk import Context, NodeError, NodeResult, NodeType, Reference


def _first_input(inputs: dict[str, Any]) -> Any:
    return next(iter(inputs.values()), None)


class TransformNode(NodeType):
    type = "transform"
    title = "Transform"
    category = "Data"
    description = "Builds a JSON value; strings in it may be templates such as {{ input.claim.text }}."
    params_schema = {
        "type": "object",
        "properties": {"value": {"title": "Value", "description": "Any JSON; strings may be templates."}},
        "required": ["value"],
        "additionalProperties": False,
    }

    def run(self, context: Context, inputs: dict) -> NodeResult:
        return NodeResult(context.params["value"])


class ConditionNode(NodeType):
    type = "condition"
    title = "Condition"
    category = "Flow"
    description = "Sends its input to the true or the false port, by an expression."
    outputs = ("true", "false")
    expression_params = ("expression",)
    params_schema = {
        "type": "object",
        "properties": {
            "expression": {
                "type": "string",
                "minLength": 1,
                "title": "Expression",
                "description": "e.g. nodes.triage.output.confidence >= 0.85",
            }
        },
        "required": ["expression"],
        "additionalProperties": False,
    }

    def run(self, context: Context, inputs: dict) -> NodeResult:
        try:
            outcome = bool(context.evaluate(context.params["expression"]))
        except templating.TemplateError as exc:
            raise NodeError(f"expression: {exc.message}") from None
        return NodeResult(_first_input(inputs), ports=("true",) if outcome else ("false",))


class SwitchNode(NodeType):
    type = "switch"
    title = "Switch"
    category = "Flow"
    description = "Sends its input to the port of the first case whose expression is true, else to the default."
    outputs = ()
    expression_params = ("cases",)
    params_schema = {
        "type": "object",
        "properties": {
            "cases": {
                "type": "array",
                "title": "Cases",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "port": {"type": "string", "minLength": 1, "pattern": "^[A-Za-z0-9_-]+$"},
                        "expression": {"type": "string", "minLength": 1},
                    },
                    "required": ["port", "expression"],
                    "additionalProperties": False,
                },
            },
            "default": {"type": "string", "minLength": 1, "title": "Default port", "default": "default"},
        },
        "required": ["cases"],
        "additionalProperties": False,
    }

    def output_ports(self, params: dict[str, Any]) -> tuple[str, ...]:
        cases = params.get("cases") if isinstance(params.get("cases"), list) else []
        ports = [case["port"] for case in cases if isinstance(case, dict) and isinstance(case.get("port"), str)]
        return (*ports, params.get("default") or "default")

    def check_params(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        ports = self.output_ports(params)
        if len(set(ports)) != len(ports):
            return [("cases", "case ports and the default port must all be different")]
        return []

    def run(self, context: Context, inputs: dict) -> NodeResult:
        for index, case in enumerate(context.params["cases"]):
            try:
                if context.evaluate(case["expression"]):
                    return NodeResult(_first_input(inputs), ports=(case["port"],))
            except templating.TemplateError as exc:
                raise NodeError(f"cases[{index}].expression: {exc.message}") from None
        return NodeResult(_first_input(inputs), ports=(context.params.get("default") or "default",))


class MergeNode(NodeType):
    type = "merge"
    title = "Merge"
    category = "Flow"
    description = "Joins branches: waits for all inputs (a list of them), or goes on with the first to arrive."
    collect_inputs = True
    params_schema = {
        "type": "object",
        "properties": {"mode": {"enum": ["all", "first"], "default": "all", "title": "Wait for"}},
        "additionalProperties": False,
    }

    def run(self, context: Context, inputs: dict) -> NodeResult:
        values = inputs.get("in", [])
        if context.params.get("mode", "all") == "first":
            return NodeResult(values[0])
        return NodeResult(values)


class OutputNode(NodeType):
    type = "output"
    title = "Output"
    category = "Data"
    description = "The run's result. Its value (a template by default over its input) becomes the run output."
    outputs = ()
    params_schema = {
        "type": "object",
        "properties": {"value": {"title": "Value", "description": "Any JSON; strings may be templates."}},
        "additionalProperties": False,
    }

    def run(self, context: Context, inputs: dict) -> NodeResult:
        if "value" in context.params:
            return NodeResult(context.params["value"], ports=())
        return NodeResult(_first_input(inputs), ports=())


class DelayNode(NodeType):
    type = "delay"
    title = "Delay"
    category = "Flow"
    description = "Waits, holding no worker, then passes its input on."
    speed = "slow"
    params_schema = {
        "type": "object",
        "properties": {"seconds": {"type": "number", "minimum": 0, "maximum": 31_536_000, "title": "Seconds"}},
        "required": ["seconds"],
        "additionalProperties": False,
    }

    def run(self, context: Context, inputs: dict) -> NodeResult:
        # The runner parks the step until the wake-up time; run() is called once it is due.
        return NodeResult(_first_input(inputs))


class WorkflowCallNode(NodeType):
    type = "workflow.call"
    title = "Call workflow"
    category = "Flow"
    description = (
        "Runs another workflow and outputs its result; with `for_each`, once per item of a list "
        "(at most `concurrency` at a time) and outputs the list of results. Waits holding no worker."
    )
    speed = "slow"
    outputs = ("out", "error")
    raw_params = ("input",)
    params_schema = {
        "type": "object",
        "properties": {
            "workflow": {"type": "integer", "minimum": 1, "title": "Workflow id"},
            "version": {"type": "integer", "minimum": 1, "title": "Version (latest when empty)"},
            "input": {"title": "Input", "description": "Template value; `item` and `index` hold the list item."},
            "for_each": {"title": "For each", "description": "A template that gives a list, e.g. {{ input.claims }}"},
            "concurrency": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5, "title": "At most at once"},
        },
        "required": ["workflow"],
        "additionalProperties": False,
    }

    def references(self, params: dict) -> list[Reference]:
        workflow = params.get("workflow")
        return [Reference("workflow", "workflow", workflow)] if isinstance(workflow, int) else []

    def run(self, context: Context, inputs: dict) -> NodeResult:
        raise NodeError("workflow.call is carried out by the runner")
