"""The mail templates: one per kind, its words in every language, each rendering what its reader
needs."""

from __future__ import annotations

import functools
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po, write_po
from markupsafe import escape

from activities.mail import (
    INVITATIONS,
    TEMPLATES,
    MailConfig,
    compose,
    describe_recurrence,
    format_date,
    format_time,
    template_keys,
    template_name,
    text_to_blocks,
)
from core import i18n
from core.i18n import LANGUAGES
from core.tokens import manager_digest, read_decision_token
from tests.factories import TEAM_EVENT, make_state
from workflows.types import (
    Access,
    AccessStatus,
    AssignmentState,
    MailKind,
    PendingDecision,
    QueueMailInput,
    SendMailInput,
    Task,
    TeamEvent,
)

CONFIG = MailConfig(
    sender="Assignment lifecycle <lifecycle@client.example>",
    public_url="https://hr.client.example/",
    signing_key="template-test-key",
)
AT = datetime(2026, 12, 28, 8, 0, tzinfo=UTC)


def realistic_state(
    assignment_id: str = "ACME-2026-0042", language: str = "nl", **changes: object
) -> AssignmentState:
    """A Belgian assignment with everything filled in: buddy, HR contact, two team events, a
    purpose of two paragraphs, open and done tasks, access partly granted, a decision pending."""
    return make_state(
        assignment_id,
        **{
            "language": language,
            "purpose": (
                "Bring the new payroll suite live for our 1,200 colleagues.\n"
                "Success: the March payroll runs without a single manual correction."
            ),
            "team_events": [
                TEAM_EVENT.model_copy(),
                TeamEvent(
                    title="Team breakfast", rrule="FREQ=MONTHLY;BYDAY=1TU", start_time="08:30"
                ),
            ],
            "tasks": [
                Task(
                    task_id="badge",
                    title="Order a badge and a laptop",
                    phase="onboarding",
                    owner="buddy",
                    due=date(2027, 1, 8),
                    reminded_at=AT,
                    escalated_at=AT,
                ),
                Task(
                    task_id="intro",
                    title="Introduce Sam at the team meeting",
                    phase="onboarding",
                    due=date(2027, 1, 11),
                    escalated_at=AT,
                ),
                Task(task_id="desk", title="Book a desk", phase="onboarding", done=True),
                Task(task_id="runbook", title="Hand over the payroll runbook", phase="offboarding"),
            ],
            "access": [
                Access(tool="chat", status=AccessStatus.GRANTED, since=AT),
                Access(tool="wiki", status=AccessStatus.GRANTED, since=AT),
                Access(tool="payroll-suite", status=AccessStatus.PENDING, since=AT),
            ],
            "pending_decision": PendingDecision(due=datetime(2027, 3, 17, 8, 0, tzinfo=UTC)),
            **changes,
        },
    )


DEFAULT_OCCURRENCE = {
    MailKind.TEAM_EVENT_INVITATION: "0",
    MailKind.INVITATION_CANCELLED: "welcome",  # the kick-off's invitation withdrawn
    MailKind.START_MOVED: "2027-01-11",  # the new start date
    MailKind.TASK_REMINDER: "2027-01-12_buddy",  # the buddy's late tasks
    MailKind.TASK_ESCALATION: "2027-01-14",
}


def mail_input(state: AssignmentState, kind: MailKind, **changes: object) -> SendMailInput:
    values: dict[str, object] = {
        "kind": kind,
        "term": 1,
        "occurrence": DEFAULT_OCCURRENCE.get(kind, ""),
        "state": state,
        "at": AT,
        "note": "The project was moved to next year." if "notice" in kind else None,
    }
    values.update(changes)
    return SendMailInput(**values)  # type: ignore[arg-type]


def queued(state: AssignmentState, kind: MailKind, **changes: object) -> QueueMailInput:
    """The same mail as a run with independent effects queues it: what it needs of the state."""
    return mail_input(state, kind, **changes).slim()


def message_key(message: Message) -> str:
    """The msgid of a message, a plural's too (its msgid_plural is the same key)."""
    return message.id if isinstance(message.id, str) else message.id[0]


def mail_keys(language: str) -> set[str]:
    return {k for k in map(message_key, i18n.catalogue(language)) if k.startswith("mail.")}


def untranslated(kind: str, language: str) -> set[str]:
    """The messages of the kind's template that are not in the language's catalogue."""
    return set(template_keys(kind)) - mail_keys(language)


def catalogue_kinds(language: str) -> set[str]:
    """The kinds the language's mail messages (`mail.<kind>.<part>`) are for."""
    return {key.split(".")[1] for key in mail_keys(language)} - {"recurrence", "footer"}


def catalogues_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str, prefix: str
) -> None:
    """core.i18n reads a copy of the catalogues in which `language` lacks the messages whose key
    starts with `prefix`, with caches of its own until the test ends."""
    shutil.copytree(i18n.locale_dir(), tmp_path / "locale")
    po = tmp_path / "locale" / language / "LC_MESSAGES" / "mail.po"
    with po.open("rb") as file:
        catalog = read_po(file, locale=language)
    for message in list(catalog):
        if message.id and message_key(message).startswith(prefix):
            del catalog[message.id]
    with po.open("wb") as file:
        write_po(file, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIRS", (tmp_path / "locale",))
    for name in ("catalogue", "translations", "environment"):
        monkeypatch.setattr(i18n, name, functools.cache(getattr(i18n, name).__wrapped__))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(MailKind))
def test_every_kind_has_a_template_in_every_language(kind: MailKind, language: str) -> None:
    path = TEMPLATES / template_name(kind)
    assert path.is_file(), f"missing template {path.relative_to(TEMPLATES)}"
    source = path.read_text(encoding="utf-8")
    env = jinja2.Environment()
    blocks = env.parse(source).find_all(jinja2.nodes.Block)
    names = {b.name for b in blocks}
    assert {"subject", "body"} <= names
    if kind in INVITATIONS:
        assert "event_summary" in names
    assert not untranslated(kind, language), f"{kind} in {language}"


def test_no_template_without_a_kind() -> None:
    """A template whose name is no MailKind (a typo) would never be used, nor a message of one."""
    kinds = {str(k) for k in MailKind}
    assert {p.name.removesuffix(".txt.j2") for p in TEMPLATES.glob("*.txt.j2")} == kinds
    for language in LANGUAGES:
        names = catalogue_kinds(language)
        assert names == kinds, language


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(MailKind))
def test_each_kind_renders_for_a_realistic_assignment(kind: MailKind, language: str) -> None:
    mail = compose(queued(realistic_state(language=language), kind), CONFIG)

    assert mail.language == language
    assert mail.subject and "\n" not in mail.subject and "{" not in mail.subject
    assert "Sam Peeters" in mail.text or "Lea Janssens" in mail.text
    assert "{{" not in mail.text and "{%" not in mail.text
    assert "None" not in mail.text and "Undefined" not in mail.text
    assert mail.message["Content-Language"] == language
    assert f'<html lang="{language}"' in mail.html
    assert f"<title>{escape(mail.subject)}</title>" in mail.html
    # The HTML says what the text says: every line of the text is in it, escaped.
    for line in mail.text.splitlines():
        words = line.removeprefix("- ").split()
        if words:
            assert str(escape(words[-1])) in mail.html, line
    assert (mail.calendar is not None) == (kind in INVITATIONS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_welcome_briefs_on_the_purpose_people_tools_and_kickoff(language: str) -> None:
    mail = compose(queued(realistic_state(language=language), MailKind.WELCOME), CONFIG)
    assert "Bring the new payroll suite live for our 1,200 colleagues." in mail.text
    for expected in ("Sam", "Lea Janssens", "Jo Maes", "Payroll consultant", "Payroll"):
        assert expected in mail.text
    # Tools: the granted ones; the pending payroll suite is not listed as ready...
    assert "chat, wiki" in mail.text
    # ...and the kick-off and start date in the assignment's language.
    start = {"en": "4 January 2027", "nl": "4 januari 2027", "fr": "4 janvier 2027"}[language]
    kickoff = {"en": "10:00", "nl": "10.00 uur", "fr": "10 h"}[language]
    assert start in mail.text and kickoff in mail.text


def test_tools_fall_back_to_the_assignment_when_nothing_is_granted_yet() -> None:
    state = realistic_state(language="en")
    state.access = []
    mail = compose(queued(state, MailKind.FIRST_DAY), CONFIG)
    assert "- payroll-suite" in mail.text
    # The manager's open onboarding tasks, not the done one.
    assert "- Order a badge and a laptop" in mail.text
    assert "Book a desk" not in mail.text


def test_checklists_list_their_phase_tasks() -> None:
    state = realistic_state(language="en")
    onboarding = compose(queued(state, MailKind.MANAGER_CHECKLIST), CONFIG).text
    offboarding = compose(queued(state, MailKind.OFFBOARDING_CHECKLIST), CONFIG).text
    assert "- Order a badge and a laptop" in onboarding and "runbook" not in onboarding
    assert "- Hand over the payroll runbook" in offboarding and "badge" not in offboarding


def test_renewal_outcome_follows_the_decision_and_carries_the_note() -> None:
    state = realistic_state(language="en", end_date=date(2027, 6, 30))
    state.renewal_decision = "renew"
    renewed = compose(queued(state, MailKind.RENEWAL_OUTCOME, note="Great work!"), CONFIG)
    assert "30 June 2027" in renewed.subject and "Great work!" in renewed.text
    state.renewal_decision = "end"
    ended = compose(queued(state, MailKind.RENEWAL_OUTCOME, note="Budget."), CONFIG)
    assert "will not be renewed" in ended.text and "Budget." in ended.text


def test_renewal_request_links_to_the_decision() -> None:
    mail = compose(queued(realistic_state(language="fr"), MailKind.RENEWAL_REQUEST), CONFIG)
    assert "https://hr.client.example/assignments/ACME-2026-0042#decision" in mail.text
    assert "avant le 17 mars 2027" in mail.text  # the pending decision's due date
    assert '<a href="https://hr.client.example/assignments/ACME-2026-0042#decision"' in mail.html


def test_the_renewal_mails_carry_the_managers_own_link() -> None:
    """Once the decision is asked, its request, reminder and escalation link to the manager's
    own page for it (no sign-in); HR, escalated to, keeps the operator UI's page as well."""
    due = datetime(2027, 3, 17, 8, 0, tzinfo=UTC)
    asked = datetime(2027, 2, 28, 8, 0, tzinfo=UTC)
    state = realistic_state(
        language="en", pending_decision=PendingDecision(due=due, requested_at=asked)
    )
    ui = "https://hr.client.example/assignments/ACME-2026-0042#decision"
    links = []
    for kind in (MailKind.RENEWAL_REQUEST, MailKind.RENEWAL_REMINDER):
        mail = compose(queued(state, kind), CONFIG)
        link = next(w for w in mail.text.split() if "/decide/" in w)
        assert link.startswith("https://hr.client.example/decide/") and ui not in mail.text
        assert f'<a href="{link}"' in mail.html
        links.append(link)
    assert links[0] == links[1]  # one link per decision
    claim = read_decision_token(links[0].rsplit("/", 1)[1], CONFIG.signing_key, asked)
    assert (claim.assignment_id, claim.term, claim.expires_at) == ("ACME-2026-0042", 1, due)
    assert claim.manager == manager_digest(state.assignment.manager.email)

    to_hr = compose(queued(state, MailKind.RENEWAL_ESCALATION), CONFIG)
    assert ui in to_hr.text and links[0] in to_hr.text
    assert f"{state.assignment.manager.name} can also decide from this link" in to_hr.text


def test_exit_feedback_and_reminder_carry_the_same_link() -> None:
    state = realistic_state(language="en")
    first = compose(queued(state, MailKind.EXIT_FEEDBACK), CONFIG)
    later = compose(
        queued(state, MailKind.FEEDBACK_REMINDER, at=datetime(2027, 4, 5, tzinfo=UTC)),
        CONFIG,
    )
    link = next(w for w in first.text.split() if "/feedback/" in w)
    assert link.startswith("https://hr.client.example/feedback/")
    assert link in later.text
    assert "30 April 2027" in first.text  # 30 days after the last day


def test_unknown_language_falls_back_to_english() -> None:
    mail = compose(queued(realistic_state(language="de"), MailKind.WELCOME), CONFIG)
    assert mail.language == "en"
    assert mail.subject == "Welcome to Payroll, Sam!"
    assert "4 January 2027" in mail.text


def test_regional_variant_uses_its_language() -> None:
    mail = compose(queued(realistic_state(language="nl-BE"), MailKind.CHECKIN), CONFIG)
    assert mail.language == "nl" and mail.subject == "Hoe gaat het, Sam?"


def test_missing_translation_falls_back_to_english_at_run_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogues_without(tmp_path, monkeypatch, "fr", "mail.checkin.")

    checkin = compose(queued(realistic_state(language="fr"), MailKind.CHECKIN), CONFIG)
    assert checkin.language == "en" and checkin.subject == "How are you doing, Sam?"
    assert checkin.message["Content-Language"] == "en"
    welcome = compose(queued(realistic_state(language="fr"), MailKind.WELCOME), CONFIG)
    assert welcome.language == "fr"


def test_dates_in_words() -> None:
    d = date(2027, 1, 4)
    assert format_date(d, "en") == "4 January 2027"
    assert format_date(d, "nl") == "4 januari 2027"
    assert format_date(d, "fr") == "4 janvier 2027"
    assert format_date(d, "nl", weekday=True) == "maandag 4 januari 2027"
    assert format_date(d, "fr", weekday=True) == "lundi 4 janvier 2027"
    assert format_date(date(2027, 8, 1), "fr") == "1er août 2027"
    assert format_date(date(2027, 3, 1), "nl") == "1 maart 2027"
    assert format_date(date(2027, 12, 25), "xx") == "25 December 2027"
    assert [format_time(datetime(2027, 1, 4, 8, 30).time(), x) for x in LANGUAGES] == [
        "08:30",
        "8.30 uur",
        "8 h 30",
    ]


def test_dates_follow_the_assignments_timezone() -> None:
    """23:30 UTC on 31 March is already 1 April in Brussels: the conversation is on 8 April."""
    late = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)
    nl = compose(queued(realistic_state(), MailKind.DEVELOPMENT, at=late), CONFIG)
    assert "donderdag 8 april 2027 om 14.00 uur" in nl.text
    fr = compose(queued(realistic_state(language="fr"), MailKind.DEVELOPMENT, at=late), CONFIG)
    assert "le jeudi 8 avril 2027 à 14 h" in fr.text


def test_team_event_invitation_names_the_rhythm_and_first_date() -> None:
    state = realistic_state(language="nl")
    demo = compose(queued(state, MailKind.TEAM_EVENT_INVITATION, occurrence="0"), CONFIG)
    assert demo.subject == "Je bent uitgenodigd: Friday demo"
    assert "elke vrijdag om 15.00 uur, 45 minuten, vanaf vrijdag 8 januari 2027" in demo.text
    breakfast = compose(queued(state, MailKind.TEAM_EVENT_INVITATION, occurrence="1"), CONFIG)
    assert "vanaf dinsdag 5 januari 2027 om 8.30 uur" in breakfast.text


def test_describe_recurrence() -> None:
    assert describe_recurrence("FREQ=WEEKLY;BYDAY=FR", "en") == "every Friday"
    assert describe_recurrence("RRULE:FREQ=WEEKLY;BYDAY=TH,MO", "nl") == "elke maandag en donderdag"
    assert describe_recurrence("FREQ=WEEKLY;BYDAY=MO,WE,FR", "fr") == (
        "chaque lundi, mercredi et vendredi"
    )
    assert describe_recurrence("FREQ=DAILY", "fr") == "chaque jour"
    assert describe_recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "en") is None
    assert describe_recurrence("FREQ=MONTHLY;BYDAY=1TU", "en") is None
    assert describe_recurrence("not a rule", "en") is None


def test_html_escapes_values_and_keeps_structure() -> None:
    state = realistic_state(language="en", purpose='Fix <script>alert("x")</script> & ship')
    mail = compose(queued(state, MailKind.WELCOME), CONFIG)
    assert "<script>" not in mail.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; ship" in mail.html
    assert "<ul" in mail.html and "<li" in mail.html


def test_text_to_blocks() -> None:
    blocks = text_to_blocks(
        "Hi,\n\nYour list:\n- one\n- two & <three>\nMore at https://x.example/a?b=1.\n\nBye"
    )
    assert [b.kind for b in blocks] == ["p", "p", "ul", "p", "p"]
    assert blocks[2].lines == ["one", "two &amp; &lt;three&gt;"]
    link = str(blocks[3].lines[0])
    assert link.startswith('More at <a href="https://x.example/a?b=1"')
    assert link.endswith(">https://x.example/a?b=1</a>.")


def test_checklists_speak_the_assignments_language() -> None:
    from workflows import checklists
    from workflows.types import Policy, TaskSpec

    own = TaskSpec(
        id="laptop",
        owner="buddy",
        title={"en": "Hand over the laptop", "nl": "Geef de laptop af", "fr": "Remettre le PC"},
    )
    specs = [*Policy().onboarding_tasks, own]
    tasks = checklists.given(specs, "onboarding", date(2027, 1, 11), date(2027, 1, 4))
    assert [t.due for t in tasks] == [date(2027, 1, 11)] * len(specs)
    english = [checklists.title(t.task_id, "en", t.title, t.titles) for t in tasks]
    for language in ("en", "nl", "fr"):
        state = realistic_state(language=language)
        state.tasks = tasks
        text = compose(queued(state, MailKind.MANAGER_CHECKLIST), CONFIG).text
        titles = [checklists.title(t.task_id, language, t.title, t.titles) for t in tasks]
        assert all(title in text for title in titles), (language, text)
        if language != "en":
            assert not set(titles) & set(english), language  # every title is translated
    for spec in Policy().offboarding_tasks:
        assert {checklists.title(spec.id, x, spec.id) for x in ("en", "nl", "fr")} != {spec.id}


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
def test_a_late_task_is_told_to_its_owner_then_to_hr(language: str) -> None:
    """The reminder names the owner's own late tasks, with their due day; the escalation names
    every task it marked, with who does it."""
    state = realistic_state(language=language)
    reminder = compose(queued(state, MailKind.TASK_REMINDER), CONFIG)
    escalation = compose(queued(state, MailKind.TASK_ESCALATION), CONFIG)
    assert "Order a badge and a laptop" in reminder.text  # the buddy's, reminded at AT
    assert "Introduce Sam" not in reminder.text  # the manager's
    assert "Jo" in reminder.text.splitlines()[0]  # to the buddy, by first name
    assert (
        f"{CONFIG.public_url.rstrip('/')}/assignments/{state.assignment.assignment_id}#tasks"
        in (reminder.text)
    )
    assert "Order a badge and a laptop" in escalation.text
    assert "Introduce Sam at the team meeting" in escalation.text
    assert "Book a desk" not in escalation.text  # done
    assert state.assignment.buddy is not None and state.assignment.buddy.name in escalation.text
    assert reminder.language == escalation.language == language
