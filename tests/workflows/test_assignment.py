"""The lifecycle of the contract's section 4, row by row, on the time-skipping test server.

Every assertion is about what a user would observe: the phase and schedule the API shows, the
read model and timeline in PostgreSQL, the mails in the outbox, the access ledger.
"""

from __future__ import annotations

from datetime import timedelta

from tests.workflows.conftest import Lifecycle, make_assignment
from workflows.assignment import AssignmentWorkflow
from workflows.types import (
    DecideRenewalInput,
    SubmitFeedbackInput,
)


async def test_whole_story_signed_to_completed(lifecycle: Lifecycle, unique_id: str) -> None:
    today = await lifecycle.today()
    start = today + timedelta(days=20)
    end = start + timedelta(days=119)
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

    # renew: the freelancer hears at once, the next term starts (a new run)
    new_end = end + timedelta(days=90)
    result = await handle.execute_update(
        AssignmentWorkflow.decide_renewal,
        DecideRenewalInput(decision="renew", new_end_date=new_end, note="Great work"),
    )
    assert result.term == 2 and result.phase == "active" and result.end_date == new_end
    state = await lifecycle.eventually(
        lambda: lifecycle.state(handle), lambda s: s.term == 2, "term 2"
    )
    assert (await lifecycle.client.get_workflow_handle(handle.id).describe()).run_id != first_run
    assert "renewal_outcome" in await lifecycle.mail_kinds(unique_id)

    # term 2 ends: decision `end`, offboarding at the end date
    state = await lifecycle.eventually(
        lambda: lifecycle.state(handle),
        lambda s: s.next_transition is not None and s.next_transition.kind == "renewal_request",
        "renewal request planned in term 2",
    )
    await lifecycle.skip_to(state.next_transition.at)
    await lifecycle.phase(handle, "renewal_review")
    handle = lifecycle.client.get_workflow_handle(handle.id)
    state = await handle.execute_update(
        AssignmentWorkflow.decide_renewal, DecideRenewalInput(decision="end", note="Budget")
    )
    assert state.phase == "active" and state.pending_decision is None
    assert state.next_transition is not None and state.next_transition.kind == "offboarding"
    await lifecycle.skip_to(state.next_transition.at)
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
    final = await handle.result()
    assert final.phase == "completed"
    row = await lifecycle.row(unique_id)
    assert row["phase"] == "completed"
    kinds = [e["kind"] for e in await lifecycle.timeline(unique_id)]
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
