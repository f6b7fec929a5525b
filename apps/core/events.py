"""Live events: the one way anything (a web request, a Celery worker) talks to browsers.

Events go through the Channels layer — Redis in both deployments, since the embedded
default starts its own — so an event sent inside a worker process reaches a WebSocket
held by a web process.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

# Channels' handler name for messages of type "live.event" (dots become underscores).
EVENT_MESSAGE_TYPE = "live.event"


def user_group(user_id: int) -> str:
    """The group every WebSocket of one user joins on /ws/events/."""
    return f"user.{user_id}"


def emit(group: str, event: dict[str, Any]) -> None:
    """Send a JSON event to every WebSocket in the group (sync code: views, tasks)."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": EVENT_MESSAGE_TYPE, "event": event})
