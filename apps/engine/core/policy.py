"""Per-node run settings: retries, their backoff and a time limit (plain Python).

A node may carry an optional ``settings`` object beside its ``params``::

    {"id": "notify", "type": "http.request", "params": {...},
     "settings": {"retries": 2, "retry_delay": 5, "timeout": 20}}

``retries`` — extra attempts after a retryable failure (a timeout, a connection error, a
5xx…), waiting ``retry_delay`` seconds, doubled each time (at most an hour); ``timeout`` —
seconds one attempt of a slow node may take. Omitted settings fall back to the node type's
defaults. What happens after the last failure is the graph's choice: a connected ``error``
port is followed, otherwise the run fails.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "retries": {"type": "integer", "minimum": 0, "maximum": 10, "title": "Retries on failure"},
        "retry_delay": {"type": "number", "minimum": 0, "maximum": 3600, "title": "First retry after (seconds)"},
        "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 86400, "title": "Time limit (seconds)"},
    },
}
MAX_BACKOFF_SECONDS = 3600


@dataclass(frozen=True)
class StepPolicy:
    max_attempts: int
    retry_delay: float
    timeout: float | None

    @classmethod
    def of(cls, settings: dict[str, Any] | None, *, max_attempts: int, timeout: float | None) -> StepPolicy:
        settings = settings or {}
        retries = settings.get("retries")
        return cls(
            max_attempts=max_attempts if retries is None else retries + 1,
            retry_delay=float(settings.get("retry_delay", 1)),
            timeout=float(settings["timeout"]) if settings.get("timeout") is not None else timeout,
        )

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before the attempt after ``attempt`` (1-based)."""
        return min(self.retry_delay * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


class StepTimeout(Exception):
    """An attempt ran past its time limit."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``StepTimeout`` in the code inside after ``seconds``.

    Works where it can interrupt blocking I/O safely: the main thread of a process (a
    worker's pool process). Elsewhere (threads) the node's own limits apply.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise StepTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
