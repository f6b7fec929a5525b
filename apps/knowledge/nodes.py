"""``knowledge.search``: the passages of a document collection most like a query, for a cited answer."""

from __future__ import annotations

from apps.core.api import DomainError
from apps.engine.sdk import Context, NodeError, NodeResult, NodeType, Reference


def cited_context(passages: list[dict]) -> str:
    """The passages as numbered, sourced blocks ("[1] handbook.pdf, p. 3: …") for a prompt."""
    blocks = []
    for number, passage in enumerate(passages, start=1):
        page = f", p. {passage['page']}" if passage.get("page") else ""
        blocks.append(f"[{number}] {passage['source']}{page}: {passage['text']}")
    return "\n\n".join(blocks)


class KnowledgeSearchNode(NodeType):
    type = "knowledge.search"
    title = "Search documents"
    category = "AI"
    description = (
        "Finds the passages of a document collection most like the query (embeddings, cosine similarity). "
        "Output: passages (text, source, position, page, score), best first; context (the passages numbered "
        "with their sources, for a prompt that cites them); query."
    )
    # The query is embedded by a model (in-process or a provider): a task of its own, on the model queue.
    speed = "slow"
    queue = "llm"
    max_attempts = 2
    timeout_seconds = 120
    params_schema = {
        "type": "object",
        "properties": {
            "collection": {"type": "string", "minLength": 1, "title": "Collection",
                           "description": "A document collection's name"},
            "query": {"type": "string", "minLength": 1, "title": "Query",
                      "description": "What to look for; a template, e.g. {{ input.question }}"},
            "top_k": {"type": "integer", "minimum": 1, "maximum": 50, "default": 4, "title": "Passages",
                      "description": "How many passages, at most"},
            "min_score": {"type": "number", "minimum": -1, "maximum": 1, "title": "Minimum score",
                          "description": "Leave out passages less similar than this (cosine, -1 to 1)"},
        },
        "required": ["collection", "query"],
        "additionalProperties": False,
    }  # fmt: skip

    def references(self, params: dict) -> list[Reference]:
        collection = params.get("collection")
        if not isinstance(collection, str) or not collection or "{{" in collection:
            return []
        return [Reference("collection", "collection", collection)]

    def run(self, context: Context, inputs: dict) -> NodeResult:
        from apps.engine.models import Run
        from apps.knowledge import services

        params = context.params
        run = Run.objects.only("workflow_id", "created_by_id").get(pk=context.run_id)
        try:
            collection = services.collection_usable(name=str(params["collection"]), user_id=context.publisher_id)
            found = services.collection_search(
                collection=collection, query=str(params.get("query") or ""), top_k=int(params.get("top_k", 4)),
                min_score=params.get("min_score"), run_id=context.run_id, node_id=context.node_id,
                user_id=run.created_by_id, workflow_id=run.workflow_id,
            )  # fmt: skip
        except DomainError as exc:
            details = {"call": exc.extra["call"]} if exc.extra.get("call") else None
            raise NodeError(f"{exc.field or 'collection'}: {exc.message}",
                            retryable=bool(exc.extra.get("retryable", False)), details=details) from None  # fmt: skip
        return NodeResult({
            "passages": found["passages"], "context": cited_context(found["passages"]), "query": found["query"],
            "collection": found["collection"], "model": found.get("model"),
        })  # fmt: skip
