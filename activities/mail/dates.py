"""Dates, times and recurrences in words, in the assignment's language and timezone.

`format_date` and `format_time` write a date or a time the way each language does
(`Monday 4 January 2027`, `maandag 4 januari 2027`, `lundi 4 janvier 2027`; `14:00`,
`14.00 uur`, `14 h`), with Babel's names of months and weekdays; `describe_recurrence` names the
plain weekly and daily RRULEs of team events (`every Friday`) with the catalogue's words
(`mail.recurrence.*`), and anything else is left to the template (which then names the first
date only). An unknown language is written in English.
"""

from __future__ import annotations

from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates
from icalendar import vRecur

from core import i18n
from workflows.types import Assignment

from .config import MailInputError

ICAL_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# The time of day as these mails have always said it. CLDR writes `14:00` in all three
# languages; Dutch and French speak of `14.00 uur` and `14 h` (`14 h 30`).
_TIME = {"en": "HH:mm", "nl": "H.mm 'uur'", "fr": "H 'h' mm"}


def zone(a: Assignment) -> ZoneInfo:
    """The assignment's timezone, in which every date of its mail is written."""
    try:
        return ZoneInfo(a.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MailInputError(f"unknown timezone {a.timezone!r}") from None


def format_date(value: date, language: str, *, weekday: bool = False) -> str:
    """`4 January 2027`, `4 januari 2027`, `4 janvier 2027` (`1er janvier` in French); with
    `weekday`, `Monday 4 January 2027`, `maandag 4 januari 2027`, `lundi 4 janvier 2027`."""
    language = i18n.known(language)
    day = "d"
    if language == "fr" and value.day == 1:
        day = "d'er'"  # French writes the first of a month as an ordinal; CLDR's `d` is a number
    pattern = f"EEEE {day} MMMM y" if weekday else f"{day} MMMM y"
    return dates.format_date(value, pattern, locale=language)


def format_time(value: time, language: str) -> str:
    """`14:00`, `14.00 uur`, `14 h` (`14 h 30`)."""
    language = i18n.known(language)
    pattern = _TIME[language]
    if language == "fr" and not value.minute:
        pattern = "H 'h'"
    return dates.format_time(value, pattern, locale=language)


def _weekdays(days: list[str], language: str) -> str:
    """The days' names in the week's order: `Monday`, `Monday and Thursday`, `Monday, Wednesday
    and Friday`."""
    names = dates.get_day_names("wide", locale=language)  # 0 is Monday, as in ICAL_WEEKDAYS
    words = [names[ICAL_WEEKDAYS.index(d)] for d in sorted(days, key=ICAL_WEEKDAYS.index)]
    if len(words) == 1:
        return words[0]
    return i18n.gettext(language, "mail.recurrence.and", days=", ".join(words[:-1]), last=words[-1])


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
    language = i18n.known(language)
    freq = parts.get("FREQ", [""])[0]
    days = [str(d) for d in parts.get("BYDAY", [])]
    if freq == "DAILY" and not days:
        return i18n.gettext(language, "mail.recurrence.every_day")
    if freq == "WEEKLY" and days and all(d in ICAL_WEEKDAYS for d in days):
        return i18n.gettext(language, "mail.recurrence.every", days=_weekdays(days, language))
    return None
