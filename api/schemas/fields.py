"""The building blocks of the HTTP schemas: dates, text, addresses, ids, and the base of inputs.

Inputs refuse unknown fields and take only JSON's own types (no "60" for a number, no number for
a date); each rule that the OpenAPI document can state is stated there too (a pattern, a range).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from core.i18n import LANGUAGES as LANGUAGES  # named here for api.schemas
from workflows.types import (
    ASSIGNMENT_ID_PATTERN,
)

TASK_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@cache
def timezones() -> frozenset[str]:
    """The IANA names this process knows (the system's zoneinfo and the tzdata package)."""
    return frozenset(available_timezones())


# Contract dates are kept in this century: a term of thousands of years would give the workflow
# a schedule too long to draw within a workflow task.
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)


def _iso_date(value: object) -> object:
    """Only a calendar date as `YYYY-MM-DD` (not a timestamp, not a date-time), this century."""
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("not a calendar date") from exc
    else:
        raise ValueError("must be a date as YYYY-MM-DD")
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
    return day


# The same rule as `_iso_date`, for the OpenAPI document: a real calendar date from 2000-01-01 to
# 2099-12-31 (a 29 February only in a leap year; in this century every fourth year is one).
DATE_PATTERN = (
    r"^20(?:[0-9]{2}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    r"|(?:[02468][048]|[13579][26])-02-29)$"
)
IsoDate = Annotated[
    date, BeforeValidator(_iso_date), Field(json_schema_extra={"pattern": DATE_PATTERN})
]


def whole_number(value: object) -> object:
    """JSON Schema's integer: 45 and 45.0 alike (never "45", never true)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def storable(value: str) -> str:
    """Text PostgreSQL can keep: no NUL character, no lone surrogate."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


# `storable` for the OpenAPI document: no NUL. (No lone surrogate either, which a JSON Schema
# pattern cannot say: regular expression engines refuse surrogates in a character class.)
TEXT_PATTERN = r"^[^\u0000]*$"
_Text = Field(json_schema_extra={"pattern": TEXT_PATTERN})
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200), _Text, AfterValidator(storable)
]
Reason = Annotated[
    str, StringConstraints(min_length=1, max_length=2000), _Text, AfterValidator(storable)
]
Purpose = Annotated[
    str, StringConstraints(min_length=1, max_length=5000), _Text, AfterValidator(storable)
]
ToolName = Annotated[
    str, StringConstraints(min_length=1, max_length=100), _Text, AfterValidator(storable)
]


def deliverable(value: str) -> str:
    """Most mail servers cannot take accents before the @ (SMTPUTF8); the domain may have them."""
    if not value.rsplit("@", 1)[0].isascii():
        raise ValueError("the part before the @ must be plain ASCII: mail servers refuse accents")
    return value


Email = Annotated[
    EmailStr, Field(max_length=254), AfterValidator(storable), AfterValidator(deliverable)
]
AssignmentId = Annotated[str, Field(pattern=ASSIGNMENT_ID_PATTERN, examples=["ACME-2026-0042"])]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")
