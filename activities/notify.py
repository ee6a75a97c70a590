"""Lifecycle events for the outside world (contract section 5, Notifications).

`publish` writes the event to the notification outbox (`db.notifications`), in the shape it is
sent (a CloudEvent, structured mode), once per event id. With LIFECYCLE_NOTIFY_URL unset that is
all: the events are kept with status `skipped`. With it set, `publish` also starts the event's
`NotificationDelivery` workflow (`workflows.notification`), so a slow or failing receiver never
holds up an assignment. That start is idempotent: a second start of a running delivery finds it
(`USE_EXISTING`), one of a delivery that completed is refused and ignored.

`deliver_notification` POSTs the stored event to LIFECYCLE_NOTIFY_URL
(`Content-Type: application/cloudevents+json`) signed per Standard Webhooks: `webhook-id` is the
event id (the same on every retry, so the receiver can drop a repeat), `webhook-timestamp` the
time of the attempt, `webhook-signature` the `v1,` HMAC-SHA256 of `{id}.{timestamp}.{body}`. A 2xx
marks the event `delivered`; a 410 marks it `gone`, is logged, and ends the delivery without a
failure; any other answer, a timeout or a connection error is recorded on the row and raised, for
Temporal's retry policy to try again with backoff. Every attempt counts in the row's `attempts`.

LIFECYCLE_NOTIFY_SECRET
    A Standard Webhooks secret, `whsec_` followed by the base64 of the key, is used as it is.
    Any other value is taken as the key itself (its UTF-8 bytes), so the receiver verifies with
    `whsec_` + base64(secret), which `signing_secret()` computes. The secret is never logged.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from db import notifications
from workflows.notification import GONE, NotificationDelivery, delivery_workflow_id
from workflows.types import DELIVER_NOTIFICATION, PUBLISH, PublishInput

CONTENT_TYPE = "application/cloudevents+json"
# The ApplicationError type of an attempt the receiver refused (retried).
DELIVERY_REFUSED = "DeliveryRefused"
WHSEC_PREFIX = "whsec_"


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


def signing_secret(secret: str) -> str:
    """The Standard Webhooks form (`whsec_...`) of LIFECYCLE_NOTIFY_SECRET, as a receiver needs
    it: a `whsec_` secret as it is, any other value as the base64 of its UTF-8 bytes."""
    if secret.startswith(WHSEC_PREFIX):
        return secret
    return WHSEC_PREFIX + base64.b64encode(secret.encode("utf-8")).decode("ascii")


def signed_request(webhook: Webhook, event_id: str, body: str, now: datetime) -> dict[str, str]:
    """The headers of one delivery attempt of `body` (the event's JSON) at `now`."""
    now = now.astimezone(UTC).replace(microsecond=0)
    return {
        "content-type": CONTENT_TYPE,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": webhook.sign(msg_id=event_id, timestamp=now, data=body),
    }


class NotifyActivities:
    """`publish` and `deliver_notification`; with `enabled` the client, task queue, url and
    secret are required (the delivery workflow runs on `task_queue`)."""

    def __init__(
        self,
        pool: Any,
        *,
        enabled: bool,
        client: Client | None = None,
        task_queue: str | None = None,
        url: str | None = None,
        secret: str | None = None,
        timeout_s: float = 10,
    ) -> None:
        if enabled and (client is None or not task_queue):
            raise ValueError("notifications need the Temporal client and task queue")
        if enabled and not url:
            raise ValueError("notifications need LIFECYCLE_NOTIFY_URL")
        if url and not secret:
            raise ValueError("LIFECYCLE_NOTIFY_URL is set but LIFECYCLE_NOTIFY_SECRET is not")
        self._pool = pool
        self._enabled = enabled
        self._client = client
        self._task_queue = task_queue
        self._url = url
        self._webhook = Webhook(signing_secret(secret)) if secret else None
        self._timeout_s = timeout_s

    @activity.defn(name=PUBLISH)
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
        if self._enabled:
            await self._start_delivery(input.event_id)

    async def _start_delivery(self, event_id: str) -> None:
        assert self._client is not None and self._task_queue is not None
        try:
            await self._client.start_workflow(
                NotificationDelivery.run,
                event_id,
                id=delivery_workflow_id(event_id),
                task_queue=self._task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                # A delivery that completed is not started again; one that failed (its 7 days
                # ran out, or it was terminated) is, when the event is published again.
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            )
        except WorkflowAlreadyStartedError:
            activity.logger.info("notification delivery already done", extra={"event_id": event_id})

    @activity.defn(name=DELIVER_NOTIFICATION)
    async def deliver_notification(self, event_id: str) -> str:
        """One attempt to deliver the event; returns `delivered`, `gone` or `skipped`, and
        raises, for Temporal to retry, while the receiver has not accepted it."""
        row = await notifications.get(self._pool, event_id)
        if row is None:
            raise ApplicationError(
                f"notification {event_id} is not in the outbox", type=GONE, non_retryable=True
            )
        log = {"assignment_id": row["assignment_id"], "event_id": event_id, "type": row["type"]}
        if row["status"] in notifications.FINAL:
            activity.logger.info("notification already %s", row["status"], extra=log)
            return str(row["status"])
        if self._url is None or self._webhook is None:
            await notifications.mark(self._pool, event_id, "skipped")
            activity.logger.info("notification kept: no LIFECYCLE_NOTIFY_URL", extra=log)
            return "skipped"

        body = json.dumps(row["payload"], separators=(",", ":"), ensure_ascii=False)
        headers = signed_request(self._webhook, event_id, body, datetime.now(UTC))
        try:
            async with httpx.AsyncClient(timeout=self._timeout_s) as http:
                response = await http.post(self._url, content=body.encode("utf-8"), headers=headers)
        except httpx.HTTPError as e:
            error = f"{type(e).__name__}: {e}"[:500]
            await notifications.record_attempt(
                self._pool, event_id, "pending", http_status=None, error=error
            )
            activity.logger.warning("notification not delivered, will retry: %s", error, extra=log)
            raise

        code = response.status_code
        if response.is_success:
            await notifications.record_attempt(self._pool, event_id, "delivered", http_status=code)
            activity.logger.info("notification delivered (%d)", code, extra=log)
            return "delivered"
        if code == httpx.codes.GONE:
            await notifications.record_attempt(
                self._pool, event_id, "gone", http_status=code, error="410 Gone"
            )
            activity.logger.warning(
                "notification receiver answered 410 Gone: not sending it again", extra=log
            )
            return "gone"
        error = f"{code} {response.reason_phrase}".strip()
        await notifications.record_attempt(
            self._pool, event_id, "pending", http_status=code, error=error
        )
        activity.logger.warning("notification refused (%s), will retry", error, extra=log)
        raise ApplicationError(f"the receiver answered {error}", type=DELIVERY_REFUSED)
