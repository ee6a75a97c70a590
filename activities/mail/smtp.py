"""SMTP: where the mail server is (its URL), handing it a message, and which refusals are final.

A 5xx refusal of the message, or of every one of its recipients, is permanent: sending again
would be refused again. Anything else (connection, timeout, 4xx, the login, the greeting) is
about the server or the session, not this message, and is worth retrying.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

_SCHEMES = {  # scheme: (default port, implicit TLS, STARTTLS)
    "smtp": (25, False, False),
    "smtp+starttls": (587, False, True),
    "smtps": (465, True, False),
}


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    use_tls: bool
    start_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://host:port` (plain), `smtp+starttls://host:port` (STARTTLS, required) or
    `smtps://host:port` (implicit TLS); `user:password@` before the host when the server wants a
    login (percent-encoded)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"SMTP URL scheme must be one of {', '.join(_SCHEMES)}, not {scheme!r}")
    default_port, use_tls, start_tls = _SCHEMES[scheme]
    if not parts.hostname:
        raise ValueError("the SMTP URL names no host")
    port = parts.port or default_port  # raises ValueError for a bad port
    return SmtpTarget(
        hostname=parts.hostname,
        port=port,
        use_tls=use_tls,
        start_tls=start_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


async def deliver(
    target: SmtpTarget,
    message: EmailMessage | bytes,
    *,
    sender: str,
    recipients: list[str],
    timeout_s: float,
) -> dict[str, aiosmtplib.SMTPResponse]:
    """Hands the message to the server; the recipients it refused (the others accepted it)."""
    refused, _ = await aiosmtplib.send(
        message,
        sender=sender,
        recipients=recipients,
        hostname=target.hostname,
        port=target.port,
        username=target.username,
        password=target.password,
        use_tls=target.use_tls,
        start_tls=target.start_tls,
        timeout=timeout_s,
    )
    return refused


# Session-level failures: about the server or our login, not this message; retried.
_SESSION_ERRORS = (
    aiosmtplib.SMTPAuthenticationError,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPHeloError,
)


def permanent_rejection(error: Exception) -> str | None:
    """The reason when the server refused this message for good (a 5xx), else None."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refused = error.recipients
        if refused and all(r.code >= 500 for r in refused):
            return "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in refused)
        return None
    if isinstance(error, _SESSION_ERRORS):
        return None
    if isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 500:
        return f"{error.code} {error.message}"
    return None
