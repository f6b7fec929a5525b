"""The custom node of the README, used by the SDK tests exactly as written there."""

import re

from apps.engine.sdk import Context, NodeError, NodeResult, NodeType


class SlugifyNode(NodeType):
    type = "acme.slugify"
    title = "Slugify"
    category = "Text"
    description = "Turns a title into a URL slug."
    params_schema = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "title": "Text", "description": "May be a template."},
            "max_length": {"type": "integer", "minimum": 1, "default": 60},
        },
        "required": ["text"],
        "additionalProperties": False,
    }

    def run(self, context: Context, inputs: dict) -> NodeResult:
        text = context.params["text"]
        if not isinstance(text, str):
            raise NodeError("text: must be a string")
        slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
        context.logger.info("slugified %r", text)
        return NodeResult({"slug": slug[: context.params.get("max_length", 60)]})
