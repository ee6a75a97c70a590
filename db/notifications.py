"""The notification outbox: lifecycle events waiting to be delivered to LIFECYCLE_NOTIFY_URL."""

from __future__ import annotations

from typing import Any


async def insert_if_absent(
    conn: Any, event_id: str, type_: str, assignment_id: str, payload: dict[str, Any], status: str
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


async def list_for(conn: Any, assignment_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT event_id, type, payload, status, attempts, created_at, delivered_at"
        " FROM notification WHERE assignment_id = $1 ORDER BY created_at, event_id",
        assignment_id,
    )
    return [dict(r) for r in rows]
