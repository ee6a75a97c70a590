"""The operator UI's words in English, Dutch and French, and dates written the way each reads.

The catalogue is the union of the modules in `api/ui/messages/` (one per part of the UI, so
that two people can add words without touching each other's file). Each module has

    MESSAGES = {"key": {"en": "…", "nl": "…", "fr": "…"}}

with `{name}` placeholders filled by `t("key", name=…)`. Every key has all three languages
(tests/ui/test_i18n.py checks it, and that the placeholders agree); a key that is missing at run
time shows as the key itself rather than failing the page.

The language of a request: the `lang` cookie (set by the switcher) if it names one of ours, else
the browser's `Accept-Language`, else English.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

LANGUAGES = ("en", "nl", "fr")
FALLBACK = "en"
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "fr": "Français"}
LANG_COOKIE = "lang"

_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "nl": ("jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.",
           "dec."),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."),
}  # fmt: skip
_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
}
_PLACEHOLDER = re.compile(r"{(\w+)}")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every key of every module of `api.ui.messages`; a key defined twice is an error."""
    from api.ui import messages

    merged: dict[str, dict[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(messages.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{messages.__name__}.{info.name}")
        for key, texts in getattr(module, "MESSAGES", {}).items():
            if key in merged:
                raise RuntimeError(f"UI message {key!r} is defined twice (again in {info.name})")
            merged[key] = texts
    return merged


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


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
        self.language = language if language in LANGUAGES else FALLBACK

    def __call__(self, key: str, **values: Any) -> str:
        texts = catalogue().get(key)
        if texts is None:
            return key
        text = texts.get(self.language) or texts.get(FALLBACK) or key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in catalogue()

    # -------------------------------------------------------------------------- dates

    def date(self, day: date | datetime | None, *, weekday: bool = False) -> str:
        """`4 Jan 2027` / `4 jan. 2027` / `4 janv. 2027` (with the weekday first if asked)."""
        if day is None:
            return ""
        if isinstance(day, datetime):
            day = day.date()
        text = f"{day.day} {_MONTHS[self.language][day.month - 1]} {day.year}"
        if weekday:
            text = f"{_WEEKDAYS[self.language][day.weekday()]} {text}"
        return text

    def time(self, moment: datetime, timezone: str = "UTC") -> str:
        return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M")

    def datetime(self, moment: datetime | None, timezone: str = "UTC") -> str:
        """The date and the time of `moment` in `timezone`: `Mon 4 Jan 2027, 09:00`."""
        if moment is None:
            return ""
        local = moment.astimezone(ZoneInfo(timezone))
        return f"{self.date(local.date(), weekday=True)}, {local:%H:%M}"

    def number(self, value: float) -> str:
        """Thousands grouped the local way: 8,640 / 8.640 / 8 640."""
        whole = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
        if self.language == "nl":
            return whole.translate(str.maketrans(",.", ".,"))
        if self.language == "fr":
            return whole.replace(",", "\u202f").replace(".", ",")
        return whole
