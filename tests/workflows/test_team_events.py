"""The team's events follow the contract (an amendment's `team_events`, or a team change): once
the freelancer is invited, a series no longer there is withdrawn (METHOD:CANCEL, its own UID), a
changed or new one is sent (a higher SEQUENCE), an unchanged one is left alone; before the
onboarding, the onboarding sends the new list. Mails are read from the outbox.

The deployment clock shows a Wednesday at 10:00 in Brussels; every date is relative to it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tests.clock import BRUSSELS
from tests.workflows.conftest import Lifecycle, make_assignment
from workflows.assignment import AssignmentWorkflow
from workflows.types import AmendInput, TeamEvent

NOW = datetime(2027, 3, 10, 10, 0, tzinfo=BRUSSELS)
DEMO = TeamEvent(title="Friday demo", rrule="FREQ=WEEKLY;BYDAY=FR", start_time="15:00")
STANDUP = TeamEvent(title="Stand-up", rrule="FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", start_time="09:30")
RETRO = TeamEvent(
    title="Retrospective", rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", start_time="16:00"
)
LUNCH = TeamEvent(title="Team lunch", rrule="FREQ=MONTHLY;BYDAY=1TU", start_time="12:00")


def day(offset: int) -> date:
    return NOW.date() + timedelta(days=offset)


def invitations(mails: list[Any]) -> list[tuple[str, str, int, str]]:
    """(kind, occurrence, SEQUENCE, SUMMARY) of each invitation or withdrawal of a team event."""
    found = []
    for m in mails:
        if m["kind"] == "team_event_invitation" or m["occurrence"].startswith("team_event"):
            lines = dict(line.split(":", 1) for line in m["calendar"].splitlines() if ":" in line)
            found.append((m["kind"], m["occurrence"], int(lines["SEQUENCE"]), lines["SUMMARY"]))
    return found


async def settled(lifecycle: Lifecycle, assignment_id: str, count: int) -> list[Any]:
    return invitations(
        await lifecycle.eventually(
            lambda: lifecycle.mails(assignment_id),
            lambda found: len(invitations(found)) >= count,
            f"{count} team event mails",
        )
    )


async def test_the_freelancers_calendar_follows_the_teams_events(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    await lifecycle.clock_shows(NOW)
    handle = await lifecycle.start(
        make_assignment(unique_id, day(-20), day(80), team_events=[DEMO, STANDUP])
    )
    await lifecycle.phase(handle, "active")
    sent = await settled(lifecycle, unique_id, 2)  # caught up when it was signed
    assert [(k, o, seq) for k, o, seq, _ in sent] == [
        ("team_event_invitation", "0", 0),
        ("team_event_invitation", "1", 0),
    ]

    # The stand-up becomes a retrospective, and a lunch is added; the demo stays as it was.
    await handle.execute_update(
        AssignmentWorkflow.amend, AmendInput(team_events=[DEMO, RETRO, LUNCH])
    )
    sent = await settled(lifecycle, unique_id, 4)
    assert sent[2:] == [
        ("team_event_invitation", "1", 1, "Retrospective"),
        ("team_event_invitation", "2", 1, "Team lunch"),
    ]

    # Only the demo is left: the other two are withdrawn, each under its own UID.
    state = await handle.execute_update(AssignmentWorkflow.amend, AmendInput(team_events=[DEMO]))
    assert state.assignment.team_events == [DEMO]
    sent = await settled(lifecycle, unique_id, 6)
    assert sent[4:] == [
        ("invitation_cancelled", "team_event_invitation:1", 2, "Retrospective"),
        ("invitation_cancelled", "team_event_invitation:2", 2, "Team lunch"),
    ]

    # A team change tells the demo again, under the new team's name.
    await handle.execute_update(AssignmentWorkflow.amend, AmendInput(team="Finance"))
    sent = await settled(lifecycle, unique_id, 7)
    assert sent[6:] == [("team_event_invitation", "0", 3, "Friday demo")]
    last = (await lifecycle.mails(unique_id))[-1]
    assert "Finance" in last["body_text"]
    entries = [e["summary"] for e in await lifecycle.timeline(unique_id)]
    assert "Amended: team events: 1" in entries
    await lifecycle.save_history(handle, "team-events")


async def test_before_the_onboarding_the_new_list_is_the_one_sent(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    await lifecycle.clock_shows(NOW)
    handle = await lifecycle.start(
        make_assignment(unique_id, day(20), day(110), team_events=[DEMO])
    )
    state = await lifecycle.phase(handle, "scheduled")
    await handle.execute_update(AssignmentWorkflow.amend, AmendInput(team_events=[RETRO]))
    assert invitations(await lifecycle.mails(unique_id)) == []
    assert state.next_transition is not None
    await lifecycle.skip_to(state.next_transition.at)
    await lifecycle.phase(handle, "onboarding")
    sent = await settled(lifecycle, unique_id, 1)
    assert [(k, o, summary) for k, o, _, summary in sent] == [
        ("team_event_invitation", "0", "Retrospective")
    ]
