"""The notification outbox: lifecycle events waiting to be delivered to LIFECYCLE_NOTIFY_URL.

A row's `status`: `skipped` (kept only, no receiver configured), `pending` (not accepted yet),
`delivered` (a 2xx; `delivered_at` set) or `gone` (the receiver answered 410). Every attempt
counts in `attempts` and leaves what the receiver answered in `last_status` (the HTTP status, or
NULL when none came), `last_error` and `last_attempt_at`.
"""

from __future__ import annotations

from typing import Any

from db.pool import Executor

# The statuses after which nothing is sent any more.
FINAL = ("delivered", "gone")


async def insert_if_absent(
    conn: Executor,
    event_id: str,
    type_: str,
    assignment_id: str,
    payload: dict[str, Any],
    status: str,
) -> bool:
    """Stores the event once; a repeated event id (a retried activity) adds nothing."""
    inserted = await conn.fetchval(
        """
        INSERT INTO notification (event_id, type, assignment_id, payload, status)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (event_id) DO NOTHING
        RETURNING true
        """,
        event_id,
        type_,
        assignment_id,
        payload,
        status,
    )
    return bool(inserted)


async def get(conn: Executor, event_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT event_id, type, assignment_id, payload, status, attempts, last_status,"
        " last_error, last_attempt_at, created_at, delivered_at"
        " FROM notification WHERE event_id = $1",
        event_id,
    )
    return dict(row) if row is not None else None


async def record_attempt(
    conn: Executor,
    event_id: str,
    status: str,
    *,
    http_status: int | None,
    error: str | None = None,
) -> str | None:
    """Counts one attempt and sets the row's status (`delivered`, `gone` or `pending`).

    A row already delivered or gone keeps that status (an attempt cannot undo an acceptance);
    the status the row has afterwards is returned (None: no such event).
    """
    return await conn.fetchval(
        """
        UPDATE notification
        SET attempts = attempts + 1,
            last_status = $3,
            last_error = $4,
            last_attempt_at = now(),
            status = CASE WHEN status = ANY($5::text[]) THEN status ELSE $2 END,
            delivered_at = CASE
                WHEN delivered_at IS NULL AND $2 = 'delivered' AND NOT status = ANY($5::text[])
                THEN now() ELSE delivered_at END
        WHERE event_id = $1
        RETURNING status
        """,
        event_id,
        status,
        http_status,
        error,
        list(FINAL),
    )


async def mark(conn: Executor, event_id: str, status: str) -> None:
    """Sets the status without an attempt (e.g. `skipped` when no receiver is configured)."""
    await conn.execute(
        "UPDATE notification SET status = $2 WHERE event_id = $1 AND NOT status = ANY($3::text[])",
        event_id,
        status,
        list(FINAL),
    )


async def list_for(conn: Executor, assignment_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT event_id, type, payload, status, attempts, last_status, last_attempt_at,"
        " created_at, delivered_at"
        " FROM notification WHERE assignment_id = $1 ORDER BY created_at, event_id",
        assignment_id,
    )
    return [dict(r) for r in rows]
