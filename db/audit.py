"""The audit trail of people (table `audit`): who did what, when, newest first.

Every action of a person or a machine is one entry: contract changes and imports, renewal
decisions (in the UI, through the API, from the mail), task completions, exit feedback, the
admins' decisions on access and holds, sign-ins and sign-outs, and API keys created and revoked.
The actor is `<role>:<name>` (a key's name, or the person's), `freelancer`, or `system`. An entry
holds no free text of the person's (no reason, no note, no answer): only what was done.

Append-only: the table's trigger refuses UPDATE, DELETE and TRUNCATE. A request retried (the
same Update id, a repeated delivery) is one entry: `dedupe` is unique.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from db.pool import Executor

MAX_LIMIT = 500


async def append(
    conn: Executor,
    at: datetime,
    actor: str,
    action: str,
    *,
    assignment_id: str | None = None,
    detail: dict[str, Any] | None = None,
    dedupe: str | None = None,
) -> bool:
    """Records the entry; False when one with the same `dedupe` is there already."""
    status = await conn.execute(
        """
        INSERT INTO audit (at, actor, action, assignment_id, detail, dedupe)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6)
        ON CONFLICT (dedupe) DO NOTHING
        """,
        at,
        actor[:300],
        action,
        assignment_id,
        json.dumps(detail or {}, default=str),
        dedupe,
    )
    return status.endswith(" 1")


async def entries(
    conn: Executor,
    *,
    actor: str | None = None,
    assignment_id: str | None = None,
    since: datetime | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The entries newest first, filtered (an exact actor and assignment, at or after `since`),
    at most `limit`; `before` (an entry's id) pages on: the entries older than it."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    rows = await conn.fetch(
        """
        SELECT id, at, actor, action, assignment_id, detail FROM audit
        WHERE ($1::text IS NULL OR actor = $1)
          AND ($2::text IS NULL OR assignment_id = $2)
          AND ($3::timestamptz IS NULL OR at >= $3)
          AND ($4::bigint IS NULL OR id < $4)
        ORDER BY id DESC
        LIMIT $5
        """,
        actor,
        assignment_id,
        since,
        before,
        min(limit, MAX_LIMIT),
    )
    return [
        {
            **dict(r),
            "detail": json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"],
        }
        for r in rows
    ]
