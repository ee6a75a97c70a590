"""Composing a mail: recipients, meeting, context and template made into one `EmailMessage`.

MIME structure: multipart/alternative (text/plain, text/html); with an invitation, multipart/mixed
holding that alternative plus text/calendar (method=REQUEST, or CANCEL for a withdrawn one) inside
it and the same calendar as an `invite.ics` attachment, the layout calendar clients of all sorts
understand. The headers: From, To, Cc (when any), Reply-To (when any), Subject, Date, Message-ID
(see `identity`), `Auto-Submitted: auto-generated` and `Content-Language`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from workflows.types import Person, QueueMailInput

from .calendar import Meeting, calendar_text, meeting_for, method_of
from .config import MailConfig, MailInputError
from .context import context_for
from .identity import message_id_for
from .recipients import Recipients, recipients_for
from .rendering import Rendered, normalize_language, render, template_language


@dataclass
class ComposedMail:
    message_id: str
    language: str
    sender: str
    to: list[Person]
    cc: list[Person]
    reply_to: Person | None
    subject: str
    text: str
    html: str
    calendar: str | None
    message: EmailMessage

    @property
    def envelope_recipients(self) -> list[str]:
        return [p.email for p in self.to + self.cc]


def compose(
    input: QueueMailInput, config: MailConfig, *, now: datetime | None = None
) -> ComposedMail:
    """The whole mail for the input, without sending or storing anything.

    Raises `MailInputError` when the input cannot make a mail (e.g. a buddy introduction for an
    assignment without a buddy)."""
    a = input.assignment
    recipients = recipients_for(input, config)
    if not recipients.to:
        raise MailInputError(f"{input.kind} has no recipient for assignment {a.assignment_id}")
    meeting = meeting_for(input, config)
    language = template_language(input.kind, normalize_language(a.language))
    rendered = render(input.kind, context_for(input, config, meeting, language), language)
    calendar = _calendar(input, meeting, rendered)
    message_id = message_id_for(
        assignment_id=a.assignment_id,
        term=input.term,
        kind=input.kind,
        occurrence=input.occurrence,
        revision=input.revision,
        sender=config.sender,
    )
    message = _email(
        config=config,
        recipients=recipients,
        message_id=message_id,
        rendered=rendered,
        calendar=calendar,
        method=method_of(meeting) if meeting is not None else "REQUEST",
        now=now or datetime.now(UTC),
    )
    return ComposedMail(
        message_id=message_id,
        language=rendered.language,
        sender=config.sender,
        to=recipients.to,
        cc=recipients.cc,
        reply_to=recipients.reply_to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        calendar=calendar,
        message=message,
    )


def _calendar(input: QueueMailInput, meeting: Meeting | None, rendered: Rendered) -> str | None:
    """The invitation's calendar, its summary and description from the template's blocks."""
    if meeting is None:
        return None
    return calendar_text(
        meeting,
        summary=rendered.event_summary or rendered.subject,
        description=rendered.event_description,
        stamp=input.at,
        sequence=input.revision,
    )


def _address(person: Person) -> Address:
    try:
        return Address(display_name=person.name, addr_spec=person.email)
    except (ValueError, IndexError):
        raise MailInputError(f"not a usable mail address: {person.email!r}") from None


def _email(
    *,
    config: MailConfig,
    recipients: Recipients,
    message_id: str,
    rendered: Rendered,
    calendar: str | None,
    method: str,
    now: datetime,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = [_address(p) for p in recipients.to]
    if recipients.cc:
        msg["Cc"] = [_address(p) for p in recipients.cc]
    if recipients.reply_to is not None:
        msg["Reply-To"] = formataddr((recipients.reply_to.name, recipients.reply_to.email))
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    if calendar is not None:
        msg.add_alternative(calendar, subtype="calendar", params={"method": method})
        msg.add_attachment(
            calendar.encode(), maintype="application", subtype="ics", filename="invite.ics"
        )
    # Last: building the body moves or drops the top level's Content-* headers.
    msg["Content-Language"] = rendered.language
    return msg
