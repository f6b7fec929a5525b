"""Live events: the one way anything (a web request, a Celery worker) talks to browsers.

Events go through the Channels layer — Redis in both deployments, since the embedded
default starts its own — so an event sent inside a worker process reaches a WebSocket
held by a web process.

Sync code (views, tasks) hands events to one background event loop per process, which keeps
the channel layer's Redis connections open and sends in order without blocking the caller:
a run's quick steps are not slowed down by the browser that watches them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from typing import Any

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

# Channels' handler name for messages of type "live.event" (dots become underscores).
EVENT_MESSAGE_TYPE = "live.event"

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid: int | None = None


def user_group(user_id: int) -> str:
    """The group every WebSocket of one user joins on /ws/events/."""
    return f"user.{user_id}"


def _sender_loop() -> asyncio.AbstractEventLoop:
    global _loop, _loop_pid
    with _lock:
        # A forked worker child inherits the variable but not the thread: start its own.
        if _loop is None or _loop_pid != os.getpid():
            _loop = asyncio.new_event_loop()
            _loop_pid = os.getpid()
            threading.Thread(target=_loop.run_forever, name="sluice-live-events", daemon=True).start()
        return _loop


async def _send(layer, group: str, event: dict[str, Any]) -> None:
    try:
        await layer.group_send(group, {"type": EVENT_MESSAGE_TYPE, "event": event})
    except Exception:
        # Live events are a view of what the database already holds; losing one must not
        # fail the work that produced it.
        logger.warning("live event to %s could not be sent", group, exc_info=True)


def emit(group: str, event: dict[str, Any]) -> concurrent.futures.Future | None:
    """Send a JSON event to every WebSocket in the group (from sync code); does not wait."""
    layer = get_channel_layer()
    if layer is None:
        return None
    return asyncio.run_coroutine_threadsafe(_send(layer, group, event), _sender_loop())
