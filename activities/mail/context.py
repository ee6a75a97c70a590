"""What the templates see: the part every mail shares, built once, and what each kind adds.

Every mail sees the assignment's people (`freelancer`, `manager`, `buddy`, `hr`, and
`first_name`, `manager_first_name`, `buddy_first_name`), `team`, `role`, `purpose`, dates in words
in the assignment's language and timezone (`start_date`, `start_day` with the weekday, `end_date`,
`end_day`, and `date(d)`), and the links (`assignment_url`, `decision_url`). The rest is
particular to the kind, chosen in `_PARTICULAR`: the first days (`kickoff`, `tools`,
`team_events`, the onboarding checklist), the meeting of an invitation (`meeting`, and `event` for
a team event), the offboarding checklist, the renewal decision (`decision_due`,
`escalated_to_hr`, `renewed`), the `note` of a notice, and the exit-feedback link
(`feedback_url`, `feedback_until`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.tokens import (
    make_decision_token,
    make_feedback_token,
    make_personal_token,
    make_task_token,
)
from workflows import checklists
from workflows.types import MailKind, Person, QueueMailInput, Task

from .calendar import KICKOFF_AT, KICKOFF_MINUTES, Meeting
from .config import MailConfig
from .dates import describe_recurrence, format_date, format_time, zone
from .recipients import hr_person, task_owner, to_freelancer

FEEDBACK_VALID_DAYS = 30
PERSONAL_LINK_DAYS = 365  # the freelancer's own page stays open a year after the last day
TASK_LINK_DAYS = 14  # a task's link works until the assignment completes, 14 days after the end


def first_name(person: Person | None) -> str:
    if person is None:
        return ""
    words = person.name.split()
    return words[0] if words else person.name


def feedback_token(input: QueueMailInput, config: MailConfig) -> tuple[str, datetime]:
    """The exit-feedback token and its expiry: 30 days after the end of the last day, so the
    exit mail and its reminder carry the very same link."""
    a = input.assignment
    end_of_last_day = datetime.combine(a.end_date + timedelta(days=1), time(0), zone(a))
    expires_at = (end_of_last_day + timedelta(days=FEEDBACK_VALID_DAYS)).astimezone(UTC)
    token = make_feedback_token(a.assignment_id, input.term, config.signing_key, expires_at)
    return token, expires_at


@dataclass(frozen=True)
class _Mail:
    """What every part of a context is built from."""

    input: QueueMailInput
    config: MailConfig
    meeting: Meeting | None
    language: str
    tz: ZoneInfo
    hr: Person | None

    @property
    def base_url(self) -> str:
        return self.config.public_url.rstrip("/")

    def day(self, value: date | datetime, weekday: bool = False) -> str:
        """A date in words; a moment as the local day it falls on."""
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, self.language, weekday=weekday)


def context_for(
    input: QueueMailInput, config: MailConfig, meeting: Meeting | None, language: str
) -> dict[str, Any]:
    """Everything the kind's template sees, in `language`."""
    a = input.assignment
    mail = _Mail(input, config, meeting, language, zone(a), hr_person(input, config))
    personal = {"me_url": personal_url(input, config)} if to_freelancer(input.kind) else {}
    return _shared(mail) | _PARTICULAR[input.kind](mail) | personal


def personal_url(input: QueueMailInput, config: MailConfig) -> str:
    """The freelancer's own page (`/me/{token}`): where their assignment stands, in every mail to
    them; bound to their address, open until a year after the last day."""
    a = input.assignment
    until = datetime.combine(a.end_date + timedelta(days=PERSONAL_LINK_DAYS + 1), time(0), zone(a))
    token = make_personal_token(
        a.assignment_id, input.term, a.freelancer.email, config.signing_key, until.astimezone(UTC)
    )
    return f"{config.public_url.rstrip('/')}/me/{token}"


def _shared(m: _Mail) -> dict[str, Any]:
    """People, dates and links: what every mail sees."""
    a = m.input.assignment
    assignment_url = f"{m.base_url}/assignments/{a.assignment_id}"
    return {
        "kind": str(m.input.kind),
        "assignment_id": a.assignment_id,
        "term": m.input.term,
        "freelancer": a.freelancer,
        "manager": a.manager,
        "buddy": a.buddy,
        "hr": m.hr,
        "first_name": first_name(a.freelancer),
        "manager_first_name": first_name(a.manager),
        "buddy_first_name": first_name(a.buddy),
        "team": a.team,
        "role": a.role,
        "purpose": a.purpose.strip(),
        "start_date": m.day(a.start_date),
        "start_day": m.day(a.start_date, weekday=True),
        "end_date": m.day(a.end_date),
        "end_day": m.day(a.end_date, weekday=True),
        "date": m.day,
        "assignment_url": assignment_url,
        "decision_url": f"{assignment_url}#decision",
    }


def task_done_url(input: QueueMailInput, config: MailConfig, task: Task) -> str | None:
    """The manager's own "mark done" link of one of their open tasks (`/tasks/{token}`), bound
    to that task and that manager's address, valid until the assignment would complete (the
    last day's end and 14 days); None for a task the manager does not own or that is done."""
    a = input.assignment
    if task.done or checklists.owner_of(task, a) != "manager":
        return None
    end = datetime.combine(a.end_date + timedelta(days=TASK_LINK_DAYS + 1), time(0), zone(a))
    token = make_task_token(
        a.assignment_id, input.term, task.task_id, a.manager.email, config.signing_key,
        end.astimezone(UTC),
    )  # fmt: skip
    return f"{config.public_url.rstrip('/')}/tasks/{token}"


def _done_links(m: _Mail, phase: str) -> dict[str, str]:
    """The "mark done" link of each open task of the phase the manager owns, by its title."""
    links = {}
    for t in m.input.tasks:
        if t.phase == phase and (url := task_done_url(m.input, m.config, t)):
            links[checklists.title(t.task_id, m.language, t.title, t.titles)] = url
    return links


def _tasks(m: _Mail, phase: str) -> tuple[list[str], list[str]]:
    """The titles of the phase's checklist in the mail's language: all of them, the open ones."""
    tasks = [t for t in m.input.tasks if t.phase == phase]
    titles = [(checklists.title(t.task_id, m.language, t.title, t.titles), t.done) for t in tasks]
    return [title for title, _ in titles], [title for title, done in titles if not done]


def _onboarding(m: _Mail) -> dict[str, Any]:
    """The first days: the kick-off, the tools granted (else asked for), the checklist."""
    a = m.input.assignment
    granted = m.input.granted_tools
    tasks, open_tasks = _tasks(m, "onboarding")
    return {
        "kickoff": {
            "day": m.day(a.start_date, weekday=True),
            "time": format_time(KICKOFF_AT, m.language),
            "minutes": KICKOFF_MINUTES,
        },
        "tools": granted or list(a.tools),
        "team_events": [e.title for e in a.team_events],
        "onboarding_tasks": tasks,
        "open_onboarding_tasks": open_tasks,
        "done_links": (
            _done_links(m, "onboarding") if m.input.kind == MailKind.MANAGER_CHECKLIST else {}
        ),
    }


def _invitation(m: _Mail) -> dict[str, Any]:
    """The meeting the mail invites to, in local time; a team event's own title and rhythm."""
    if m.meeting is None:
        return {"meeting": None, "event": None}
    local = m.meeting.start.astimezone(m.tz)
    meeting = {
        "day": format_date(local.date(), m.language, weekday=True),
        "time": format_time(local.time(), m.language),
        "minutes": m.meeting.minutes,
    }
    event = None
    if m.meeting.title is not None:
        index = int(m.input.occurrence.rpartition(":")[2])  # as meeting_for read it
        rule = m.input.assignment.team_events[index].rrule
        event = dict(
            meeting, title=m.meeting.title, recurrence=describe_recurrence(rule, m.language)
        )
    return {"meeting": meeting, "event": event}


def _welcome(m: _Mail) -> dict[str, Any]:
    """The first days, and the kick-off invitation."""
    return _onboarding(m) | _invitation(m)


def _offboarding(m: _Mail) -> dict[str, Any]:
    tasks, open_tasks = _tasks(m, "offboarding")
    return {
        "offboarding_tasks": tasks,
        "open_offboarding_tasks": open_tasks,
        "done_links": _done_links(m, "offboarding"),
    }


def decide_url(input: QueueMailInput, config: MailConfig) -> str | None:
    """The manager's own link to the pending decision (`/decide/{token}`): bound to that
    decision and that manager's address, valid until the decision's deadline."""
    a, asked, due = input.assignment, input.decision_asked, input.decision_due
    if asked is None or due is None:
        return None
    token = make_decision_token(
        a.assignment_id, input.term, asked, a.manager.email, config.signing_key, due
    )
    return f"{config.public_url.rstrip('/')}/decide/{token}"


def _decision(m: _Mail) -> dict[str, Any]:
    """The renewal decision asked of the manager, by when, and the link that takes it (no
    sign-in: the link is the manager's own)."""
    due = m.input.decision_due
    link = decide_url(m.input, m.config)
    return {"decision_due": m.day(due) if due else None} | ({"decision_url": link} if link else {})


def _escalation(m: _Mail) -> dict[str, Any]:
    """To HR: the operator UI's page; the manager's own link for the manager in copy."""
    return {
        "escalated_to_hr": m.hr is not None,
        "manager_decide_url": decide_url(m.input, m.config),
    }


def _notice(m: _Mail) -> dict[str, Any]:
    """A termination or a cancellation, with the note given (if any)."""
    return {"note": (m.input.note or "").strip() or None}


def _outcome(m: _Mail) -> dict[str, Any]:
    """The renewal decided, with the note given (if any)."""
    return _notice(m) | {"renewed": m.input.renewal_decision != "end"}


def _feedback(m: _Mail) -> dict[str, Any]:
    """The exit-feedback link, the same in the exit mail and its reminder, and its last day."""
    token, expires_at = feedback_token(m.input, m.config)
    return {
        "feedback_url": f"{m.base_url}/feedback/{token}",
        "feedback_until": m.day(expires_at - timedelta(seconds=1)),
    }


def _late_tasks(m: _Mail) -> dict[str, Any]:
    """The checklist's tasks the follow-up is about (those it marked at its moment): to their
    owner, the owner's; to HR, all of them, each with who does it."""
    a = m.input.assignment
    reminder = m.input.kind == MailKind.TASK_REMINDER
    owner = m.input.occurrence.rpartition("_")[2] if reminder else ""
    people = {"freelancer": a.freelancer, "buddy": a.buddy, "hr": m.hr}
    late = []
    for t in m.input.tasks:
        marked = t.reminded_at if reminder else t.escalated_at
        if marked != m.input.at or (reminder and checklists.owner_of(t, a) != owner):
            continue
        person = people.get(checklists.owner_of(t, a)) or a.manager
        late.append(
            {
                "title": checklists.title(t.task_id, m.language, t.title, t.titles),
                "due": m.day(t.due, weekday=True) if t.due else "",
                "owner": person.name or person.email,
                "done_url": task_done_url(m.input, m.config, t) if reminder else None,
            }
        )
    recipient = task_owner(m.input, m.config) if reminder else None
    return {
        "late_tasks": late,
        "late_count": len(late),
        "owner": owner,
        "owner_first_name": first_name(recipient) if recipient else "",
        "tasks_url": f"{m.base_url}/assignments/{a.assignment_id}#tasks",
        "escalated_to_hr": m.hr is not None,
    }


def _nothing(m: _Mail) -> dict[str, Any]:
    return {}


# What each kind sees beyond the shared part.
def _attention(m: _Mail) -> dict[str, Any]:
    """Something an admin must see to: the IdP's last answer, the tools, the Today page."""
    return _notice(m) | {"tools": list(m.input.assignment.tools), "today_url": f"{m.base_url}/"}


_PARTICULAR: dict[MailKind, Callable[[_Mail], dict[str, Any]]] = {
    MailKind.MANAGER_CHECKLIST: _onboarding,
    MailKind.WELCOME: _welcome,
    MailKind.BUDDY_INTRODUCTION: _onboarding,
    MailKind.TEAM_EVENT_INVITATION: _invitation,
    MailKind.FIRST_DAY: _onboarding,
    MailKind.CHECKIN: _nothing,
    MailKind.DEVELOPMENT: _invitation,
    MailKind.RENEWAL_REQUEST: _decision,
    MailKind.RENEWAL_REMINDER: _decision,
    MailKind.RENEWAL_ESCALATION: _escalation,
    MailKind.RENEWAL_OUTCOME: _outcome,
    MailKind.TERMINATION_NOTICE: _notice,
    MailKind.CANCELLATION_NOTICE: _notice,
    MailKind.OFFBOARDING_CHECKLIST: _offboarding,
    MailKind.EXIT_FEEDBACK: _feedback,
    MailKind.FEEDBACK_REMINDER: _feedback,
    MailKind.ALUMNI_INVITATION: _nothing,
    MailKind.ACCESS_OVERDUE: _attention,
    MailKind.REVOCATION_HELD: _attention,
    MailKind.INVITATION_CANCELLED: _invitation,
    MailKind.START_MOVED: _invitation,
    MailKind.TASK_REMINDER: _late_tasks,
    MailKind.TASK_ESCALATION: _late_tasks,
}
