"""The Today page's numbers, from rows put in the read model.

Every number here is global (over all assignments), so each test gets a database of its own on
the session's PostgreSQL, migrated (the `db` fixture), and puts exactly the rows it counts.
"""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg

from db.today import today
from tests.db.rows import (
    BIG_TODAY,
    NOW,
    TODAY,
    answer,
    grant,
    offboarding_tasks,
    onboarding_tasks,
    put,
    set_access,
)
from workflows.types import AccessStatus, Phase


async def test_renewal_decisions_due_soonest_first_with_the_overdue_flagged(
    db: asyncpg.Pool,
) -> None:
    await put(db, "R-LATER", Phase.RENEWAL_REVIEW, pending_due=NOW + timedelta(days=20))
    await put(db, "R-OVERDUE", Phase.RENEWAL_REVIEW, pending_due=NOW - timedelta(hours=3))
    await put(db, "R-SOON", Phase.RENEWAL_REVIEW, pending_due=NOW + timedelta(days=3))
    await put(db, "R-NONE", Phase.ACTIVE)

    result = await today(db, TODAY, now=NOW)

    assert [r.assignment_id for r in result.renewals.items] == ["R-OVERDUE", "R-SOON", "R-LATER"]
    overdue, soon, later = result.renewals.items
    assert (overdue.overdue, overdue.urgent) == (True, False)
    assert (soon.overdue, soon.urgent, soon.days_left) == (False, True, 3)
    assert (later.overdue, later.urgent, later.days_left) == (False, False, 20)
    assert result.renewals.total == 3


async def test_a_section_shows_its_first_rows_and_counts_them_all(db: asyncpg.Pool) -> None:
    for i in range(5):
        await put(db, f"R-{i}", Phase.RENEWAL_REVIEW, pending_due=NOW + timedelta(days=i + 1))

    result = await today(db, TODAY, limit=2, now=NOW)

    assert [r.assignment_id for r in result.renewals.items] == ["R-0", "R-1"]
    assert (result.renewals.total, result.renewals.more) == (5, 3)


async def test_who_starts_in_the_next_14_days_and_whether_their_access_is_ready(
    db: asyncpg.Pool,
) -> None:
    in_5, in_10 = TODAY + timedelta(days=5), TODAY + timedelta(days=10)
    await put(db, "S-READY", Phase.ONBOARDING, start_date=in_5, end_date=date(2027, 12, 31))
    await grant(db, "S-READY", NOW - timedelta(days=2), "chat", "wiki")
    await put(db, "S-HALF", Phase.ONBOARDING, start_date=in_10, end_date=date(2027, 12, 31))
    await grant(db, "S-HALF", NOW, "chat")
    await put(db, "S-REVOKED", Phase.ONBOARDING, start_date=in_10, end_date=date(2027, 12, 31))
    await grant(db, "S-REVOKED", NOW - timedelta(days=1), "chat", "wiki")
    await set_access(db, "S-REVOKED", NOW, AccessStatus.REVOKED, "wiki")
    await put(db, "S-TODAY", Phase.ACTIVE, start_date=TODAY, end_date=date(2027, 12, 31))
    # Not in the section: too far, already started, cancelled.
    for assignment_id, start, phase in (
        ("S-FAR", TODAY + timedelta(days=15), Phase.SCHEDULED),
        ("S-STARTED", TODAY - timedelta(days=1), Phase.ACTIVE),
        ("S-CANCELLED", in_5, Phase.CANCELLED),
    ):
        await put(db, assignment_id, phase, start_date=start, end_date=date(2027, 12, 31))

    result = await today(db, TODAY, now=NOW)

    got = {
        s.assignment_id: (s.days_until, s.granted, s.tools, s.access_ready)
        for s in result.starting.items
    }
    assert got == {
        "S-TODAY": (0, 0, 2, False),
        "S-READY": (5, 2, 2, True),
        "S-HALF": (10, 1, 2, False),
        "S-REVOKED": (10, 1, 2, False),
    }
    assert [s.assignment_id for s in result.starting.items][:2] == ["S-TODAY", "S-READY"]


async def test_who_leaves_in_the_next_30_days_and_whether_their_feedback_came_in(
    db: asyncpg.Pool,
) -> None:
    start = date(2027, 1, 4)
    await put(db, "L-SOON", Phase.RENEWAL_REVIEW, start_date=start, end_date=TODAY + timedelta(10))
    await put(db, "L-LEFT", Phase.OFFBOARDING, start_date=start, end_date=TODAY - timedelta(3))
    await answer(db, "L-LEFT", 4, NOW - timedelta(days=1))
    await put(db, "L-WAITING", Phase.OFFBOARDING, start_date=start, end_date=TODAY - timedelta(1))
    await put(db, "L-FAR", Phase.ACTIVE, start_date=start, end_date=TODAY + timedelta(31))
    await put(db, "L-DONE", Phase.COMPLETED, start_date=start, end_date=TODAY - timedelta(20))

    result = await today(db, TODAY, now=NOW)

    assert [(x.assignment_id, x.days_until, x.feedback_received) for x in result.leaving.items] == [
        ("L-LEFT", -3, True),
        ("L-WAITING", -1, False),
        ("L-SOON", 10, False),
    ]


async def test_open_tasks_past_due_by_the_start_and_end_dates(db: asyncpg.Pool) -> None:
    start = TODAY - timedelta(days=10)
    # Onboarding tasks are due on the start date: one of two still open, 10 days late.
    await put(db, "T-LATE", Phase.ACTIVE, start_date=start, tasks=onboarding_tasks(True, False))
    # Offboarding tasks are due on the end date (2 days ago); one onboarding task too.
    await put(
        db,
        "T-LEAVING",
        Phase.OFFBOARDING,
        start_date=date(2027, 1, 4),
        end_date=TODAY - timedelta(days=2),
        tasks=onboarding_tasks(True, True) + offboarding_tasks(False, True, False),
    )
    # Not past due: starts in 5 days; all done; closed.
    await put(
        db,
        "T-SOON",
        Phase.ONBOARDING,
        start_date=TODAY + timedelta(5),
        tasks=onboarding_tasks(False),
    )
    await put(db, "T-DONE", Phase.ACTIVE, start_date=start, tasks=onboarding_tasks(True, True))
    await put(db, "T-CLOSED", Phase.COMPLETED, start_date=start, tasks=onboarding_tasks(False))
    # Due today is not past due yet.
    await put(db, "T-TODAY", Phase.ACTIVE, start_date=TODAY, tasks=onboarding_tasks(False))

    result = await today(db, TODAY, now=NOW)

    # The most overdue first.
    assert [(t.assignment_id, t.days_overdue) for t in result.tasks.items] == [
        ("T-LATE", 10),
        ("T-LEAVING", 2),
    ]
    by_id = {t.assignment_id: t for t in result.tasks.items}
    assert [(x.task_id, x.due) for x in by_id["T-LATE"].tasks] == [("on-1", start)]
    assert [(x.task_id, x.phase) for x in by_id["T-LEAVING"].tasks] == [
        ("off-0", "offboarding"),
        ("off-2", "offboarding"),
    ]
    assert result.open_tasks == 3
    assert result.tasks.total == 2


async def test_today_with_nothing_to_do(db: asyncpg.Pool) -> None:
    result = await today(db, TODAY, now=NOW)

    for section in (result.renewals, result.starting, result.leaving, result.tasks):
        assert (section.items, section.total) == ([], 0)
    assert result.open_tasks == 0


# How fast the page is at 100,000 assignments is measured in bench/insights.py, not here.
async def test_today_with_many_assignments(big: asyncpg.Pool) -> None:
    result = await today(big, BIG_TODAY)

    assert result.renewals.total and result.starting.total and result.leaving.total
    assert result.tasks.total
