"""The lifecycle of the contract's section 4, row by row, on the time-skipping test server.

Every assertion is about what a user would observe: the phase and schedule the API shows, the
read model and timeline in PostgreSQL, the mails in the outbox, the access ledger.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from tests.workflows.conftest import Lifecycle, make_assignment
from workflows.assignment import AssignmentWorkflow
from workflows.types import (
    AmendInput,
    CancelInput,
    CompleteTaskInput,
    DecideRenewalInput,
    ExtendInput,
    SubmitFeedbackInput,
    TerminateInput,
)


async def test_whole_story_signed_to_completed(lifecycle: Lifecycle, unique_id: str) -> None:
    today = await lifecycle.today()
    start = today + timedelta(days=20)
    end = start + timedelta(days=130)
    handle = await lifecycle.start(make_assignment(unique_id, start, end))

    # signed: recorded, the manager has the onboarding checklist
    state = await lifecycle.phase(handle, "scheduled")
    assert state.next_transition is not None and state.next_transition.kind == "onboarding"
    assert {t.phase for t in state.tasks} == {"onboarding"}
    await lifecycle.eventually(
        lambda: lifecycle.mail_kinds(unique_id), lambda k: "manager_checklist" in k, "checklist"
    )
    row = await lifecycle.row(unique_id)
    assert row["phase"] == "scheduled" and row["manager_email"] == "lea@client.example"

    # 7 days before start: welcome, buddy, team events, tools granted for day one
    await lifecycle.skip_to(state.next_transition.at)
    state = await lifecycle.phase(handle, "onboarding")
    assert {a.tool: a.status for a in state.access} == {
        "chat": "granted",
        "wiki": "granted",
        "payroll-suite": "granted",
    }
    assert await lifecycle.ledger(unique_id) == {
        "chat": "granted",
        "wiki": "granted",
        "payroll-suite": "granted",
    }
    kinds = await lifecycle.mail_kinds(unique_id)
    assert {"welcome", "buddy_introduction", "team_event_invitation"} <= set(kinds)

    # start date: active, first-day mail
    await lifecycle.skip_to(state.next_transition.at)
    state = await lifecycle.phase(handle, "active")
    assert "first_day" in await lifecycle.mail_kinds(unique_id)

    # every 30 days a check-in, at 90 days a development conversation
    kinds = []
    while state.next_transition and state.next_transition.kind in ("checkin", "development"):
        expected = state.next_transition.kind
        await lifecycle.skip_to(state.next_transition.at)
        await lifecycle.eventually(
            lambda: lifecycle.mail_kinds(unique_id),
            lambda k, e=expected: k.count(e) > kinds.count(e),
            expected,
        )
        kinds.append(expected)
        state = await lifecycle.state(handle)
    assert kinds.count("checkin") >= 2 and kinds.count("development") == 1

    # 30 days before end: the manager is asked
    assert state.next_transition is not None
    assert state.next_transition.kind == "renewal_request"
    await lifecycle.skip_to(state.next_transition.at)
    state = await lifecycle.phase(handle, "renewal_review")
    assert state.pending_decision is not None and state.pending_decision.kind == "renewal"
    first_run = (await handle.describe()).run_id
    term_1 = lifecycle.client.get_workflow_handle(handle.id, run_id=first_run)

    # renew: the freelancer hears at once, the next term starts (a new run)
    new_end = end + timedelta(days=90)
    result = await handle.execute_update(
        AssignmentWorkflow.decide_renewal,
        DecideRenewalInput(decision="renew", new_end_date=new_end, note="Great work"),
    )
    assert result.term == 2 and result.phase == "active" and result.assignment.end_date == new_end
    state = await lifecycle.eventually(
        lambda: lifecycle.state(handle), lambda s: s.term == 2, "term 2"
    )
    latest = lifecycle.client.get_workflow_handle(handle.id)
    # The decision is answered at once; the run hands over once its effects are in the outbox.
    await lifecycle.eventually(latest.describe, lambda d: d.run_id != first_run, "the next run")
    assert (await lifecycle.client.get_workflow_handle(handle.id).describe()).run_id != first_run
    assert "renewal_outcome" in await lifecycle.mail_kinds(unique_id)
    await lifecycle.save_history(term_1, "whole-story-term-1")
    # the team's Friday demo now runs until the new end date: same UID, higher SEQUENCE
    invites = await lifecycle.eventually(
        lambda: lifecycle.mails(unique_id),
        lambda ms: sum(m["kind"] == "team_event_invitation" for m in ms) == 2,
        "updated team event invitation",
    )
    first, updated = [m for m in invites if m["kind"] == "team_event_invitation"]
    assert "SEQUENCE:0" in first["calendar"] and "SEQUENCE:1" in updated["calendar"]
    uid = next(line for line in first["calendar"].splitlines() if line.startswith("UID:"))
    assert uid in updated["calendar"]

    # term 2 ends: decision `end`, offboarding at the end date
    handle = lifecycle.client.get_workflow_handle(handle.id)
    await skip_until(lifecycle, handle, "renewal_request")
    await lifecycle.phase(handle, "renewal_review")
    handle = lifecycle.client.get_workflow_handle(handle.id)
    state = await handle.execute_update(
        AssignmentWorkflow.decide_renewal, DecideRenewalInput(decision="end", note="Budget")
    )
    assert state.phase == "active" and state.pending_decision is None
    assert not any(t.kind.startswith("renewal") for t in state.planned)
    await skip_until(lifecycle, handle, "offboarding")
    state = await lifecycle.phase(handle, "offboarding")
    assert {t.task_id for t in state.tasks if t.phase == "offboarding"} >= {"knowledge-transfer"}
    kinds = await lifecycle.mail_kinds(unique_id)
    assert {"offboarding_checklist", "exit_feedback", "alumni_invitation"} <= set(kinds)
    # access still works on the last day, and stops when it ends
    assert set((await lifecycle.ledger(unique_id)).values()) == {"granted"}
    state = await lifecycle.eventually(
        lambda: lifecycle.state(handle),
        lambda s: s.next_transition is not None and s.next_transition.kind == "revoke_access",
        "revoke planned",
    )
    await lifecycle.skip_to(state.next_transition.at)
    await lifecycle.eventually(
        lambda: lifecycle.ledger(unique_id), lambda led: set(led.values()) == {"revoked"}, "revoked"
    )

    # feedback received: done
    await handle.execute_update(AssignmentWorkflow.submit_feedback, SubmitFeedbackInput(rating=5))
    final = await lifecycle.handle(handle.id).result()
    assert final.phase == "completed"
    await lifecycle.save_history(handle, "whole-story-term-2")
    row = await lifecycle.row(unique_id)
    assert row["phase"] == "completed"
    # the freelancer heard both decisions, and the outside world saw every change
    assert (await lifecycle.mail_kinds(unique_id)).count("renewal_outcome") == 2
    events = await lifecycle.pool.fetch(
        "SELECT type, payload FROM notification WHERE assignment_id = $1 ORDER BY created_at",
        unique_id,
    )
    decisions = [e["payload"]["data"]["decision"] for e in events if e["type"].endswith("decided")]
    assert decisions == ["renew", "end"]
    phases = [e["payload"]["data"]["phase"] for e in events if e["type"].endswith("phase_changed")]
    assert phases == [
        "scheduled", "onboarding", "active", "renewal_review", "active",
        "renewal_review", "active", "offboarding", "completed",
    ]  # fmt: skip
    assert {"lifecycle.access_changed", "lifecycle.feedback_received"} <= {
        e["type"] for e in events
    }
    timeline = await lifecycle.timeline(unique_id)
    outcomes = [e["data"] for e in timeline if e["kind"] == "renewal"]
    assert outcomes == [
        {"decision": "renew", "old_end": end.isoformat(), "new_end": new_end.isoformat()},
        {"decision": "end", "old_end": new_end.isoformat(), "new_end": None},
    ]
    kinds = [e["kind"] for e in timeline]
    for kind in (
        "signed",
        "onboarding",
        "start",
        "checkin",
        "development",
        "renewal_request",
        "renewal",
        "offboarding",
        "revoke_access",
        "feedback",
        "completed",
    ):
        assert kind in kinds, kind


async def skip_until(lifecycle: Lifecycle, handle, kind: str):  # type: ignore[no-untyped-def]
    """Moves time to the next planned `kind` (everything planned before it happens on the way)."""
    state = await lifecycle.state(handle)
    target = next((t for t in state.planned if t.kind == kind), None)
    assert target is not None, f"no {kind} planned: {state.planned}"
    await lifecycle.skip_to(target.at)


async def refused(coro, kind: str, words: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await coro
    cause = info.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == kind, cause
    assert words in str(cause), str(cause)
    return str(cause)


async def test_cancel_before_start_revokes_access(lifecycle: Lifecycle, unique_id: str) -> None:
    today = await lifecycle.today()
    handle = await lifecycle.start(
        make_assignment(unique_id, today + timedelta(days=3), today + timedelta(days=90))
    )
    # onboarding starts at once (less than 7 days ahead): access is granted
    state = await lifecycle.phase(handle, "onboarding")
    assert {a.status for a in state.access} == {"granted"}
    state = await handle.execute_update(AssignmentWorkflow.cancel, CancelInput(reason="Budget cut"))
    assert state.phase == "cancelled"
    assert (await lifecycle.handle(handle.id).result()).phase == "cancelled"
    assert set((await lifecycle.ledger(unique_id)).values()) == {"revoked"}
    assert "cancellation_notice" in await lifecycle.mail_kinds(unique_id)
    assert (await lifecycle.row(unique_id))["phase"] == "cancelled"
    await lifecycle.save_history(handle, "cancelled")


async def test_an_assignment_recorded_after_its_end_asks_no_renewal(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    today = await lifecycle.today()
    start, end = today - timedelta(days=60), today - timedelta(days=3)
    handle = await lifecycle.start(make_assignment(unique_id, start, end, team_events=[]))
    # everything that changes the phase is caught up at once; nothing asks for a decision
    await lifecycle.phase(handle, "offboarding")
    kinds = await lifecycle.mail_kinds(unique_id)
    assert "renewal_request" not in kinds and "checkin" not in kinds
    assert {"welcome", "exit_feedback"} <= set(kinds)
    # Its access was to close before it could be given: the freelancer never gets an account.
    state = await lifecycle.state(handle)
    assert state.access_closing_since is not None and state.access == []
    assert await lifecycle.ledger(unique_id) == {}


async def test_no_decision_ever_offboards_at_end_with_escalation(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    today = await lifecycle.today()
    start = today + timedelta(days=1)
    end = start + timedelta(days=44)
    handle = await lifecycle.start(make_assignment(unique_id, start, end, team_events=[]))
    await skip_until(lifecycle, handle, "renewal_request")
    await lifecycle.phase(handle, "renewal_review")
    await skip_until(lifecycle, handle, "renewal_escalation")
    await lifecycle.eventually(
        lambda: lifecycle.mail_kinds(unique_id), lambda k: "renewal_escalation" in k, "escalation"
    )
    escalation = [m for m in await lifecycle.mails(unique_id) if m["kind"] == "renewal_escalation"]
    assert "hr@client.example" in escalation[0]["recipients"]
    await skip_until(lifecycle, handle, "offboarding")
    state = await lifecycle.phase(handle, "offboarding")
    assert state.pending_decision is None
    # nobody answers the feedback form either: done 14 days after the end
    await skip_until(lifecycle, handle, "completion")
    assert (await lifecycle.handle(handle.id).result()).phase == "completed"
    timeline = await lifecycle.timeline(unique_id)
    kinds = [e["kind"] for e in timeline]
    assert "renewal_reminder" in kinds and "renewal_escalation" in kinds
    offboarding = next(e for e in timeline if e["kind"] == "offboarding")
    assert "no renewal decision" in offboarding["summary"]
    assert "feedback_reminder" in await lifecycle.mail_kinds(unique_id)
    assert set((await lifecycle.ledger(unique_id)).values()) == {"revoked"}
    await lifecycle.save_history(handle, "no-decision")


@pytest.mark.parametrize("phase", ["onboarding", "active", "renewal_review"])
async def test_terminate(lifecycle: Lifecycle, unique_id: str, phase: str) -> None:
    today = await lifecycle.today()
    start = today + (timedelta(days=3) if phase == "onboarding" else timedelta(days=1))
    end = start + timedelta(days=60)
    handle = await lifecycle.start(make_assignment(unique_id, start, end, team_events=[]))
    if phase == "onboarding":
        await lifecycle.phase(handle, "onboarding")
    elif phase == "active":
        await skip_until(lifecycle, handle, "start")
        await lifecycle.phase(handle, "active")
    else:
        await skip_until(lifecycle, handle, "renewal_request")
        await lifecycle.phase(handle, "renewal_review")
    effective = (await lifecycle.today()) + timedelta(days=2)
    state = await handle.execute_update(
        AssignmentWorkflow.terminate,
        TerminateInput(effective_date=effective, reason="Project stopped"),
    )
    assert (
        state.terminated
        and state.assignment.end_date == effective
        and state.pending_decision is None
    )
    assert state.next_transition is not None and state.next_transition.kind == "offboarding"
    assert all(t.kind not in ("renewal_request", "renewal_reminder") for t in state.planned)
    # (a weekend effective date moves offboarding to the Friday before: maybe at once)
    await lifecycle.skip_to(state.next_transition.at)
    await lifecycle.phase(handle, "offboarding")
    await skip_until(lifecycle, handle, "revoke_access")
    await lifecycle.eventually(
        lambda: lifecycle.ledger(unique_id), lambda led: set(led.values()) == {"revoked"}, "revoked"
    )
    assert "termination_notice" in await lifecycle.mail_kinds(unique_id)
    timeline = [e["kind"] for e in await lifecycle.timeline(unique_id)]
    assert "terminated" in timeline


async def test_extend_while_in_review_starts_next_term(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    today = await lifecycle.today()
    start = today + timedelta(days=1)
    end = start + timedelta(days=40)
    handle = await lifecycle.start(make_assignment(unique_id, start, end, team_events=[]))
    await skip_until(lifecycle, handle, "renewal_request")
    await lifecycle.phase(handle, "renewal_review")
    new_end = end + timedelta(days=60)
    state = await handle.execute_update(
        AssignmentWorkflow.extend, ExtendInput(new_end_date=new_end, reason="Phase 2")
    )
    assert state.term == 2 and state.phase == "active" and state.assignment.end_date == new_end
    state = await lifecycle.eventually(
        lambda: lifecycle.state(handle), lambda s: s.term == 2 and s.planned, "term 2 planned"
    )
    assert state.pending_decision is None
    assert any(t.kind == "renewal_request" for t in state.planned)
    # The change is answered at once; its record and mail follow on the effects' own lane.
    row = await lifecycle.eventually(
        lambda: lifecycle.row(unique_id), lambda r: r["term"] == 2, "term 2 recorded"
    )
    assert "renewal_outcome" in await lifecycle.mail_kinds(unique_id)
    assert row["term"] == 2 and row["end_date"] == new_end


async def test_extend_before_start_moves_the_end(lifecycle: Lifecycle, unique_id: str) -> None:
    today = await lifecycle.today()
    start, end = today + timedelta(days=30), today + timedelta(days=90)
    handle = await lifecycle.start(make_assignment(unique_id, start, end))
    await lifecycle.phase(handle, "scheduled")
    new_end = end + timedelta(days=30)
    state = await handle.execute_update(
        AssignmentWorkflow.extend, ExtendInput(new_end_date=new_end)
    )
    assert state.term == 1 and state.assignment.end_date == new_end and state.phase == "scheduled"
    offboarding = next(t for t in state.planned if t.kind == "offboarding")
    assert offboarding.at.date() in (
        new_end,
        new_end - timedelta(days=1),
        new_end - timedelta(days=2),
    )


async def test_amendment_changes_tools_and_the_ledger_follows(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    today = await lifecycle.today()
    handle = await lifecycle.start(
        make_assignment(unique_id, today + timedelta(days=2), today + timedelta(days=120))
    )
    await lifecycle.phase(handle, "onboarding")
    state = await handle.execute_update(
        AssignmentWorkflow.amend,
        AmendInput(team="Finance", role="Finance analyst", tools=["chat", "calendar"]),
    )
    assert state.assignment.team == "Finance" and state.assignment.role == "Finance analyst"
    # Answered at once; the access follows at the IdP on its own lane, then the ledger says so.
    amended = {
        "chat": "granted",
        "calendar": "granted",
        "wiki": "revoked",
        "payroll-suite": "revoked",
    }
    state = await lifecycle.eventually(
        lambda: lifecycle.state(handle),
        lambda s: {a.tool: a.status for a in s.access} == amended,
        "the amended access",
    )
    assert await lifecycle.ledger(unique_id) == amended
    row = await lifecycle.eventually(
        lambda: lifecycle.row(unique_id), lambda r: r["team"] == "Finance", "the amendment recorded"
    )
    assert row["team"] == "Finance"


async def test_invalid_updates_are_refused_and_written_nowhere(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    today = await lifecycle.today()
    start, end = today + timedelta(days=1), today + timedelta(days=60)
    handle = await lifecycle.start(make_assignment(unique_id, start, end))
    await lifecycle.phase(handle, "onboarding")

    await refused(
        handle.execute_update(AssignmentWorkflow.extend, ExtendInput(new_end_date=end)),
        "Conflict",
        "after the current end date",
    )
    await refused(
        handle.execute_update(
            AssignmentWorkflow.decide_renewal,
            DecideRenewalInput(decision="renew", new_end_date=end + timedelta(days=9)),
        ),
        "Conflict",
        "no renewal decision is pending",
    )
    await refused(
        handle.execute_update(
            AssignmentWorkflow.complete_task, CompleteTaskInput(task_id="no-such-task")
        ),
        "NotFound",
        "no task",
    )
    await refused(
        handle.execute_update(AssignmentWorkflow.submit_feedback, SubmitFeedbackInput(rating=3)),
        "Conflict",
        "only during offboarding",
    )
    await refused(
        handle.execute_update(
            AssignmentWorkflow.terminate,
            TerminateInput(effective_date=today - timedelta(days=1), reason="x"),
        ),
        "Invalid",
        "today",
    )
    await refused(
        handle.execute_update(AssignmentWorkflow.amend, AmendInput()), "Invalid", "at least one"
    )
    await refused(
        handle.execute_update(
            AssignmentWorkflow.extend, ExtendInput(new_end_date=end.replace(year=end.year + 40))
        ),
        "Invalid",
        "at most",
    )
    # refusals leave no trace in the history: validators run before anything is written
    history = await handle.fetch_history()
    assert not [e for e in history.events if "UPDATE" in EventType.Name(e.event_type)]

    # a task done twice; cancel after the start
    await handle.execute_update(
        AssignmentWorkflow.complete_task, CompleteTaskInput(task_id="plan-kickoff")
    )
    await refused(
        handle.execute_update(
            AssignmentWorkflow.complete_task, CompleteTaskInput(task_id="plan-kickoff")
        ),
        "Conflict",
        "already done",
    )
    await skip_until(lifecycle, handle, "start")
    await lifecycle.phase(handle, "active")
    await refused(
        handle.execute_update(AssignmentWorkflow.cancel, CancelInput(reason="late")),
        "Conflict",
        "terminate it instead",
    )
    # the workflow carries on after every refusal
    state = await lifecycle.state(handle)
    assert state.phase == "active" and state.next_transition is not None


async def test_thirty_renewals_keep_each_history_short(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    today = await lifecycle.today()
    start = today + timedelta(days=1)
    end = start + timedelta(days=35)
    handle = await lifecycle.start(make_assignment(unique_id, start, end, team_events=[]))
    runs = []
    for term in range(1, 31):
        handle = lifecycle.client.get_workflow_handle(handle.id)
        await lifecycle.eventually(
            lambda h=handle: lifecycle.state(h), lambda s, t=term: s.term == t, f"term {term}"
        )
        await skip_until(lifecycle, handle, "renewal_request")
        state = await lifecycle.phase(handle, "renewal_review")
        runs.append((await handle.describe()).run_id)
        state = await handle.execute_update(
            AssignmentWorkflow.decide_renewal,
            DecideRenewalInput(
                decision="renew", new_end_date=state.assignment.end_date + timedelta(days=35)
            ),
        )
    assert state.term == 31
    lengths = []
    for run_id in runs:
        run = lifecycle.client.get_workflow_handle(handle.id, run_id=run_id)
        lengths.append(len((await run.fetch_history()).events))
    assert len(set(runs)) == 30
    print("history lengths per run:", lengths)
    assert max(lengths) < 200, lengths
