"""``/ws/reviews/``: the live inbox — task events for the tasks the user may decide."""

from __future__ import annotations

from channels.db import database_sync_to_async

from apps.core.consumers import LiveEventsConsumer
from apps.reviews import events


def _groups(user_id: int) -> list[str]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_id)  # as it is now (teams and rights change)
    groups = [events.user_group(user.pk), *(events.team_group(pk) for pk in user.groups.values_list("pk", flat=True))]
    if user.is_superuser or user.has_perm("reviews.decide_reviewtask"):
        groups.append(events.EVERYTHING)
    return groups


class ReviewEventsConsumer(LiveEventsConsumer):
    async def stream_groups(self) -> list[str]:
        return await database_sync_to_async(_groups)(self.scope["user"].pk)

    async def live_event(self, message: dict) -> None:
        if message["event"].get("type") != events.TEAMS_CHANGED:
            await super().live_event(message)
            return
        # The user joined or left a team: follow the groups as they are now, and have the
        # inbox load again (what the user may decide has changed).
        now = await self.stream_groups()
        for group in set(now) - set(self.joined):
            await self.channel_layer.group_add(group, self.channel_name)
        for group in set(self.joined) - set(now):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = now
        await self.send_json({"type": "reviews.refresh"})
