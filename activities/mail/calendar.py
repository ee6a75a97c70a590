"""Meetings and the calendar invitation (RFC 5545, `METHOD:REQUEST`) an invitation mail carries.

welcome: the kick-off on the start date, 10:00 local, 60 minutes, freelancer, manager, buddy.
team_event_invitation: the team event `occurrence` (its index), first on the first matching day
from the start date, until the end date (unless the RRULE says otherwise). development: 7 days
after `input.at`, 14:00 local, 45 minutes. The organizer is the manager, `SEQUENCE` is
`input.revision`, and the UID (see `identity`) does not depend on the term or the revision, so a
re-sent or moved invitation updates the same event. invitation_cancelled withdraws one of those
(`METHOD:CANCEL`, the same UID, a higher SEQUENCE): its occurrence names the invitation.
start_moved moves the kick-off to the new start date (the same UID, a higher SEQUENCE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as dateutil_rrule
from icalendar import Calendar, Event, vCalAddress, vRecur

from workflows.types import Assignment, MailKind, Person, QueueMailInput

from .config import MailConfig, MailInputError
from .dates import bare_rrule, zone
from .identity import calendar_uid

KICKOFF_AT = time(10, 0)
KICKOFF_MINUTES = 60
DEVELOPMENT_AFTER = timedelta(days=7)
DEVELOPMENT_AT = time(14, 0)
DEVELOPMENT_MINUTES = 45

# Invitations: the kinds whose mail carries a calendar event.
INVITATIONS = frozenset(
    {
        MailKind.WELCOME,
        MailKind.TEAM_EVENT_INVITATION,
        MailKind.DEVELOPMENT,
        MailKind.INVITATION_CANCELLED,
        MailKind.START_MOVED,
    }
)


@dataclass
class Meeting:
    uid: str
    start: datetime  # aware, in the assignment's timezone
    minutes: int
    organizer: Person
    attendees: list[tuple[Person, str]]  # (person, ROLE)
    rrule: vRecur | None = None
    title: str | None = None  # a team event's own title
    cancelled: bool = False  # withdrawn: METHOD:CANCEL


def withdrawn(input: QueueMailInput) -> QueueMailInput:
    """The invitation an invitation_cancelled withdraws (its kind and occurrence)."""
    kind, _, occurrence = input.occurrence.partition(":")
    if kind not in (MailKind.WELCOME, MailKind.TEAM_EVENT_INVITATION):
        raise MailInputError(f"no invitation {input.occurrence!r} to cancel")
    return input.model_copy(update={"kind": MailKind(kind), "occurrence": occurrence})


def meeting_for(input: QueueMailInput, config: MailConfig) -> Meeting | None:
    """The calendar event an invitation carries (or withdraws); None for the other kinds."""
    if input.kind == MailKind.START_MOVED:  # the kick-off, on the new start date
        return meeting_for(
            input.model_copy(update={"kind": MailKind.WELCOME, "occurrence": ""}), config
        )
    if input.kind == MailKind.INVITATION_CANCELLED:
        meeting = meeting_for(withdrawn(input), config)
        assert meeting is not None
        meeting.cancelled = True
        return meeting
    a = input.assignment
    tz = zone(a)
    uid = calendar_uid(
        assignment_id=a.assignment_id,
        kind=input.kind,
        occurrence=input.occurrence,
        sender=config.sender,
    )
    if input.kind == MailKind.WELCOME:
        attendees = [(a.freelancer, "REQ-PARTICIPANT"), (a.manager, "CHAIR")]
        if a.buddy is not None:
            attendees.append((a.buddy, "REQ-PARTICIPANT"))
        return Meeting(
            uid=uid,
            start=datetime.combine(a.start_date, KICKOFF_AT, tz),
            minutes=KICKOFF_MINUTES,
            organizer=a.manager,
            attendees=attendees,
        )
    if input.kind == MailKind.DEVELOPMENT:
        day = input.at.astimezone(tz).date() + DEVELOPMENT_AFTER
        return Meeting(
            uid=uid,
            start=datetime.combine(day, DEVELOPMENT_AT, tz),
            minutes=DEVELOPMENT_MINUTES,
            organizer=a.manager,
            attendees=[(a.freelancer, "REQ-PARTICIPANT"), (a.manager, "CHAIR")],
        )
    if input.kind == MailKind.TEAM_EVENT_INVITATION:
        return _team_event_meeting(input, a, tz, uid)
    return None


def _team_event_meeting(input: QueueMailInput, a: Assignment, tz: ZoneInfo, uid: str) -> Meeting:
    index = int(input.occurrence) if input.occurrence.isdigit() else -1
    if not 0 <= index < len(a.team_events):
        raise MailInputError(f"no team event {input.occurrence!r} on the assignment")
    event = a.team_events[index]
    try:
        hour, minute = (int(x) for x in event.start_time.split(":"))
        at = time(hour, minute)
        recur = vRecur.from_ical(bare_rrule(event.rrule))
        # The first matching local day from the start date (UNTIL and COUNT left out: they may be
        # written in any of RFC 5545's forms, and do not move the first occurrence).
        search = {k: v for k, v in recur.items() if k not in ("UNTIL", "COUNT")}
        start = datetime.combine(a.start_date, at)
        rule = dateutil_rrule.rrulestr(vRecur(search).to_ical().decode(), dtstart=start)
        if not isinstance(rule, dateutil_rrule.rrule):
            raise ValueError("not a single RRULE")
        first = next(iter(rule.replace(until=start + timedelta(days=732))), None)
    except (ValueError, TypeError, KeyError):
        raise MailInputError(
            f"team event {input.occurrence} has an unusable time or RRULE"
        ) from None
    if first is None:
        raise MailInputError(f"team event {input.occurrence} never happens in two years")
    if "UNTIL" not in recur and "COUNT" not in recur:
        last_minute = datetime.combine(a.end_date, time(23, 59), tz)
        recur["UNTIL"] = [last_minute.astimezone(UTC)]
    return Meeting(
        uid=uid,
        start=first.replace(tzinfo=tz),
        minutes=event.duration_minutes,
        organizer=a.manager,
        attendees=[(a.freelancer, "REQ-PARTICIPANT")],
        rrule=recur,
        title=event.title,
    )


def calendar_text(
    meeting: Meeting, *, summary: str, description: str, stamp: datetime, sequence: int
) -> str:
    """The iCalendar object inviting the attendees to the meeting (METHOD:REQUEST), or telling
    them it is withdrawn (METHOD:CANCEL, STATUS:CANCELLED)."""
    cal = Calendar()
    cal.add("prodid", "-//assignment-lifecycle//lifecycle mail//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method_of(meeting))
    event = Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", meeting.start)
    event.add("dtend", meeting.start + timedelta(minutes=meeting.minutes))
    if meeting.rrule is not None:
        event.add("rrule", meeting.rrule)
    event.add("sequence", sequence)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{meeting.organizer.email}")
    organizer.params["CN"] = meeting.organizer.name
    event.add("organizer", organizer)
    for person, role in meeting.attendees:
        event.add("attendee", _attendee(person, role, meeting.organizer))
    cal.add_component(event)
    # One VTIMEZONE for the TZID, covering the meeting (and its series) with room to spare.
    first = meeting.start.date() - timedelta(days=1)
    cal.add_missing_timezones(first_date=first, last_date=first + timedelta(days=3 * 366))
    return cal.to_ical().decode()


def method_of(meeting: Meeting) -> str:
    return "CANCEL" if meeting.cancelled else "REQUEST"


def _attendee(person: Person, role: str, organizer: Person) -> vCalAddress:
    """An attendee; the organizer among them has accepted already, the others are asked."""
    attendee = vCalAddress(f"mailto:{person.email}")
    attendee.params["CN"] = person.name
    attendee.params["CUTYPE"] = "INDIVIDUAL"
    attendee.params["ROLE"] = role
    if person.email.lower() == organizer.email.lower():
        attendee.params["PARTSTAT"] = "ACCEPTED"
        attendee.params["RSVP"] = "FALSE"
    else:
        attendee.params["PARTSTAT"] = "NEEDS-ACTION"
        attendee.params["RSVP"] = "TRUE"
    return attendee
