"""``/ws/runs/{id}/``: the live events of one run, for those who may see it."""

from __future__ import annotations

from channels.db import database_sync_to_async

from apps.core.consumers import LiveEventsConsumer
from apps.engine import selectors
from apps.engine.events import run_group

CLOSE_NOT_FOUND = 4404


class RunEventsConsumer(LiveEventsConsumer):
    async def stream_groups(self) -> list[str]:
        return [run_group(str(self.scope["url_route"]["kwargs"]["run_id"]))]

    async def allowed(self) -> bool:
        run_id = self.scope["url_route"]["kwargs"]["run_id"]
        return await database_sync_to_async(selectors.run_visible)(user=self.scope["user"], run_id=run_id)

    async def snapshot(self) -> dict | None:
        return await database_sync_to_async(_snapshot)(self.scope["user"], self.scope["url_route"]["kwargs"]["run_id"])


def _snapshot(user, run_id) -> dict:
    run = selectors.run_detail(user=user, run_id=run_id)
    return {
        "type": "run.snapshot",
        "run": str(run.id),
        "status": run.status,
        "steps": [{"node_id": s.node_id, "status": s.status, "attempts": s.attempts} for s in run.steps.all()],
    }
