"""Lifecycle events for the outside world (contract section 5, Notifications).

The activity only writes the event to the notification outbox, in the same shape it will be
sent (a CloudEvent), so that a slow or failing receiver never holds up an assignment; delivery
with retries and signatures reads that outbox. With LIFECYCLE_NOTIFY_URL unset nothing is sent
and the events are kept with status `skipped`.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity

from db import notifications
from workflows.types import PublishInput


def cloud_event(input: PublishInput) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": input.event_id,
        "source": "assignment-lifecycle",
        "type": input.type,
        "subject": input.assignment_id,
        "time": input.at.isoformat(),
        "datacontenttype": "application/json",
        "data": {"assignment_id": input.assignment_id, **input.data},
    }


class NotifyActivities:
    def __init__(self, pool: Any, *, enabled: bool) -> None:
        self._pool = pool
        self._enabled = enabled

    @activity.defn
    async def publish(self, input: PublishInput) -> None:
        status = "pending" if self._enabled else "skipped"
        async with self._pool.acquire() as conn:
            new = await notifications.insert_if_absent(
                conn, input.event_id, input.type, input.assignment_id, cloud_event(input), status
            )
        activity.logger.info(
            "notification queued" if new else "notification already queued",
            extra={"assignment_id": input.assignment_id, "type": input.type, "status": status},
        )
