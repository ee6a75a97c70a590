"""NotificationDelivery: one lifecycle event carried to LIFECYCLE_NOTIFY_URL, until accepted.

The `publish` activity writes the event to the outbox and starts this workflow for it, under an
id made from the event id, so a retried publish starts nothing twice and the AssignmentWorkflow
never waits for a receiver. The delivery itself is one activity, `deliver_notification` (called by
its name in workflows.types, like the assignment's activities), retried by Temporal with
exponential backoff (1 s doubling up to 10 minutes between tries) for up to 7 days. It returns
`delivered`, or `gone` when the receiver answered 410 (nothing more is sent), or `skipped` when no
receiver is configured any more.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.types import DELIVER_NOTIFICATION

# The ApplicationError type of an event that can never be delivered (no longer in the outbox).
GONE = "Gone"

DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    non_retryable_error_types=[GONE],
)


def delivery_workflow_id(event_id: str) -> str:
    """The one delivery workflow of an event."""
    return f"notification-{event_id}"


@workflow.defn
class NotificationDelivery:
    @workflow.run
    async def run(self, event_id: str) -> str:
        return await workflow.execute_activity(
            DELIVER_NOTIFICATION,
            event_id,
            result_type=str,
            start_to_close_timeout=timedelta(seconds=30),
            schedule_to_close_timeout=timedelta(days=7),
            retry_policy=DELIVERY_RETRY,
        )
