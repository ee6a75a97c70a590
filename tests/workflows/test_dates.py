"""A start that moves before it comes (an amendment's `start_date`): the schedule is drawn again,
and once the freelancer is invited the kick-off and the team's events move in their calendar
(the same UID, a higher SEQUENCE). Once the assignment has started, its start stays. An
extension signed during offboarding, even after the access closed, brings the freelancer back.

The deployment clock shows a Wednesday at 10:00 in Brussels; every date is relative to it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.clock import BRUSSELS
from tests.workflows.conftest import Lifecycle, make_assignment
from tests.workflows.test_assignment import refused, skip_until
from workflows.assignment import AssignmentWorkflow
from workflows.types import REFUSED_CONFLICT, REFUSED_INVALID, AmendInput, ExtendInput

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
        lambda found: (
            [m["kind"] for m in found].count("start_moved") == 1
            and [m["kind"] for m in found].count("team_event_invitation") == 2
        ),
        "the kick-off and the team's events moved",
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
    await lifecycle.save_history(handle, "start-moved")


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


async def test_an_extension_during_offboarding_brings_the_freelancer_back(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    """Signed after access closed: back to work in a new term, the account opened again."""
    await lifecycle.clock_shows(NOW)
    handle = await lifecycle.start(make_assignment(unique_id, day(-60), day(3), team_events=[]))
    await lifecycle.phase(handle, "renewal_review")  # the end is near: nobody decides
    await skip_until(lifecycle, handle, "revoke_access")
    state = await lifecycle.eventually(
        lambda: lifecycle.state(handle),
        lambda s: s.phase == "offboarding" and {a.status for a in s.access} == {"revoked"},
        "the access closed after the last day",
    )
    assert any(t.phase == "offboarding" and not t.done for t in state.tasks)

    new_end = day(60)
    state = await handle.execute_update(
        AssignmentWorkflow.extend, ExtendInput(new_end_date=new_end, reason="phase 2 signed late")
    )
    assert (state.phase, state.term, state.term_start) == ("active", 2, day(4))
    assert not any(t.phase == "offboarding" and not t.done for t in state.tasks)
    await lifecycle.eventually(
        lambda: lifecycle.ledger(unique_id),
        lambda found: set(found.values()) == {"granted"},
        "access restored",
    )
    entries = [e["summary"] for e in await lifecycle.timeline(unique_id)]
    assert any("back from offboarding, access restored" in e for e in entries), entries
    assert "renewal_outcome" in await lifecycle.mail_kinds(unique_id)

    # The new term runs to its own end: offboarding again, at the new end.
    state = await lifecycle.state(handle)
    offboarding = next(t for t in state.planned if t.kind == "offboarding")
    assert offboarding.at.astimezone(BRUSSELS).date() <= new_end
    assert offboarding.at.astimezone(BRUSSELS).date() > day(30)
    await lifecycle.save_history(handle, "back-from-offboarding")  # term 1, to the extension
