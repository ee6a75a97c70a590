"""The deployment clock's anchor (table `clock`): written by the first process that asks, then
read by all, so every API process, worker and workflow counts assignment time from one moment."""

from __future__ import annotations

from datetime import datetime

from db.pool import Executor


async def get_or_create_anchor(pool: Executor, now: datetime) -> datetime:
    """The anchor: `now` if this is the deployment's first start, else the one kept before."""
    if now.tzinfo is None:
        raise ValueError("the clock's anchor must be timezone-aware")
    # Two statements: a concurrent first start waits on the conflicting row, then the SELECT
    # (a new snapshot) reads whichever anchor won.
    await pool.execute(
        "INSERT INTO clock (id, anchor_at) VALUES (true, $1) ON CONFLICT (id) DO NOTHING", now
    )
    anchor = await pool.fetchval("SELECT anchor_at FROM clock WHERE id")
    assert anchor is not None
    return anchor
