"""The words: every message in English, Dutch and French with the same placeholders, every
literal key the code and the templates ask for exists, and dates read the way each language
writes them. No browser needed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from api.ui.i18n import LANGUAGES, Translator, language_of, negotiate
from core.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# t.plural("key", …) in a template: Jinja's extractor reads only plain calls like t("key").
_TEMPLATE_PLURAL = re.compile(r"""\bt\.plural\(\s*["']([a-z0-9_.\-]+)["']\s*,""")
_JINJA_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def _forms(string: str | tuple[str, ...] | list[str]) -> list[str]:
    return [string] if isinstance(string, str) else list(string)


def catalogues() -> dict[str, dict[str, list[str]]]:
    """msgid → language → its forms (one, or one per plural form)."""
    merged: dict[str, dict[str, list[str]]] = {}
    for language in LANGUAGES:
        for message in catalogue(language):
            if message.id:
                key = message.id if isinstance(message.id, str) else message.id[0]
                merged.setdefault(key, {})[language] = _forms(message.string)
    return merged


def test_every_key_is_in_every_language_with_the_same_placeholders() -> None:
    problems = []
    for key, texts in catalogues().items():
        missing = [lang for lang in LANGUAGES if not all(f.strip() for f in texts.get(lang, [""]))]
        if missing:
            problems.append(f"{key}: missing {', '.join(missing)}")
            continue
        expected = placeholders(texts["en"][-1])
        for lang in LANGUAGES:
            for form in texts[lang]:
                if placeholders(form) != expected:
                    problems.append(f"{key}: {lang} has {placeholders(form)}, en {expected}")
                if "%" in _PLACEHOLDER.sub("", form).replace("%%", ""):
                    problems.append(f"{key}: {lang} has a % that is no placeholder (write %%)")
    assert not problems, "\n".join(problems)


def test_every_literal_key_used_exists() -> None:
    """What `pybabel extract` finds with babel.cfg, and the templates' t.plural(...)."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    used: dict[str, str] = {}
    for where, _, message, *_ in extract_from_dir(ROOT / "api", method_map, options_map):
        key = message if isinstance(message, str) else message[0]
        if key != "key":  # the docstrings' example
            used.setdefault(key, where)
    for path in (ROOT / "api" / "templates").rglob("*.htm*"):
        text = _JINJA_COMMENT.sub("", path.read_text("utf-8"))
        for key in _TEMPLATE_PLURAL.findall(text):
            used.setdefault(key, str(path.relative_to(ROOT)))
    assert len(used) > 200, "few t(...) calls found: is babel.cfg still right?"
    unknown = {key: where for key, where in used.items() if key not in catalogues()}
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
