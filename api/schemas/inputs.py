"""What contracting systems and operators send: the create body and the contract changes,
mapped explicitly to the workflow's inputs. What a schema alone cannot judge is checked by the
Lifecycle service (api/lifecycle.py): tools against the configured catalogue, dates against the
deployment clock's today."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Annotated, Any, Literal

from dateutil.rrule import rrulestr
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict

from api.schemas.fields import (
    AssignmentId,
    Email,
    Input,
    IsoDate,
    Name,
    Purpose,
    Reason,
    ToolName,
    storable,
    timezones,
    whole_number,
)
from workflows.rules import AMENDABLE
from workflows.types import (
    MAX_TERM_DAYS,
    AmendInput,
    Assignment,
    CancelInput,
    CompleteTaskInput,
    DecideRenewalInput,
    ExtendInput,
    Person,
    TeamEvent,
    TerminateInput,
)

# --------------------------------------------------------------------------------- create


class PersonIn(Input):
    name: Name
    email: Email

    def to_person(self) -> Person:
        return Person(name=self.name, email=str(self.email))


class TeamEventIn(Input):
    title: Name
    rrule: Annotated[
        str,
        Field(
            min_length=1,
            max_length=500,
            pattern=r"^[^\r\n]+$",
            description="An RFC 5545 RRULE, e.g. `FREQ=WEEKLY;BYDAY=FR`",
            examples=["FREQ=WEEKLY;BYDAY=FR"],
        ),
        AfterValidator(storable),
    ]
    start_time: Annotated[
        str,
        Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, local time"),
    ]
    duration_minutes: Annotated[
        int, Field(ge=1, le=1440, strict=True), BeforeValidator(whole_number)
    ] = 60

    @field_validator("rrule")
    @classmethod
    def _valid_rrule(cls, value: str) -> str:
        try:
            rrulestr(value, dtstart=datetime(2000, 1, 1))
        except Exception as exc:  # dateutil raises ValueError, TypeError, KeyError, ...
            raise ValueError("not a valid RFC 5545 RRULE") from exc
        return value

    def to_team_event(self) -> TeamEvent:
        return TeamEvent(
            title=self.title,
            rrule=self.rrule,
            start_time=self.start_time,
            duration_minutes=self.duration_minutes,
        )


class AssignmentCreate(Input):
    """The contract's create body (section 3)."""

    assignment_id: AssignmentId
    freelancer: PersonIn
    manager: PersonIn
    team: Name
    role: Name
    purpose: Purpose
    start_date: IsoDate
    end_date: IsoDate
    tools: Annotated[list[ToolName], Field(max_length=50, description="Names from the catalogue")]
    timezone: Annotated[str, Field(min_length=1, max_length=64, description="An IANA name")]
    language: Literal["en", "nl", "fr"] = "en"
    buddy: PersonIn | None = None
    hr_contact: PersonIn | None = None
    team_events: Annotated[list[TeamEventIn], Field(max_length=20)] = Field(default_factory=list)
    policy: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=64,
            description="The named policy it follows (LIFECYCLE_POLICIES); unset: its team's,"
            " else `standard`",
        ),
    ] = None

    @field_validator("end_date")
    @classmethod
    def _not_before_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and value < start:
            raise ValueError(f"must not be before start_date ({start})")
        if start is not None and (value - start).days > MAX_TERM_DAYS:
            raise ValueError(f"a term runs at most {MAX_TERM_DAYS} days: renew it instead")
        return value

    @field_validator("timezone")
    @classmethod
    def _iana_name(cls, value: str) -> str:
        if value not in timezones():
            raise ValueError("not an IANA time zone name (e.g. Europe/Brussels)")
        return value

    @field_validator("tools")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("names a tool more than once")
        return value

    def to_assignment(self) -> Assignment:
        return Assignment(
            assignment_id=self.assignment_id,
            freelancer=self.freelancer.to_person(),
            manager=self.manager.to_person(),
            team=self.team,
            role=self.role,
            purpose=self.purpose,
            start_date=self.start_date,
            end_date=self.end_date,
            tools=list(self.tools),
            timezone=self.timezone,
            language=self.language,
            buddy=self.buddy.to_person() if self.buddy else None,
            hr_contact=self.hr_contact.to_person() if self.hr_contact else None,
            team_events=[e.to_team_event() for e in self.team_events],
        )

    def identity(self) -> dict[str, object]:
        """What makes a repeat the same request: the body, without the fields left unset that
        came after the first contract (so that its hash stays what it was)."""
        data = self.model_dump(mode="json")
        if data["policy"] is None:
            del data["policy"]
        return data


# ------------------------------------------------------------------------------- changes


class ExtensionCreate(Input):
    new_end_date: IsoDate
    reason: Reason | None = None

    def to_input(self, actor: str) -> ExtendInput:
        return ExtendInput(new_end_date=self.new_end_date, reason=self.reason, actor=actor)


class TerminationCreate(Input):
    effective_date: IsoDate = Field(description="Today or later, in the assignment's timezone")
    reason: Reason

    def to_input(self, actor: str) -> TerminateInput:
        return TerminateInput(effective_date=self.effective_date, reason=self.reason, actor=actor)


class CancellationCreate(Input):
    reason: Reason

    def to_input(self, actor: str) -> CancelInput:
        return CancelInput(reason=self.reason, actor=actor)


def _at_least_one_of(**kinds: str) -> JsonDict:
    """JSON Schema for "at least one of these fields, not null"."""
    return {
        "anyOf": [
            {"required": [name], "properties": {name: {"type": kind}}}
            for name, kind in kinds.items()
        ]
    }


IMPORT_BATCH = 500  # items in one POST /v1/assignments:import
MAX_PAST_RENEWALS = 100  # the earlier terms an imported row may tell of


class AssignmentImport(AssignmentCreate):
    """An assignment that already runs (section 6, "Import"): the create body and its term."""

    term: Annotated[
        int,
        Field(
            ge=1,
            le=999,
            description="The term it is in (1: the first; unset: the one after its past renewals)",
        ),
    ] = 1
    past_renewals: Annotated[
        list[date],
        Field(
            max_length=MAX_PAST_RENEWALS,
            description="The last days of its earlier terms, each renewed, oldest first",
        ),
    ] = Field(default_factory=list)

    @field_validator("past_renewals")
    @classmethod
    def _before_this_term(cls, value: list[date], info: ValidationInfo) -> list[date]:
        start = info.data.get("start_date")
        if any(later <= earlier for earlier, later in itertools.pairwise(value)):
            raise ValueError("must be in order, oldest first, each once")
        if start is not None and value and value[-1] >= start:
            raise ValueError(f"must all be before start_date ({start}): they ended earlier terms")
        return value

    @model_validator(mode="after")
    def _term_follows_its_renewals(self) -> AssignmentImport:
        if "term" not in self.model_fields_set:
            self.term = len(self.past_renewals) + 1
        elif len(self.past_renewals) > self.term - 1:
            raise ValueError(
                f"past_renewals: {len(self.past_renewals)} renewals lead to term"
                f" {len(self.past_renewals) + 1} at least, not term {self.term}"
            )
        return self

    def identity(self) -> dict[str, object]:
        """What makes a repeat the same row: the create body, the term where it is not the
        first (so that an assignment created before is the same row), its past renewals if any."""
        data = super().identity()
        if data["term"] == 1:
            del data["term"]
        if not data["past_renewals"]:
            del data["past_renewals"]
        return data


class ImportBatch(Input):
    """`POST /v1/assignments:import`: create bodies with their optional `term` and `policy`,
    each judged on its own."""

    items: Annotated[
        list[Any],  # judged one by one: an item that is not an object is refused on its own
        Field(min_length=1, max_length=IMPORT_BATCH, description="Rows, each a create body"),
    ]


class AmendmentCreate(Input):
    """A move within the client, the team's events replaced (the freelancer's invitations follow),
    or a start that moves before it comes: at least one of the fields."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_at_least_one_of(
            role="string",
            team="string",
            manager="object",
            tools="array",
            start_date="string",
            team_events="array",
        ),
    )

    role: Name | None = None
    team: Name | None = None
    manager: PersonIn | None = None
    tools: Annotated[list[ToolName], Field(max_length=50)] | None = None
    start_date: IsoDate | None = None
    team_events: Annotated[list[TeamEventIn], Field(max_length=20)] | None = None

    @model_validator(mode="after")
    def _something(self) -> AmendmentCreate:
        given = (self.role, self.team, self.manager, self.tools, self.start_date, self.team_events)
        if all(v is None for v in given):
            raise ValueError(f"name at least one of {AMENDABLE}")
        return self

    @field_validator("tools")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("names a tool more than once")
        return value

    def to_input(self, actor: str) -> AmendInput:
        return AmendInput(
            role=self.role,
            team=self.team,
            manager=self.manager.to_person() if self.manager else None,
            tools=list(self.tools) if self.tools is not None else None,
            start_date=self.start_date,
            team_events=(
                None if self.team_events is None else [e.to_team_event() for e in self.team_events]
            ),
            actor=actor,
        )


class RenewalDecisionCreate(Input):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {
                    "properties": {
                        "decision": {"const": "renew"},
                        "new_end_date": {"type": "string"},
                    },
                    "required": ["decision", "new_end_date"],
                },
                {
                    "properties": {"decision": {"const": "end"}, "new_end_date": {"type": "null"}},
                    "required": ["decision"],
                },
            ]
        },
    )

    decision: Literal["renew", "end"]
    new_end_date: IsoDate | None = Field(
        default=None, validate_default=True, description="Required to renew, refused to end"
    )
    note: Reason | None = None

    @field_validator("new_end_date")
    @classmethod
    def _with_renewal_only(cls, value: date | None, info: ValidationInfo) -> date | None:
        decision = info.data.get("decision")
        if decision == "renew" and value is None:
            raise ValueError("a renewal needs new_end_date")
        if decision == "end" and value is not None:
            raise ValueError("only a renewal takes a new_end_date")
        return value

    def to_input(self, actor: str) -> DecideRenewalInput:
        return DecideRenewalInput(
            decision=self.decision, new_end_date=self.new_end_date, note=self.note, actor=actor
        )


class TaskCompletion(Input):
    """An optional body: nothing is needed to complete a task."""

    def to_input(self, task_id: str, actor: str) -> CompleteTaskInput:
        return CompleteTaskInput(task_id=task_id, actor=actor)
