"""The words of the mails: dates, times and recurrences as the hand-written tables wrote them
before Babel and the catalogue did, every `mail.*` message in every language with the same
placeholders, and every message a template says in the catalogue, given exactly its values."""

from __future__ import annotations

import itertools
import re
from datetime import date, time, timedelta
from pathlib import Path

import jinja2
import pytest

from activities import mail
from core import i18n
from core.i18n import LANGUAGES
from tests.activities.test_templates import (
    CONFIG,
    catalogues_without,
    mail_keys,
    message_key,
    queued,
    realistic_state,
)
from workflows.types import MailKind

# The tables the mails wrote their dates and recurrences with before Babel and the catalogue did.
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

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_GETTEXT = {"_", "gettext", "ngettext"}


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def forms(language: str, key: str) -> list[str]:
    string = i18n.catalogue(language)[key].string
    return [string] if isinstance(string, str) else list(string)


def python_format(language: str) -> set[str]:
    """The keys mail.po marks `#, python-format` (Babel keeps the flag only for msgids that look
    like a format, which keys never do)."""
    text = (i18n.locale_dir() / language / "LC_MESSAGES" / "mail.po").read_text("utf-8")
    return set(re.findall(r'^#, python-format\nmsgid "([^"]+)"', text, re.MULTILINE))


# ------------------------------------------------------------------ dates, times, recurrences


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_in_words_as_the_old_tables_wrote_them(language: str) -> None:
    months, weekdays = MONTHS[language].split(), WEEKDAYS[language].split()
    for month in range(1, 13):
        for offset in range(7):  # the first seven days: every weekday in every month, and the 1st
            day = date(2027, month, 1) + timedelta(days=offset)
            number = "1er" if language == "fr" and day.day == 1 else str(day.day)
            words = f"{number} {months[day.month - 1]} {day.year}"
            weekday = weekdays[day.weekday()]
            assert mail.format_date(day, language) == words
            assert mail.format_date(day, language, weekday=True) == f"{weekday} {words}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_times_as_the_old_code_wrote_them(language: str) -> None:
    for hour, minute in itertools.product(range(24), range(60)):
        old = {
            "en": f"{hour:02d}:{minute:02d}",
            "nl": f"{hour}.{minute:02d} uur",
            "fr": f"{hour} h" + (f" {minute:02d}" if minute else ""),
        }[language]
        assert mail.format_time(time(hour, minute), language) == old


@pytest.mark.parametrize("language", LANGUAGES)
def test_recurrences_as_the_old_tables_wrote_them(language: str) -> None:
    names = WEEKDAYS[language].split()
    for count in range(1, 8):
        for days in itertools.combinations(ICAL_WEEKDAYS, count):
            *others, last = [names[ICAL_WEEKDAYS.index(d)] for d in days]
            joined = f"{', '.join(others)} {AND[language]} {last}" if others else last
            rule = f"FREQ=WEEKLY;BYDAY={','.join(reversed(days))}"  # in any order
            assert mail.describe_recurrence(rule, language) == EVERY[language].format(joined), rule
    assert mail.describe_recurrence("FREQ=DAILY", language) == EVERY_DAY[language]


def test_an_unknown_language_writes_dates_times_and_recurrences_in_english() -> None:
    assert mail.format_date(date(2027, 12, 25), "xx", weekday=True) == "Saturday 25 December 2027"
    assert mail.format_time(time(9, 5), "xx") == "09:05"
    assert mail.describe_recurrence("FREQ=WEEKLY;BYDAY=MO,TH", "xx") == "every Monday and Thursday"


# -------------------------------------------------------------------------- the catalogue


def test_every_mail_message_is_in_every_language_with_the_same_placeholders() -> None:
    english = mail_keys("en")
    assert len(english) > 150
    problems = []
    for language in ("nl", "fr"):
        if mail_keys(language) != english:
            problems.append(f"{language}: {sorted(mail_keys(language) ^ english)}")
    for key in sorted(english):
        expected = placeholders(forms("en", key)[-1])
        plural = isinstance(i18n.catalogue("en")[key].id, tuple)
        for language in LANGUAGES:
            message = i18n.catalogue(language)[key]
            if isinstance(message.id, tuple) != plural or (plural and message.id != (key, key)):
                problems.append(f"{key}: {language} is {message.id!r}")
            if (key in python_format(language)) != bool(expected):
                problems.append(f"{key}: {language} is marked python-format only with placeholders")
            for form in forms(language, key):
                if not form.strip() or placeholders(form) != expected:
                    problems.append(f"{key}: {language} has {placeholders(form)}, en {expected}")
    assert not problems, "\n".join(problems)


def _calls(kind: MailKind) -> list[tuple[str, set[str]]]:
    """Each message the kind's template says, with the names of the values it passes."""
    source = (mail.TEMPLATES / mail.template_name(kind)).read_text("utf-8")
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    calls = []
    for call in env.parse(source).find_all(jinja2.nodes.Call):
        if isinstance(call.node, jinja2.nodes.Name) and call.node.name in _GETTEXT:
            key = call.args[0]
            assert isinstance(key, jinja2.nodes.Const), f"{kind}: a key that is not a literal"
            calls.append((key.value, {keyword.key for keyword in call.kwargs}))
    return calls


@pytest.mark.parametrize("kind", list(MailKind))
def test_every_message_a_template_says_is_in_the_catalogue_with_its_values(kind: MailKind) -> None:
    calls = _calls(kind)
    assert {key for key, _ in calls} == mail.template_keys(kind)
    for key, values in calls:
        assert key.startswith(f"mail.{kind}."), key
        assert key in mail_keys("en"), f"{key} is not in the catalogue"
        assert values == placeholders(forms("en", key)[-1]), key


def test_every_mail_message_is_said_somewhere() -> None:
    """By a template, (a team event's rhythm) by activities/mail/dates.py, or (the freelancer's
    own link under every mail to them) by activities/mail/rendering.py."""
    said = set().union(*(mail.template_keys(kind) for kind in MailKind))
    source = Path(mail.dates.__file__).read_text("utf-8")
    said |= set(re.findall(r'"(mail\.recurrence\.\w+)"', source))
    rendering = Path(mail.dates.__file__).with_name("rendering.py").read_text("utf-8")
    said |= set(re.findall(r'"(mail\.footer\.\w+)"', rendering))
    assert mail_keys("en") == said


def test_a_mail_half_translated_is_in_english_throughout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogues_without(tmp_path, monkeypatch, "nl", "mail.welcome.people_buddy")
    welcome = mail.compose(queued(realistic_state(language="nl"), MailKind.WELCOME), CONFIG)
    assert welcome.language == "en" and welcome.subject == "Welcome to Payroll, Sam!"
    assert "Jo Maes, your buddy" in welcome.text and "Monday 4 January 2027" in welcome.text
    first_day = mail.compose(queued(realistic_state(language="nl"), MailKind.FIRST_DAY), CONFIG)
    assert first_day.language == "nl"
    assert {message_key(m) for m in i18n.catalogue("nl")} >= mail.template_keys(MailKind.FIRST_DAY)
