"""Mail to the people around an assignment: the `send_mail` activity and everything it composes.

Each message is written to the outbox (`db.mail`) before it is sent, under a Message-ID derived
from the message's identity only, so a retried activity never sends the same mail twice. Each
rule sits in the docstring of the module that implements it:

    identity     the Message-ID and the calendar UID
    recipients   who gets what: to, cc, Reply-To
    calendar     the meetings of invitations and their text/calendar part
    dates        dates, times and recurrences in words, in the assignment's timezone
    rendering    the templates, their blocks in the mail's language, the HTML alternative
    context      what the templates see: the shared part and what each kind adds
    message      the composed mail and its MIME structure
    smtp         the SMTP URL, sending, permanent and temporary refusals
    activity     `MailActivities.send_mail`: the outbox, retries, marking
    config       `MailConfig`, and `MailInputError` for an input that cannot make a mail
"""

from .activity import MailActivities
from .calendar import INVITATIONS, Meeting, calendar_text, meeting_for
from .config import MailConfig, MailInputError
from .context import context_for, feedback_token, first_name
from .dates import describe_recurrence, format_date, format_time
from .identity import calendar_uid, message_id_for, sender_domain
from .message import ComposedMail, compose
from .recipients import Recipients, hr_person, recipients_for
from .rendering import (
    TEMPLATES,
    Rendered,
    normalize_language,
    render,
    template_keys,
    template_name,
    text_to_blocks,
)
from .smtp import SmtpTarget, parse_smtp_url

__all__ = [
    "INVITATIONS",
    "TEMPLATES",
    "ComposedMail",
    "MailActivities",
    "MailConfig",
    "MailInputError",
    "Meeting",
    "Recipients",
    "Rendered",
    "SmtpTarget",
    "calendar_text",
    "calendar_uid",
    "compose",
    "context_for",
    "describe_recurrence",
    "feedback_token",
    "first_name",
    "format_date",
    "format_time",
    "hr_person",
    "meeting_for",
    "message_id_for",
    "normalize_language",
    "parse_smtp_url",
    "recipients_for",
    "render",
    "sender_domain",
    "template_keys",
    "template_name",
    "text_to_blocks",
]
