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
