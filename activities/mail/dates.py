"""Dates, times and recurrences in words, in the assignment's language and timezone.

`format_date` and `format_time` write a date or a time the way each language does
(`Monday 4 January 2027`, `maandag 4 januari 2027`, `lundi 4 janvier 2027`; `14:00`,
`14.00 uur`, `14 h`); `describe_recurrence` names the plain weekly and daily RRULEs of team
events (`every Friday`), and anything else is left to the template (which then names the first
date only). An unknown language is written in English.
"""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import vRecur

from workflows.types import Assignment

from .config import MailInputError
from .rendering import FALLBACK_LANGUAGE

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


def zone(a: Assignment) -> ZoneInfo:
    """The assignment's timezone, in which every date of its mail is written."""
    try:
        return ZoneInfo(a.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MailInputError(f"unknown timezone {a.timezone!r}") from None


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


def bare_rrule(rule: str) -> str:
    """The rule without its optional `RRULE:` prefix."""
    rule = rule.strip()
    return rule[len("RRULE:") :] if rule.upper().startswith("RRULE:") else rule


def describe_recurrence(rule: str, language: str) -> str | None:
    """`every Friday`, `elke maandag en donderdag`, `chaque jour` for the plain weekly and daily
    rules; None for anything else (the template then names the first date only)."""
    try:
        parts = vRecur.from_ical(bare_rrule(rule))
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
