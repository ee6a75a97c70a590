"""The access reconciliation's records: a run's progress (table `reconcile_run`), the drift it
found at the IdP (`access_drift`), and the page of assignments it checks next, with what their
access should be according to the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from db.pool import Executor

CLOSED = ("completed", "cancelled")


async def start(conn: Executor, run_id: str) -> None:
    await conn.execute(
        "INSERT INTO reconcile_run (run_id) VALUES ($1) ON CONFLICT (run_id) DO NOTHING", run_id
    )


async def unfinished(conn: Executor) -> str | None:
    """The newest run not finished yet (running, or stopped without finishing)."""
    found: str | None = await conn.fetchval(
        "SELECT run_id FROM reconcile_run WHERE finished_at IS NULL"
        " ORDER BY started_at DESC LIMIT 1"
    )
    return found


async def progress(
    conn: Executor, run_id: str, *, checked: int, drift: int, corrected: int, cursor: str | None
) -> None:
    """A page done: its figures added, the cursor moved on."""
    await conn.execute(
        """
        UPDATE reconcile_run
        SET pages = pages + 1, checked = checked + $2, drift = drift + $3,
            corrected = corrected + $4, cursor = $5
        WHERE run_id = $1
        """,
        run_id,
        checked,
        drift,
        corrected,
        cursor,
    )


async def finish(conn: Executor, run_id: str, error: str | None = None) -> dict[str, Any]:
    row = await conn.fetchrow(
        "UPDATE reconcile_run SET finished_at = now(), error = $2 WHERE run_id = $1"
        " RETURNING run_id, started_at, finished_at, pages, checked, drift, corrected, error",
        run_id,
        error,
    )
    assert row is not None
    return dict(row)


async def latest(conn: Executor) -> dict[str, Any] | None:
    """The last run (running or done), for the Today page."""
    row = await conn.fetchrow(
        "SELECT run_id, started_at, finished_at, pages, checked, drift, corrected, error"
        " FROM reconcile_run ORDER BY started_at DESC LIMIT 1"
    )
    return dict(row) if row is not None else None


async def page(
    conn: Executor, after: str | None, size: int, settled_for: timedelta
) -> list[dict[str, Any]]:
    """The next assignments by id after `after`, with their freelancer and the tools the ledger
    says are granted. Assignments changed within `settled_for` are left for the next run: their
    own lane may be bringing the IdP up to date right now."""
    rows = await conn.fetch(
        """
        SELECT a.assignment_id, a.phase, a.freelancer_name, a.freelancer_email,
               coalesce(array_agg(g.tool ORDER BY g.tool)
                        FILTER (WHERE g.status = 'granted'), '{}') AS granted,
               a.updated_at > now() - $3::interval AS busy
        FROM assignment a LEFT JOIN access_grant g USING (assignment_id)
        WHERE ($1::text IS NULL OR a.assignment_id > $1)
        GROUP BY a.assignment_id
        ORDER BY a.assignment_id
        LIMIT $2
        """,
        after,
        size,
        settled_for,
    )
    return [dict(r) for r in rows]


async def drifted(
    conn: Executor,
    run_id: str,
    assignment_id: str,
    kind: str,
    detail: str,
    corrected: bool,
    at: datetime,
) -> None:
    """A drift found at `at` (assignment time, as the timeline and the dashboard read it)."""
    await conn.execute(
        "INSERT INTO access_drift (assignment_id, run_id, kind, detail, corrected, found_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        assignment_id,
        run_id,
        kind,
        detail,
        corrected,
        at,
    )
