"""send_mail against a real SMTP server (aiosmtpd on loopback) and the real outbox table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from icalendar import Calendar
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mail import INVITATIONS, MailActivities, MailConfig, parse_smtp_url
from core.errors import INVALID_INPUT, PROVIDER_REJECTED
from core.tokens import read_feedback_token
from db import feedback
from db import mail as outbox
from tests.activities.test_templates import AT, DEFAULT_OCCURRENCE, mail_input, realistic_state
from tests.peers.smtp import Sink, free_port, smtp_server
from workflows.types import MailKind, SendMailInput, SendMailResult

Pool = asyncpg.Pool
Smtp = tuple["Sink", str]

SENDER = "Assignment lifecycle <lifecycle@client.example>"
KEY = "mail-test-signing-key"
BRUSSELS = ZoneInfo("Europe/Brussels")
MSG_ID = re.compile(r"<[A-Za-z0-9_=-]+(\.[A-Za-z0-9_=-]+)*@client\.example>")

FREELANCER, MANAGER, BUDDY, HR = (
    "sam@example.org",
    "lea@client.example",
    "jo@client.example",
    "hr@client.example",
)
# (to, cc) per kind for the realistic assignment (buddy and HR contact present).
EXPECTED = {
    MailKind.MANAGER_CHECKLIST: ({MANAGER}, set()),
    MailKind.WELCOME: ({FREELANCER}, {MANAGER, BUDDY}),
    MailKind.INVITATION_CANCELLED: ({FREELANCER}, {MANAGER, BUDDY}),  # the kick-off's
    MailKind.START_MOVED: ({FREELANCER}, {MANAGER, BUDDY}),
    MailKind.BUDDY_INTRODUCTION: ({BUDDY}, {FREELANCER}),
    MailKind.TEAM_EVENT_INVITATION: ({FREELANCER}, set()),
    MailKind.FIRST_DAY: ({FREELANCER}, {MANAGER}),
    MailKind.CHECKIN: ({FREELANCER}, set()),
    MailKind.DEVELOPMENT: ({FREELANCER}, {MANAGER}),
    MailKind.RENEWAL_REQUEST: ({MANAGER}, set()),
    MailKind.RENEWAL_REMINDER: ({MANAGER}, set()),
    MailKind.RENEWAL_ESCALATION: ({HR}, {MANAGER}),
    MailKind.RENEWAL_OUTCOME: ({FREELANCER}, {MANAGER}),
    MailKind.TERMINATION_NOTICE: ({FREELANCER}, {MANAGER}),
    MailKind.CANCELLATION_NOTICE: ({FREELANCER}, {MANAGER}),
    MailKind.OFFBOARDING_CHECKLIST: ({MANAGER}, set()),
    MailKind.EXIT_FEEDBACK: ({FREELANCER}, set()),
    MailKind.FEEDBACK_REMINDER: ({FREELANCER}, set()),
    MailKind.ALUMNI_INVITATION: ({FREELANCER}, set()),
    # No admin address is configured here: the HR contact alone, or HR for a hold.
    MailKind.ACCESS_OVERDUE: ({HR}, set()),
    MailKind.REVOCATION_HELD: ({HR}, set()),
    MailKind.TASK_REMINDER: ({BUDDY}, set()),  # the buddy's task
    MailKind.TASK_ESCALATION: ({HR}, {MANAGER}),
}


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, str]]:
    sink = Sink()
    with smtp_server(sink) as url:
        yield sink, url


def activities(pool: Pool, smtp_url: str | None, **config: object) -> MailActivities:
    return MailActivities(
        pool,
        MailConfig(
            sender=SENDER,
            public_url="https://hr.client.example",
            signing_key=KEY,
            smtp_url=smtp_url,
            **config,  # type: ignore[arg-type]
        ),
    )


async def send(acts: MailActivities, input: SendMailInput) -> SendMailResult:
    return await ActivityEnvironment().run(acts.send_mail, input)


def calendar_of(message: EmailMessage) -> Calendar | None:
    """The text/calendar part, checked to be where calendar clients look for it."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    if not parts:
        assert not [p for p in message.walk() if p.get_content_type() == "application/ics"]
        return None
    assert len(parts) == 1
    part = parts[0]
    method = str(Calendar.from_ical(part.get_content())["METHOD"])
    assert method in ("REQUEST", "CANCEL") and part.get_param("method") == method
    assert message.get_content_type() == "multipart/mixed"
    alternative = next(p for p in message.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    attachment = next(p for p in message.walk() if p.get_content_type() == "application/ics")
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content().decode() == part.get_content()
    return Calendar.from_ical(part.get_content())


def delivered_events(
    sink: Sink, first: SendMailResult, second: SendMailResult
) -> tuple[Any, Any, Any, Any]:
    """(the first delivery, the second, the first's VEVENT, the second's) at the SMTP server."""
    (a,) = sink.by_id(first.message_id)
    (b,) = sink.by_id(second.message_id)
    event_a = calendar_of(a.message).walk("VEVENT")[0]  # type: ignore[union-attr]
    event_b = calendar_of(b.message).walk("VEVENT")[0]  # type: ignore[union-attr]
    return a, b, event_a, event_b


def addresses(message: EmailMessage, header: str) -> set[str]:
    return {a for _, a in getaddresses(message.get_all(header, []))}


async def test_every_kind_reaches_its_people(pool: Pool, smtp: Smtp, unique_id: str) -> None:
    sink, url = smtp
    acts = activities(pool, url)
    state = realistic_state(unique_id)
    sent: dict[str, SendMailInput] = {}
    for kind in MailKind:
        occurrences = {MailKind.TEAM_EVENT_INVITATION: ["0", "1"]}.get(
            kind, [DEFAULT_OCCURRENCE.get(kind, "")]
        )
        for occurrence in occurrences:
            input = mail_input(state, kind, occurrence=occurrence)
            result = await send(acts, input)
            assert result.status == "sent"
            assert MSG_ID.fullmatch(result.message_id)
            sent[result.message_id] = input

    assert len(sink.received) == len(MailKind) + 1
    rows = {r["message_id"]: r for r in await outbox.list_for(pool, unique_id)}
    assert set(rows) == set(sent)
    for message_id, input in sent.items():
        (got,) = sink.by_id(message_id)
        to, cc = EXPECTED[input.kind]
        msg = got.message
        assert addresses(msg, "To") == to and addresses(msg, "Cc") == cc, input.kind
        assert set(got.recipients) == to | cc
        assert got.sender == "lifecycle@client.example"
        # (A subject that fits a line of its own is folded before it: mind the folding space.)
        assert msg["Subject"].lstrip() == rows[message_id]["subject"]
        assert msg["Content-Language"] == "nl"
        assert msg["Auto-Submitted"] == "auto-generated"
        assert rows[message_id]["status"] == "sent" and rows[message_id]["sent_at"] is not None
        occurrence = f".{input.occurrence}" if input.occurrence else ""
        assert message_id == f"<{input.kind}{occurrence}.t1.{unique_id}@client.example>"
        text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        html = msg.get_body(("html",)).get_content()
        assert text.strip() == rows[message_id]["body_text"].strip()
        assert "<!DOCTYPE html>" in html and 'lang="nl"' in html
        if FREELANCER in to | {BUDDY}:
            assert msg["Reply-To"] == "Lea Janssens <lea@client.example>"

        cal = calendar_of(msg)
        assert (cal is not None) == (input.kind in INVITATIONS)
        if cal is None or input.kind in (MailKind.INVITATION_CANCELLED, MailKind.START_MOVED):
            continue  # (their own tests below)
        assert str(cal["METHOD"]) == "REQUEST" and cal.get("PRODID")
        assert Calendar.from_ical(rows[message_id]["calendar"]) == cal
        (event,) = cal.walk("VEVENT")
        assert str(event["UID"]) == f"{input.kind}{occurrence}.{unique_id}@client.example"
        assert event.decoded("SEQUENCE") == 0
        assert str(event["ORGANIZER"]) == f"mailto:{MANAGER}"
        attendees = {str(a).removeprefix("mailto:") for a in _list(event.get("ATTENDEE"))}
        start = event.decoded("DTSTART")
        assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
        assert cal.walk("VTIMEZONE")[0]["TZID"] == "Europe/Brussels"
        minutes = (event.decoded("DTEND") - start) / timedelta(minutes=1)
        if input.kind == MailKind.WELCOME:
            assert "Bring the new payroll suite live for our 1,200 colleagues." in text
            assert start == datetime(2027, 1, 4, 10, 0, tzinfo=BRUSSELS) and minutes == 60
            assert attendees == {FREELANCER, MANAGER, BUDDY}
            assert "RRULE" not in event
        elif input.kind == MailKind.DEVELOPMENT:
            assert start == datetime(2027, 1, 4, 14, 0, tzinfo=BRUSSELS) and minutes == 45
            assert attendees == {FREELANCER, MANAGER}
        else:
            assert attendees == {FREELANCER}
            rule = event["RRULE"]
            until = rule["UNTIL"][0]
            assert until == datetime(2027, 3, 31, 23, 59, tzinfo=BRUSSELS)
            assert until.utcoffset() == timedelta(0)  # written in UTC, as RFC 5545 wants
            if input.occurrence == "0":  # Friday demo: first Friday on or after Monday 4 Jan
                assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["FR"]
                assert start == datetime(2027, 1, 8, 15, 0, tzinfo=BRUSSELS) and minutes == 45
                assert str(event["SUMMARY"]) == "Friday demo"
            else:  # Team breakfast: first Tuesday of the month
                assert start == datetime(2027, 1, 5, 8, 30, tzinfo=BRUSSELS) and minutes == 60

    # The exit-feedback link carries a genuine token for this assignment and term.
    (exit_id,) = [m for m, i in sent.items() if i.kind == MailKind.EXIT_FEEDBACK]
    token = re.search(r"/feedback/([A-Za-z0-9_.-]+)", rows[exit_id]["body_text"]).group(1)  # type: ignore[union-attr]
    claim = read_feedback_token(token, KEY, AT)
    assert (claim.assignment_id, claim.term) == (unique_id, 1)


def _list(value: object) -> list[object]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


async def test_a_repeated_send_sends_nothing_twice(pool: Pool, smtp: Smtp, unique_id: str) -> None:
    sink, url = smtp
    acts = activities(pool, url)
    input = mail_input(realistic_state(unique_id), MailKind.WELCOME)
    first = await send(acts, input)
    again = await send(acts, input)
    # Even another worker (same config) recognises the message.
    third = await send(activities(pool, url), input)
    assert first.message_id == again.message_id == third.message_id
    assert again.status == third.status == "sent"
    assert sorted(again.recipients) == sorted([FREELANCER, MANAGER, BUDDY])
    assert len(sink.by_id(first.message_id)) == 1
    assert len(await outbox.list_for(pool, unique_id)) == 1


async def test_no_feedback_reminder_once_the_answers_are_in(
    pool: Pool, smtp: Smtp, unique_id: str
) -> None:
    sink, url = smtp
    await feedback.insert(
        pool,
        assignment_id=unique_id,
        token_id=f"token-{unique_id}",
        rating=4,
        answers={"part_of_team": "the demos"},
        submitted_at=AT,
    )
    result = await send(
        activities(pool, url), mail_input(realistic_state(unique_id), MailKind.FEEDBACK_REMINDER)
    )
    assert result.status == "skipped" and not sink.by_id(result.message_id)
    assert await outbox.list_for(pool, unique_id) == []


async def test_a_moved_meeting_is_a_new_message_for_the_same_event(
    pool: Pool, smtp: Smtp, unique_id: str
) -> None:
    sink, url = smtp
    acts = activities(pool, url)
    state = realistic_state(unique_id)
    first = await send(acts, mail_input(state, MailKind.DEVELOPMENT, occurrence="2027-04-05"))
    moved_at = AT + timedelta(days=2)
    moved = await send(
        acts,
        mail_input(state, MailKind.DEVELOPMENT, occurrence="2027-04-05", revision=1, at=moved_at),
    )
    assert moved.message_id == f"<development.2027-04-05.t1.r1.{unique_id}@client.example>"
    assert moved.message_id != first.message_id
    _, _, event_a, event_b = delivered_events(sink, first, moved)
    assert event_a["UID"] == event_b["UID"] == f"development.2027-04-05.{unique_id}@client.example"
    assert (event_a.decoded("SEQUENCE"), event_b.decoded("SEQUENCE")) == (0, 1)
    assert event_b.decoded("DTSTART") == event_a.decoded("DTSTART") + timedelta(days=2)


async def test_without_smtp_the_mail_is_kept_in_the_outbox(pool: Pool, unique_id: str) -> None:
    acts = activities(pool, None)
    input = mail_input(realistic_state(unique_id), MailKind.WELCOME)
    result = await send(acts, input)
    assert result.status == "kept"
    assert sorted(result.recipients) == sorted([FREELANCER, MANAGER, BUDDY])
    assert (await send(acts, input)).status == "kept"
    (row,) = await outbox.list_for(pool, unique_id)
    assert row["message_id"] == result.message_id and row["status"] == "kept"
    assert row["recipients"] == [FREELANCER] and sorted(row["cc"]) == [BUDDY, MANAGER]
    assert row["sender"] == SENDER and row["kind"] == "welcome" and row["term"] == 1
    assert row["subject"] == "Welkom bij Payroll, Sam!"
    assert "Bring the new payroll suite live" in row["body_text"]
    assert row["body_html"].startswith("<!DOCTYPE html>")
    assert "METHOD:REQUEST" in row["calendar"]
    assert row["sent_at"] is None
    assert row in await outbox.list_recent(pool, status="kept", limit=500)


async def test_a_permanent_rejection_fails_for_good(pool: Pool, smtp: Smtp, unique_id: str) -> None:
    sink, url = smtp
    sink.refuse_rcpt = "550 5.1.1 No such user here"
    acts = activities(pool, url)
    with pytest.raises(ApplicationError) as caught:
        await send(acts, mail_input(realistic_state(unique_id), MailKind.CHECKIN))
    assert caught.value.type == PROVIDER_REJECTED
    assert caught.value.non_retryable
    (row,) = await outbox.list_for(pool, unique_id)
    assert row["status"] == "failed" and "550" in row["error"]
    assert sink.received == []


async def test_a_temporary_refusal_is_retried_until_sent(
    pool: Pool, smtp: Smtp, unique_id: str
) -> None:
    sink, url = smtp
    sink.refuse_rcpt, sink.refuse_times = "450 4.2.1 Try again later", 1
    acts = activities(pool, url)
    input = mail_input(realistic_state(unique_id), MailKind.CHECKIN)
    with pytest.raises(Exception) as caught:
        await send(acts, input)
    assert not (isinstance(caught.value, ApplicationError) and caught.value.non_retryable)
    (row,) = await outbox.list_for(pool, unique_id)
    assert row["status"] == "pending" and "450" in row["error"]

    result = await send(acts, input)  # Temporal's retry
    assert result.status == "sent"
    (row,) = await outbox.list_for(pool, unique_id)
    assert row["status"] == "sent" and row["error"] is None
    assert len(sink.by_id(result.message_id)) == 1


async def test_an_unreachable_server_is_retried(pool: Pool, unique_id: str) -> None:
    acts = activities(pool, f"smtp://127.0.0.1:{free_port()}", timeout_s=5)
    with pytest.raises(Exception) as caught:
        await send(acts, mail_input(realistic_state(unique_id), MailKind.CHECKIN))
    assert not isinstance(caught.value, ApplicationError)
    (row,) = await outbox.list_for(pool, unique_id)
    assert row["status"] == "pending"


async def test_no_buddy_no_buddy_introduction(pool: Pool, smtp: Smtp, unique_id: str) -> None:
    sink, url = smtp
    state = realistic_state(unique_id, buddy=None)
    with pytest.raises(ApplicationError) as caught:
        await send(activities(pool, url), mail_input(state, MailKind.BUDDY_INTRODUCTION))
    assert caught.value.type == INVALID_INPUT and caught.value.non_retryable
    assert await outbox.list_for(pool, unique_id) == []
    # The welcome then goes to the manager in copy only, and the kick-off has no buddy.
    result = await send(activities(pool, url), mail_input(state, MailKind.WELCOME))
    (got,) = sink.by_id(result.message_id)
    assert addresses(got.message, "Cc") == {MANAGER}


async def test_unknown_team_event_is_invalid_input(pool: Pool, unique_id: str) -> None:
    input = mail_input(realistic_state(unique_id), MailKind.TEAM_EVENT_INVITATION, occurrence="7")
    with pytest.raises(ApplicationError) as caught:
        await send(activities(pool, None), input)
    assert caught.value.type == INVALID_INPUT and caught.value.non_retryable


async def test_escalation_goes_to_hr_or_else_the_manager(
    pool: Pool, smtp: Smtp, unique_id: str
) -> None:
    sink, url = smtp
    no_contact = realistic_state(unique_id, hr_contact=None)
    acts = activities(pool, url, hr_email="people@client.example")
    first = await send(acts, mail_input(no_contact, MailKind.RENEWAL_ESCALATION, term=1))
    assert sorted(first.recipients) == ["lea@client.example", "people@client.example"]

    given = await send(
        activities(pool, url),
        mail_input(no_contact, MailKind.RENEWAL_ESCALATION, term=2, hr_email="hr2@client.example"),
    )
    assert sorted(given.recipients) == ["hr2@client.example", "lea@client.example"]

    nobody = await send(
        activities(pool, url), mail_input(no_contact, MailKind.RENEWAL_ESCALATION, term=3)
    )
    (got,) = sink.by_id(nobody.message_id)
    assert addresses(got.message, "To") == {MANAGER} and not got.message["Cc"]
    assert "Lea" in got.message.get_body(("plain",)).get_content()


def test_smtp_urls() -> None:
    plain = parse_smtp_url("smtp://mail.example:2525")
    assert (plain.hostname, plain.port, plain.use_tls, plain.start_tls) == (
        "mail.example",
        2525,
        False,
        False,
    )
    starttls = parse_smtp_url("smtp+starttls://user%40x:p%3Ass@mail.example")
    assert (starttls.port, starttls.start_tls, starttls.username, starttls.password) == (
        587,
        True,
        "user@x",
        "p:ss",
    )
    implicit = parse_smtp_url("smtps://u:s3cret@mail.example")
    assert (implicit.port, implicit.use_tls, implicit.password) == (465, True, "s3cret")
    assert "s3cret" not in repr(implicit)
    for bad in ("http://mail.example", "smtp://", "smtp://mail.example:notaport"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)


async def test_mark_never_unsends(pool: Pool, unique_id: str) -> None:
    msg = outbox.OutboxMessage(
        message_id=f"<t.{unique_id}@x>",
        assignment_id=unique_id,
        term=1,
        kind="checkin",
        sender="a@x",
        recipients=["b@x"],
        subject="s",
        body_text="b",
    )
    row, new = await outbox.insert_if_absent(pool, msg)
    assert new and row["status"] == "pending"
    row, new = await outbox.insert_if_absent(pool, msg)
    assert not new
    assert await outbox.mark(pool, msg.message_id, "sent")
    assert not await outbox.mark(pool, msg.message_id, "failed", "late")
    (row,) = await outbox.list_for(pool, unique_id)
    assert row["status"] == "sent" and row["error"] is None
    with pytest.raises(ValueError):
        await outbox.mark(pool, msg.message_id, "lost")


async def test_a_withdrawn_invitation_cancels_the_same_event(
    pool: Pool, smtp: Smtp, unique_id: str
) -> None:
    sink, url = smtp
    acts = activities(pool, url)
    state = realistic_state(unique_id)
    for kind, occurrence in ((MailKind.WELCOME, ""), (MailKind.TEAM_EVENT_INVITATION, "1")):
        invited = await send(acts, mail_input(state, kind, occurrence=occurrence))
        named = f"{kind}:{occurrence}" if occurrence else str(kind)
        withdrawn = await send(
            acts, mail_input(state, MailKind.INVITATION_CANCELLED, occurrence=named, revision=1)
        )
        (a,) = sink.by_id(invited.message_id)
        (b,) = sink.by_id(withdrawn.message_id)
        cancel = calendar_of(b.message)
        assert cancel is not None and str(cancel["METHOD"]) == "CANCEL"
        part = next(p for p in b.message.walk() if p.get_content_type() == "text/calendar")
        assert part.get_param("method") == "CANCEL"
        event_a = calendar_of(a.message).walk("VEVENT")[0]  # type: ignore[union-attr]
        event_b = cancel.walk("VEVENT")[0]
        assert event_a["UID"] == event_b["UID"]
        assert str(event_b["STATUS"]) == "CANCELLED"
        assert (event_a.decoded("SEQUENCE"), event_b.decoded("SEQUENCE")) == (0, 1)
        assert event_b.decoded("DTSTART") == event_a.decoded("DTSTART")
        assert set(b.recipients) == set(a.recipients)  # whoever it went to


async def test_a_moved_start_moves_the_kickoff_in_the_calendar(
    pool: Pool, smtp: Smtp, unique_id: str
) -> None:
    sink, url = smtp
    acts = activities(pool, url)
    state = realistic_state(unique_id)
    invited = await send(acts, mail_input(state, MailKind.WELCOME))
    later = state.model_copy(deep=True)
    later.assignment.start_date += timedelta(days=7)
    moved = await send(
        acts,
        mail_input(
            later, MailKind.START_MOVED, occurrence=later.assignment.start_date.isoformat(),
            revision=2,
        ),
    )  # fmt: skip
    a, b, event_a, event_b = delivered_events(sink, invited, moved)
    assert event_a["UID"] == event_b["UID"]
    assert (event_a.decoded("SEQUENCE"), event_b.decoded("SEQUENCE")) == (0, 2)
    assert event_b.decoded("DTSTART") == event_a.decoded("DTSTART") + timedelta(days=7)
    assert set(b.recipients) == set(a.recipients)
    text = b.message.get_body(("plain",)).get_content()
    assert "11 januari" in text  # the new first day, in the freelancer's language (nl)
