"""``prompt.render``: a versioned prompt rendered with variables; the step records the version."""

from __future__ import annotations

import re

from apps.core.api import DomainError
from apps.engine.sdk import Context, NodeError, NodeResult, NodeType, Reference

_REFERENCE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}(@[a-z0-9][a-z0-9._-]{0,49})?$")


class PromptRenderNode(NodeType):
    type = "prompt.render"
    title = "Render prompt"
    category = "AI"
    description = (
        "Renders a versioned prompt (name@tag, name@latest or name@7) with variables. Its output holds the "
        "system message (system), the text (text), the model defaults and the exact prompt version (prompt), "
        "which the run records."
    )
    params_schema = {
        "type": "object",
        "properties": {
            "prompt": {"type": "string", "title": "Prompt", "description": "name@production, name@latest or name@3"},
            "variables": {"type": "object", "title": "Variables", "description": "Values are templates."},
        },
        "required": ["prompt"],
        "additionalProperties": False,
    }

    def check_params(self, params: dict) -> list[tuple[str, str]]:
        prompt = params.get("prompt")
        if isinstance(prompt, str) and "{{" not in prompt and not _REFERENCE.match(prompt):
            return [("prompt", "use name@tag, name@latest or name@7")]
        return []

    def references(self, params: dict) -> list[Reference]:
        prompt = params.get("prompt")
        if not isinstance(prompt, str) or "{{" in prompt:
            return []
        return [Reference("prompt", "prompt", prompt.split("@", 1)[0])]

    def run(self, context: Context, inputs: dict) -> NodeResult:
        from apps.prompts import services

        reference = str(context.params["prompt"])
        try:
            services.check_usable(reference, user_id=context.publisher_id)
            version = services.resolve(reference, pins=context.pins.get("prompts"))
            rendered = services.render(version, context.params.get("variables") or {})
        except DomainError as exc:
            raise NodeError(f"{exc.field or 'prompt'}: {exc.message}") from None
        pinned = {"reference": reference, "name": rendered.pop("name"), "version": rendered.pop("version")}
        return NodeResult({**rendered, "prompt": pinned})
