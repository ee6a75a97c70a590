"""What the API answers: the assignment as the contract shows it, lists, the timeline, the clock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import (
    BaseModel,
    Field,
)

from api.problems import ProblemDetail
from core import i18n
from workflows import checklists
from workflows.types import (
    AssignmentState,
    Person,
    Phase,
)

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
    done_by: str | None = Field(default=None, description="Who marked it done (`<role>:<name>`)")
    owner: Literal["manager", "buddy", "hr", "freelancer"] = Field(
        default="manager", description="Who does it (its policy's checklist says)"
    )
    due_date: date | None = Field(
        default=None, description="The local day it is due by; none: not followed up"
    )
    reminded_at: datetime | None = Field(
        default=None, description="When its owner was reminded that it is late"
    )
    escalated_at: datetime | None = Field(
        default=None, description="When HR was told that it is still open"
    )
    titles: dict[str, str] = Field(
        default_factory=dict, description="Its title in every language the engine speaks"
    )


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
    policy: str = Field(default="standard", description="The named policy it follows")

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
            policy=a.policy,
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
                    task_id=t.task_id,
                    title=t.title,
                    phase=t.phase,
                    done=t.done,
                    done_at=t.done_at,
                    done_by=t.done_by,
                    owner=t.owner,
                    due_date=t.due,
                    reminded_at=t.reminded_at,
                    escalated_at=t.escalated_at,
                    titles={
                        language: checklists.title(t.task_id, language, t.title, t.titles)
                        for language in i18n.LANGUAGES
                    },
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


class TaskSpecOut(BaseModel):
    """A task of a policy's checklist."""

    id: str
    owner: Literal["manager", "buddy", "hr", "freelancer"]
    due_days: int = Field(description="From the first day (onboarding) or the last (offboarding)")
    title: dict[str, str] = Field(description="Its own titles; empty: the catalogue's")


class PolicyPublic(BaseModel):
    name: str
    version: str = Field(description="The digest of its values: the timeline names it")
    values: dict[str, int | bool | list[str] | list[TaskSpecOut]] = Field(
        description=(
            "Lead times in days, the send hour, the conversations left out, the checklists"
            " and their follow-up"
        )
    )
    told: int | None = Field(
        description="Running assignments told of this version at the last start (None: not yet)"
    )


class PoliciesPublic(BaseModel):
    policies: list[PolicyPublic]
    teams: dict[str, str] = Field(description="Team → the policy its assignments follow")


class AttentionItem(BaseModel):
    """Something that needs a person: an effect that keeps failing, or a revocation held."""

    assignment_id: str
    name: str = Field(description="The freelancer's")
    kind: Literal[
        "access_overdue", "revocation_held", "access_revoke", "access_grant", "mail", "notification"
    ] = Field(description="What fails; `access_overdue`: access still open after an end")
    since: datetime = Field(description="Since when, in assignment time")
    detail: str = Field(description="The last error, or why it is held")
    hold_id: str | None = Field(
        default=None, description="For `revocation_held`: release or reject it"
    )


class HoldPublic(BaseModel):
    hold_id: str
    assignment_id: str
    status: Literal["held", "released", "rejected"]


class ReconciliationPublic(BaseModel):
    """An access reconciliation run: what it has read back from the IdP so far."""

    run_id: str
    running: bool
    started_at: datetime | None = None
    finished_at: datetime | None = None
    pages: int = 0
    checked: int = Field(default=0, description="Users read back from the IdP")
    drift: int = Field(default=0, description="Found not as they should be")
    corrected: int = 0
    error: str | None = None


class ImportResult(BaseModel):
    """One item of an import, in the order sent."""

    assignment_id: str | None = Field(description="None when the item names no valid id")
    result: Literal["imported", "unchanged", "refused"]
    phase: str | None = Field(default=None, description="The phase it came in at (or is in)")
    next_transition: TransitionOut | None = None
    problem: ProblemDetail | None = Field(default=None, description="Why it was refused")


class ImportResults(BaseModel):
    items: list[ImportResult]
    imported: int
    unchanged: int
    refused: int

    @classmethod
    def of(cls, items: list[ImportResult]) -> ImportResults:
        def count(result: str) -> int:
            return sum(item.result == result for item in items)

        return cls(
            items=items,
            imported=count("imported"),
            unchanged=count("unchanged"),
            refused=count("refused"),
        )
