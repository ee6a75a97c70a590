"""The `send_mail` activity: each mail reserved in the outbox, then sent once, then marked.

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

from email.utils import parseaddr
from typing import Any

import aiosmtplib
import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.errors import INVALID_INPUT, PROVIDER_REJECTED
from db import feedback
from db import mail as outbox
from workflows.types import SEND_MAIL, MailKind, SendMailInput, SendMailResult

from .config import MailConfig, MailInputError
from .message import ComposedMail, compose
from .smtp import SmtpTarget, deliver, parse_smtp_url, permanent_rejection


class MailActivities:
    """Sends the lifecycle's mail (or keeps it in the outbox when no SMTP server is configured)."""

    def __init__(self, pool: asyncpg.Pool, config: MailConfig) -> None:
        if not config.signing_key:
            raise ValueError("MailConfig.signing_key is empty")
        if not parseaddr(config.sender)[1]:
            raise ValueError(f"MailConfig.sender is not an address: {config.sender!r}")
        self.pool = pool
        self.config = config
        self.smtp = parse_smtp_url(config.smtp_url) if config.smtp_url else None

    @activity.defn(name=SEND_MAIL)
    async def send_mail(self, input: SendMailInput) -> SendMailResult:
        a = input.state.assignment
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
        self, input: SendMailInput, mail: ComposedMail
    ) -> tuple[dict[str, Any], bool]:
        """The mail's outbox row, written unless it exists, and whether it is new."""
        return await outbox.insert_if_absent(
            self.pool,
            outbox.OutboxMessage(
                message_id=mail.message_id,
                assignment_id=input.state.assignment.assignment_id,
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


def _compose(input: SendMailInput, config: MailConfig) -> ComposedMail:
    """The mail, or a non-retryable `InvalidInput` when the input cannot make one."""
    try:
        return compose(input, config)
    except MailInputError as e:
        raise ApplicationError(str(e), type=INVALID_INPUT, non_retryable=True) from None
