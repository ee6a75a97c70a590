"""MailDelivery: one message of the outbox carried to the SMTP server, until it is accepted.

The `queue_mail` activity composes the message, writes it to the outbox (`db.mail`, with the
bytes it is sent as) and starts this workflow for it, under an id made from its Message-ID, so a
retried queue_mail starts nothing twice and the AssignmentWorkflow never waits for a mail server.
The delivery is one activity, `deliver_mail`, retried like a notification's delivery (1 s doubling
up to 10 minutes between tries, for up to 7 days; then the message stays in the outbox, failing,
and the attention list shows it). It returns `sent`, `kept` (no SMTP server is configured any
more), or `failed` when the server refused the message for good (the row and the timeline say so).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.notification import DELIVERY_RETRY
    from workflows.types import DELIVER_MAIL


def mail_delivery_id(message_id: str) -> str:
    """The one delivery workflow of a message."""
    return f"mail-{message_id.strip('<>')}"


@workflow.defn
class MailDelivery:
    @workflow.run
    async def run(self, message_id: str) -> str:
        return await workflow.execute_activity(
            DELIVER_MAIL,
            message_id,
            result_type=str,
            start_to_close_timeout=timedelta(minutes=1),
            schedule_to_close_timeout=timedelta(days=7),
            retry_policy=DELIVERY_RETRY,
        )
