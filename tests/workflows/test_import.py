"""Assignments that already run, brought in (`lifecycle import`): each comes in at the phase its
dates put it in, with its term; nothing whose moment has passed is sent (no welcome, kick-off or
first-day mail for someone already working); access is granted if missing, without a welcome;
the next check-in and the renewal's reminder come at their normal moments.

The deployment clock shows a Wednesday at 10:00 in Brussels; every date is relative to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.clock import BRUSSELS
from tests.workflows.conftest import Lifecycle, make_assignment
from workflows.types import Imported

NOW = datetime(2027, 3, 10, 10, 0, tzinfo=BRUSSELS)
TODAY = NOW.date()
NEVER_LATE = {"welcome", "buddy_introduction", "team_event_invitation", "first_day", "checkin"}

# phase: (start, end) in days from today, and the mails sent at the import itself.
ROWS = {
    "scheduled": (20, 110, ["manager_checklist"]),
    "onboarding": (3, 93, []),
    "active": (-40, 50, []),
    "renewal_review": (-60, 25, ["renewal_request"]),
    "offboarding": (-90, -3, []),
}


def day(offset: int):  # type: ignore[no-untyped-def]
    return TODAY + timedelta(days=offset)


@pytest.mark.parametrize("phase", ROWS)
async def test_an_imported_assignment_comes_in_at_its_phase_and_sends_nothing_past(
    lifecycle: Lifecycle, unique_id: str, phase: str
) -> None:
    await lifecycle.clock_shows(NOW)
    start, end, sent = ROWS[phase]
    handle = await lifecycle.start(
        make_assignment(unique_id, day(start), day(end)), imported=Imported(term=3)
    )

    state = await lifecycle.phase(handle, phase)
    assert state.term == 3
    assert await lifecycle.mail_kinds(unique_id) == sent
    entries = [e["kind"] for e in await lifecycle.timeline(unique_id)]
    assert entries.count("imported") == 1 and "signed" not in entries
    assert not {"onboarding", "start", "checkin"} & set(entries)  # taken, not performed

    ledger = await lifecycle.ledger(unique_id)
    if phase == "scheduled":
        assert ledger == {}
    elif phase == "offboarding":  # its last day is over: nothing is opened for it
        assert "granted" not in ledger.values()
    else:  # the same tools, without a welcome
        await lifecycle.eventually(
            lambda: lifecycle.ledger(unique_id),
            lambda found: (
                set(found) == set(state.assignment.tools) and set(found.values()) == {"granted"}
            ),
            "access granted",
        )
    task_phases = {t.phase for t in state.tasks}
    assert task_phases == (
        {"onboarding"}
        if phase in ("scheduled", "onboarding")
        else ({"offboarding"} if phase == "offboarding" else set())
    )
    if phase == "renewal_review":
        assert state.pending_decision is not None
        # Due when offboarding would begin (the Friday before a Sunday's end), as when signed.
        assert state.pending_decision.due == next(
            t.at for t in state.planned if t.kind == "offboarding"
        )
    else:
        assert state.pending_decision is None


async def test_the_next_check_in_and_the_reminder_come_at_their_moments(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    await lifecycle.clock_shows(NOW)
    active = await lifecycle.start(
        make_assignment(unique_id, day(-40), day(80)), imported=Imported()
    )
    state = await lifecycle.phase(active, "active")
    # Check-ins every 30 days from the start: the one ten days ago is not sent late.
    assert state.next_transition is not None
    assert state.next_transition.kind == "checkin"
    assert state.next_transition.at.astimezone(BRUSSELS).date() == day(20)
    await lifecycle.skip_to(state.next_transition.at)
    await lifecycle.eventually(
        lambda: lifecycle.mail_kinds(unique_id), lambda k: k == ["checkin"], "the next check-in"
    )


async def test_the_renewal_of_an_import_is_requested_at_its_moment(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    await lifecycle.clock_shows(NOW)
    review = await lifecycle.start(
        make_assignment(unique_id, day(-60), day(45)), imported=Imported()
    )
    state = await lifecycle.phase(review, "active")  # its request is 30 days before the end
    assert state.next_transition is not None
    assert state.next_transition.kind == "renewal_request"
    await lifecycle.skip_to(state.next_transition.at)
    state = await lifecycle.phase(review, "renewal_review")
    assert await lifecycle.mail_kinds(unique_id) == ["renewal_request"]


async def test_an_assignment_over_already_completes_at_once(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    await lifecycle.clock_shows(NOW)
    handle = await lifecycle.start(
        make_assignment(unique_id, day(-120), day(-30)), imported=Imported()
    )
    state = await lifecycle.phase(handle, "completed")
    assert await lifecycle.mail_kinds(unique_id) == []
    assert state.ended_at is not None


async def test_an_imported_offboarding_completes_two_weeks_after_its_end(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    await lifecycle.clock_shows(NOW)
    handle = await lifecycle.start(
        make_assignment(unique_id, day(-90), day(-3)), imported=Imported()
    )
    state = await lifecycle.phase(handle, "offboarding")
    assert state.next_transition is not None
    # The feedback reminder (3 days after the end) has passed: what is ahead is the completion.
    assert state.next_transition.kind == "completion"
    await lifecycle.skip_to(state.next_transition.at)
    await lifecycle.phase(handle, "completed")
    assert await lifecycle.mail_kinds(unique_id) == []
