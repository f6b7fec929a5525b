"""A collection's embeddings: the local all-MiniLM-L6-v2, or a model profile through the gateway.

Vectors come back as a float32 matrix of unit rows, so retrieval is a dot product. A profile
is used with the rights of whoever last set the collection's embedding (as a profile's
credentials are used with the rights of whoever last saved its targets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apps.core.api import DomainError

if TYPE_CHECKING:  # numpy and the model load on first use, not in every web process at start
    import numpy as np

LOCAL = {"provider": "local"}
SHAPE = '{"provider": "local"} (all-MiniLM-L6-v2, in-process) or {"profile": "<a model profile\'s name>"}'


@dataclass
class Vectors:
    matrix: np.ndarray  # (texts, dimensions), float32, unit rows
    model: dict[str, Any]  # {"provider", "model", "profile"?, "call"?}
    tokens: int


def shape_problem(embedding: Any) -> str | None:
    """What is wrong with an embedding setting's shape, or None."""
    if embedding == LOCAL:
        return None
    if isinstance(embedding, dict) and set(embedding) == {"profile"} and isinstance(embedding["profile"], str) \
            and embedding["profile"].strip():  # fmt: skip
        return None
    return f"one of {SHAPE}"


def _unit_rows(vectors: list[list[float]]) -> np.ndarray:
    import numpy as np

    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def embed(*, embedding: dict, texts: list[str], owner_id: int | None, run_id: str | None = None,
          node_id: str = "", user_id: int | None = None, workflow_id: int | None = None) -> Vectors:  # fmt: skip
    """Vectors for ``texts``; DomainError (field ``embedding``) when the model cannot give them."""
    if embedding == LOCAL:
        from apps.knowledge import minilm

        try:
            matrix, tokens = minilm.embed(texts)
        except minilm.ModelMissing as exc:
            raise DomainError(str(exc), field="embedding", code="model_missing") from None
        return Vectors(matrix, {"provider": "local", "model": minilm.MODEL_NAME}, tokens)
    if shape_problem(embedding):
        raise DomainError(f"one of {SHAPE}", field="embedding")
    from apps.gateway import services as gateway

    try:
        profile = gateway.profile_usable(name=embedding["profile"], user_id=owner_id)
    except DomainError as exc:
        raise DomainError(f"{exc.message} (the collection's embedding)", field="embedding") from None
    answer = gateway.embed(profile=profile, texts=texts, run_id=run_id, node_id=node_id, user_id=user_id,
                           workflow_id=workflow_id)  # fmt: skip
    call = answer.call
    model = {"provider": call.provider, "model": call.model, "profile": profile.name, "call": call.pk}
    return Vectors(_unit_rows(answer.vectors), model, call.input_tokens)
