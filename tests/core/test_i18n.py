"""core.i18n: the catalogues compile, are shipped with the package, and write the same words and
dates as the pages always have."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core import i18n

ROOT = Path(__file__).resolve().parents[2]
PO_FILES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))

# The words of the hand-written tables the UI wrote its dates with before Babel did.
MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
    "nl": "jan. feb. mrt. apr. mei jun. jul. aug. sep. okt. nov. dec.",
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
}
WEEKDAYS = {
    "en": "Mon Tue Wed Thu Fri Sat Sun",
    "nl": "ma di wo do vr za zo",
    "fr": "lun. mar. mer. jeu. ven. sam. dim.",
}
# What the copy built into a wheel leaves out (as .dockerignore does), and what is only local.
NOT_BUILT = (
    ".git", ".venv", ".lifecycle", "build", "dist", "*.egg-info", "__pycache__", "tests", "bench",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", ".schemathesis", "test-artifacts",
)  # fmt: skip


def test_there_is_a_catalogue_for_every_language() -> None:
    assert {path.parts[-3] for path in PO_FILES} == set(i18n.LANGUAGES)
    parts = {lang: {p.name for p in PO_FILES if p.parts[-3] == lang} for lang in i18n.LANGUAGES}
    assert parts["nl"] == parts["en"] == parts["fr"], parts


@pytest.mark.parametrize("path", PO_FILES, ids=lambda p: "/".join(p.parts[-3::2]))
def test_every_catalogue_compiles(path: Path) -> None:
    text = path.read_text("utf-8")
    assert re.search(r'^"Plural-Forms: nplurals=\d+; plural=.+;\\n"$', text, re.MULTILINE)
    catalog = read_po(io.BytesIO(text.encode()), locale=path.parts[-3], abort_invalid=True)
    assert not catalog.fuzzy, "the header is fuzzy"
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries are never shown"
    assert not [m.id for m in catalog if m.id and not m.string], "entries without a msgstr"
    assert not [(m.id, errors) for m, errors in catalog.check()]  # e.g. the number of plurals
    write_mo(io.BytesIO(), catalog, use_fuzzy=False)


def test_every_language_reads_the_same_messages() -> None:
    english = {m.id for m in i18n.catalogue("en") if m.id}
    assert len(english) > 300
    for language in ("nl", "fr"):
        assert {m.id for m in i18n.catalogue(language) if m.id} == english


def test_messages_plurals_and_the_fallback() -> None:
    assert i18n.gettext("nl", "signed_in_as", name="Lea") == "Aangemeld als Lea"
    assert i18n.gettext("fr", "eng_percent", n="40") == "40 %"
    assert i18n.gettext("fr", "no_such_key") == "no_such_key"
    assert i18n.gettext("xx", "nav_today") == "Today"

    def late(language: str, n: float) -> str:
        return i18n.ngettext(language, "today_late", "today_late", n, n=str(n))

    assert [late("en", n) for n in (0, 1, 2, 1.5)] == [
        "0 days late",
        "1 day late",
        "2 days late",
        "1.5 days late",
    ]
    assert late("nl", 1) == "1 dag te laat"
    # As the pages always said: none is plural in French too (gettext's French rule says "jour").
    assert [late("fr", n) for n in (0, 1, 2)] == [
        "0 jours de retard",
        "1 jour de retard",
        "2 jours de retard",
    ]


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_dates_in_words_as_the_old_tables_wrote_them(language: str) -> None:
    months, weekdays = MONTHS[language].split(), WEEKDAYS[language].split()
    for month in range(1, 13):
        for offset in range(7):  # seven days in a row: every weekday in every month
            day = date(2027, month, 10) + timedelta(days=offset)
            words = f"{day.day} {months[day.month - 1]} {day.year}"
            assert i18n.format_date(day, language) == words
            assert i18n.format_date(day, language, weekday=True) == (
                f"{weekdays[day.weekday()]} {words}"
            )


def test_dates_and_times_in_a_timezone() -> None:
    assert i18n.format_date(date(2027, 3, 10), "en", weekday=True) == "Wed 10 Mar 2027"
    assert i18n.format_date(date(2027, 3, 10), "nl", weekday=True) == "wo 10 mrt. 2027"
    assert i18n.format_date(date(2027, 3, 10), "fr", weekday=True) == "mer. 10 mars 2027"
    late = datetime(2027, 12, 31, 23, 30, tzinfo=UTC)  # already next year in Brussels
    brussels = ZoneInfo("Europe/Brussels")
    assert i18n.format_datetime(late, "fr", brussels) == "sam. 1 janv. 2028, 00:30"
    assert i18n.format_datetime(late, "en", ZoneInfo("UTC")) == "Fri 31 Dec 2027, 23:30"
    assert i18n.format_time(late, "nl", brussels) == "00:30"
    assert i18n.format_date(late, "en") == "31 Dec 2027"  # a datetime's own date


def test_numbers_grouped_the_local_way() -> None:
    assert [i18n.format_number(1234567, x) for x in i18n.LANGUAGES] == [
        "1,234,567",
        "1.234.567",
        "1\u202f234\u202f567",
    ]
    assert [i18n.format_number(0.35, x) for x in i18n.LANGUAGES] == ["0.3", "0,3", "0,3"]
    assert i18n.format_number(2.96, "en") == "3.0"
    assert i18n.format_number(-1234, "nl") == "-1.234"


def test_one_environment_per_loader_and_language_with_gettext_installed() -> None:
    loader = jinja2.DictLoader({"t.html": '{{ _("nav_today") }}|{{ _("signed_in_as", name=x) }}'})
    env = i18n.environment(loader, autoescape=True, language="nl")
    assert env is i18n.environment(loader, autoescape=True, language="nl")
    assert env is not i18n.environment(loader, autoescape=True, language="fr")
    assert env.get_template("t.html").render(x="<b>") == "Vandaag|Aangemeld als &lt;b&gt;"
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    assert env.from_string("{% if 1 %}\n  x\n{% endif %}\n").render() == "  x\n"  # trimmed


def test_the_catalogues_are_in_the_wheel(tmp_path: Path) -> None:
    """`pip install .` (the Dockerfile) installs them where core.i18n looks after its source."""
    source = tmp_path / "source"  # a copy, so that the build leaves nothing in the work tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_BUILT))
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*build, "-w", str(tmp_path), str(source)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    installed = i18n.LOCALE_DIRS[-1].relative_to(sys.prefix)
    data = next(n.split("/data/")[0] for n in names if ".data/data/" in n)
    for path in PO_FILES:
        relative = path.relative_to(ROOT / "locale")
        assert f"{data}/data/{installed}/{relative}" in names, relative
    assert not [n for n in names if n.startswith("locale/")], "locale/ must never be a package"
