"""Trigger nodes: where a run starts. Their output is the run's input."""

from __future__ import annotations

from apps.engine.sdk import Context, NodeResult, NodeType


class ManualTrigger(NodeType):
    type = "trigger.manual"
    title = "Manual trigger"
    category = "Triggers"
    description = "Starts a run from the Run button, the API or a batch; outputs the run's input."
    inputs = ()
    trigger = True
    raw_params = ("input_schema",)
    params_schema = {
        "type": "object",
        "properties": {
            "input_schema": {
                "type": "object",
                "title": "Input schema",
                "description": "JSON Schema of the run input; the Run dialog builds its form from it.",
            }
        },
        "additionalProperties": False,
    }

    def run(self, context: Context, inputs: dict) -> NodeResult:
        return NodeResult(context.input)


class WebhookTrigger(NodeType):
    type = "trigger.webhook"
    title = "Webhook"
    category = "Triggers"
    description = (
        "Starts a run when its URL (POST /hooks/{token}/) is called; the run input is the request "
        "(body, query, headers). Can answer with the run's output."
    )
    inputs = ()
    trigger = True
    params_schema = {
        "type": "object",
        "properties": {
            "respond": {
                "enum": ["immediately", "with_output"],
                "default": "immediately",
                "title": "Respond",
                "description": "immediately: 202 with the run id; with_output: wait for the run and answer its output.",
            },
            "timeout": {
                "type": "number", "exclusiveMinimum": 0, "maximum": 300, "default": 30,
                "title": "Wait at most (s)",
            },
        },
        "additionalProperties": False,
    }  # fmt: skip

    def run(self, context: Context, inputs: dict) -> NodeResult:
        return NodeResult(context.input)
