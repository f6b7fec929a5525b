"""``llm.prompt``, ``llm.classify``, ``llm.extract``: a versioned prompt, a model profile, an answer.

Each renders its prompt (the exact version is in the step's output, as ``prompt.render``
does), calls the model through the gateway (targets, failover, breakers, the recorded call)
and returns the answer with its usage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.core.api import DomainError
from apps.engine.sdk import Context, NodeError, NodeResult, NodeType, Reference
from apps.prompts.nodes import _REFERENCE

if TYPE_CHECKING:
    from apps.gateway.services import Answer

PROMPT_PARAMS = {
    "prompt": {"type": "string", "title": "Prompt", "description": "name@production, name@latest or name@3"},
    "model": {"type": "string", "minLength": 1, "title": "Model profile", "description": "A model profile's name"},
    "variables": {"type": "object", "title": "Variables", "description": "Values are templates."},
    "temperature": {"type": "number", "minimum": 0, "maximum": 2, "title": "Temperature"},
    "max_tokens": {"type": "integer", "minimum": 1, "maximum": 200000, "title": "Max tokens"},
    "stream": {"type": "boolean", "title": "Stream",
               "description": "Stream the answer (time to first token is recorded)."},
}


# Alternatives a token asked for by llm.classify: enough to see the other labels' first tokens.
TOP_LOGPROBS = 10


class _ModelNode(NodeType):
    category = "AI"
    speed = "slow"
    queue = "llm"
    timeout_seconds = 600

    def check_params(self, params: dict) -> list[tuple[str, str]]:
        prompt = params.get("prompt")
        if isinstance(prompt, str) and "{{" not in prompt and not _REFERENCE.match(prompt):
            return [("prompt", "use name@tag, name@latest or name@7")]
        return []

    def references(self, params: dict) -> list[Reference]:
        found = []
        prompt, model = params.get("prompt"), params.get("model")
        if isinstance(prompt, str) and "{{" not in prompt:
            found.append(Reference("prompt", "prompt", prompt.split("@", 1)[0]))
        if isinstance(model, str) and "{{" not in model:
            found.append(Reference("model_profile", "model", model))
        return found

    def schema(self, params: dict) -> dict | None:
        return params.get("output_schema")

    def instructions(self, params: dict) -> str:
        return ""

    def logprobs(self, params: dict) -> int | None:
        """How many alternatives a token to ask log-probabilities with; None: none."""
        return None

    def shape(self, answer: Answer, params: dict) -> dict[str, Any]:
        value = answer.value
        return {"text": value} if isinstance(value, str) else {"json": value}

    def run(self, context: Context, inputs: dict) -> NodeResult:
        from apps.engine.models import Run
        from apps.gateway import providers, services
        from apps.prompts import services as prompts

        params = context.params
        reference = str(params["prompt"])
        try:
            prompts.check_usable(reference, user_id=context.publisher_id)
            version = prompts.resolve(reference, pins=context.pins.get("prompts"))
            rendered = prompts.render(version, params.get("variables") or {})
            profile = services.profile_usable(name=str(params.get("model") or rendered["defaults"].get("profile")
                                                        or ""), user_id=context.publisher_id)  # fmt: skip
        except DomainError as exc:
            raise NodeError(f"{exc.field or 'prompt'}: {exc.message}") from None
        defaults = rendered.get("defaults") or {}
        system = "\n\n".join(part for part in (rendered.get("system") or "", self.instructions(params)) if part)
        request = providers.Request(
            messages=[{"role": "user", "content": rendered["text"]}], system=system,
            temperature=params.get("temperature", defaults.get("temperature")),
            max_tokens=int(params.get("max_tokens", defaults.get("max_tokens", 1024))),
            json_schema=self.schema(params) or defaults.get("output_schema"), stream=bool(params.get("stream")),
            logprobs=self.logprobs(params),
        )  # fmt: skip
        run = Run.objects.only("workflow_id", "created_by_id").get(pk=context.run_id)
        try:
            answer = services.complete(
                profile=profile, request=request, run_id=context.run_id, node_id=context.node_id,
                user_id=run.created_by_id, workflow_id=run.workflow_id,
                prompt=(rendered["name"], rendered["version"]),
            )  # fmt: skip
        except services.GatewayError as exc:
            raise NodeError(exc.message, details={"call": exc.extra.get("call")}) from None
        call = answer.call
        return NodeResult({
            **self.shape(answer, params),
            "model": {"profile": profile.name, "provider": call.provider, "model": call.model},
            "usage": {"input_tokens": call.input_tokens, "output_tokens": call.output_tokens,
                      "estimated": call.tokens_estimated},
            "call": call.pk,
            "prompt": {"reference": reference, "name": rendered["name"], "version": rendered["version"]},
        })  # fmt: skip


class LlmPromptNode(_ModelNode):
    type = "llm.prompt"
    title = "Ask a model"
    description = (
        "Renders a versioned prompt and asks a model profile. Text by default; with an output schema the "
        "answer is JSON, checked against it (one repair try). Output: text or json, model, usage, prompt."
    )
    params_schema = {
        "type": "object",
        "properties": {**PROMPT_PARAMS, "output_schema": {"type": "object", "title": "Output JSON Schema"}},
        "required": ["prompt", "model"],
        "additionalProperties": False,
    }


class LlmClassifyNode(_ModelNode):
    type = "llm.classify"
    title = "Classify"
    description = (
        "Asks a model to pick one of the labels, with its confidence between 0 and 1: the probability the "
        "model gives the label, from token log-probabilities where the provider gives them (OpenAI-compatible "
        "servers; confidence_source: logprobs), otherwise the model's own structured answer "
        "(confidence_source: model)."
    )
    params_schema = {
        "type": "object",
        "properties": {
            **PROMPT_PARAMS,
            "labels": {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True,
                       "title": "Labels"},
        },
        "required": ["prompt", "model", "labels"],
        "additionalProperties": False,
    }

    def schema(self, params: dict) -> dict:
        return {
            "type": "object",
            "properties": {"label": {"enum": list(params["labels"])},
                           "confidence": {"type": "number", "minimum": 0, "maximum": 1}},
            "required": ["label", "confidence"],
        }  # fmt: skip

    def instructions(self, params: dict) -> str:
        return ("Classify the input as exactly one of: " + ", ".join(params["labels"]) + ". Answer with JSON "
                '{"label": <one of them>, "confidence": <your confidence from 0 to 1>}.')  # fmt: skip

    def logprobs(self, params: dict) -> int | None:
        return TOP_LOGPROBS

    def shape(self, answer: Answer, params: dict) -> dict[str, Any]:
        from apps.gateway.logprobs import label_confidence

        label = answer.value["label"]
        if answer.logprobs:
            confidence = label_confidence(answer.text, answer.logprobs, list(params["labels"]))
            if confidence is not None:
                return {"label": label, "confidence": round(confidence, 6), "confidence_source": "logprobs"}
        confidence = min(max(float(answer.value["confidence"]), 0.0), 1.0)
        return {"label": label, "confidence": confidence, "confidence_source": "model"}


class LlmExtractNode(_ModelNode):
    type = "llm.extract"
    title = "Extract fields"
    description = "Asks a model for the fields of a JSON Schema, filled from the input; checked against the schema."
    params_schema = {
        "type": "object",
        "properties": {**PROMPT_PARAMS, "fields": {"type": "object", "title": "Fields (JSON Schema)"}},
        "required": ["prompt", "model", "fields"],
        "additionalProperties": False,
    }

    def schema(self, params: dict) -> dict:
        return params["fields"]

    def instructions(self, params: dict) -> str:
        return "Extract the fields described by the JSON Schema from the input. Answer with the JSON object only."

    def shape(self, answer: Answer, params: dict) -> dict[str, Any]:
        return {"fields": answer.value}
