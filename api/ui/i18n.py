"""The operator UI's words and dates in the request's language, from the catalogues of
core.i18n (locale/*/LC_MESSAGES/*.po; how to add words: locale/README.md).

Templates and routes get `t`: `t("key", name=…)` a message with its placeholders filled,
`t.plural("key", n)` a plural entry (through ngettext, with `n` written the local way), and
`t.date`, `t.datetime`, `t.time`, `t.number`. A key that is missing shows as the key itself rather
than failing the page.

The language of a request: the `lang` cookie (set by the switcher) if it names one of ours, else
the browser's `Accept-Language`, else English.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import i18n
from core.i18n import FALLBACK, LANGUAGE_NAMES, LANGUAGES

# The languages are core.i18n's, named here too for the UI's modules.
__all__ = [
    "FALLBACK",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LANG_COOKIE",
    "Translator",
    "language_of",
    "negotiate",
]

LANG_COOKIE = "lang"


def negotiate(accept_language: str | None) -> str:
    """The first of our languages the browser prefers (by q-value), else English."""
    best, best_q = FALLBACK, 0.0
    for position, part in enumerate((accept_language or "").split(",")[:32]):
        tag, _, params = part.partition(";")
        language = tag.strip().split("-")[0].lower()
        q = 1.0
        found = re.search(r"q\s*=\s*([0-9.]{1,5})", params)
        if found:
            try:
                q = float(found.group(1))
            except ValueError:
                continue
        q -= position * 1e-6  # equal weights: the first one listed wins
        if language in LANGUAGES and q > best_q:
            best, best_q = language, q
    return best


def language_of(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGUAGES:
        return str(cookie)
    return negotiate(accept_language)


class Translator:
    """`t` of the templates: words and dates in one language."""

    def __init__(self, language: str) -> None:
        self.language = i18n.known(language)

    def __call__(self, key: str, **values: Any) -> str:
        return i18n.gettext(self.language, key, **values)

    def plural(self, key: str, n: float, **values: Any) -> str:
        """The plural entry `key` in the form `n` takes, with `%(n)s` the number written the
        local way: `3 days late`, `1 dag te laat`."""
        return i18n.ngettext(self.language, key, key, n, n=self.number(n), **values)

    def has(self, key: str) -> bool:
        return key in i18n.catalogue(FALLBACK)

    def date(self, day: date | datetime | None, *, weekday: bool = False) -> str:
        """`4 Jan 2027` / `4 jan. 2027` / `4 janv. 2027` (with the weekday first if asked)."""
        return "" if day is None else i18n.format_date(day, self.language, weekday=weekday)

    def time(self, moment: datetime, timezone: str = "UTC") -> str:
        return i18n.format_time(moment, self.language, ZoneInfo(timezone))

    def datetime(self, moment: datetime | None, timezone: str = "UTC") -> str:
        """The date and the time of `moment` in `timezone`: `Mon 4 Jan 2027, 09:00`."""
        if moment is None:
            return ""
        return i18n.format_datetime(moment, self.language, ZoneInfo(timezone))

    def number(self, value: float) -> str:
        """Thousands grouped the local way: 8,640 / 8.640 / 8 640."""
        return i18n.format_number(value, self.language)
