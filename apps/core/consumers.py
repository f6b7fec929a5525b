"""WebSocket consumers. Every live stream requires an authenticated user."""

from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.core.events import user_group

# Close codes (4000-4999 are free for applications).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


class LiveEventsConsumer(AsyncJsonWebsocketConsumer):
    """Base for live streams: refuses anonymous sockets, joins ``self.stream_groups()``."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        # Something the user may not see does not exist, for a socket as for the API.
        if not await self.allowed():
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.joined = await self.stream_groups()
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        snapshot = await self.snapshot()
        if snapshot is not None:
            await self.send_json(snapshot)

    async def allowed(self) -> bool:
        return True

    async def snapshot(self) -> dict | None:
        """What a late subscriber needs to catch up, sent right after the handshake."""
        return None

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def stream_groups(self) -> list[str]:
        raise NotImplementedError

    async def receive_json(self, content, **kwargs) -> None:
        # The streams are one-way; a ping gets a pong so clients can check the socket.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def live_event(self, message: dict) -> None:
        event = message["event"]
        # Producers batch events (a chain of quick steps is one message); clients get one frame each.
        for item in event["events"] if event.get("type") == "batch" else [event]:
            await self.send_json(item)


class UserEventsConsumer(LiveEventsConsumer):
    """/ws/events/: events addressed to the signed-in user."""

    async def stream_groups(self) -> list[str]:
        return [user_group(self.scope["user"].pk)]
