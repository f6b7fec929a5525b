"""``human.review``: pause the run for a person's decision (or decide at once above a threshold)."""

from __future__ import annotations

from typing import Any

from apps.core.api import DomainError
from apps.engine.sdk import Context, NodeError, NodeResult, NodeType, Wait

_ASSIGNEES = {
    "type": "array",
    "items": {"type": "string", "pattern": "^(user|group):.+$"},
    "description": "user:<username> or group:<team>",
}


class HumanReviewNode(NodeType):
    type = "human.review"
    title = "Human review"
    category = "People"
    description = (
        "Pauses the run until a reviewer approves or rejects the case (correcting the proposal through "
        "the form); holds no worker while it waits. Above `threshold` confidence it approves at once."
    )
    speed = "slow"
    outputs = ("approved", "rejected")
    raw_params = ("form",)
    timeout_seconds = 60
    params_schema = {
        "type": "object",
        "properties": {
            "assignees": {**_ASSIGNEES, "title": "Assignees", "minItems": 1},
            "title": {"type": "string", "title": "Title", "maxLength": 200},
            "instructions": {"type": "string", "title": "Instructions"},
            "case": {"title": "Case", "description": "What the reviewer sees; a template, e.g. {{ input.claim }}"},
            "proposal": {
                "title": "Proposal",
                "description": "The answer to approve or correct; a template (default: the node's input)",
            },
            "confidence": {
                "title": "Confidence",
                "description": "A template giving 0..1 (default: the proposal's `confidence`)",
            },
            "threshold": {
                "type": "number", "minimum": 0, "maximum": 1, "title": "Auto-approve at or above",
                "description": "Decide without a person when the confidence reaches it (recorded as such)",
            },
            "form": {"type": "object", "title": "Form (JSON Schema)",
                     "description": "The fields a reviewer may correct"},
            "priority": {"enum": ["low", "normal", "high", "urgent"], "default": "normal", "title": "Priority"},
            "timeout": {"type": ["string", "number"], "title": "Deadline", "description": "e.g. 4h, 2d, 30m"},
            "on_timeout": {"enum": ["escalate", "approve", "reject", "fail"], "default": "escalate",
                           "title": "At the deadline"},
            "escalate_to": {**_ASSIGNEES, "title": "Escalate to"},
            "apply_edits": {"type": "boolean", "default": True, "title": "Edits replace the proposal"},
        },
        "required": ["assignees"],
        "additionalProperties": False,
    }  # fmt: skip

    def check_params(self, params: dict[str, Any]) -> list[tuple[str, str]]:
        from apps.engine.core.durations import parse_duration
        from apps.reviews.services import principals_of

        problems: list[tuple[str, str]] = []
        for field in ("assignees", "escalate_to"):
            if isinstance(params.get(field), list) and params[field]:
                try:
                    principals_of(params[field], field=field)
                except DomainError as exc:
                    problems.append((exc.field, exc.message))
        if "timeout" in params:
            try:
                parse_duration(params["timeout"])
            except ValueError as exc:
                problems.append(("timeout", str(exc)))
        on_timeout = params.get("on_timeout", "escalate")
        if on_timeout == "escalate" and "timeout" in params and not params.get("escalate_to"):
            problems.append(("escalate_to", "name the users or teams a task goes to at its deadline"))
        if isinstance(params.get("form"), dict):
            from apps.reviews.services import form_schema_problem

            problem = form_schema_problem(params["form"])
            if problem:
                problems.append(("form", problem))
        return problems

    def run(self, context: Context, inputs: dict[str, Any]) -> NodeResult | Wait:
        from apps.reviews import services

        params = context.params
        proposal = params["proposal"] if "proposal" in params else next(iter(inputs.values()), None)
        confidence = _confidence(params.get("confidence", _get(proposal, "confidence")))
        try:
            task = services.review_open(run_id=context.run_id, step_id=_step_id(context), node_id=context.node_id,
                                        params=params, proposal=proposal, confidence=confidence)  # fmt: skip
        except DomainError as exc:
            raise NodeError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
        if task.status in ("approved", "rejected"):
            return NodeResult(services.outcome(task), ports=(services.port_of(task),))
        return Wait({"review": task.pk, "status": task.status, "assignees": task.assignees})

    def cancel(self, *, run_id: str, node_id: str) -> None:
        from apps.reviews.services import reviews_cancel_for_step

        reviews_cancel_for_step(run_id=run_id, node_id=node_id)


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _confidence(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise NodeError(f"params.confidence: {value!r} is not a number between 0 and 1") from None
    if not 0 <= number <= 1:
        raise NodeError(f"params.confidence: {number} is not between 0 and 1")
    return number


def _step_id(context: Context) -> int:
    from apps.engine.models import Step

    return Step.objects.values_list("pk", flat=True).get(run_id=context.run_id, node_id=context.node_id)
