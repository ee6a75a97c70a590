"""The timeline of an assignment (table `timeline_entry`): what happened, oldest first.

Each entry has a key unique within its assignment, so appending the same entries again (a
retried activity) adds nothing.
"""

from __future__ import annotations

import json
from typing import Any

from db.pool import Connection, Executor
from workflows.types import TimelineEntry


async def append(conn: Connection, assignment_id: str, entries: list[TimelineEntry]) -> int:
    """Adds the entries whose key is new; returns how many were added."""
    if not entries:
        return 0
    status = await conn.execute(
        """
        INSERT INTO timeline_entry (assignment_id, key, at, kind, summary, actor, data)
        SELECT $1, e.key, e.at, e.kind, e.summary, e.actor, e.data::jsonb
        FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[])
            AS e(key, at, kind, summary, actor, data)
        ON CONFLICT (assignment_id, key) DO NOTHING
        """,
        assignment_id,
        [e.key for e in entries],
        [e.at for e in entries],
        [e.kind for e in entries],
        [e.summary for e in entries],
        [e.actor for e in entries],
        [json.dumps(e.data) for e in entries],
    )
    return int(status.rsplit(" ", 1)[-1])


async def list_for(conn: Executor, assignment_id: str) -> list[dict[str, Any]]:
    """The entries of an assignment, oldest first: [{key, at, kind, summary, actor, data}]."""
    rows = await conn.fetch(
        """
        SELECT key, at, kind, summary, actor, data FROM timeline_entry
        WHERE assignment_id = $1
        ORDER BY at, recorded_at, key
        """,
        assignment_id,
    )
    return [dict(r) for r in rows]
