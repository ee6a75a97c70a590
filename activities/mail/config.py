"""What the mail activity is given, and the one error of an input that cannot make a mail.

Every step (recipients, meetings, context, message) reads the configuration, so it lives here
rather than next to the activity, which imports all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MailConfig:
    sender: str  # the From address, "lifecycle@example.org" or "Name <lifecycle@example.org>"
    public_url: str  # base of links in mails
    signing_key: str  # signs the exit-feedback links
    smtp_url: str | None = None  # None: mail is kept in the outbox, not sent
    hr_email: str | None = None  # escalations when the assignment names no HR contact
    admin_emails: list[str] = field(default_factory=list)  # holds, access open after an end
    timeout_s: float = 30


class MailInputError(ValueError):
    """The input cannot make a mail (no recipient, an unknown team event, a bad RRULE...)."""
