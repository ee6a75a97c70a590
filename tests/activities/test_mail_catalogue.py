"""The words of the mails: dates, times and recurrences as the hand-written tables wrote them
before Babel and the catalogue did."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

import pytest

from activities import mail
from core.i18n import LANGUAGES

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
