"""Trigger nodes: where a run starts. Their output is the run's input."""

from __future__ import annotations

from apps.engine.core import cron
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


class ScheduleTrigger(NodeType):
    type = "trigger.schedule"
    title = "Schedule"
    category = "Triggers"
    description = "Starts a run on a cron schedule (through beat); the run input is `input` plus `scheduled_at`."
    inputs = ()
    trigger = True
    raw_params = ("input",)
    params_schema = {
        "type": "object",
        "properties": {
            "cron": {"type": "string", "minLength": 9, "title": "Cron", "description": "e.g. 0 8 * * mon-fri"},
            "timezone": {"type": "string", "default": "UTC", "title": "Time zone"},
            "input": {"type": "object", "title": "Run input"},
        },
        "required": ["cron"],
        "additionalProperties": False,
    }

    def check_params(self, params: dict) -> list[tuple[str, str]]:
        expression = params.get("cron")
        if not isinstance(expression, str):
            return []
        try:
            cron.parse(expression)
            cron.zone(params.get("timezone") or "UTC")
        except cron.CronError as exc:
            field = "timezone" if "time zone" in str(exc) else "cron"
            return [(field, str(exc))]
        return []

    def run(self, context: Context, inputs: dict) -> NodeResult:
        return NodeResult(context.input)
