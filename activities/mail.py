"""Mail to the people around an assignment: the `send_mail` activity and everything it composes.

Each message is written to the outbox (`db.mail`) before it is sent, under a Message-ID derived
from the message's identity only, so a retried activity never sends the same mail twice.

Templates
    `activities/templates/mail/{language}/{kind}.txt.j2`, one per `MailKind` and language (`en`,
    `nl`, `fr`). A template defines two blocks, `subject` and `body` (plain text; whitespace in
    the subject is collapsed to single spaces); the invitations (`welcome`,
    `team_event_invitation`, `development`) also define `event_summary` and `event_description`
    for the calendar event. A missing translation falls back to English, and the mail is then in
    English throughout (dates and `Content-Language` included).

    The HTML alternative is one shared layout, `mail/layout.html.j2`, filled with the text body:
    blank-line separated paragraphs become `<p>`, runs of lines starting with `- ` become `<ul>`,
    and URLs become links. Every value is escaped. Text and HTML therefore always say the same.

    Templates see the assignment's people (`freelancer`, `manager`, `buddy`, `hr`, and
    `first_name`, `manager_first_name`, `buddy_first_name`), `team`, `role`, `purpose`, dates in
    words in the assignment's language and timezone (`start_date`, `start_day` with the weekday,
    `end_date`, `end_day`, and `date(d)`), the `kickoff`, the `tools`, the checklists, links, and
    what is particular to the kind (`meeting`, `event`, `renewed`, `note`, `feedback_url`, ...):
    see `_context`.

Message-ID
    `<{kind}[.{occurrence}].t{term}[.r{revision}].{assignment_id}@{sender's domain}>`: the
    occurrence only when there is one, the revision only when above 0. In the occurrence and the
    assignment id every character but `A-Z a-z 0-9 _ -` is written `=XX` (its UTF-8 bytes in hex),
    which keeps the id a valid RFC 5322 msg-id and never lets two messages share one.

Recipients (to / cc; the cc never repeats a "to")
    manager_checklist, renewal_request, renewal_reminder, offboarding_checklist: manager.
    welcome: freelancer / manager, buddy. buddy_introduction: buddy / freelancer (no buddy: the
    input is refused). team_event_invitation, checkin, exit_feedback, feedback_reminder,
    alumni_invitation: freelancer. first_day, development, renewal_outcome, termination_notice,
    cancellation_notice: freelancer / manager. renewal_escalation: the HR contact of the
    assignment, else `input.hr_email`, else `MailConfig.hr_email` / manager; with no HR address at
    all, the manager alone. Mail to the freelancer or the buddy has `Reply-To` the manager, so an
    answer reaches a person; mail to the manager has `Reply-To` HR when known.

Calendar invitations (RFC 5545, `METHOD:REQUEST`, `SEQUENCE` = `input.revision`)
    welcome: the kick-off on the start date, 10:00 local, 60 minutes, freelancer, manager, buddy.
    team_event_invitation: the team event `occurrence` (its index), first on the first matching
    day from the start date, until the end date (unless the RRULE says otherwise). development:
    7 days after `input.at`, 14:00 local, 45 minutes. The organizer is the manager. The UID,
    `{kind}[.{occurrence}].{assignment_id}@{sender's domain}`, does not depend on the term or
    the revision, so a re-sent or moved invitation updates the same event.

Outbox and retries: the row is written (`pending`, or `kept` without SMTP) before anything is
sent. A row already `sent` (or `kept`, while there is still no SMTP server) is the answer to a
repeated call, and nothing is sent. A `pending` row (an attempt that failed or died mid-way) or a
`failed` one (the activity run again, e.g. after a reset) is sent again under the same Message-ID.
A 5xx refusal of the message or of all its recipients marks the row `failed` and raises a
non-retryable `ProviderRejected`; anything else (connection, timeout, 4xx, login) keeps the row
`pending` with the error and raises, for Temporal to retry. Bodies and tokens are never logged.

MIME structure: multipart/alternative (text/plain, text/html); with an invitation, multipart/mixed
holding that alternative plus text/calendar (method=REQUEST) inside it and the same calendar as an
`invite.ics` attachment, the layout calendar clients of all sorts understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiosmtplib
import asyncpg
import jinja2
from dateutil import rrule as dateutil_rrule
from icalendar import Calendar, Event, vCalAddress, vRecur
from markupsafe import Markup, escape
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core.errors import INVALID_INPUT, PROVIDER_REJECTED
from core.tokens import make_feedback_token
from db import feedback
from db import mail as outbox
from workflows import checklists
from workflows.types import Assignment, MailKind, Person, SendMailInput, SendMailResult, Task

LANGUAGES = ("en", "nl", "fr")
FALLBACK_LANGUAGE = "en"
TEMPLATES = Path(__file__).with_name("templates")

KICKOFF_AT = time(10, 0)
KICKOFF_MINUTES = 60
DEVELOPMENT_AFTER = timedelta(days=7)
DEVELOPMENT_AT = time(14, 0)
DEVELOPMENT_MINUTES = 45
FEEDBACK_VALID_DAYS = 30

# Invitations: the kinds whose mail carries a calendar event.
INVITATIONS = frozenset({MailKind.WELCOME, MailKind.TEAM_EVENT_INVITATION, MailKind.DEVELOPMENT})


@dataclass
class MailConfig:
    sender: str  # the From address, "lifecycle@example.org" or "Name <lifecycle@example.org>"
    public_url: str  # base of links in mails
    signing_key: str  # signs the exit-feedback links
    smtp_url: str | None = None  # None: mail is kept in the outbox, not sent
    hr_email: str | None = None  # escalations when the assignment names no HR contact
    timeout_s: float = 30


class MailInputError(ValueError):
    """The input cannot make a mail (no recipient, an unknown team event, a bad RRULE...)."""


# --- dates in words ------------------------------------------------------------------------------

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}
WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "nl": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
}
AND = {"en": "and", "nl": "en", "fr": "et"}
EVERY = {"en": "every {}", "nl": "elke {}", "fr": "chaque {}"}
EVERY_DAY = {"en": "every day", "nl": "elke dag", "fr": "chaque jour"}
ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def format_date(value: date, language: str, *, weekday: bool = False) -> str:
    """`4 January 2027`, `4 januari 2027`, `4 janvier 2027` (`1er janvier` in French); with
    `weekday`, `Monday 4 January 2027`, `maandag 4 januari 2027`, `lundi 4 janvier 2027`."""
    language = language if language in MONTHS else FALLBACK_LANGUAGE
    day = "1er" if language == "fr" and value.day == 1 else str(value.day)
    text = f"{day} {MONTHS[language].split()[value.month - 1]} {value.year}"
    if weekday:
        text = f"{WEEKDAYS[language].split()[value.weekday()]} {text}"
    return text


def format_time(value: time, language: str) -> str:
    """`14:00`, `14.00 uur`, `14 h` (`14 h 30`)."""
    if language == "nl":
        return f"{value.hour}.{value.minute:02d} uur"
    if language == "fr":
        return f"{value.hour} h" + (f" {value.minute:02d}" if value.minute else "")
    return f"{value.hour:02d}:{value.minute:02d}"


def _join(items: list[str], language: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {AND.get(language, 'and')} {items[-1]}"


def describe_recurrence(rule: str, language: str) -> str | None:
    """`every Friday`, `elke maandag en donderdag`, `chaque jour` for the plain weekly and daily
    rules; None for anything else (the template then names the first date only)."""
    try:
        parts = vRecur.from_ical(_bare_rrule(rule))
    except ValueError:
        return None
    extra = set(parts) - {"FREQ", "BYDAY", "INTERVAL", "UNTIL", "COUNT", "WKST"}
    if extra or [str(i) for i in parts.get("INTERVAL", [1])] != ["1"]:
        return None
    freq = parts.get("FREQ", [""])[0]
    days = [str(d) for d in parts.get("BYDAY", [])]
    if freq == "DAILY" and not days:
        return EVERY_DAY[language]
    if freq == "WEEKLY" and days and all(d in ICAL_WEEKDAYS for d in days):
        names = WEEKDAYS[language].split()
        ordered = sorted(days, key=ICAL_WEEKDAYS.index)
        return EVERY[language].format(
            _join([names[ICAL_WEEKDAYS.index(d)] for d in ordered], language)
        )
    return None


# --- identities: Message-ID and calendar UID -----------------------------------------------------

_ATOM_SAFE = re.compile(r"[A-Za-z0-9_-]")


def _atom(value: str) -> str:
    """Injective: keeps A-Z a-z 0-9 _ -, writes every other character as =XX per UTF-8 byte."""
    return "".join(
        c if _ATOM_SAFE.fullmatch(c) else "".join(f"={b:02X}" for b in c.encode()) for c in value
    )


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    domain = address.rpartition("@")[2].lower()
    domain = re.sub(r"[^a-z0-9.-]", "", domain)
    domain = re.sub(r"\.{2,}", ".", domain).strip(".")
    return domain or "localhost"


def message_id_for(
    *, assignment_id: str, term: int, kind: str, occurrence: str, revision: int, sender: str
) -> str:
    """The message's Message-ID, from its identity only (see the module's docstring)."""
    parts = [str(kind)]
    if occurrence:
        parts.append(_atom(occurrence))
    parts.append(f"t{int(term)}")
    if revision:
        parts.append(f"r{int(revision)}")
    parts.append(_atom(assignment_id))
    return f"<{'.'.join(parts)}@{sender_domain(sender)}>"


def calendar_uid(*, assignment_id: str, kind: str, occurrence: str, sender: str) -> str:
    """The UID of a meeting: the same for every term and revision of its invitation."""
    parts = [str(kind)] + ([_atom(occurrence)] if occurrence else []) + [_atom(assignment_id)]
    return f"{'.'.join(parts)}@{sender_domain(sender)}"


# --- who gets what -------------------------------------------------------------------------------


@dataclass
class Recipients:
    to: list[Person]
    cc: list[Person] = field(default_factory=list)
    reply_to: Person | None = None


_TO_MANAGER = {
    MailKind.MANAGER_CHECKLIST,
    MailKind.RENEWAL_REQUEST,
    MailKind.RENEWAL_REMINDER,
    MailKind.OFFBOARDING_CHECKLIST,
}
_TO_FREELANCER = {
    MailKind.TEAM_EVENT_INVITATION,
    MailKind.CHECKIN,
    MailKind.EXIT_FEEDBACK,
    MailKind.FEEDBACK_REMINDER,
    MailKind.ALUMNI_INVITATION,
}
_TO_FREELANCER_CC_MANAGER = {
    MailKind.FIRST_DAY,
    MailKind.DEVELOPMENT,
    MailKind.RENEWAL_OUTCOME,
    MailKind.TERMINATION_NOTICE,
    MailKind.CANCELLATION_NOTICE,
}


def hr_person(input: SendMailInput, config: MailConfig) -> Person | None:
    """Who handles escalations: the assignment's HR contact, else the HR address given."""
    a = input.state.assignment
    if a.hr_contact is not None and a.hr_contact.email:
        return a.hr_contact
    email = input.hr_email or config.hr_email
    return Person(name="", email=email) if email else None


def recipients_for(input: SendMailInput, config: MailConfig) -> Recipients:
    a = input.state.assignment
    kind = input.kind
    hr = hr_person(input, config)
    if kind in _TO_MANAGER:
        r = Recipients(to=[a.manager], reply_to=hr)
    elif kind in _TO_FREELANCER:
        r = Recipients(to=[a.freelancer], reply_to=a.manager)
    elif kind in _TO_FREELANCER_CC_MANAGER:
        r = Recipients(to=[a.freelancer], cc=[a.manager], reply_to=a.manager)
    elif kind == MailKind.WELCOME:
        r = Recipients(to=[a.freelancer], cc=[a.manager, *_some(a.buddy)], reply_to=a.manager)
    elif kind == MailKind.BUDDY_INTRODUCTION:
        r = Recipients(to=_some(a.buddy), cc=[a.freelancer], reply_to=a.manager)
    elif kind == MailKind.RENEWAL_ESCALATION:
        r = Recipients(to=[hr], cc=[a.manager]) if hr else Recipients(to=[a.manager])
    else:  # pragma: no cover - every MailKind is listed above
        raise MailInputError(f"no recipients defined for {kind}")
    return _without_repeats(r)


def _some(person: Person | None) -> list[Person]:
    return [person] if person is not None else []


def _without_repeats(r: Recipients) -> Recipients:
    seen: set[str] = set()
    to = [p for p in r.to if not _seen(p, seen)]
    cc = [p for p in r.cc if not _seen(p, seen)]
    reply_to = r.reply_to
    if reply_to is not None and reply_to.email.strip().lower() in {p.email.lower() for p in to}:
        reply_to = None  # no point in replying to oneself
    return Recipients(to=to, cc=cc, reply_to=reply_to)


def _seen(person: Person, seen: set[str]) -> bool:
    key = person.email.strip().lower()
    if not key or key in seen:
        return True
    seen.add(key)
    return False


# --- meetings ------------------------------------------------------------------------------------


@dataclass
class Meeting:
    uid: str
    start: datetime  # aware, in the assignment's timezone
    minutes: int
    organizer: Person
    attendees: list[tuple[Person, str]]  # (person, ROLE)
    rrule: vRecur | None = None
    title: str | None = None  # a team event's own title


def _zone(a: Assignment) -> ZoneInfo:
    try:
        return ZoneInfo(a.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MailInputError(f"unknown timezone {a.timezone!r}") from None


def _bare_rrule(rule: str) -> str:
    rule = rule.strip()
    return rule[len("RRULE:") :] if rule.upper().startswith("RRULE:") else rule


def meeting_for(input: SendMailInput, config: MailConfig) -> Meeting | None:
    """The calendar event an invitation carries; None for the other kinds."""
    a = input.state.assignment
    tz = _zone(a)
    uid = calendar_uid(
        assignment_id=a.assignment_id,
        kind=input.kind,
        occurrence=input.occurrence,
        sender=config.sender,
    )
    if input.kind == MailKind.WELCOME:
        attendees = [(a.freelancer, "REQ-PARTICIPANT"), (a.manager, "CHAIR")]
        attendees += [(b, "REQ-PARTICIPANT") for b in _some(a.buddy)]
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


def _team_event_meeting(input: SendMailInput, a: Assignment, tz: ZoneInfo, uid: str) -> Meeting:
    index = int(input.occurrence) if input.occurrence.isdigit() else -1
    if not 0 <= index < len(a.team_events):
        raise MailInputError(f"no team event {input.occurrence!r} on the assignment")
    event = a.team_events[index]
    try:
        hour, minute = (int(x) for x in event.start_time.split(":"))
        at = time(hour, minute)
        recur = vRecur.from_ical(_bare_rrule(event.rrule))
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
    """The iCalendar object (METHOD:REQUEST) inviting the attendees to the meeting."""
    cal = Calendar()
    cal.add("prodid", "-//assignment-lifecycle//lifecycle mail//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "REQUEST")
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
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{meeting.organizer.email}")
    organizer.params["CN"] = meeting.organizer.name
    event.add("organizer", organizer)
    for person, role in meeting.attendees:
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["CN"] = person.name
        attendee.params["CUTYPE"] = "INDIVIDUAL"
        attendee.params["ROLE"] = role
        if person.email.lower() == meeting.organizer.email.lower():
            attendee.params["PARTSTAT"] = "ACCEPTED"
            attendee.params["RSVP"] = "FALSE"
        else:
            attendee.params["PARTSTAT"] = "NEEDS-ACTION"
            attendee.params["RSVP"] = "TRUE"
        event.add("attendee", attendee)
    cal.add_component(event)
    # One VTIMEZONE for the TZID, covering the meeting (and its series) with room to spare.
    first = meeting.start.date() - timedelta(days=1)
    cal.add_missing_timezones(first_date=first, last_date=first + timedelta(days=3 * 366))
    return cal.to_ical().decode()


# --- rendering -----------------------------------------------------------------------------------


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    )


def template_name(kind: str, language: str) -> str:
    return f"mail/{language}/{kind}.txt.j2"


def normalize_language(language: str | None) -> str:
    """`nl-BE` → `nl`; anything unknown → English."""
    code = re.split(r"[-_]", (language or "").strip().lower())[0]
    return code if code in LANGUAGES else FALLBACK_LANGUAGE


def _template(kind: str, language: str) -> tuple[jinja2.Template, str]:
    """The kind's template in the language, or in English when there is no translation."""
    env = _environment()
    try:
        return env.get_template(template_name(kind, language)), language
    except jinja2.TemplateNotFound:
        return env.get_template(template_name(kind, FALLBACK_LANGUAGE)), FALLBACK_LANGUAGE


@dataclass
class Rendered:
    language: str
    subject: str
    text: str
    html: str
    event_summary: str = ""
    event_description: str = ""


def _block(template: jinja2.Template, name: str, ctx: jinja2.runtime.Context) -> str:
    render = template.blocks.get(name)
    return "".join(render(ctx)) if render is not None else ""


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render(kind: str, context: dict[str, Any], language: str) -> Rendered:
    """Renders the kind's template with the context; see the module docstring for the blocks."""
    template, language = _template(kind, language)
    ctx = template.new_context(dict(context, language=language))
    subject = " ".join(_block(template, "subject", ctx).split())
    text = _tidy_text(_block(template, "body", ctx))
    layout = _environment().get_template("mail/layout.html.j2")
    html = layout.render(language=language, subject=subject, blocks=text_to_blocks(text))
    return Rendered(
        language=language,
        subject=subject,
        text=text,
        html=html,
        event_summary=" ".join(_block(template, "event_summary", ctx).split()),
        event_description=_block(template, "event_description", ctx).strip(),
    )


_URL = re.compile(r"https?://[^\s<>\"']+")


def _linkify(text: str) -> Markup:
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(".,;:!?)")
        out.append(escape(text[position : match.start()]))
        out.append(
            Markup(
                '<a href="{0}" style="color:#0b57d0; text-decoration:underline;">{0}</a>'
            ).format(url)
        )
        position = match.start() + len(url)
    out.append(escape(text[position:]))
    return Markup("").join(out)


@dataclass
class HtmlBlock:
    kind: str  # "p" or "ul"
    lines: list[Markup]


def text_to_blocks(text: str) -> list[HtmlBlock]:
    """The text body as HTML blocks: paragraphs (lines kept as line breaks) and bullet lists."""
    blocks: list[HtmlBlock] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        current: HtmlBlock | None = None
        for line in paragraph.splitlines():
            kind, content = ("ul", line[2:]) if line.startswith("- ") else ("p", line)
            if current is None or current.kind != kind:
                current = HtmlBlock(kind, [])
                blocks.append(current)
            current.lines.append(_linkify(content.strip()))
    return blocks


# --- composing a mail ----------------------------------------------------------------------------


def first_name(person: Person | None) -> str:
    if person is None:
        return ""
    words = person.name.split()
    return words[0] if words else person.name


def feedback_token(input: SendMailInput, config: MailConfig) -> tuple[str, datetime]:
    """The exit-feedback token and its expiry: 30 days after the end of the last day, so the
    exit mail and its reminder carry the very same link."""
    a = input.state.assignment
    end_of_last_day = datetime.combine(a.end_date + timedelta(days=1), time(0), _zone(a))
    expires_at = (end_of_last_day + timedelta(days=FEEDBACK_VALID_DAYS)).astimezone(UTC)
    token = make_feedback_token(a.assignment_id, input.term, config.signing_key, expires_at)
    return token, expires_at


def _context(
    input: SendMailInput, config: MailConfig, meeting: Meeting | None, language: str
) -> dict[str, Any]:
    state = input.state
    a = state.assignment
    tz = _zone(a)
    base = config.public_url.rstrip("/")
    assignment_url = f"{base}/assignments/{a.assignment_id}"

    def day(value: date | datetime, weekday: bool = False) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(tz).date()
        return format_date(value, language, weekday=weekday)

    granted = [x.tool for x in state.access if x.status == "granted"]
    tasks = {
        phase: [t for t in state.tasks if t.phase == phase]
        for phase in ("onboarding", "offboarding")
    }
    hr = hr_person(input, config)

    def task_title(task: Task) -> str:
        return checklists.title(task.task_id, language, task.title)

    ctx: dict[str, Any] = {
        "kind": str(input.kind),
        "assignment_id": a.assignment_id,
        "term": input.term,
        "freelancer": a.freelancer,
        "manager": a.manager,
        "buddy": a.buddy,
        "hr": hr,
        "first_name": first_name(a.freelancer),
        "manager_first_name": first_name(a.manager),
        "buddy_first_name": first_name(a.buddy),
        "team": a.team,
        "role": a.role,
        "purpose": a.purpose.strip(),
        "start_date": day(a.start_date),
        "start_day": day(a.start_date, weekday=True),
        "end_date": day(a.end_date),
        "end_day": day(a.end_date, weekday=True),
        "date": day,
        "kickoff": {
            "day": day(a.start_date, weekday=True),
            "time": format_time(KICKOFF_AT, language),
            "minutes": KICKOFF_MINUTES,
        },
        "tools": granted or list(a.tools),
        "team_events": [e.title for e in a.team_events],
        "onboarding_tasks": [task_title(t) for t in tasks["onboarding"]],
        "open_onboarding_tasks": [task_title(t) for t in tasks["onboarding"] if not t.done],
        "offboarding_tasks": [task_title(t) for t in tasks["offboarding"]],
        "open_offboarding_tasks": [task_title(t) for t in tasks["offboarding"] if not t.done],
        "assignment_url": assignment_url,
        "decision_url": f"{assignment_url}#decision",
        "decision_due": day(state.pending_decision.due) if state.pending_decision else None,
        "renewed": state.renewal_decision != "end",
        "note": (input.note or "").strip() or None,
        "escalated_to_hr": hr is not None,
        "meeting": None,
        "event": None,
    }
    if meeting is not None:
        local = meeting.start.astimezone(tz)
        ctx["meeting"] = {
            "day": format_date(local.date(), language, weekday=True),
            "time": format_time(local.time(), language),
            "minutes": meeting.minutes,
        }
        if meeting.title is not None:
            rule = a.team_events[int(input.occurrence)].rrule  # checked by meeting_for
            ctx["event"] = dict(
                ctx["meeting"],
                title=meeting.title,
                recurrence=describe_recurrence(rule, language),
            )
    if input.kind in (MailKind.EXIT_FEEDBACK, MailKind.FEEDBACK_REMINDER):
        token, expires_at = feedback_token(input, config)
        ctx["feedback_url"] = f"{base}/feedback/{token}"
        ctx["feedback_until"] = day(expires_at - timedelta(seconds=1))
    return ctx


@dataclass
class ComposedMail:
    message_id: str
    language: str
    sender: str
    to: list[Person]
    cc: list[Person]
    reply_to: Person | None
    subject: str
    text: str
    html: str
    calendar: str | None
    message: EmailMessage

    @property
    def envelope_recipients(self) -> list[str]:
        return [p.email for p in self.to + self.cc]


def compose(
    input: SendMailInput, config: MailConfig, *, now: datetime | None = None
) -> ComposedMail:
    """The whole mail for the input, without sending or storing anything.

    Raises `MailInputError` when the input cannot make a mail (e.g. a buddy introduction for an
    assignment without a buddy)."""
    a = input.state.assignment
    recipients = recipients_for(input, config)
    if not recipients.to:
        raise MailInputError(f"{input.kind} has no recipient for assignment {a.assignment_id}")
    meeting = meeting_for(input, config)
    _, language = _template(input.kind, normalize_language(a.language))
    rendered = render(input.kind, _context(input, config, meeting, language), language)
    calendar = None
    if meeting is not None:
        calendar = calendar_text(
            meeting,
            summary=rendered.event_summary or rendered.subject,
            description=rendered.event_description,
            stamp=input.at,
            sequence=input.revision,
        )
    message_id = message_id_for(
        assignment_id=a.assignment_id,
        term=input.term,
        kind=input.kind,
        occurrence=input.occurrence,
        revision=input.revision,
        sender=config.sender,
    )
    message = _email(
        config=config,
        recipients=recipients,
        message_id=message_id,
        rendered=rendered,
        calendar=calendar,
        now=now or datetime.now(UTC),
    )
    return ComposedMail(
        message_id=message_id,
        language=rendered.language,
        sender=config.sender,
        to=recipients.to,
        cc=recipients.cc,
        reply_to=recipients.reply_to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        calendar=calendar,
        message=message,
    )


def _address(person: Person) -> Address:
    try:
        return Address(display_name=person.name, addr_spec=person.email)
    except (ValueError, IndexError):
        raise MailInputError(f"not a usable mail address: {person.email!r}") from None


def _email(
    *,
    config: MailConfig,
    recipients: Recipients,
    message_id: str,
    rendered: Rendered,
    calendar: str | None,
    now: datetime,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = [_address(p) for p in recipients.to]
    if recipients.cc:
        msg["Cc"] = [_address(p) for p in recipients.cc]
    if recipients.reply_to is not None:
        msg["Reply-To"] = formataddr((recipients.reply_to.name, recipients.reply_to.email))
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now.astimezone(UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    if calendar is not None:
        msg.add_alternative(calendar, subtype="calendar", params={"method": "REQUEST"})
        msg.add_attachment(
            calendar.encode(), maintype="application", subtype="ics", filename="invite.ics"
        )
    # Last: building the body moves or drops the top level's Content-* headers.
    msg["Content-Language"] = rendered.language
    return msg


# --- SMTP ----------------------------------------------------------------------------------------

_SCHEMES = {  # scheme: (default port, implicit TLS, STARTTLS)
    "smtp": (25, False, False),
    "smtp+starttls": (587, False, True),
    "smtps": (465, True, False),
}


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    use_tls: bool
    start_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://host:port` (plain), `smtp+starttls://host:port` (STARTTLS, required) or
    `smtps://host:port` (implicit TLS); `user:password@` before the host when the server wants a
    login (percent-encoded)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"SMTP URL scheme must be one of {', '.join(_SCHEMES)}, not {scheme!r}")
    default_port, use_tls, start_tls = _SCHEMES[scheme]
    if not parts.hostname:
        raise ValueError("the SMTP URL names no host")
    port = parts.port or default_port  # raises ValueError for a bad port
    return SmtpTarget(
        hostname=parts.hostname,
        port=port,
        use_tls=use_tls,
        start_tls=start_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


# Session-level failures: about the server or our login, not this message; retried.
_SESSION_ERRORS = (
    aiosmtplib.SMTPAuthenticationError,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPHeloError,
)


def _permanent_rejection(error: Exception) -> str | None:
    """The reason when the server refused this message for good (a 5xx), else None."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refused = error.recipients
        if refused and all(r.code >= 500 for r in refused):
            return "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in refused)
        return None
    if isinstance(error, _SESSION_ERRORS):
        return None
    if isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 500:
        return f"{error.code} {error.message}"
    return None


# --- the activity --------------------------------------------------------------------------------


class MailActivities:
    """Sends the lifecycle's mail (or keeps it in the outbox when no SMTP server is configured)."""

    def __init__(self, pool: asyncpg.Pool, config: MailConfig) -> None:
        if not config.signing_key:
            raise ValueError("MailConfig.signing_key is empty")
        if not parseaddr(config.sender)[1]:
            raise ValueError(f"MailConfig.sender is not an address: {config.sender!r}")
        self.pool = pool
        self.config = config
        self.smtp = parse_smtp_url(config.smtp_url) if config.smtp_url else None

    @activity.defn
    async def send_mail(self, input: SendMailInput) -> SendMailResult:
        a = input.state.assignment
        log = {"assignment_id": a.assignment_id, "kind": str(input.kind), "term": input.term}
        try:
            mail = compose(input, self.config)
        except MailInputError as e:
            raise ApplicationError(str(e), type=INVALID_INPUT, non_retryable=True) from None
        log["message_id"] = mail.message_id
        if input.kind is MailKind.FEEDBACK_REMINDER and await feedback.get(
            self.pool, a.assignment_id
        ):
            # The answers came in, but the workflow was not told (Temporal was out of reach).
            activity.logger.info("feedback already given: no reminder", extra=log)
            return SendMailResult(message_id=mail.message_id, recipients=[], status="skipped")

        row, new = await outbox.insert_if_absent(
            self.pool,
            outbox.OutboxMessage(
                message_id=mail.message_id,
                assignment_id=a.assignment_id,
                term=input.term,
                kind=str(input.kind),
                occurrence=input.occurrence,
                sender=mail.sender,
                recipients=[p.email for p in mail.to],
                cc=[p.email for p in mail.cc],
                subject=mail.subject,
                body_text=mail.text,
                body_html=mail.html,
                calendar=mail.calendar,
                status="pending" if self.smtp else "kept",
            ),
        )
        recipients = list(row["recipients"]) + list(row["cc"])
        if row["status"] == "sent" or (self.smtp is None and row["status"] == "kept"):
            activity.logger.info("mail already %s", row["status"], extra=log)
            return SendMailResult(
                message_id=mail.message_id, recipients=recipients, status=row["status"]
            )
        if self.smtp is None:
            # Kept from now on: the row was written while SMTP was configured, and it is not now.
            await outbox.mark(self.pool, mail.message_id, "kept")
            return SendMailResult(message_id=mail.message_id, recipients=recipients, status="kept")
        if not new:
            activity.logger.info("mail was not confirmed sent; sending again", extra=log)

        try:
            refused, _ = await aiosmtplib.send(
                mail.message,
                sender=parseaddr(self.config.sender)[1],
                recipients=mail.envelope_recipients,
                hostname=self.smtp.hostname,
                port=self.smtp.port,
                username=self.smtp.username,
                password=self.smtp.password,
                use_tls=self.smtp.use_tls,
                start_tls=self.smtp.start_tls,
                timeout=self.config.timeout_s,
            )
        except Exception as e:
            reason = _permanent_rejection(e)
            if reason is None:
                await outbox.mark(self.pool, mail.message_id, "pending", f"retrying: {e!r}"[:1000])
                activity.logger.warning("mail not sent, will retry: %r", e, extra=log)
                raise
            await outbox.mark(self.pool, mail.message_id, "failed", reason[:1000])
            activity.logger.error("mail refused by the server: %s", reason, extra=log)
            raise ApplicationError(
                f"the mail server refused {mail.message_id}: {reason}",
                type=PROVIDER_REJECTED,
                non_retryable=True,
            ) from None

        error = None
        if refused:  # some recipients refused, the others accepted: sent, with a note
            error = "; ".join(f"{who}: {r.code} {r.message}" for who, r in refused.items())
            activity.logger.warning("mail partly refused: %s", error, extra=log)
        await outbox.mark(self.pool, mail.message_id, "sent", error)
        activity.logger.info("mail sent", extra=log)
        accepted = [r for r in mail.envelope_recipients if r not in refused]
        return SendMailResult(message_id=mail.message_id, recipients=accepted, status="sent")
