"""The UI's words: every key in English, Dutch and French with the same placeholders, every
literal key a template or route asks for exists, and dates read the way each language writes
them. No browser needed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from api.ui.i18n import LANGUAGES, Translator, catalogue, language_of, negotiate, placeholders

ROOT = Path(__file__).resolve().parents[2]
# t("key") / t('key', …) with a whole literal key (not "phase_" ~ p), in templates and in the UI's
# Python; Jinja comments are left out.
_LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.\-]+)["']\s*[,)]""")
_JINJA_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)


def test_every_key_is_in_every_language_with_the_same_placeholders() -> None:
    problems = []
    for key, texts in catalogue().items():
        missing = [lang for lang in LANGUAGES if not (texts.get(lang) or "").strip()]
        if missing:
            problems.append(f"{key}: missing {', '.join(missing)}")
            continue
        extra = set(texts) - set(LANGUAGES)
        if extra:
            problems.append(f"{key}: unknown languages {sorted(extra)}")
        expected = placeholders(texts["en"])
        for lang in LANGUAGES:
            if placeholders(texts[lang]) != expected:
                problems.append(f"{key}: {lang} has {placeholders(texts[lang])}, en {expected}")
    assert not problems, "\n".join(problems)


def test_every_literal_key_used_exists() -> None:
    sources = [*ROOT.glob("api/templates/ui/**/*.html"), *ROOT.glob("api/ui/**/*.py")]
    used: dict[str, str] = {}
    for path in sources:
        text = _JINJA_COMMENT.sub("", path.read_text("utf-8"))
        for key in _LITERAL_KEY.findall(text):
            if key != "key":  # the docstrings' example
                used.setdefault(key, str(path.relative_to(ROOT)))
    assert used, "no t(...) call found: is the pattern still right?"
    unknown = {key: where for key, where in used.items() if key not in catalogue()}
    assert not unknown, f"keys used but not in the catalogue: {unknown}"


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, "nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        (None, "de-DE,fr;q=0.7,en;q=0.5", "fr"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "de-DE", "en"),
        (None, "", "en"),
        (None, "fr;q=0.5,nl;q=0.5", "fr"),  # equal weights: the first listed
        (None, "nl;q=0,fr;q=0.2", "fr"),  # q=0: not acceptable
        ("fr", "nl", "fr"),  # the switcher wins
        ("xx", "nl", "nl"),  # an unknown cookie is ignored
    ],
)
def test_the_language_of_a_request(cookie: str | None, header: str, expected: str) -> None:
    assert language_of(cookie, header) == expected


def test_negotiation_survives_garbage() -> None:
    assert negotiate("," * 10_000 + "nl") == "en"  # only the first 32 entries are read
    assert negotiate(";q=;;;,, ,x-y-z") == "en"


def test_dates_and_numbers_per_language() -> None:
    day = date(2027, 3, 31)
    assert Translator("en").date(day, weekday=True) == "Wed 31 Mar 2027"
    assert Translator("nl").date(day, weekday=True) == "wo 31 mrt. 2027"
    assert Translator("fr").date(day, weekday=True) == "mer. 31 mars 2027"
    moment = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    assert Translator("nl").datetime(moment, "Europe/Brussels") == "ma 4 jan. 2027, 09:00"
    assert Translator("en").number(8640) == "8,640"
    assert Translator("nl").number(8640) == "8.640"
    assert Translator("fr").number(8640) == "8\u202f640"
    assert Translator("fr").number(2.5) == "2,5"


def test_a_missing_key_shows_itself_instead_of_failing() -> None:
    t = Translator("nl")
    assert t("no_such_key") == "no_such_key"
    assert t("signed_in_as", name="Lea") == "Aangemeld als Lea"
    assert Translator("xx").language == "en"
