"""What needs a person (GET /v1/attention, the Today page): every effect that keeps failing,
across all assignments, with what failed, since when and the last error.

In this order: revocations overdue (access open after an end) first, then revocations held by
the guard, then tool access failing, then mail and notifications failing longer than a threshold.
Access failures are timed in assignment time (the workflow's clock), holds, mail and
notifications in real time (rows stamped by PostgreSQL): each item says which (`real_time`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from db.pool import Executor

# The order of the list: what matters most first.
RANK = {
    "access_overdue": 0,
    "revocation_held": 1,
    "access_revoke": 2,
    "access_grant": 3,
    "mail": 4,
    "notification": 5,
}


@dataclass(frozen=True)
class Item:
    assignment_id: str
    kind: str
    since: datetime
    detail: str
    real_time: bool  # `since` is a real instant (else assignment time)
    hold_id: str | None = None
    name: str = ""  # the freelancer's


async def needing(
    conn: Executor, *, assignment_now: datetime, older_than: timedelta, limit: int = 200
) -> list[Item]:
    """Everything that needs a person now; what fails longer than `older_than` (holds and
    overdue revocations at once)."""
    items = [
        *await _access(conn, assignment_now - older_than),
        *await _holds(conn),
        *await _mail(conn, older_than),
        *await _notifications(conn, older_than),
    ]
    items.sort(key=lambda i: (RANK[i.kind], i.since, i.assignment_id))
    items = items[:limit]
    names = dict(
        await conn.fetch(
            "SELECT assignment_id, freelancer_name FROM assignment WHERE assignment_id = ANY($1)",
            list({i.assignment_id for i in items}),
        )
    )
    return [replace(i, name=names.get(i.assignment_id, "")) for i in items]


async def _access(conn: Executor, failing_before: datetime) -> list[Item]:
    rows = await conn.fetch(
        """
        SELECT assignment_id, kind, since_at, error, overdue, permanent FROM effect_failure
        WHERE resolved_at IS NULL AND (overdue OR since_at <= $1)
        """,
        failing_before,
    )
    return [
        Item(
            assignment_id=r["assignment_id"],
            kind="access_overdue" if r["overdue"] else r["kind"],
            since=r["since_at"],
            detail=("refused: " if r["permanent"] else "") + r["error"],
            real_time=False,
        )
        for r in rows
    ]


async def _holds(conn: Executor) -> list[Item]:
    rows = await conn.fetch(
        "SELECT assignment_id, reason, hold_id, claimed_at FROM revocation_claim"
        " WHERE status = 'held'"
    )
    return [
        Item(
            assignment_id=r["assignment_id"],
            kind="revocation_held",
            since=r["claimed_at"],
            detail=f"early end ({r['reason']}): many revocations within an hour",
            real_time=True,
            hold_id=r["hold_id"],
        )
        for r in rows
    ]


async def _mail(conn: Executor, older_than: timedelta) -> list[Item]:
    rows = await conn.fetch(
        """
        SELECT assignment_id, kind, status, error, coalesce(first_failed_at, created_at) AS since
        FROM mail_message
        WHERE (status = 'pending' AND first_failed_at < now() - $1::interval)
           OR (status = 'failed' AND created_at > now() - interval '30 days')
        """,
        older_than,
    )
    return [
        Item(
            assignment_id=r["assignment_id"],
            kind="mail",
            since=r["since"],
            detail=f"{r['kind']}: {'refused' if r['status'] == 'failed' else 'not sent yet'}"
            + (f" ({r['error']})" if r["error"] else ""),
            real_time=True,
        )
        for r in rows
    ]


async def _notifications(conn: Executor, older_than: timedelta) -> list[Item]:
    rows = await conn.fetch(
        """
        SELECT assignment_id, type, last_error, created_at FROM notification
        WHERE status = 'pending' AND attempts > 1 AND created_at < now() - $1::interval
        """,
        older_than,
    )
    return [
        Item(
            assignment_id=r["assignment_id"],
            kind="notification",
            since=r["created_at"],
            detail=f"{r['type']}: not accepted yet"
            + (f" ({r['last_error']})" if r["last_error"] else ""),
            real_time=True,
        )
        for r in rows
    ]


async def failure_counts(conn: Executor) -> dict[str, tuple[int, int]]:
    """Per kind of effect: (failing now, ever failed). Rows are never deleted, so the second is
    a counter."""
    counts: dict[str, tuple[int, int]] = dict.fromkeys(RANK, (0, 0))
    access = await conn.fetch(
        """
        SELECT kind, count(*) FILTER (WHERE resolved_at IS NULL) AS now, count(*) AS ever,
            count(*) FILTER (WHERE resolved_at IS NULL AND overdue) AS overdue
        FROM effect_failure GROUP BY kind
        """
    )
    for r in access:
        counts[r["kind"]] = (r["now"], r["ever"])
        if r["kind"] == "access_revoke":
            counts["access_overdue"] = (r["overdue"], r["overdue"])
    row = await conn.fetchrow(
        """
        SELECT
            count(*) FILTER (WHERE status = 'pending' AND first_failed_at IS NOT NULL) AS now,
            count(*) FILTER (WHERE first_failed_at IS NOT NULL OR status = 'failed') AS ever
        FROM mail_message
        """
    )
    assert row is not None
    counts["mail"] = (row["now"], row["ever"])
    row = await conn.fetchrow(
        """
        SELECT count(*) FILTER (WHERE status = 'pending' AND attempts > 1) AS now,
            count(*) FILTER (WHERE attempts > 1) AS ever
        FROM notification
        """
    )
    assert row is not None
    counts["notification"] = (row["now"], row["ever"])
    held = await conn.fetchval("SELECT count(*) FROM revocation_claim WHERE status = 'held'")
    counts["revocation_held"] = (held, held)
    return counts
