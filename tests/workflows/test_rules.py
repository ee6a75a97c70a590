"""Which contract change the workflow accepts: its validators' rules, without Temporal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.exceptions import ApplicationError

from tests.workflows.conftest import make_assignment
from workflows import rules
from workflows.types import (
    MAX_TERM_DAYS,
    AmendInput,
    AssignmentState,
    CancelInput,
    DecideRenewalInput,
    ExtendInput,
    PendingDecision,
    Phase,
    TerminateInput,
)

START, END = date(2027, 3, 1), date(2027, 8, 31)
TODAY = date(2027, 5, 3)
TODAY_AT = datetime(2027, 5, 3, 7, tzinfo=UTC)


def state(phase: Phase = Phase.ACTIVE, **more: object) -> AssignmentState:
    return AssignmentState(assignment=make_assignment("R-1", START, END), phase=phase, **more)  # type: ignore[arg-type]


def refused(kind: str, words: str, check, *args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError) as info:
        check(*args)
    assert info.value.type == kind and words in str(info.value), info.value
    assert info.value.non_retryable


def test_an_ended_assignment_takes_no_change() -> None:
    for phase in (Phase.COMPLETED, Phase.CANCELLED):
        extend = ExtendInput(new_end_date=END + timedelta(days=30))
        refused("Conflict", "has ended", rules.check_extend, state(phase), extend, TODAY)
        refused("Conflict", "has ended", rules.check_amend, state(phase), AmendInput(role="x"),
                TODAY)  # fmt: skip


def test_an_extension_goes_beyond_the_end_and_not_too_far() -> None:
    rules.check_extend(state(), ExtendInput(new_end_date=END + timedelta(days=1)), TODAY)
    refused("Conflict", "after the current end date", rules.check_extend, state(),
            ExtendInput(new_end_date=END), TODAY)  # fmt: skip
    far = TODAY + timedelta(days=MAX_TERM_DAYS + 1)
    refused("Invalid", "a term runs at most", rules.check_extend, state(),
            ExtendInput(new_end_date=far), TODAY)  # fmt: skip
    refused("Conflict", "terminated", rules.check_extend, state(terminated=True),
            ExtendInput(new_end_date=END + timedelta(days=1)), TODAY)  # fmt: skip


def test_an_early_end_is_today_or_later_and_before_the_end() -> None:
    rules.check_terminate(state(), TerminateInput(effective_date=TODAY, reason="x"), TODAY)
    yesterday = TerminateInput(effective_date=TODAY - timedelta(days=1), reason="x")
    refused("Invalid", f"today ({TODAY})", rules.check_terminate, state(), yesterday, TODAY)
    late = TerminateInput(effective_date=END + timedelta(days=1), reason="x")
    refused("Invalid", "after the end date", rules.check_terminate, state(), late, TODAY)


def test_a_cancellation_only_before_the_start() -> None:
    before = START - timedelta(days=3)
    rules.check_cancel(state(Phase.ONBOARDING), CancelInput(reason="x"), before)
    refused("Conflict", "terminate it instead", rules.check_cancel, state(Phase.ONBOARDING),
            CancelInput(reason="x"), START)  # fmt: skip
    refused("Conflict", "terminate it instead", rules.check_cancel, state(Phase.ACTIVE),
            CancelInput(reason="x"), before)  # fmt: skip


def test_a_renewal_decision_needs_a_pending_decision_and_a_later_end() -> None:
    pending = state(Phase.RENEWAL_REVIEW, pending_decision=PendingDecision(due=TODAY_AT))
    renew = DecideRenewalInput(decision="renew", new_end_date=END + timedelta(days=90))
    rules.check_decide_renewal(pending, renew, TODAY)
    refused("Conflict", "no renewal decision is pending", rules.check_decide_renewal, state(),
            renew, TODAY)  # fmt: skip
    refused("Invalid", "needs new_end_date", rules.check_decide_renewal, pending,
            DecideRenewalInput(decision="renew"), TODAY)  # fmt: skip


def test_an_amendment_names_something_and_not_during_offboarding() -> None:
    refused("Invalid", "at least one", rules.check_amend, state(), AmendInput(), TODAY)
    refused("Invalid", "repeat", rules.check_amend, state(), AmendInput(tools=["chat", "chat"]),
            TODAY)  # fmt: skip
    refused("Conflict", "offboarded", rules.check_amend, state(Phase.OFFBOARDING),
            AmendInput(role="x"), TODAY)  # fmt: skip


def test_a_start_moves_before_it_comes_within_the_term() -> None:
    scheduled = state(Phase.SCHEDULED)
    rules.check_amend(scheduled, AmendInput(start_date=TODAY), TODAY)
    refused("Conflict", "has started", rules.check_amend, state(Phase.ACTIVE),
            AmendInput(start_date=TODAY + timedelta(days=1)), TODAY)  # fmt: skip
    refused("Invalid", "today", rules.check_amend, scheduled,
            AmendInput(start_date=TODAY - timedelta(days=1)), TODAY)  # fmt: skip
    refused("Invalid", "after end_date", rules.check_amend, scheduled,
            AmendInput(start_date=END + timedelta(days=1)), TODAY)  # fmt: skip
