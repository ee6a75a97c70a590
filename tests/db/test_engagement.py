"""The engagement dashboard's numbers, from rows put in the read model.

Every number here is global (over all assignments), so each test gets a database of its own on
the session's PostgreSQL, migrated (the `db` fixture), and puts exactly the rows it counts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg

from db.engagement import engagement
from tests.db.rows import BIG_TODAY, NOW, TODAY, add_entries, answer, at, grant, put, set_access
from tests.factories import entry
from workflows.types import AccessStatus, Person, Phase


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

    result = await engagement(db, TODAY, now=NOW)

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

    result = await engagement(db, TODAY, now=NOW)

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

    result = await engagement(db, TODAY, now=NOW)

    assert result.access_after_end == 3
    assert [(x.assignment_id, x.reason) for x in result.access_after_end_examples] == [
        ("X-AFTER", "granted_after_end"),
        ("X-CLOSED", "closed"),
        ("X-PAST", "past_end"),
    ]


async def test_nothing_seen_after_an_end_is_zero(db: asyncpg.Pool) -> None:
    result = await engagement(db, TODAY, now=NOW)

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

    result = await engagement(db, TODAY, now=NOW)

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

    result = await engagement(db, TODAY, now=NOW)

    assert [b.count for b in result.tenure.buckets] == [1, 0, 1, 0, 1]
    assert result.tenure.median == 12.0
    assert result.tenure.total == 3


# How fast the dashboard is at 100,000 assignments is measured in bench/insights.py, not here.
async def test_engagement_with_many_assignments(big: asyncpg.Pool) -> None:
    result = await engagement(big, BIG_TODAY)

    assert result.notice.distribution.total and result.access_ready.total
    assert result.access_after_end == 0
    assert result.feedback.total and result.tenure.total and result.alumni
