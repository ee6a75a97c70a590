"""Builders of workflow payloads for the tests of the repositories and record activities."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from workflows.types import Assignment, AssignmentState, Person, Phase, TimelineEntry

SIGNED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def make_assignment(assignment_id: str, **fields: Any) -> Assignment:
    values: dict[str, Any] = {
        "assignment_id": assignment_id,
        "freelancer": Person(name="Sam Peeters", email="sam@example.org"),
        "manager": Person(name="Lea Janssens", email="lea@client.example"),
        "team": "Payroll",
        "role": "Payroll consultant",
        "purpose": "Run the payroll migration.",
        "start_date": date(2027, 1, 4),
        "end_date": date(2027, 3, 31),
        "tools": ["chat", "wiki"],
        "timezone": "Europe/Brussels",
    }
    values.update(fields)
    return Assignment(**values)


def make_state(
    assignment_id: str, phase: Phase = Phase.SCHEDULED, **fields: Any
) -> AssignmentState:
    return AssignmentState(
        assignment=make_assignment(assignment_id, **fields),
        phase=phase,
        signed_at=SIGNED_AT,
    )


def entry(
    key: str, at: datetime, kind: str = "note", summary: str = "", **data: str | None
) -> TimelineEntry:
    return TimelineEntry(key=key, at=at, kind=kind, summary=summary or f"{kind} {key}", data=data)
