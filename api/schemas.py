"""The HTTP schemas: what clients send and get, mapped explicitly to the workflow's types.

Inputs refuse unknown fields, and take only JSON's own types (no "60" for a number, no number for
a date). What a schema alone cannot judge is checked in `api/lifecycle.py`: tools against the
configured catalogue, dates against the deployment clock's today.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from dateutil.rrule import rrulestr
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonDict

from workflows.types import (
    ASSIGNMENT_ID_PATTERN,
    MAX_TERM_DAYS,
    AmendInput,
    Assignment,
    AssignmentState,
    CancelInput,
    CompleteTaskInput,
    DecideRenewalInput,
    ExtendInput,
    Person,
    Phase,
    TeamEvent,
    TerminateInput,
)

TASK_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
LANGUAGES = ("en", "nl", "fr")
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


def _whole_number(value: object) -> object:
    """JSON Schema's integer: 45 and 45.0 alike (never "45", never true)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _storable(value: str) -> str:
    """Text PostgreSQL can keep: no NUL character, no lone surrogate."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


# `_storable` for the OpenAPI document: no NUL. (No lone surrogate either, which a JSON Schema
# pattern cannot say: regular expression engines refuse surrogates in a character class.)
TEXT_PATTERN = r"^[^\u0000]*$"
_Text = Field(json_schema_extra={"pattern": TEXT_PATTERN})
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200), _Text, AfterValidator(_storable)
]
Reason = Annotated[
    str, StringConstraints(min_length=1, max_length=2000), _Text, AfterValidator(_storable)
]
Purpose = Annotated[
    str, StringConstraints(min_length=1, max_length=5000), _Text, AfterValidator(_storable)
]
ToolName = Annotated[
    str, StringConstraints(min_length=1, max_length=100), _Text, AfterValidator(_storable)
]


def _deliverable(value: str) -> str:
    """Most mail servers cannot take accents before the @ (SMTPUTF8); the domain may have them."""
    if not value.rsplit("@", 1)[0].isascii():
        raise ValueError("the part before the @ must be plain ASCII: mail servers refuse accents")
    return value


Email = Annotated[
    EmailStr, Field(max_length=254), AfterValidator(_storable), AfterValidator(_deliverable)
]
AssignmentId = Annotated[str, Field(pattern=ASSIGNMENT_ID_PATTERN, examples=["ACME-2026-0042"])]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
        AfterValidator(_storable),
    ]
    start_time: Annotated[
        str,
        Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM, local time"),
    ]
    duration_minutes: Annotated[
        int, Field(ge=1, le=1440, strict=True), BeforeValidator(_whole_number)
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


class AmendmentCreate(Input):
    """A move within the client: at least one of the fields."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=_at_least_one_of(
            role="string", team="string", manager="object", tools="array"
        ),
    )

    role: Name | None = None
    team: Name | None = None
    manager: PersonIn | None = None
    tools: Annotated[list[ToolName], Field(max_length=50)] | None = None

    @model_validator(mode="after")
    def _something(self) -> AmendmentCreate:
        if all(v is None for v in (self.role, self.team, self.manager, self.tools)):
            raise ValueError("name at least one of role, team, manager, tools")
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


# -------------------------------------------------------------------------------- output


class PersonOut(BaseModel):
    name: str
    email: str


class TeamEventOut(BaseModel):
    title: str
    rrule: str
    start_time: str
    duration_minutes: int


class TransitionOut(BaseModel):
    kind: str
    at: datetime


class PendingDecisionOut(BaseModel):
    kind: Literal["renewal"] = "renewal"
    due: datetime


class TaskOut(BaseModel):
    task_id: str
    title: str
    phase: Literal["onboarding", "offboarding"]
    done: bool
    done_at: datetime | None = None


class AccessOut(BaseModel):
    tool: str
    status: Literal["pending", "granted", "revoked"]
    since: datetime


class WorkflowRef(BaseModel):
    workflow_id: str
    run_id: str | None = None
    ui_url: str | None = Field(
        default=None, description="The workflow's history in the Temporal UI"
    )


class AssignmentPublic(BaseModel):
    """The assignment as returned (the contract's shape, plus the rest of the create body)."""

    assignment_id: str
    phase: Phase
    freelancer: PersonOut
    manager: PersonOut
    team: str
    role: str
    purpose: str
    start_date: date
    end_date: date
    timezone: str
    term: int
    next_transition: TransitionOut | None
    pending_decision: PendingDecisionOut | None
    tasks: list[TaskOut]
    access: list[AccessOut]
    workflow: WorkflowRef
    tools: list[str]
    language: str
    buddy: PersonOut | None = None
    hr_contact: PersonOut | None = None
    team_events: list[TeamEventOut] = Field(default_factory=list)

    @classmethod
    def from_state(cls, state: AssignmentState, workflow: WorkflowRef) -> AssignmentPublic:
        a = state.assignment

        def person(p: Person | None) -> PersonOut | None:
            return PersonOut(name=p.name, email=p.email) if p else None

        return cls(
            assignment_id=a.assignment_id,
            phase=state.phase,
            freelancer=PersonOut(name=a.freelancer.name, email=a.freelancer.email),
            manager=PersonOut(name=a.manager.name, email=a.manager.email),
            team=a.team,
            role=a.role,
            purpose=a.purpose,
            start_date=a.start_date,
            end_date=a.end_date,
            timezone=a.timezone,
            term=state.term,
            next_transition=TransitionOut(
                kind=state.next_transition.kind, at=state.next_transition.at
            )
            if state.next_transition
            else None,
            pending_decision=PendingDecisionOut(due=state.pending_decision.due)
            if state.pending_decision
            else None,
            tasks=[
                TaskOut(
                    task_id=t.task_id, title=t.title, phase=t.phase, done=t.done, done_at=t.done_at
                )
                for t in state.tasks
            ],
            access=[
                AccessOut(tool=x.tool, status=x.status.value, since=x.since) for x in state.access
            ],
            workflow=workflow,
            tools=list(a.tools),
            language=a.language,
            buddy=person(a.buddy),
            hr_contact=person(a.hr_contact),
            team_events=[
                TeamEventOut(
                    title=e.title,
                    rrule=e.rrule,
                    start_time=e.start_time,
                    duration_minutes=e.duration_minutes,
                )
                for e in a.team_events
            ],
        )


class AssignmentList(BaseModel):
    items: list[AssignmentPublic]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


class TimelineItem(BaseModel):
    at: datetime
    kind: str
    summary: str
    actor: str
    planned: bool = False


class ClockOut(BaseModel):
    now: datetime = Field(description="Assignment time, UTC")
    today: date = Field(description="The calendar date of `now` in `timezone`")
    speed: float = Field(description="Seconds of assignment time per real second")
    timezone: str = "UTC"
    start: datetime | None = Field(
        default=None,
        description="What the clock showed at its anchor (LIFECYCLE_CLOCK_START), for tests and"
        " demos; null when it shows the wall time",
    )
    anchor: datetime = Field(description="The real instant of the deployment's first start")


class EventAccepted(BaseModel):
    id: str
    status: Literal["accepted", "duplicate"]


class Health(BaseModel):
    status: Literal["ok"]
    checks: dict[str, str] = Field(default_factory=dict)
