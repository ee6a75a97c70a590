"""Which contract change the workflow accepts, given the assignment as it is now: the refusals
of its Update validators, as pure functions (tested without Temporal).

A refusal is an `ApplicationError` whose `type` (REFUSED_CONFLICT, REFUSED_NOT_FOUND,
REFUSED_INVALID) the API turns into 409, 404 or 422; a validator raises it before anything is
written to the workflow's history. "Today" is the assignment's local date on the deployment clock.
"""

from __future__ import annotations

from datetime import date, timedelta

from temporalio.exceptions import ApplicationError

from workflows.types import (
    CLOSED_PHASES,
    MAX_TERM_DAYS,
    REFUSED_CONFLICT,
    REFUSED_INVALID,
    REFUSED_NOT_FOUND,
    AccessActionInput,
    AmendInput,
    AssignmentState,
    CancelInput,
    CompleteTaskInput,
    DecideHoldInput,
    DecideRenewalInput,
    ExtendInput,
    Phase,
    SubmitFeedbackInput,
    TerminateInput,
)


def refuse(kind: str, reason: str) -> ApplicationError:
    return ApplicationError(reason, type=kind, non_retryable=True)


def check_extend(state: AssignmentState, input: ExtendInput, today: date) -> None:
    _not_ended(state)
    if state.terminated:
        raise refuse(REFUSED_CONFLICT, "the assignment has been terminated")
    end = state.assignment.end_date
    if input.new_end_date <= end:
        raise refuse(REFUSED_CONFLICT, f"new_end_date must be after the current end date {end}")
    _not_too_far(input.new_end_date, today)


def _not_too_far(new_end: date, today: date) -> None:
    limit = today + timedelta(days=MAX_TERM_DAYS)
    if new_end > limit:
        raise refuse(REFUSED_INVALID, f"a term runs at most {MAX_TERM_DAYS} days: end by {limit}")


def check_terminate(state: AssignmentState, input: TerminateInput, today: date) -> None:
    _not_ended(state)
    if input.effective_date < today:
        raise refuse(REFUSED_INVALID, f"effective_date must be today ({today}) or later")
    end = state.assignment.end_date
    if input.effective_date > end:
        raise refuse(
            REFUSED_INVALID,
            f"effective_date is after the end date {end}: nothing to end early",
        )


def check_cancel(state: AssignmentState, input: CancelInput, today: date) -> None:
    _not_ended(state)
    start = state.assignment.start_date
    if state.phase not in (Phase.SCHEDULED, Phase.ONBOARDING) or today >= start:
        raise refuse(
            REFUSED_CONFLICT,
            f"the assignment started on {start}: terminate it instead of cancelling",
        )


def check_amend(state: AssignmentState, input: AmendInput, today: date) -> None:
    _not_ended(state)
    if state.phase is Phase.OFFBOARDING:
        raise refuse(REFUSED_CONFLICT, "the assignment is being offboarded")
    given = (
        input.role,
        input.team,
        input.manager,
        input.tools,
        input.start_date,
        input.team_events,
    )
    if all(v is None for v in given):
        raise refuse(REFUSED_INVALID, f"name at least one of {AMENDABLE}")
    if input.start_date is not None:
        _start_can_move(state, input.start_date, today)
    if input.tools is not None and len(set(input.tools)) != len(input.tools):
        raise refuse(REFUSED_INVALID, "tools must not repeat a name")


AMENDABLE = "role, team, manager, tools, start_date, team_events"


def _start_can_move(state: AssignmentState, start: date, today: date) -> None:
    """A start moves before it comes, to today or later, within the term's bounds."""
    if state.phase not in (Phase.SCHEDULED, Phase.ONBOARDING):
        raise refuse(REFUSED_CONFLICT, "the assignment has started: its start date cannot move")
    end = state.assignment.end_date
    if start < today:
        raise refuse(REFUSED_INVALID, f"start_date must be today ({today}) or later")
    if start > end:
        raise refuse(REFUSED_INVALID, f"start_date must not be after end_date ({end})")
    if (end - start).days > MAX_TERM_DAYS:
        raise refuse(REFUSED_INVALID, f"a term runs at most {MAX_TERM_DAYS} days: {end} is further")


def check_decide_renewal(state: AssignmentState, input: DecideRenewalInput, today: date) -> None:
    _not_ended(state)
    if state.pending_decision is None:
        raise refuse(REFUSED_CONFLICT, "no renewal decision is pending")
    if input.decision == "renew":
        end = state.assignment.end_date
        if input.new_end_date is None:
            raise refuse(REFUSED_INVALID, "a renewal needs new_end_date")
        if input.new_end_date <= end:
            raise refuse(REFUSED_CONFLICT, f"new_end_date must be after the current end date {end}")
        _not_too_far(input.new_end_date, today)


def check_complete_task(state: AssignmentState, input: CompleteTaskInput) -> None:
    _not_ended(state)
    task = next((t for t in state.tasks if t.task_id == input.task_id), None)
    if task is None:
        raise refuse(REFUSED_NOT_FOUND, f"no task {input.task_id!r} on this assignment")
    if task.done:
        raise refuse(REFUSED_CONFLICT, f"task {input.task_id!r} is already done")


def check_submit_feedback(state: AssignmentState, input: SubmitFeedbackInput) -> None:
    _not_ended(state)
    if state.phase is not Phase.OFFBOARDING:
        raise refuse(REFUSED_CONFLICT, "exit feedback is asked for only during offboarding")
    if state.feedback_received_at is not None:
        raise refuse(REFUSED_CONFLICT, "exit feedback was already received")


def _not_ended(state: AssignmentState) -> None:
    if state.phase in CLOSED_PHASES:
        raise refuse(REFUSED_CONFLICT, f"the assignment has ended ({state.phase})")


def check_access_action(state: AssignmentState, input: AccessActionInput, lanes: bool) -> None:
    """An admin's word on access: only in runs whose access has a lane of its own."""
    if not lanes:
        raise refuse(
            REFUSED_CONFLICT, "this term began before access had a lane of its own: wait a term"
        )


def check_close_by_hand(state: AssignmentState, input: AccessActionInput, lanes: bool) -> None:
    check_access_action(state, input, lanes)
    applied = state.access_applied
    if state.access_closing_since is None:
        raise refuse(REFUSED_CONFLICT, "the access is not to be closed: the assignment runs")
    if state.access_kept_by is not None or (applied is not None and not applied.active):
        raise refuse(REFUSED_CONFLICT, "the access is closed already")


def check_decide_hold(state: AssignmentState, input: DecideHoldInput, lanes: bool) -> None:
    check_access_action(state, AccessActionInput(actor=input.actor), lanes)
    if not state.revocation_hold or state.revocation_cleared or state.access_kept_by:
        raise refuse(REFUSED_CONFLICT, "no revocation of this assignment is held")
