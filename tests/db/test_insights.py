"""The Today page's and the engagement dashboard's numbers, from rows put in the read model.

Every number here is global (over all assignments), so each test gets a database of its own on
the session's PostgreSQL, migrated, and puts exactly the rows it counts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from db import access, assignments, feedback, insights, timeline
from db.fill import fill_lifecycle
from db.scratch import fresh_pool
from tests.db.factories import entry, make_state
from workflows.types import (
    Access,
    AccessStatus,
    PendingDecision,
    Person,
    Phase,
    Task,
)

TODAY = date(2027, 7, 1)
NOW = datetime(2027, 7, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with fresh_pool(database_url) as pool:
        yield pool


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
    state = make_state(assignment_id, phase, **fields)
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


# ------------------------------------------------------------------------------------ today


async def test_renewal_decisions_due_soonest_first_with_the_overdue_flagged(
    db: asyncpg.Pool,
) -> None:
    await put(db, "R-LATER", Phase.RENEWAL_REVIEW, pending_due=NOW + timedelta(days=20))
    await put(db, "R-OVERDUE", Phase.RENEWAL_REVIEW, pending_due=NOW - timedelta(hours=3))
    await put(db, "R-SOON", Phase.RENEWAL_REVIEW, pending_due=NOW + timedelta(days=3))
    await put(db, "R-NONE", Phase.ACTIVE)

    result = await insights.today(db, TODAY, now=NOW)

    assert [r.assignment_id for r in result.renewals.items] == ["R-OVERDUE", "R-SOON", "R-LATER"]
    overdue, soon, later = result.renewals.items
    assert (overdue.overdue, overdue.urgent) == (True, False)
    assert (soon.overdue, soon.urgent, soon.days_left) == (False, True, 3)
    assert (later.overdue, later.urgent, later.days_left) == (False, False, 20)
    assert result.renewals.total == 3


async def test_a_section_shows_its_first_rows_and_counts_them_all(db: asyncpg.Pool) -> None:
    for i in range(5):
        await put(db, f"R-{i}", Phase.RENEWAL_REVIEW, pending_due=NOW + timedelta(days=i + 1))

    result = await insights.today(db, TODAY, limit=2, now=NOW)

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

    result = await insights.today(db, TODAY, now=NOW)

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

    result = await insights.today(db, TODAY, now=NOW)

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

    result = await insights.today(db, TODAY, now=NOW)

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
    result = await insights.today(db, TODAY, now=NOW)

    for section in (result.renewals, result.starting, result.leaving, result.tasks):
        assert (section.items, section.total) == ([], 0)
    assert result.open_tasks == 0


# ------------------------------------------------------------------------------- engagement


async def test_days_of_notice_before_the_end_date(db: asyncpg.Pool) -> None:
    start = date(2027, 1, 4)
    # An end decision names the end date: 21 days before 2027-03-31.
    await put(db, "N-END", start_date=start, end_date=date(2027, 3, 31))
    await add_entries(
        db,
        "N-END",
        entry(
            "1:renewal:u1",
            at(date(2027, 3, 10)),
            "renewal",
            "Renewal decided: the assignment ends on 2027-03-31 (budget)",
            decision="end",
            old_end="2027-03-31",
        ),
    )
    # An extension names it too: 28 days.
    await put(db, "N-EXT", term=2, start_date=start, end_date=date(2027, 6, 30))
    await add_entries(
        db,
        "N-EXT",
        entry(
            "2:extended:u1",
            at(date(2027, 3, 3)),
            "extended",
            "Contract extended from 2027-03-31 to 2027-06-30",
            old_end="2027-03-31",
            new_end="2027-06-30",
        ),
    )
    # A renewal: 5 days before 2027-03-31.
    await put(
        db,
        "N-RENEW",
        term=2,
        term_start=date(2027, 4, 1),
        start_date=start,
        end_date=date(2027, 6, 30),
    )
    await add_entries(
        db,
        "N-RENEW",
        entry(
            "2:renewal:u1",
            at(date(2027, 3, 26)),
            "renewal",
            "Renewal decided: renewed until 2027-06-30",
            decision="renew",
            old_end="2027-03-31",
            new_end="2027-06-30",
        ),
    )
    # Two renewals: 11 days before 2027-03-31, then 15 days before 2027-06-30.
    await put(
        db,
        "N-TWICE",
        term=3,
        term_start=date(2027, 7, 1),
        start_date=start,
        end_date=date(2027, 9, 30),
    )
    await add_entries(
        db,
        "N-TWICE",
        entry(
            "2:renewal:u1",
            at(date(2027, 3, 20)),
            "renewal",
            "Renewal decided: renewed until 2027-06-30",
            decision="renew",
            old_end="2027-03-31",
            new_end="2027-06-30",
        ),
        entry(
            "3:renewal:u2",
            at(date(2027, 6, 15)),
            "renewal",
            "Renewal decided: renewed until 2027-09-30",
            decision="renew",
            old_end="2027-06-30",
            new_end="2027-09-30",
        ),
    )
    # An outcome recorded without its old end date cannot be measured.
    await put(db, "N-UNKNOWN", term=2, start_date=start, end_date=date(2027, 6, 30))
    await add_entries(
        db,
        "N-UNKNOWN",
        entry("2:renewal:u1", at(date(2027, 3, 25)), "renewal", "Renewed"),
    )
    # No decision by the end date: heard it on the last day.
    await put(db, "N-NONE", Phase.OFFBOARDING, start_date=start, end_date=date(2027, 3, 31))
    await add_entries(
        db,
        "N-NONE",
        entry(
            "1:offboarding",
            at(date(2027, 3, 31), 7),
            "offboarding",
            "Offboarding (no renewal decision by the end date): exit feedback link sent",
            reason="undecided",
        ),
    )
    # Not a renewal outcome: an extension before the start; an ordinary offboarding.
    await put(
        db, "N-EARLY", Phase.SCHEDULED, start_date=date(2027, 2, 1), end_date=date(2027, 9, 1)
    )
    await add_entries(
        db,
        "N-EARLY",
        entry(
            "1:extended:u1",
            at(date(2027, 1, 20)),
            "extended",
            "Contract extended from 2027-05-01 to 2027-09-01",
            old_end="2027-05-01",
            new_end="2027-09-01",
        ),
    )
    await put(db, "N-ENDS", Phase.OFFBOARDING, start_date=start, end_date=date(2027, 3, 31))
    await add_entries(
        db,
        "N-ENDS",
        entry(
            "1:offboarding",
            at(date(2027, 3, 31), 7),
            "offboarding",
            "Offboarding (the contract ends): exit feedback link sent",
            reason="ended",
        ),
    )

    result = await insights.engagement(db, TODAY, now=NOW)

    notice = result.notice
    # Days: 21, 28, 5, 11, 15, 0.
    assert [b.count for b in notice.distribution.buckets] == [2, 1, 1, 1, 1]
    assert [(b.low, b.high) for b in notice.distribution.buckets][-1] == (28, None)
    assert notice.distribution.median == 13
    assert notice.distribution.total == 6
    assert (notice.unmeasured, notice.undecided, notice.after_end) == (1, 1, 0)


async def test_share_of_freelancers_with_access_ready_before_day_one(db: asyncpg.Pool) -> None:
    start = date(2027, 1, 4)  # Europe/Brussels: day one begins at 2027-01-03 23:00 UTC
    await put(db, "A-READY", start_date=start)
    await grant(db, "A-READY", at(date(2026, 12, 28), 8), "chat", "wiki")
    await put(db, "A-JUST", start_date=start)
    await grant(db, "A-JUST", datetime(2027, 1, 3, 22, 59, tzinfo=UTC), "chat", "wiki")
    await put(db, "A-LATE", start_date=start)
    await grant(db, "A-LATE", datetime(2027, 1, 3, 23, 0, tzinfo=UTC), "chat", "wiki")
    await put(db, "A-NEVER", start_date=start)
    # Not counted: cancelled, not started yet, started before the window.
    await put(db, "A-CANCELLED", Phase.CANCELLED, start_date=start)
    await put(db, "A-FUTURE", Phase.ONBOARDING, start_date=TODAY + timedelta(days=3))
    await put(db, "A-OLD", start_date=date(2025, 1, 6), end_date=date(2027, 12, 31))

    result = await insights.engagement(db, TODAY, now=NOW)

    assert (result.access_ready.part, result.access_ready.total) == (2, 4)
    assert result.access_ready.percent == 50.0


async def test_access_seen_after_an_end(db: asyncpg.Pool) -> None:
    start = date(2027, 1, 4)
    # Completed while a tool is still granted.
    await put(db, "X-CLOSED", Phase.COMPLETED, start_date=start, end_date=date(2027, 5, 31))
    await grant(db, "X-CLOSED", at(date(2026, 12, 28)), "chat")
    # Still granted more than a day after the end of the last day.
    await put(db, "X-PAST", Phase.OFFBOARDING, start_date=start, end_date=date(2027, 6, 20))
    await grant(db, "X-PAST", at(date(2026, 12, 28)), "chat")
    # Granted again after the end (and revoked since).
    await put(db, "X-AFTER", Phase.COMPLETED, start_date=start, end_date=date(2027, 6, 10))
    await grant(db, "X-AFTER", at(date(2026, 12, 28)), "chat")
    await set_access(db, "X-AFTER", at(date(2027, 6, 11), 0), AccessStatus.REVOKED, "chat")
    await grant(db, "X-AFTER", at(date(2027, 6, 25)), "chat")
    await set_access(db, "X-AFTER", at(date(2027, 6, 26)), AccessStatus.REVOKED, "chat")
    # Fine: ended yesterday, revoking is (just) due; revoked in time; still running.
    await put(db, "X-YESTERDAY", Phase.OFFBOARDING, start_date=start, end_date=TODAY - timedelta(1))
    await grant(db, "X-YESTERDAY", at(date(2026, 12, 28)), "chat")
    await put(db, "X-CLEAN", Phase.COMPLETED, start_date=start, end_date=date(2027, 5, 31))
    await grant(db, "X-CLEAN", at(date(2026, 12, 28)), "chat", "wiki")
    await set_access(db, "X-CLEAN", at(date(2027, 5, 31), 22), AccessStatus.REVOKED, "chat", "wiki")
    await put(db, "X-RUNNING", Phase.ACTIVE, start_date=start, end_date=date(2027, 12, 31))
    await grant(db, "X-RUNNING", at(date(2026, 12, 28)), "chat")

    result = await insights.engagement(db, TODAY, now=NOW)

    assert result.access_after_end == 3
    assert [(x.assignment_id, x.reason) for x in result.access_after_end_examples] == [
        ("X-AFTER", "granted_after_end"),
        ("X-CLOSED", "closed"),
        ("X-PAST", "past_end"),
    ]


async def test_nothing_seen_after_an_end_is_zero(db: asyncpg.Pool) -> None:
    result = await insights.engagement(db, TODAY, now=NOW)

    assert (result.access_after_end, result.access_after_end_examples) == (0, [])
    assert result.access_ready.percent is None
    assert result.feedback.percent is None
    assert result.average_rating is None
    assert result.notice.distribution.median is None
    assert result.tenure.median is None


async def test_exit_feedback_rate_rating_and_what_leavers_said(db: asyncpg.Pool) -> None:
    start = date(2027, 1, 4)
    await put(
        db,
        "F-1",
        Phase.COMPLETED,
        start_date=start,
        end_date=date(2027, 5, 31),
        freelancer=Person(name="Ana De Smet", email="ana@example.org"),
        team="Payroll",
    )
    await answer(
        db,
        "F-1",
        5,
        at(date(2027, 6, 2)),
        felt_part="The Friday demos, and a buddy who answered everything.",
        come_back="yes",
        stay_in_touch=True,
    )
    await put(db, "F-2", Phase.COMPLETED, start_date=start, end_date=date(2027, 6, 10))
    await answer(
        db,
        "F-2",
        3,
        at(date(2027, 6, 12)),
        felt_part="   ",
        not_part="Being invited to the team day.",
        come_back="maybe",
    )
    await put(db, "F-3", Phase.OFFBOARDING, start_date=start, end_date=date(2027, 6, 28))
    # Not in the rate: still running; ended before the window (but said something, long ago).
    await put(db, "F-RUNNING", Phase.ACTIVE, start_date=start, end_date=date(2027, 9, 30))
    await put(
        db,
        "F-OLD",
        Phase.COMPLETED,
        start_date=date(2025, 1, 6),
        end_date=date(2025, 12, 31),
        freelancer=Person(name="Bram Peeters", email="bram@example.org"),
        team="Tax",
    )
    await answer(
        db, "F-OLD", 1, at(date(2026, 1, 2)), felt_part="Lunch with the team.", stay_in_touch=True
    )

    result = await insights.engagement(db, TODAY, now=NOW)

    assert (result.feedback.part, result.feedback.total) == (2, 3)
    assert result.average_rating == 4.0
    assert result.ratings == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
    assert result.come_back == {"yes": 1, "maybe": 1, "no": 0}
    assert [q.text for q in result.felt_part] == [
        "The Friday demos, and a buddy who answered everything.",
        "Lunch with the team.",
    ]
    assert [q.text for q in result.not_part] == ["Being invited to the team day."]
    assert result.alumni == 2
    assert [(a.first_name, a.team) for a in result.alumni_latest] == [
        ("Ana", "Payroll"),
        ("Bram", "Tax"),
    ]


async def test_tenure_of_the_completed_assignments(db: asyncpg.Pool) -> None:
    await put(
        db, "U-SHORT", Phase.COMPLETED, start_date=date(2027, 1, 1), end_date=date(2027, 3, 31)
    )
    await put(
        db, "U-YEAR", Phase.COMPLETED, start_date=date(2026, 7, 1), end_date=date(2027, 6, 30)
    )
    await put(
        db, "U-LONG", Phase.COMPLETED, start_date=date(2024, 1, 1), end_date=date(2027, 1, 31)
    )
    # Not counted: still running; ended before the window; cancelled.
    await put(db, "U-RUNNING", Phase.ACTIVE, start_date=date(2026, 1, 1), end_date=date(2027, 9, 1))
    await put(db, "U-OLD", Phase.COMPLETED, start_date=date(2025, 1, 1), end_date=date(2025, 6, 1))
    await put(db, "U-NOT", Phase.CANCELLED, start_date=date(2027, 3, 1), end_date=date(2027, 6, 1))

    result = await insights.engagement(db, TODAY, now=NOW)

    assert [b.count for b in result.tenure.buckets] == [1, 0, 1, 0, 1]
    assert result.tenure.median == 12.0
    assert result.tenure.total == 3


# ------------------------------------------------------------------------------------ scale

# How fast the pages are at 100,000 assignments is measured in bench/insights.py, not here.
ROWS = 10_000
BIG_TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
async def big(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """100,000 assignments over three years, each in the phase its dates give it, with four
    tools each, a timeline of a dozen entries, and exit feedback from most leavers."""
    async with fresh_pool(database_url, max_size=4) as pool:
        await fill_lifecycle(pool, BIG_TODAY, ROWS)
        yield pool


async def test_today_with_many_assignments(big: asyncpg.Pool) -> None:
    result = await insights.today(big, BIG_TODAY)

    assert result.renewals.total and result.starting.total and result.leaving.total
    assert result.tasks.total


async def test_engagement_with_many_assignments(big: asyncpg.Pool) -> None:
    result = await insights.engagement(big, BIG_TODAY)

    assert result.notice.distribution.total and result.access_ready.total
    assert result.access_after_end == 0
    assert result.feedback.total and result.tenure.total and result.alumni
