"""The assignment as it is signed: the state its first run begins with and its first timeline
entry. The API writes both in the create's transaction, so that the create's answer and every
read right after it come from the read model; the workflow then records the same (an entry of
the same key is kept once)."""

from __future__ import annotations

from datetime import datetime

from workflows import checklists, policy
from workflows.types import Assignment, AssignmentState, Policy, Step, TimelineEntry, Transition


def summary(assignment: Assignment) -> str:
    return f"Contract signed: {assignment.role} in {assignment.team}"


def signed_state(assignment: Assignment, rules: Policy, now: datetime) -> AssignmentState:
    """The state at signature, with the steps planned from then on."""
    state = AssignmentState(
        assignment=assignment,
        term_start=assignment.start_date,
        signed_at=now,
        tasks=checklists.ONBOARDING.tasks("onboarding"),
    )
    plan = policy.plan_term(assignment.start_date, assignment.end_date, assignment.timezone, rules)
    progress = policy.Progress(phase=state.phase, now=now, run_started=now)
    state.planned = transitions(policy.upcoming(plan, progress))
    state.next_transition = state.planned[0] if state.planned else None
    return state


def transitions(steps: list[Step]) -> list[Transition]:
    """The steps as the assignment shows them ahead."""
    return [Transition(kind=step.kind.value, at=step.at) for step in steps]


def signed_entry(assignment: Assignment, at: datetime) -> TimelineEntry:
    """The first term's first entry, as the workflow's `_sign` records it."""
    return TimelineEntry(key="1:signed", at=at, kind="signed", summary=summary(assignment))
