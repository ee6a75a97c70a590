"""What the tests of the read models (the Today page, the engagement dashboard) put in their
database: an assignment's row, its access, its timeline and its exit feedback, as the engine
writes them, at the moment the pages are read from (TODAY, NOW)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from db import access, assignments, feedback, timeline
from tests.factories import make_state
from workflows.types import Access, AccessStatus, PendingDecision, Phase, Task

TODAY = date(2027, 7, 1)
NOW = datetime(2027, 7, 1, 10, 0, tzinfo=UTC)
# The `big` database (tests/db/conftest.py): ROWS assignments as they stand on BIG_TODAY.
ROWS = 10_000
BIG_TODAY = date(2026, 12, 1)
# Two tools each: the Today page counts how many of them are granted.
TOOLS = ["chat", "wiki"]


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def put(
    pool: asyncpg.Pool,
    assignment_id: str,
    phase: Phase = Phase.ACTIVE,
    *,
    term: int = 1,
    term_start: date | None = None,
    pending_due: datetime | None = None,
    tasks: list[Task] | None = None,
    **fields: Any,
) -> None:
    """The assignment's row as the workflow records it in `phase`, with two tools (TOOLS)."""
    state = make_state(assignment_id, phase, **{"tools": TOOLS, **fields})
    state.term = term
    state.term_start = term_start or state.assignment.start_date
    if pending_due is not None:
        state.pending_decision = PendingDecision(due=pending_due)
    state.tasks = tasks or []
    async with pool.acquire() as conn:
        await assignments.upsert_state(conn, state, None)


async def grant(pool: asyncpg.Pool, assignment_id: str, when: datetime, *tools: str) -> None:
    await set_access(pool, assignment_id, when, AccessStatus.GRANTED, *tools)


async def set_access(
    pool: asyncpg.Pool, assignment_id: str, when: datetime, status: AccessStatus, *tools: str
) -> None:
    async with pool.acquire() as conn:
        await access.apply(
            conn,
            assignment_id,
            [Access(tool=t, status=status, since=when) for t in tools],
            "ledger",
        )


async def add_entries(pool: asyncpg.Pool, assignment_id: str, *entries: Any) -> None:
    async with pool.acquire() as conn:
        await timeline.append(conn, assignment_id, list(entries))


async def answer(
    pool: asyncpg.Pool,
    assignment_id: str,
    rating: int,
    submitted: datetime,
    *,
    felt_part: str = "",
    not_part: str = "",
    come_back: str | None = None,
    stay_in_touch: bool = False,
) -> None:
    await feedback.insert(
        pool,
        assignment_id=assignment_id,
        token_id=f"tok-{assignment_id}",
        rating=rating,
        answers={
            "felt_part": felt_part,
            "not_part": not_part,
            "come_back": come_back,
            "stay_in_touch": stay_in_touch,
            "language": "en",
            "term": 1,
        },
        submitted_at=submitted,
    )


def onboarding_tasks(*done: bool) -> list[Task]:
    return [
        Task(task_id=f"on-{i}", title=f"Onboarding task {i}", phase="onboarding", done=d)
        for i, d in enumerate(done)
    ]


def offboarding_tasks(*done: bool) -> list[Task]:
    return [
        Task(task_id=f"off-{i}", title=f"Offboarding task {i}", phase="offboarding", done=d)
        for i, d in enumerate(done)
    ]
