"""Calendars that stay true, as the freelancer's mail client sees them at the SMTP server: a
cancellation withdraws the kick-off and the team's events (METHOD:CANCEL, the same UID, a higher
SEQUENCE); an early end withdraws the team's events on the last day, not the kick-off that took
place. An amendment of the team's events updates or withdraws their series."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from tests.effects.conftest import Stack, eventually

pytestmark = pytest.mark.slow

DEMO = {"title": "Friday demo", "rrule": "FREQ=WEEKLY;BYDAY=FR", "start_time": "15:00",
        "duration_minutes": 45}  # fmt: skip


def event_of(message: EmailMessage) -> tuple[str, object]:
    """(METHOD, the VEVENT) of the mail's text/calendar part."""
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_content())
    assert part.get_param("method") == str(calendar["METHOD"])
    return str(calendar["METHOD"]), calendar.walk("VEVENT")[0]


async def mails_of(stack: Stack, kind: str, assignment_id: str, count: int) -> list[EmailMessage]:
    found = await eventually(
        lambda: _mails(stack, kind, assignment_id),
        lambda got: len(got) >= count,
        f"{count} {kind} mail(s) for {assignment_id}",
    )
    return [r.message for r in found]


async def _mails(stack: Stack, kind: str, assignment_id: str) -> list[object]:
    return stack.mails(kind, assignment_id)


async def test_a_cancellation_withdraws_the_kickoff_and_the_teams_events(stack: Stack) -> None:
    assignment_id = await stack.create("CAL-CANCEL", start=3, end=90, team_events=[DEMO])
    (welcome,) = await mails_of(stack, "welcome", assignment_id, 1)
    (demo,) = await mails_of(stack, "team_event_invitation", assignment_id, 1)

    answer = await stack.api.post(
        f"/v1/assignments/{assignment_id}/cancellation", json={"reason": "budget moved"}
    )
    assert answer.status_code == 200, answer.text
    withdrawn = await mails_of(stack, "invitation_cancelled", assignment_id, 2)
    by_uid = {str(event_of(m)[1]["UID"]): m for m in withdrawn}
    for invitation in (welcome, demo):
        method, event = event_of(invitation)
        assert method == "REQUEST"
        cancel_method, cancel = event_of(by_uid[str(event["UID"])])
        assert cancel_method == "CANCEL" and str(cancel["STATUS"]) == "CANCELLED"
        assert cancel.decoded("SEQUENCE") > event.decoded("SEQUENCE")
    kickoff_cancel = by_uid[str(event_of(welcome)[1]["UID"])]
    assert "lea@client.example" in kickoff_cancel["Cc"]  # the manager had the kick-off too


async def test_an_early_end_withdraws_the_teams_events_on_the_last_day(stack: Stack) -> None:
    assignment_id = await stack.create("CAL-END", start=-20, end=80, team_events=[DEMO])
    (demo,) = await mails_of(stack, "team_event_invitation", assignment_id, 1)
    last_day = stack.today() + timedelta(days=1)
    answer = await stack.api.post(
        f"/v1/assignments/{assignment_id}/termination",
        json={"effective_date": last_day.isoformat(), "reason": "project stopped"},
    )
    assert answer.status_code == 200, answer.text
    assert not stack.mails("invitation_cancelled", assignment_id)  # still working there

    (withdrawn,) = await mails_of(stack, "invitation_cancelled", assignment_id, 1)
    method, event = event_of(withdrawn)
    assert method == "CANCEL"
    assert event["UID"] == event_of(demo)[1]["UID"]
    assert (await stack.assignment(assignment_id))["phase"] == "offboarding"
    assert stack.today() >= last_day


async def test_the_teams_events_follow_an_amendment(stack: Stack) -> None:
    assignment_id = await stack.create("CAL-TEAM", start=-20, end=80, team_events=[DEMO])
    (demo,) = await mails_of(stack, "team_event_invitation", assignment_id, 1)
    url = f"/v1/assignments/{assignment_id}/amendments"
    retro = {"title": "Retrospective", "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
             "start_time": "16:00", "duration_minutes": 60}  # fmt: skip

    # The demo becomes a retrospective: the same event in the calendar, updated.
    answer = await stack.api.post(url, json={"team_events": [retro]})
    assert answer.status_code == 200, answer.text
    _, retold = await mails_of(stack, "team_event_invitation", assignment_id, 2)
    method, event = event_of(retold)
    assert method == "REQUEST" and str(event["SUMMARY"]) == "Retrospective"
    assert event["UID"] == event_of(demo)[1]["UID"]
    assert event.decoded("SEQUENCE") > event_of(demo)[1].decoded("SEQUENCE")

    # No team events any more: the series is withdrawn from the calendar.
    answer = await stack.api.post(url, json={"team_events": []})
    assert answer.status_code == 200, answer.text
    (withdrawn,) = await mails_of(stack, "invitation_cancelled", assignment_id, 1)
    method, event = event_of(withdrawn)
    assert method == "CANCEL" and event["UID"] == event_of(demo)[1]["UID"]
    assert event.decoded("SEQUENCE") > event_of(retold)[1].decoded("SEQUENCE")
