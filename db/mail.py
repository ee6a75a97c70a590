"""The mail outbox (table `mail_message`): one row per message, written before it is sent.

The row's key is the message's `Message-ID`, which is derived from (assignment, term, kind,
occurrence, revision) only. Writing the same message again (a retried activity) therefore finds
the first row, and the sender can tell whether it already went out.

Statuses: `kept` (no SMTP server configured: the mail stays here and the UI's outbox shows it),
`pending` (written, not yet accepted by the server), `sent`, `failed` (refused for good). A message
delivered on its own (MailDelivery) keeps its bytes (`raw`) and counts its attempts; the first
failed one's time (`first_failed_at`) tells the attention list how long it has been failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db.pool import Executor

STATUSES = frozenset({"kept", "pending", "sent", "failed"})

_COLUMNS = """message_id, assignment_id, term, kind, occurrence, sender, recipients, cc, subject,
    body_text, body_html, calendar, status, error, created_at, sent_at, attempts, first_failed_at"""


@dataclass
class OutboxMessage:
    message_id: str
    assignment_id: str
    term: int
    kind: str
    sender: str
    recipients: list[str]
    subject: str
    body_text: str
    occurrence: str = ""
    cc: list[str] = field(default_factory=list)
    body_html: str | None = None
    calendar: str | None = None
    status: str = "pending"
    raw: bytes | None = None  # the message as it is sent (with its headers), when queued


async def insert_if_absent(conn: Executor, msg: OutboxMessage) -> tuple[dict[str, Any], bool]:
    """Writes the message unless a row with its Message-ID exists; returns the stored row and
    whether it is new. An existing row is returned as it is, whatever `msg` says."""
    _check_status(msg.status)
    row = await conn.fetchrow(
        f"""
        INSERT INTO mail_message (message_id, assignment_id, term, kind, occurrence, sender,
            recipients, cc, subject, body_text, body_html, calendar, status, raw)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
        ON CONFLICT (message_id) DO NOTHING
        RETURNING {_COLUMNS}
        """,
        msg.message_id,
        msg.assignment_id,
        msg.term,
        msg.kind,
        msg.occurrence,
        msg.sender,
        msg.recipients,
        msg.cc,
        msg.subject,
        msg.body_text,
        msg.body_html,
        msg.calendar,
        msg.status,
        msg.raw,
    )
    if row is not None:
        return dict(row), True
    # Rows are never deleted, so the one that won the conflict is there to be read.
    existing = await get(conn, msg.message_id)
    assert existing is not None
    return existing, False


async def mark(conn: Executor, message_id: str, status: str, error: str | None = None) -> bool:
    """Sets a message's status (and `error`; `sent_at` when it is `sent`); returns whether a row
    changed. A message that was sent stays sent: a late `pending` or `failed` changes nothing."""
    _check_status(status)
    result = await conn.execute(
        """
        UPDATE mail_message
        SET status = $2,
            error = $3,
            sent_at = CASE WHEN $2 = 'sent' THEN coalesce(sent_at, now()) ELSE sent_at END
        WHERE message_id = $1 AND (status <> 'sent' OR $2 = 'sent')
        """,
        message_id,
        status,
        error,
    )
    return result != "UPDATE 0"


async def record_failure(conn: Executor, message_id: str, error: str) -> None:
    """One more attempt that failed (the message stays pending): when the first was, the last
    error."""
    await conn.execute(
        """
        UPDATE mail_message
        SET attempts = attempts + 1, last_attempt_at = now(), error = $2,
            first_failed_at = coalesce(first_failed_at, now())
        WHERE message_id = $1 AND status = 'pending'
        """,
        message_id,
        error,
    )


async def raw_of(conn: Executor, message_id: str) -> bytes | None:
    """The bytes of a queued message, as they are sent."""
    return await conn.fetchval("SELECT raw FROM mail_message WHERE message_id = $1", message_id)


async def get(conn: Executor, message_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM mail_message WHERE message_id = $1", message_id
    )
    return dict(row) if row is not None else None


async def list_for(conn: Executor, assignment_id: str) -> list[dict[str, Any]]:
    """The messages of an assignment, oldest first, with their contents and status."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM mail_message
        WHERE assignment_id = $1
        ORDER BY created_at, message_id
        """,
        assignment_id,
    )
    return [dict(r) for r in rows]


async def list_recent(
    conn: Executor, *, limit: int = 50, status: str | None = None
) -> list[dict[str, Any]]:
    """The latest messages of all assignments, newest first (the UI's outbox), optionally only
    those with one status."""
    if status is not None:
        _check_status(status)
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS} FROM mail_message
        WHERE $2::text IS NULL OR status = $2
        ORDER BY created_at DESC, message_id DESC
        LIMIT $1
        """,
        limit,
        status,
    )
    return [dict(r) for r in rows]


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown mail status {status!r}; expected one of {sorted(STATUSES)}")
