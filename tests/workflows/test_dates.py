"""A start that moves before it comes (an amendment's `start_date`): the schedule is drawn again,
and once the freelancer is invited the kick-off and the team's events move in their calendar
(the same UID, a higher SEQUENCE). Once the assignment has started, its start stays.

The deployment clock shows a Wednesday at 10:00 in Brussels; every date is relative to it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.clock import BRUSSELS
from tests.workflows.conftest import Lifecycle, make_assignment
from tests.workflows.test_assignment import refused
from workflows.assignment import AssignmentWorkflow
from workflows.types import REFUSED_CONFLICT, REFUSED_INVALID, AmendInput

NOW = datetime(2027, 3, 10, 10, 0, tzinfo=BRUSSELS)
TODAY = NOW.date()


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


async def test_a_start_moved_twice_before_it_comes(lifecycle: Lifecycle, unique_id: str) -> None:
    await lifecycle.clock_shows(NOW)
    handle = await lifecycle.start(make_assignment(unique_id, day(20), day(110)))
    state = await lifecycle.phase(handle, "scheduled")
    assert state.next_transition is not None and state.next_transition.kind == "onboarding"

    # Postponed, then advanced a little: the onboarding follows each time (a week ahead).
    for start in (day(30), day(28)):  # a Friday, then a Wednesday
        state = await handle.execute_update(AssignmentWorkflow.amend, AmendInput(start_date=start))
        assert state.assignment.start_date == start
        assert state.next_transition is not None
        assert state.next_transition.at.astimezone(BRUSSELS).date() == start - timedelta(days=7)
    assert await lifecycle.mail_kinds(unique_id) == ["manager_checklist"]  # nothing moved yet

    await lifecycle.skip_to(state.next_transition.at)
    await lifecycle.phase(handle, "onboarding")
    await lifecycle.eventually(
        lambda: lifecycle.mail_kinds(unique_id), lambda k: "welcome" in k, "the welcome"
    )

    # Invited: moving the start again moves the kick-off and the team's events with it.
    state = await handle.execute_update(AssignmentWorkflow.amend, AmendInput(start_date=day(27)))
    assert state.phase == "onboarding" and state.kickoff_revision == 1
    mails = await lifecycle.eventually(
        lambda: lifecycle.mails(unique_id),
        lambda found: any(m["kind"] == "start_moved" for m in found),
        "the kick-off moved",
    )
    moved = next(m for m in mails if m["kind"] == "start_moved")
    assert "SEQUENCE:1" in moved["calendar"]
    assert f"DTSTART;TZID=Europe/Brussels:{day(27):%Y%m%d}T100000" in moved["calendar"]
    series = [m for m in mails if m["kind"] == "team_event_invitation"]
    assert len(series) == 2 and "SEQUENCE:1" in series[-1]["calendar"]
    entries = [e["summary"] for e in await lifecycle.timeline(unique_id)]
    assert f"Amended: start {day(28)} → {day(27)}" in entries

    await lifecycle.skip_to(datetime.combine(day(27), NOW.timetz()))
    state = await lifecycle.phase(handle, "active")
    await refused(
        handle.execute_update(AssignmentWorkflow.amend, AmendInput(start_date=day(40))),
        REFUSED_CONFLICT,
        "the assignment has started",
    )


async def test_a_start_moves_only_within_its_term(lifecycle: Lifecycle, unique_id: str) -> None:
    await lifecycle.clock_shows(NOW)
    handle = await lifecycle.start(make_assignment(unique_id, day(20), day(110)))
    await lifecycle.phase(handle, "scheduled")
    for start, words in (
        (day(-1), f"start_date must be today ({TODAY}) or later"),
        (day(111), f"start_date must not be after end_date ({day(110)})"),
    ):
        await refused(
            handle.execute_update(AssignmentWorkflow.amend, AmendInput(start_date=start)),
            REFUSED_INVALID,
            words,
        )
    state = await lifecycle.state(handle)
    assert state.assignment.start_date == day(20)  # nothing changed, and it carries on
