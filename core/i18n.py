"""Every word a person reads, in English, Dutch and French: gettext catalogues read with Babel,
dates and numbers written by Babel the way each language writes them, and the one Jinja
environment factory (with `jinja2.ext.i18n` installed in the page's language).

The catalogues are `locale/<language>/LC_MESSAGES/*.po`, one file per part (ui, today,
assignments, engagement, feedback, checklists) so that two people can add words without touching
each other's file; the files of a language are merged into one catalogue (a msgid in two files is
an error). msgids are stable keys (`today_title`, `feedback.greeting`, `checklist.plan-kickoff`),
English has its msgstr like every language, placeholders are `%(name)s`, and a plural is one entry
with a msgid_plural read through `ngettext`. English is the fallback of the others. How to add
words: locale/README.md.

This module is passed through into the Temporal workflow sandbox (the checklists' English
titles): it imports nothing of ours, loads Babel and Jinja only when first used, and reads the
catalogues once per process, at first use, compiling them in memory (no .mo files). They are
found beside the source (a checkout, an editable install), else where `pip install .` puts them:
`<sys.prefix>/share/lifecycle/locale` (pyproject.toml's data-files).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2
    from babel.messages.catalog import Catalog
    from babel.support import Translations

LANGUAGES = ("en", "nl", "fr")
FALLBACK = "en"
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "fr": "Français"}

LOCALE_DIRS = (
    Path(__file__).resolve().parent.parent / "locale",
    Path(sys.prefix) / "share" / "lifecycle" / "locale",
)


def known(language: str | None) -> str:
    """`language` if it is one of ours, else English."""
    return str(language) if language in LANGUAGES else FALLBACK


# ------------------------------------------------------------------------------ catalogues


def locale_dir() -> Path:
    """Where the catalogues are: beside the source, else under the installation's prefix."""
    for candidate in LOCALE_DIRS:
        if (candidate / FALLBACK / "LC_MESSAGES").is_dir():
            return candidate
    raise FileNotFoundError(f"no gettext catalogues in {' or '.join(map(str, LOCALE_DIRS))}")


def catalogue_files(language: str) -> list[Path]:
    return sorted((locale_dir() / known(language) / "LC_MESSAGES").glob("*.po"))


@cache
def catalogue(language: str) -> Catalog:
    """Every message of `language` (English for any other): its .po files merged, as Babel
    reads them."""
    from babel.messages.pofile import read_po

    if language != known(language):
        return catalogue(known(language))

    merged: Catalog | None = None
    for path in catalogue_files(language):
        with path.open("rb") as po:
            part = read_po(po, locale=language, domain=path.stem, abort_invalid=True)
        if merged is None:
            merged = part
            continue
        if part.plural_forms != merged.plural_forms:
            raise ValueError(f"{path}: Plural-Forms differs from the other files of {language}")
        for message in part:
            if not message.id:
                continue  # the header
            if message.id in merged:
                raise ValueError(f"{path}: {message.id!r} is already in another file")
            merged[message.id] = message
    if merged is None:
        raise FileNotFoundError(f"no catalogue for {language!r} in {locale_dir()}")
    return merged


@cache
def translations(language: str) -> Translations:
    """The language's catalogue compiled in memory; English answers what it lacks, and a msgid
    English lacks too comes back as itself."""
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    if language != known(language):
        return translations(known(language))
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language), use_fuzzy=False)
    compiled.seek(0)
    result = Translations(compiled)
    if language != FALLBACK:
        result.add_fallback(translations(FALLBACK))
    return result


def gettext(language: str, msgid: str, /, **values: Any) -> str:
    """The message in `language` with its `%(name)s` placeholders filled (and `%%` written as
    `%`, as jinja2.ext.i18n does for every message)."""
    return translations(language).gettext(msgid) % values


def ngettext(language: str, singular: str, plural: str, n: float, /, **values: Any) -> str:
    """The form of the plural entry that `n` takes in `language`, with its placeholders filled
    (`n` itself is not one: pass it written the local way, e.g. `n=format_number(n, language)`)."""
    return translations(language).ngettext(singular, plural, _plural_count(n)) % values


def _plural_count(n: float) -> int:
    """gettext's plural rules take integers. A fraction reads as plural in all three languages
    (1.5 days, 1,5 dagen, 1,5 jours), as a count of 2 does."""
    return int(n) if float(n).is_integer() else 2


# ------------------------------------------------------------------------- dates, numbers


def _date_pattern(day: date, language: str, *, weekday: bool) -> str:
    """`d MMM y` (`EEE d MMM y` with the weekday) in every language: `4 Jan 2027`,
    `4 jan. 2027`, `4 janv. 2027`."""
    pattern = "EEE d MMM y" if weekday else "d MMM y"
    if language == "nl":
        from babel.dates import get_month_names

        # CLDR (since v42) abbreviates Dutch months without the dot (`mrt`); these pages have
        # always written `mrt.`, as Dutch does: the dot marks a shortened word, so `mei` has none.
        short = get_month_names("abbreviated", locale="nl")[day.month]
        if short != get_month_names("wide", locale="nl")[day.month]:
            pattern = pattern.replace("MMM", "MMM.")
    return pattern


def format_date(day: date | datetime, language: str, *, weekday: bool = False) -> str:
    """`4 Jan 2027` / `4 jan. 2027` / `4 janv. 2027`; with `weekday`, `Mon 4 Jan 2027` /
    `ma 4 jan. 2027` / `lun. 4 janv. 2027`. A datetime is written as its own date."""
    from babel import dates

    if isinstance(day, datetime):
        day = day.date()
    language = known(language)
    return dates.format_date(day, _date_pattern(day, language, weekday=weekday), locale=language)


def format_datetime(moment: datetime, language: str, zone: tzinfo) -> str:
    """The date with its weekday and the time of `moment` in `zone`: `Mon 4 Jan 2027, 09:00`."""
    from babel import dates

    local = moment.astimezone(zone)
    language = known(language)
    pattern = _date_pattern(local.date(), language, weekday=True) + ", HH:mm"
    return dates.format_datetime(local, pattern, locale=language)


def format_time(moment: datetime, language: str, zone: tzinfo) -> str:
    """`09:00`: the time of `moment` in `zone`, on the 24-hour clock in every language."""
    from babel import dates

    return dates.format_time(moment.astimezone(zone), "HH:mm", locale=known(language))


def format_number(value: float, language: str) -> str:
    """Thousands grouped the local way, one decimal for a fraction: 8,640 / 8.640 / 8 640
    (a narrow no-break space), 2.5 / 2,5 / 2,5."""
    from babel.numbers import format_decimal

    whole = float(value).is_integer()
    # Rounded by Python first (as `f"{value:.1f}"` does), not by Babel's decimal of the float.
    rounded = value if whole else round(value, 1)
    return format_decimal(rounded, "#,##0" if whole else "#,##0.0", locale=known(language))


# ------------------------------------------------------------------------------------ Jinja


@cache
def environment(
    loader: jinja2.BaseLoader,
    *,
    autoescape: bool | Callable[[str | None], bool],
    language: str,
) -> jinja2.Environment:
    """The templates of `loader` in `language`: `jinja2.ext.i18n` installed newstyle with the
    language's translations (`_`, `gettext`, `ngettext`, `{% trans %}`), undefined names an
    error, blocks trimmed. One per loader and language (pass the same loader object each time)."""
    import jinja2

    env = jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env
