"""The assignment as it is signed (or imported, already running): the state its first run begins
with and its first timeline entry. The API writes both in the create's transaction, so that the
create's answer and every read right after it come from the read model; the workflow then
records the same (an entry of the same key is kept once)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from workflows import checklists, policy
from workflows.types import (
    Assignment,
    AssignmentState,
    PendingDecision,
    Phase,
    Policy,
    Step,
    Task,
    TimelineEntry,
    Transition,
)


def summary(assignment: Assignment) -> str:
    return f"Contract signed: {assignment.role} in {assignment.team}"


def policy_data(state: AssignmentState) -> dict[str, str | None]:
    """What the first entry says of the policy that applies: its name and version."""
    data: dict[str, str | None] = {"policy": state.assignment.policy}
    if state.policy_version:
        data["policy_version"] = state.policy_version
    return data


def onboarding_tasks(
    assignment: Assignment, rules: Policy, today: date, *, follow_up: bool, imported: bool = False
) -> list[Task]:
    """The policy's onboarding checklist, due from the first day."""
    return checklists.given(
        rules.onboarding_tasks,
        "onboarding",
        assignment.start_date,
        today,
        follow_up=follow_up,
        imported=imported,
    )


def signed_state(assignment: Assignment, rules: Policy, now: datetime) -> AssignmentState:
    """The state at signature, with the steps planned from then on."""
    today = policy.local_date(now, assignment.timezone)
    state = AssignmentState(
        assignment=assignment,
        term_start=assignment.start_date,
        signed_at=now,
        tasks=onboarding_tasks(assignment, rules, today, follow_up=True),
    )
    plan = policy.plan_term(assignment.start_date, assignment.end_date, assignment.timezone, rules)
    progress = policy.Progress(phase=state.phase, now=now, run_started=now)
    state.planned = transitions(policy.upcoming(plan, progress))
    state.next_transition = state.planned[0] if state.planned else None
    return state


def transitions(steps: list[Step]) -> list[Transition]:
    """The steps as the assignment shows them ahead (a task's follow-up is shown with the task,
    not as a step of the contract)."""
    return [
        Transition(kind=step.kind.value, at=step.at)
        for step in steps
        if step.kind not in policy.FOLLOW_UPS
    ]


def signed_entry(state: AssignmentState, at: datetime) -> TimelineEntry:
    """The first term's first entry, as the workflow's `_sign` records it."""
    return TimelineEntry(
        key="1:signed",
        at=at,
        kind="signed",
        summary=summary(state.assignment),
        data=policy_data(state),
    )


def imported_state(
    assignment: Assignment, term: int, rules: Policy, now: datetime, *, follow_up: bool = True
) -> tuple[AssignmentState, policy.Arrival]:
    """The state of an assignment that already runs, brought in at `now` in the phase its dates
    put it in, and where it arrived. The onboarding checklist only while the first day is
    ahead, the offboarding one once offboarding has begun; a renewal decision pending when the
    moment of its request has passed (asked at once: the decision itself is still to come)."""
    plan = policy.plan_term(assignment.start_date, assignment.end_date, assignment.timezone, rules)
    arrived = policy.arrival(plan, now)
    phase = arrived.phase
    state = AssignmentState(
        assignment=assignment,
        phase=Phase.OFFBOARDING if arrived.over else phase,
        term=term,
        term_start=assignment.start_date,
        signed_at=now,
    )
    today = policy.local_date(now, assignment.timezone)
    if phase in (Phase.SCHEDULED, Phase.ONBOARDING):
        state.tasks = onboarding_tasks(assignment, rules, today, follow_up=follow_up, imported=True)
    elif phase in (Phase.OFFBOARDING, Phase.COMPLETED):
        state.tasks = checklists.given(
            rules.offboarding_tasks,
            "offboarding",
            assignment.end_date,
            today,
            follow_up=follow_up,
            imported=True,
        )
    if phase is Phase.RENEWAL_REVIEW:
        state.pending_decision = PendingDecision(due=policy.offboarding_at(plan), requested_at=now)
    if arrived.access_closed:
        state.access_closing_since = now
    progress = policy.Progress(phase=state.phase, now=now, done=arrived.passed, run_started=now)
    state.planned = transitions(policy.upcoming(plan, progress))
    state.next_transition = state.planned[0] if state.planned else None
    return state, arrived


def imported_summary(state: AssignmentState, past_renewals: Sequence[date] = ()) -> str:
    told = ""
    if past_renewals:
        told = " (renewed before at the end of " + ", ".join(map(str, past_renewals)) + ")"
    return (
        f"Imported in phase {state.phase.value}, term {state.term}{told}: nothing whose moment"
        " had passed was sent"
    )


def imported_entry(
    state: AssignmentState, at: datetime, past_renewals: Sequence[date] = ()
) -> TimelineEntry:
    """The first entry of an imported assignment, as the workflow's `_arrive` records it: its
    phase and term, and the earlier terms' renewals it was told of."""
    data = policy_data(state)
    if past_renewals:
        data["past_renewals"] = " ".join(map(str, past_renewals))
    return TimelineEntry(
        key=f"{state.term}:imported",
        at=at,
        kind="imported",
        summary=imported_summary(state, past_renewals),
        data=data,
    )
