"""The access ledger: the current status of each tool of an assignment (`access_grant`) and
every change of it (`access_change`).

A change row is written only when a tool's status actually changes, so applying the same access
twice (a retried activity) records nothing the second time.
"""

from __future__ import annotations

from typing import Any

from db.pool import Connection, Executor
from workflows.types import Access, AccessStatus

_APPLY = """
WITH wanted AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS w(tool, status, since)
), changed AS (
    INSERT INTO access_grant AS g (assignment_id, tool, status, since, provider)
    SELECT $1, w.tool, w.status, w.since, $5 FROM wanted w
    ON CONFLICT (assignment_id, tool) DO UPDATE
        SET status = EXCLUDED.status, since = EXCLUDED.since, provider = EXCLUDED.provider
        WHERE g.status IS DISTINCT FROM EXCLUDED.status
    RETURNING g.tool, g.status, g.since, g.provider
)
INSERT INTO access_change (assignment_id, tool, status, at, provider)
SELECT $1, c.tool, c.status, c.since, c.provider FROM changed c
ORDER BY c.tool
RETURNING tool, status, at
"""


async def apply(
    conn: Connection, assignment_id: str, access: list[Access], provider: str
) -> list[Access]:
    """Brings the ledger's tools to the given statuses; returns the ones that changed.

    A tool whose status is already the given one keeps its row, `since` included. A changed or
    new tool gets the given status and `since`, and one `access_change` row. The statement is
    atomic, and concurrent calls for one assignment record each change once.
    """
    wanted = {a.tool: a for a in access}  # the last word on a tool listed twice
    if not wanted:
        return []
    rows = await conn.fetch(
        _APPLY,
        assignment_id,
        list(wanted),
        [a.status.value for a in wanted.values()],
        [a.since for a in wanted.values()],
        provider,
    )
    return [Access(tool=r["tool"], status=AccessStatus(r["status"]), since=r["at"]) for r in rows]


async def list_for(conn: Executor, assignment_id: str) -> list[dict[str, Any]]:
    """Every tool ever on the assignment with its current status: [{tool, status, since,
    provider}], by tool name."""
    rows = await conn.fetch(
        """
        SELECT tool, status, since, provider FROM access_grant
        WHERE assignment_id = $1
        ORDER BY tool
        """,
        assignment_id,
    )
    return [dict(r) for r in rows]


async def history(conn: Executor, assignment_id: str) -> list[dict[str, Any]]:
    """Every change, oldest first: [{tool, status, at, provider, recorded_at}]."""
    rows = await conn.fetch(
        """
        SELECT tool, status, at, provider, recorded_at FROM access_change
        WHERE assignment_id = $1
        ORDER BY id
        """,
        assignment_id,
    )
    return [dict(r) for r in rows]
