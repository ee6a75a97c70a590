"""The tests' assignment, in every shape a test needs it: Sam Peeters, a payroll consultant in
Lea Janssens' team in Brussels, with Jo Maes as buddy, An Claes in HR and the team's Friday demo.

- `create_body`: the JSON body of `POST /v1/assignments`, as a contracting system sends it;
- `make_assignment`: the workflow's `Assignment`;
- `make_state`: an `AssignmentState` as the workflow records it (signed, not yet started).

Each takes overrides of any field; a test that needs another person, tool set or language says
so in its call, so what it asserts on is written next to it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tests.clock import TIMEZONE
from workflows.types import (
    Assignment,
    AssignmentState,
    Person,
    Phase,
    TeamEvent,
    TimelineEntry,
)

FREELANCER = Person(name="Sam Peeters", email="sam@example.org")
MANAGER = Person(name="Lea Janssens", email="lea@client.example")
BUDDY = Person(name="Jo Maes", email="jo@client.example")
HR = Person(name="An Claes", email="hr@client.example")
PURPOSE = "Bring the payroll run in-house and leave the team able to run it alone."
TOOLS = ["chat", "wiki", "payroll-suite"]
TEAM_EVENT = TeamEvent(
    title="Friday demo", rrule="FREQ=WEEKLY;BYDAY=FR", start_time="15:00", duration_minutes=45
)
# The dates of an assignment that tests without a clock use: a first quarter, Monday to Wednesday.
START, END = date(2027, 1, 4), date(2027, 3, 31)
SIGNED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def make_assignment(
    assignment_id: str, start: date = START, end: date = END, **overrides: Any
) -> Assignment:
    values: dict[str, Any] = {
        "assignment_id": assignment_id,
        "freelancer": FREELANCER.model_copy(),
        "manager": MANAGER.model_copy(),
        "team": "Payroll",
        "role": "Payroll consultant",
        "purpose": PURPOSE,
        "start_date": start,
        "end_date": end,
        "tools": list(TOOLS),
        "timezone": TIMEZONE,
        "language": "en",
        "buddy": BUDDY.model_copy(),
        "hr_contact": HR.model_copy(),
        "team_events": [TEAM_EVENT.model_copy()],
    }
    values.update(overrides)
    return Assignment(**values)


def create_body(assignment_id: str, start: date, end: date, **overrides: Any) -> dict[str, Any]:
    """The create body of the assignment from `start` to `end`; `overrides` are JSON values
    (`freelancer={"name": ..., "email": ...}`, or anything invalid a test sends on purpose)."""
    body = make_assignment(assignment_id, start, end).model_dump(mode="json", exclude_unset=True)
    body.update(overrides)
    return body


def make_state(
    assignment_id: str, phase: Phase = Phase.SCHEDULED, **overrides: Any
) -> AssignmentState:
    """The state of the assignment in `phase`, signed at SIGNED_AT. `overrides` are fields of the
    state (`tasks=`, `access=`, `signed_at=`...) or of its assignment (`team=`, `end_date=`...)."""
    state_fields = {
        name: overrides.pop(name)
        for name in list(overrides)
        if name in AssignmentState.model_fields
    }
    values: dict[str, Any] = {"phase": phase, "signed_at": SIGNED_AT, **state_fields}
    return AssignmentState(assignment=make_assignment(assignment_id, **overrides), **values)


def entry(
    key: str, at: datetime, kind: str = "note", summary: str = "", **data: str | None
) -> TimelineEntry:
    """A timeline entry under `key`, summarised as "<kind> <key>" unless told otherwise."""
    return TimelineEntry(key=key, at=at, kind=kind, summary=summary or f"{kind} {key}", data=data)
