"""AssignmentWorkflow: one freelance assignment, from signature to the last goodbye.

Read top to bottom, this is the lifecycle of the contract's section 4:

    signed ─▶ scheduled ─(7 days before start)─▶ onboarding ─(start date)─▶ active
    active: a check-in every 30 days, a development conversation every 90
    active ─(30 days before end)─▶ renewal_review ─ reminder at 21, escalation to HR at 14
    renew / extension ─▶ next term (continue-as-new) ─▶ active
    decision `end`, no decision by the end date, a termination ─▶ offboarding
    offboarding ─(feedback received, or 14 days after the end)─▶ completed
    a cancellation before the start ─▶ cancelled

The dates come from `workflows.policy`; time comes only from `workflow.now()` through the
deployment clock fixed in the input. Contract changes arrive as Updates whose validators refuse
an invalid change before it is written to history; a change that moves a date wakes the sleeping
timer and the schedule is drawn again. Side effects are activities, called by name so that this
module loads nothing but temporalio, pydantic and its own types into the sandbox.

This file holds the story's entry points (the run loop, the contract changes, the query); what
each step does is `workflows/story.py`, a mixin the sandbox passes through, because the sandbox
imports this file afresh for every run it keeps in its cache.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.clock import Clock
    from workflows import rules
    from workflows.lanes import AccessLane, LedgerLane
    from workflows.story import BACK_FROM_OFFBOARDING, CALENDAR_CANCEL, TEAM_EVENTS_FOLLOW, Story
    from workflows.types import (
        CLOSED_PHASES,
        AccessActionInput,
        AmendInput,
        AssignmentState,
        AssignmentWorkflowInput,
        CancelInput,
        CompleteTaskInput,
        DecideHoldInput,
        DecideRenewalInput,
        ExtendInput,
        MailKind,
        Phase,
        PolicyChange,
        SubmitFeedbackInput,
        TerminateInput,
    )

# The patch of runs whose effects are on lanes of their own (workflows/effects.py): a run decides
# once, at its start, so runs begun before it keep their story as it was until their next term.
INDEPENDENT_EFFECTS = "independent-effects"


@workflow.defn
class AssignmentWorkflow(Story):
    @workflow.init
    def __init__(self, input: AssignmentWorkflowInput) -> None:
        self._clock = Clock(input.clock.anchor, input.clock.speed, input.clock.start)
        self._input = input
        self._policy = input.policy
        self._done: set[str] = set()
        self._state = input.carried or self._first_state(input)
        self._version = 0  # bumped by every accepted change: wakes the timer
        self._lock = asyncio.Lock()  # one effect at a time: a step or a handler
        self._next_term = False
        self._reopen_access = False
        self._published = 0  # events published by this run: numbers their ids
        self._run_started: datetime | None = None
        self._ledger: LedgerLane | None = None  # the lanes of independent effects, when on
        self._access: AccessLane | None = None
        self._lanes: list[asyncio.Task[None]] = []

    # ---------------------------------------------------------------- the story

    @workflow.run
    async def run(self, input: AssignmentWorkflowInput) -> AssignmentState:
        self._run_started = self._now()
        if workflow.patched(INDEPENDENT_EFFECTS):
            self._start_lanes(input.pending_effects)
        if input.carried is None:
            async with self._lock:
                await (self._sign() if input.imported is None else self._arrive())

        while self._state.phase not in CLOSED_PHASES and not self._next_term:
            if workflow.info().is_continue_as_new_suggested():
                break
            if self._invitations_outdated():
                async with self._lock:
                    await self._resend_invitations()
                continue
            if self._ready_to_complete():
                async with self._lock:
                    await self._complete()
                continue
            step = self._next_step()
            if step is None:  # nothing timed left: wait for a change
                await self._wait_for_change()
                continue
            if not await self._sleep_until(step):
                continue  # a change woke us: draw the schedule again
            async with self._lock:
                await self._take(step)

        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._effects_settled()
        if self._state.phase not in CLOSED_PHASES:
            workflow.logger.info(
                "continuing as new in term %d",
                self._state.term,
                extra={"assignment_id": self._state.assignment.assignment_id},
            )
            workflow.continue_as_new(self._carry())
        return self._view()

    # ------------------------------------------------------------ contract changes

    @workflow.update
    async def extend(self, input: ExtendInput) -> AssignmentState:
        async with self._lock:
            self._validate_extend(input)
            s = self._state
            old_end, old_term, old_phase = s.assignment.end_date, s.term, s.phase
            s.assignment.end_date = input.new_end_date
            summary = f"Contract extended from {old_end} to {input.new_end_date}"
            if input.reason:
                summary += f" ({input.reason})"
            back = s.phase is Phase.OFFBOARDING and workflow.patched(BACK_FROM_OFFBOARDING)
            if back:
                restored = await self._back_from_offboarding()
                summary += ": back from offboarding" + (", access restored" if restored else "")
            if back or s.phase in (Phase.ACTIVE, Phase.RENEWAL_REVIEW):
                self._start_next_term(old_end)
                await self._mail(
                    MailKind.RENEWAL_OUTCOME,
                    note=input.reason,
                    term=old_term,
                    occurrence=f"extended-{input.new_end_date}",
                )
            await self._record(
                self._entry(
                    self._update_key("extended"),
                    summary,
                    input.actor,
                    old_end=old_end,
                    new_end=input.new_end_date,
                )
            )
            await self._publish(
                "lifecycle.renewal_decided",
                {"decision": "renew", "new_end_date": input.new_end_date.isoformat()},
            )
            if s.phase is not old_phase:
                await self._publish_phase()
            self._changed()
            return self._answer()

    @extend.validator
    def _validate_extend(self, input: ExtendInput) -> None:
        rules.check_extend(self._state, input, self._today())

    @workflow.update
    async def terminate(self, input: TerminateInput) -> AssignmentState:
        async with self._lock:
            self._validate_terminate(input)
            s = self._state
            old_end = s.assignment.end_date
            s.terminated = True
            s.assignment.end_date = input.effective_date
            s.pending_decision = None
            back_to_work = s.phase is Phase.RENEWAL_REVIEW
            if back_to_work:
                s.phase = Phase.ACTIVE
            await self._mail(MailKind.TERMINATION_NOTICE, note=input.reason)
            await self._record(
                self._entry(
                    self._update_key("terminated"),
                    f"Terminated as of {input.effective_date}: {input.reason}",
                    input.actor,
                    old_end=old_end,
                    new_end=input.effective_date,
                )
            )
            if back_to_work:
                await self._publish_phase()
            self._changed()
            return self._answer()

    @terminate.validator
    def _validate_terminate(self, input: TerminateInput) -> None:
        rules.check_terminate(self._state, input, self._today())

    @workflow.update
    async def cancel(self, input: CancelInput) -> AssignmentState:
        async with self._lock:
            self._validate_cancel(input)
            s = self._state
            if s.access or self._access is not None:
                await self._sync_access(active=False)
            s.phase = Phase.CANCELLED
            s.pending_decision = None
            s.ended_at = self._now()
            await self._mail(MailKind.CANCELLATION_NOTICE, note=input.reason)
            if workflow.patched(CALENDAR_CANCEL):
                await asyncio.gather(*self._withdrawals(kickoff=True))
            await self._record(
                self._entry(
                    self._update_key("cancelled"), f"Cancelled: {input.reason}", input.actor
                )
            )
            await self._publish_phase()
            self._changed()
            return self._answer()

    @cancel.validator
    def _validate_cancel(self, input: CancelInput) -> None:
        rules.check_cancel(self._state, input, self._today())

    @workflow.update
    async def amend(self, input: AmendInput) -> AssignmentState:
        async with self._lock:
            self._validate_amend(input)
            a = self._state.assignment
            changes = []
            if input.role is not None and input.role != a.role:
                changes.append(f"role {a.role} → {input.role}")
                a.role = input.role
            team_moved = input.team is not None and input.team != a.team
            if input.team is not None and team_moved:
                changes.append(f"team {a.team} → {input.team}")
                a.team = input.team
            if input.manager is not None and input.manager != a.manager:
                changes.append(f"manager {a.manager.name} → {input.manager.name}")
                a.manager = input.manager
            tools_changed = input.tools is not None and list(input.tools) != a.tools
            if input.tools is not None and tools_changed:
                changes.append("tools " + ", ".join(input.tools or ["none"]))
                a.tools = list(input.tools)
                if self._state.phase is not Phase.OFFBOARDING and (
                    self._state.access or self._access is not None
                ):
                    await self._sync_access(active=True)
            events = input.team_events
            events_changed = events is not None and events != a.team_events
            if events is not None and events_changed:
                changes.append(f"team events: {len(events)}")
            if (team_moved or events_changed) and workflow.patched(TEAM_EVENTS_FOLLOW):
                await self._retell_team_events(
                    a.team_events if events is None else events, team_moved=team_moved
                )
            if input.start_date is not None and input.start_date != a.start_date:
                changes.append(f"start {a.start_date} → {input.start_date}")
                await self._move_start(input.start_date)
            summary = "Amended: " + ("; ".join(changes) if changes else "nothing changed")
            await self._record(self._entry(self._update_key("amended"), summary, input.actor))
            self._changed()
            return self._answer()

    @amend.validator
    def _validate_amend(self, input: AmendInput) -> None:
        rules.check_amend(self._state, input, self._today())

    @workflow.update
    async def decide_renewal(self, input: DecideRenewalInput) -> AssignmentState:
        async with self._lock:
            self._validate_decide_renewal(input)
            s = self._state
            old_end, decided_term = s.assignment.end_date, s.term
            s.pending_decision = None
            if input.decision == "renew" and input.new_end_date is not None:
                s.assignment.end_date = input.new_end_date
                self._start_next_term(old_end)
                summary = f"Renewal decided: renewed until {input.new_end_date}"
            else:
                s.renewal_decision = "end"
                s.renewal_decided_at = self._now()
                s.phase = Phase.ACTIVE
                summary = f"Renewal decided: the assignment ends on {old_end}"
            if input.note:
                summary += f" ({input.note})"
            await self._mail(
                MailKind.RENEWAL_OUTCOME,
                note=input.note,
                term=decided_term,
                occurrence=f"{input.decision}-{input.new_end_date or old_end}",
            )
            await self._record(
                self._entry(
                    self._update_key("renewal"),
                    summary,
                    input.actor,
                    decision=input.decision,
                    old_end=old_end,
                    new_end=input.new_end_date,
                )
            )
            await self._publish(
                "lifecycle.renewal_decided",
                {
                    "decision": input.decision,
                    "new_end_date": input.new_end_date.isoformat() if input.new_end_date else None,
                },
            )
            await self._publish_phase()
            self._changed()
            return self._answer()

    @decide_renewal.validator
    def _validate_decide_renewal(self, input: DecideRenewalInput) -> None:
        rules.check_decide_renewal(self._state, input, self._today())

    @workflow.update
    async def complete_task(self, input: CompleteTaskInput) -> AssignmentState:
        async with self._lock:
            self._validate_complete_task(input)
            task = next(t for t in self._state.tasks if t.task_id == input.task_id)
            task.done, task.done_at, task.done_by = True, self._now(), input.actor
            await self._record(
                self._entry(self._update_key("task"), f"Task done: {task.title}", input.actor)
            )
            return self._answer()

    @complete_task.validator
    def _validate_complete_task(self, input: CompleteTaskInput) -> None:
        rules.check_complete_task(self._state, input)

    @workflow.update
    async def submit_feedback(self, input: SubmitFeedbackInput) -> AssignmentState:
        async with self._lock:
            self._validate_submit_feedback(input)
            self._state.feedback_received_at = self._now()
            await self._record(
                self._entry("feedback", "Exit feedback received, thank you", input.actor)
            )
            await self._publish("lifecycle.feedback_received", {"rating": input.rating})
            self._changed()
            return self._answer()

    @submit_feedback.validator
    def _validate_submit_feedback(self, input: SubmitFeedbackInput) -> None:
        rules.check_submit_feedback(self._state, input)

    @workflow.update
    async def retry_access(self, input: AccessActionInput) -> AssignmentState:
        """Look at the IdP again now (the attention list's "retry now")."""
        assert self._access is not None
        self._access.nudge()
        return self._answer()

    @retry_access.validator
    def _validate_retry_access(self, input: AccessActionInput) -> None:
        rules.check_access_action(self._state, input, self._access is not None)

    @workflow.update
    async def close_access_by_hand(self, input: AccessActionInput) -> AssignmentState:
        """An admin closed the account at the IdP: the engine stops trying and the ledger says
        so (a reconciliation will check it)."""
        async with self._lock:
            self._closed_by_hand(input.actor)
            await self._record(
                self._entry(
                    self._update_key("access-by-hand"),
                    "Tool access closed by hand at the IdP",
                    input.actor,
                )
            )
            self._changed()
            return self._answer()

    @close_access_by_hand.validator
    def _validate_close_access_by_hand(self, input: AccessActionInput) -> None:
        rules.check_close_by_hand(self._state, input, self._access is not None)

    @workflow.update
    async def decide_hold(self, input: DecideHoldInput) -> AssignmentState:
        async with self._lock:
            s = self._state
            if input.release:
                s.revocation_cleared = True
                summary = "Held revocation released: tool access is being revoked"
            else:
                s.access_kept_by = input.actor
                summary = "Held revocation rejected: tool access is left as it is"
            assert self._access is not None
            self._access.nudge()
            await self._record(self._entry(self._update_key("hold"), summary, input.actor))
            self._changed()
            return self._answer()

    @decide_hold.validator
    def _validate_decide_hold(self, input: DecideHoldInput) -> None:
        rules.check_decide_hold(self._state, input, self._access is not None)

    @workflow.signal
    async def apply_policy(self, change: PolicyChange) -> None:
        """A new version of a named policy: the assignment that follows it plans its steps still
        ahead by it from now on (and hands it to its next terms); the others let it pass."""
        async with self._lock:
            s = self._state
            if s.phase in CLOSED_PHASES or change.name != s.assignment.policy:
                return
            if change.version == s.policy_version:
                return
            if change.policy == self._policy:  # the values it follows already, now named
                s.policy_version = change.version
                return
            try:
                change.policy.check()
            except ValueError as exc:
                workflow.logger.warning("policy change refused: %s", exc)
                return
            self._policy, s.policy_version = change.policy, change.version
            await self._record(
                self._entry(
                    f"policy:{change.version}",
                    f"Policy {change.name} (version {change.version}) applies to the steps ahead",
                    policy=change.name,
                    version=change.version,
                )
            )
            self._changed()

    @workflow.query
    def get_state(self) -> AssignmentState:
        return self._answer()

    def _answer(self) -> AssignmentState:
        """The state as a change answers it: with the timeline entries still on their way."""
        view = self._view()
        if self._ledger is not None:
            view.unrecorded = self._ledger.unrecorded()
        return view
