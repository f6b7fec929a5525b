"""``/ws/reviews/``: the live inbox — task events for the tasks the user may decide."""

from __future__ import annotations

from channels.db import database_sync_to_async

from apps.core.consumers import LiveEventsConsumer
from apps.reviews import events


def _groups(user) -> list[str]:
    groups = [events.user_group(user.pk), *(events.team_group(pk) for pk in user.groups.values_list("pk", flat=True))]
    if user.is_superuser or user.has_perm("reviews.decide_reviewtask"):
        groups.append(events.EVERYTHING)
    return groups


class ReviewEventsConsumer(LiveEventsConsumer):
    async def stream_groups(self) -> list[str]:
        return await database_sync_to_async(_groups)(self.scope["user"])
