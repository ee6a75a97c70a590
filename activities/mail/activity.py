"""The mail activities: `queue_mail` and `deliver_mail` (runs with independent effects), and
`send_mail` (the runs before them).

`queue_mail` composes the mail and writes it to the outbox with the bytes it is sent as, then
starts its MailDelivery workflow (workflows/delivery.py), idempotently by Message-ID: it touches
PostgreSQL and Temporal only, so an SMTP server that is down holds up nothing. `deliver_mail`
then sends the stored bytes, under the rules below, and counts each failed attempt on the row
(the attention list reads `first_failed_at`); a permanent refusal also goes on the timeline.
`send_mail` composes, reserves and sends in one activity, as runs before independent effects do.

Outbox and retries: the row is written (`pending`, or `kept` without SMTP) before anything is
sent, under the mail's Message-ID (see `identity`). A row already `sent` (or `kept`, while there
is still no SMTP server) is the answer to a repeated call, and nothing is sent. A `pending` row
(an attempt that failed or died mid-way) or a `failed` one (the activity run again, e.g. after a
reset) is sent again under the same Message-ID. A permanent refusal (see `smtp`) marks the row
`failed` and raises a non-retryable `ProviderRejected`; anything else keeps the row `pending` with
the error and raises, for Temporal to retry. An exit-feedback reminder whose answers are already
stored is skipped. Bodies and tokens are never logged.
"""

from __future__ import annotations

from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from typing import Any

import aiosmtplib
import asyncpg
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from activities.metrics import MAIL_ATTEMPTS_FAILED, MAILS
from core.errors import INVALID_INPUT, PROVIDER_REJECTED
from db import feedback, timeline
from db import mail as outbox
from workflows.delivery import MailDelivery, mail_delivery_id
from workflows.types import (
    DELIVER_MAIL,
    QUEUE_MAIL,
    SEND_MAIL,
    MailKind,
    QueueMailInput,
    SendMailInput,
    SendMailResult,
    TimelineEntry,
)

from .config import MailConfig, MailInputError
from .message import ComposedMail, compose
from .smtp import SmtpTarget, deliver, parse_smtp_url, permanent_rejection


class MailActivities:
    """Sends the lifecycle's mail (or keeps it in the outbox when no SMTP server is configured)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        config: MailConfig,
        *,
        client: Client | None = None,
        task_queue: str | None = None,
    ) -> None:
        if not config.signing_key:
            raise ValueError("MailConfig.signing_key is empty")
        if not parseaddr(config.sender)[1]:
            raise ValueError(f"MailConfig.sender is not an address: {config.sender!r}")
        self.pool = pool
        self.config = config
        self.smtp = parse_smtp_url(config.smtp_url) if config.smtp_url else None
        self._client, self._task_queue = client, task_queue

    # ------------------------------------------------------------ independent effects

    @activity.defn(name=QUEUE_MAIL)
    async def queue_mail(self, input: QueueMailInput) -> SendMailResult:
        """Composes the mail into the outbox and starts its delivery; never talks to SMTP."""
        a = input.assignment
        log = {"assignment_id": a.assignment_id, "kind": str(input.kind), "term": input.term}
        mail = _compose(input, self.config)
        if input.kind is MailKind.FEEDBACK_REMINDER and await feedback.get(
            self.pool, a.assignment_id
        ):
            activity.logger.info("feedback already given: no reminder", extra=log)
            return SendMailResult(message_id=mail.message_id, recipients=[], status="skipped")
        row, new = await self._reserve(input, mail, raw=mail.message.as_bytes(policy=SMTP_POLICY))
        if row["status"] == "pending":
            await self._start_delivery(mail.message_id)
        elif new and row["status"] == "kept":  # no SMTP server: kept in the outbox, and done
            MAILS.labels(str(input.kind), "kept").inc()
        recipients = list(row["recipients"]) + list(row["cc"])
        return SendMailResult(
            message_id=mail.message_id, recipients=recipients, status=row["status"]
        )

    async def _start_delivery(self, message_id: str) -> None:
        if self._client is None or self._task_queue is None:
            raise RuntimeError("queue_mail needs a Temporal client to start the delivery")
        try:
            await self._client.start_workflow(
                MailDelivery.run,
                message_id,
                id=mail_delivery_id(message_id),
                task_queue=self._task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                # A delivery that ended is not started again, unless it failed (its 7 days ran
                # out, or it was terminated) and the mail is queued again.
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            )
        except WorkflowAlreadyStartedError:
            activity.logger.info("mail delivery already done", extra={"message_id": message_id})

    @activity.defn(name=DELIVER_MAIL)
    async def deliver_mail(self, message_id: str) -> str:
        """One attempt to send a queued message; `sent`, `kept` or `failed` (refused for good),
        and raises, for Temporal to retry, while the server has not accepted it."""
        row = await outbox.get(self.pool, message_id)
        if row is None:
            raise ApplicationError(f"no message {message_id} in the outbox", non_retryable=True)
        if row["status"] in ("sent", "failed"):
            return str(row["status"])
        if self.smtp is None:
            await outbox.mark(self.pool, message_id, "kept")
            MAILS.labels(row["kind"], "kept").inc()
            return "kept"
        raw = await outbox.raw_of(self.pool, message_id)
        assert raw is not None, "a queued message keeps its bytes"
        log = {"assignment_id": row["assignment_id"], "kind": row["kind"], "message_id": message_id}
        recipients = list(row["recipients"]) + list(row["cc"])
        try:
            refused = await deliver(
                self.smtp,
                raw,
                sender=parseaddr(self.config.sender)[1],
                recipients=recipients,
                timeout_s=self.config.timeout_s,
            )
        except Exception as e:
            reason = permanent_rejection(e)
            if reason is None:
                await outbox.record_failure(self.pool, message_id, f"retrying: {e!r}"[:1000])
                MAIL_ATTEMPTS_FAILED.labels(row["kind"]).inc()
                activity.logger.warning("mail not sent, will retry: %r", e, extra=log)
                raise
            await self._refused_for_good(row, reason)
            MAILS.labels(row["kind"], "refused").inc()
            return "failed"
        await self._mark_delivered(message_id, recipients, refused, log)
        MAILS.labels(row["kind"], "sent").inc()
        return "sent"

    async def _refused_for_good(self, row: dict[str, Any], reason: str) -> None:
        await outbox.mark(self.pool, row["message_id"], "failed", reason[:1000])
        activity.logger.error(
            "mail refused by the server: %s",
            reason,
            extra={"assignment_id": row["assignment_id"], "kind": row["kind"]},
        )
        entry = TimelineEntry(
            key=f"{row['term']}:mail-failed:{row['kind']}:{row['occurrence']}",
            at=activity.info().current_attempt_scheduled_time,
            kind="mail-failed",
            summary=f"Mail {row['kind']} not delivered: {reason}",
        )
        async with self.pool.acquire() as conn, conn.transaction():
            await timeline.append(conn, row["assignment_id"], [entry])

    async def _mark_delivered(
        self,
        message_id: str,
        recipients: list[str],
        refused: dict[str, aiosmtplib.SMTPResponse],
        log: dict[str, Any],
    ) -> None:
        error = None
        if refused:  # some recipients refused, the others accepted: sent, with a note
            error = "; ".join(f"{who}: {r.code} {r.message}" for who, r in refused.items())
            activity.logger.warning("mail partly refused: %s", error, extra=log)
        await outbox.mark(self.pool, message_id, "sent", error)
        activity.logger.info("mail sent", extra=log)

    # ----------------------------------------------------- the runs before them

    @activity.defn(name=SEND_MAIL)
    async def send_mail(self, input: SendMailInput) -> SendMailResult:
        return await self._send_now(input.slim())

    async def _send_now(self, input: QueueMailInput) -> SendMailResult:
        a = input.assignment
        log: dict[str, Any] = {
            "assignment_id": a.assignment_id,
            "kind": str(input.kind),
            "term": input.term,
        }
        mail = _compose(input, self.config)
        log["message_id"] = mail.message_id
        if input.kind is MailKind.FEEDBACK_REMINDER and await feedback.get(
            self.pool, a.assignment_id
        ):
            # The answers came in, but the workflow was not told (Temporal was out of reach).
            activity.logger.info("feedback already given: no reminder", extra=log)
            return SendMailResult(message_id=mail.message_id, recipients=[], status="skipped")

        row, new = await self._reserve(input, mail)
        recipients = list(row["recipients"]) + list(row["cc"])
        if row["status"] == "sent" or (self.smtp is None and row["status"] == "kept"):
            activity.logger.info("mail already %s", row["status"], extra=log)
            return SendMailResult(
                message_id=mail.message_id, recipients=recipients, status=row["status"]
            )
        if self.smtp is None:
            # Kept from now on: the row was written while SMTP was configured, and it is not now.
            await outbox.mark(self.pool, mail.message_id, "kept")
            return SendMailResult(message_id=mail.message_id, recipients=recipients, status="kept")
        if not new:
            activity.logger.info("mail was not confirmed sent; sending again", extra=log)

        refused = await self._send(self.smtp, mail, log)
        return await self._mark_sent(mail, refused, log)

    async def _reserve(
        self, input: QueueMailInput, mail: ComposedMail, *, raw: bytes | None = None
    ) -> tuple[dict[str, Any], bool]:
        """The mail's outbox row, written unless it exists, and whether it is new."""
        return await outbox.insert_if_absent(
            self.pool,
            outbox.OutboxMessage(
                message_id=mail.message_id,
                assignment_id=input.assignment.assignment_id,
                term=input.term,
                kind=str(input.kind),
                occurrence=input.occurrence,
                sender=mail.sender,
                recipients=[p.email for p in mail.to],
                cc=[p.email for p in mail.cc],
                subject=mail.subject,
                body_text=mail.text,
                body_html=mail.html,
                calendar=mail.calendar,
                status="pending" if self.smtp else "kept",
                raw=raw,
            ),
        )

    async def _send(
        self, smtp: SmtpTarget, mail: ComposedMail, log: dict[str, Any]
    ) -> dict[str, aiosmtplib.SMTPResponse]:
        """Hands the mail to the server; on failure, marks the row and raises (see the module)."""
        try:
            return await deliver(
                smtp,
                mail.message,
                sender=parseaddr(self.config.sender)[1],
                recipients=mail.envelope_recipients,
                timeout_s=self.config.timeout_s,
            )
        except Exception as e:
            reason = permanent_rejection(e)
            if reason is None:
                await outbox.mark(self.pool, mail.message_id, "pending", f"retrying: {e!r}"[:1000])
                activity.logger.warning("mail not sent, will retry: %r", e, extra=log)
                raise
            await outbox.mark(self.pool, mail.message_id, "failed", reason[:1000])
            activity.logger.error("mail refused by the server: %s", reason, extra=log)
            raise ApplicationError(
                f"the mail server refused {mail.message_id}: {reason}",
                type=PROVIDER_REJECTED,
                non_retryable=True,
            ) from None

    async def _mark_sent(
        self,
        mail: ComposedMail,
        refused: dict[str, aiosmtplib.SMTPResponse],
        log: dict[str, Any],
    ) -> SendMailResult:
        """Marks the row sent, noting the recipients refused while the others accepted."""
        error = None
        if refused:  # some recipients refused, the others accepted: sent, with a note
            error = "; ".join(f"{who}: {r.code} {r.message}" for who, r in refused.items())
            activity.logger.warning("mail partly refused: %s", error, extra=log)
        await outbox.mark(self.pool, mail.message_id, "sent", error)
        activity.logger.info("mail sent", extra=log)
        accepted = [r for r in mail.envelope_recipients if r not in refused]
        return SendMailResult(message_id=mail.message_id, recipients=accepted, status="sent")


def _compose(input: QueueMailInput, config: MailConfig) -> ComposedMail:
    """The mail, or a non-retryable `InvalidInput` when the input cannot make one."""
    try:
        return compose(input, config)
    except MailInputError as e:
        raise ApplicationError(str(e), type=INVALID_INPUT, non_retryable=True) from None
