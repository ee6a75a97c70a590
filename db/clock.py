"""The deployment clock (table `clock`): its anchor and start, written by the first process that
asks, then read by all, so every API process, worker and workflow counts assignment time from one
moment and shows the same instant at it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.clock import Clock
from db.pool import Executor


class ClockStartConflict(Exception):
    """LIFECYCLE_CLOCK_START differs from the start this deployment's clock was given: changing
    it would move every running assignment."""

    def __init__(self, wanted: datetime, stored: datetime | None, anchor: datetime) -> None:
        shown = stored.isoformat() if stored else f"its anchor's wall time {anchor.isoformat()}"
        super().__init__(
            f"LIFECYCLE_CLOCK_START is {wanted.isoformat()}, but this deployment's clock started"
            f" at {shown}: changing it would move every running assignment (unset it, or use a"
            " new database)"
        )


@dataclass(frozen=True)
class StoredClock:
    anchor: datetime  # the real instant of the deployment's first start
    start: datetime | None  # what the clock showed then; None: the anchor itself


async def get_or_create(
    pool: Executor, now: datetime, start: datetime | None = None
) -> StoredClock:
    """The stored clock: anchored at `now` and showing `start` there if this is the deployment's
    first start, else the one kept before. A `start` other than the stored one is refused."""
    if now.tzinfo is None or (start is not None and start.tzinfo is None):
        raise ValueError("the clock's anchor and start must be timezone-aware")
    # Two statements: a concurrent first start waits on the conflicting row, then the SELECT
    # (a new snapshot) reads whichever clock won.
    await pool.execute(
        "INSERT INTO clock (id, anchor_at, start_at) VALUES (true, $1, $2)"
        " ON CONFLICT (id) DO NOTHING",
        now,
        start,
    )
    stored = await get(pool)
    assert stored is not None
    if start is not None and start != stored.start:
        raise ClockStartConflict(start, stored.start, stored.anchor)
    return stored


async def deployment_clock(
    pool: Executor, speed: float, start: datetime | None, now: datetime
) -> Clock:
    """The clock every process reads: the stored anchor and start, at this process's speed."""
    stored = await get_or_create(pool, now, start)
    return Clock(stored.anchor, speed, stored.start)


async def get(pool: Executor) -> StoredClock | None:
    """The stored clock, or None before the deployment's first start."""
    row = await pool.fetchrow("SELECT anchor_at, start_at FROM clock WHERE id")
    return None if row is None else StoredClock(anchor=row["anchor_at"], start=row["start_at"])
