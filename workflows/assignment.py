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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.clock import Clock
    from workflows import checklists, policy, rules, signing
    from workflows.effects import REVOKED, Effects
    from workflows.lanes import AccessLane, LedgerLane, access_closed
    from workflows.types import (
        CLOSED_PHASES,
        AccessActionInput,
        AccessStatus,
        AmendInput,
        AssignmentState,
        AssignmentWorkflowInput,
        CancelInput,
        CompleteTaskInput,
        DecideHoldInput,
        DecideRenewalInput,
        ExtendInput,
        MailKind,
        PendingDecision,
        Phase,
        Step,
        StepKind,
        SubmitFeedbackInput,
        TerminateInput,
        TimelineEntry,
    )

# The patch of runs whose effects are on lanes of their own (workflows/effects.py): a run decides
# once, at its start, so runs begun before it keep their story as it was until their next term.
INDEPENDENT_EFFECTS = "independent-effects"
# The patch of runs whose read model is current after every step (reads come from it alone).
READ_MODEL_CURRENT = "read-model-current"


@workflow.defn
class AssignmentWorkflow(Effects):
    @workflow.init
    def __init__(self, input: AssignmentWorkflowInput) -> None:
        self._clock = Clock(input.clock.anchor, input.clock.speed, input.clock.start)
        self._input = input
        self._policy = input.policy
        # A first run has the onboarding checklist from the start, so that a change arriving
        # with the start itself (before the run has signed) finds the tasks the API announced.
        self._state = input.carried or AssignmentState(
            assignment=input.assignment,
            term_start=input.assignment.start_date,
            tasks=checklists.ONBOARDING.tasks("onboarding"),
        )
        self._done: set[str] = set()
        self._version = 0  # bumped by every accepted change: wakes the timer
        self._lock = asyncio.Lock()  # one effect at a time: a step or a handler
        self._next_term = False
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
                await self._sign()

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

    async def _sign(self) -> None:
        a = self._state.assignment
        self._state.signed_at = self._now()
        await self._record(self._entry("signed", signing.summary(a)))
        await self._mail(MailKind.MANAGER_CHECKLIST)
        await self._publish_phase()

    async def _take(self, step: Step) -> None:
        """The step performed, or passed over; either way its record says what is planned now
        (a step that records nothing itself, such as a revocation with nothing to close, still
        takes itself off the read model's plan)."""
        performed, revision = self._performed_now(step), self._state.revision
        if self._ledger is not None and workflow.patched(READ_MODEL_CURRENT):
            self._done.add(step.key)  # under way: no longer planned in what it records
            if performed:
                await self._perform(step)
            if self._state.revision == revision:
                self._put_record()
            return
        if performed:
            await self._perform(step)
        self._done.add(step.key)

    async def _perform(self, step: Step) -> None:
        handlers: dict[StepKind, Callable[[Step], Awaitable[None]]] = {
            StepKind.ONBOARDING: self._onboard,
            StepKind.START: self._start,
            StepKind.CHECKIN: self._checkin,
            StepKind.DEVELOPMENT: self._development,
            StepKind.RENEWAL_REQUEST: self._request_renewal,
            StepKind.RENEWAL_REMINDER: self._remind_manager,
            StepKind.RENEWAL_ESCALATION: self._escalate,
            StepKind.OFFBOARDING: self._offboard,
            StepKind.REVOKE_ACCESS: self._revoke_access,
            StepKind.FEEDBACK_REMINDER: self._remind_feedback,
            StepKind.COMPLETION: self._completion,
        }
        workflow.logger.info(
            "step %s",
            step.key,
            extra={"assignment_id": self._state.assignment.assignment_id, "term": self._state.term},
        )
        await handlers[step.kind](step)

    async def _onboard(self, step: Step) -> None:
        """A week ahead: welcome, purpose, kick-off, team rituals, and the same tools as staff."""
        a = self._state.assignment
        self._state.phase = Phase.ONBOARDING
        await self._sync_access(active=True)
        mails = [self._mail(MailKind.WELCOME)]
        if a.buddy:
            mails.append(self._mail(MailKind.BUDDY_INTRODUCTION))
        mails += self._invitations()
        await asyncio.gather(*mails)
        await self._record(
            self._entry(step.key, "Onboarding: welcome, kick-off invitation and tool access sent")
        )
        await self._publish_phase()

    def _invitations(self) -> list[Coroutine[Any, Any, None]]:
        """The team's recurring events, to the freelancer like to any team member."""
        s = self._state
        s.invitations_until = s.assignment.end_date if s.assignment.team_events else None
        return [
            self._mail(
                MailKind.TEAM_EVENT_INVITATION, occurrence=str(i), revision=s.invitations_revision
            )
            for i in range(len(s.assignment.team_events))
        ]

    def _invitations_outdated(self) -> bool:
        s = self._state
        return (
            s.phase in (Phase.ONBOARDING, Phase.ACTIVE, Phase.RENEWAL_REVIEW)
            and s.invitations_until is not None
            and s.invitations_until != s.assignment.end_date
        )

    async def _resend_invitations(self) -> None:
        """A moved end date updates the series in the freelancer's calendar (same UID)."""
        self._state.invitations_revision += 1
        await asyncio.gather(*self._invitations())
        await self._record(
            self._entry(
                f"invitations:{self._state.invitations_revision}",
                f"Team event invitations updated to end on {self._state.assignment.end_date}",
            )
        )

    async def _start(self, step: Step) -> None:
        self._state.phase = Phase.ACTIVE
        await self._mail(MailKind.FIRST_DAY)
        await self._record(self._entry(step.key, "First day: onboarding tasks are due"))
        await self._publish_phase()

    async def _checkin(self, step: Step) -> None:
        await self._mail(MailKind.CHECKIN, occurrence=step.key.split(":", 1)[1])
        await self._record(self._entry(step.key, "Engagement check-in sent to the freelancer"))

    async def _development(self, step: Step) -> None:
        await self._mail(MailKind.DEVELOPMENT, occurrence=step.key.split(":", 1)[1])
        await self._record(
            self._entry(step.key, "Development conversation offered: training or an internal move")
        )

    async def _request_renewal(self, step: Step) -> None:
        self._state.phase = Phase.RENEWAL_REVIEW
        self._state.pending_decision = PendingDecision(
            due=self._offboarding_at(), requested_at=self._now()
        )
        await self._mail(MailKind.RENEWAL_REQUEST)
        await self._record(self._entry(step.key, "Renewal decision requested from the manager"))
        await self._publish_phase()

    async def _remind_manager(self, step: Step) -> None:
        await self._mail(MailKind.RENEWAL_REMINDER)
        await self._record(self._entry(step.key, "Reminder: the renewal decision is still open"))

    async def _escalate(self, step: Step) -> None:
        await self._mail(MailKind.RENEWAL_ESCALATION)
        await self._record(
            self._entry(step.key, "Renewal decision escalated to HR: still no decision")
        )

    async def _offboard(self, step: Step) -> None:
        """The last day: knowledge transfer, exit feedback, and an invitation to stay in touch."""
        s = self._state
        undecided = s.pending_decision is not None
        s.pending_decision = None
        s.phase = Phase.OFFBOARDING
        s.tasks += checklists.OFFBOARDING.tasks("offboarding")
        await asyncio.gather(
            self._mail(MailKind.OFFBOARDING_CHECKLIST),
            self._mail(MailKind.EXIT_FEEDBACK),
            self._mail(MailKind.ALUMNI_INVITATION),
        )
        why = "terminated" if s.terminated else "undecided" if undecided else "ended"
        reason = {
            "terminated": "terminated",
            "undecided": "no renewal decision by the end date",
            "ended": "the contract ends",
        }[why]
        await self._record(
            self._entry(
                step.key,
                f"Offboarding ({reason}): exit feedback link sent",
                reason=why,
                end=s.assignment.end_date,
            )
        )
        await self._publish_phase()

    async def _revoke_access(self, step: Step) -> None:
        await self._sync_access(active=False)
        if self._access is None:  # else recorded once the IdP has confirmed it
            await self._record(self._entry(step.key, REVOKED))

    async def _remind_feedback(self, step: Step) -> None:
        await self._mail(MailKind.FEEDBACK_REMINDER)
        await self._record(self._entry(step.key, "Exit feedback reminder sent"))

    async def _completion(self, step: Step) -> None:
        """14 days after the end; with independent effects, once the access is closed too."""
        if self._access is None or access_closed(self._state):
            await self._complete()
            return
        await self._sync_access(active=False)
        await self._record(
            self._entry(step.key, "Waiting for tool access to close at the IdP before completing")
        )

    async def _complete(self) -> None:
        s = self._state
        if any(x.status is AccessStatus.GRANTED for x in s.access):
            await self._sync_access(active=False)
        s.phase = Phase.COMPLETED
        s.ended_at = self._now()
        await self._record(self._entry("completed", "Assignment completed"))
        await self._publish_phase()

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
            if s.phase in (Phase.ACTIVE, Phase.RENEWAL_REVIEW):
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
            if input.team is not None and input.team != a.team:
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
            summary = "Amended: " + ("; ".join(changes) if changes else "nothing changed")
            await self._record(self._entry(self._update_key("amended"), summary, input.actor))
            self._changed()
            return self._answer()

    @amend.validator
    def _validate_amend(self, input: AmendInput) -> None:
        rules.check_amend(self._state, input)

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

    @workflow.query
    def get_state(self) -> AssignmentState:
        return self._answer()

    def _answer(self) -> AssignmentState:
        """The state as a change answers it: with the timeline entries still on their way."""
        view = self._view()
        if self._ledger is not None:
            view.unrecorded = self._ledger.unrecorded()
        return view

    # ------------------------------------------------------------------- schedule

    def _plan(self) -> list[Step]:
        a = self._state.assignment
        return policy.plan_term(
            a.start_date, a.end_date, a.timezone, self._policy, review=not self._state.terminated
        )

    def _progress(self) -> policy.Progress:
        s = self._state
        return policy.Progress(
            phase=s.phase,
            now=self._now(),
            done=frozenset(self._done),
            run_started=self._run_started,
            renewal_decided=bool(s.renewal_decision),
            terminated=s.terminated,
            feedback_received=s.feedback_received_at is not None,
        )

    def _upcoming(self) -> list[Step]:
        return policy.upcoming(self._plan(), self._progress())

    def _next_step(self) -> Step | None:
        return next(iter(self._upcoming()), None)

    def _performed_now(self, step: Step) -> bool:
        return policy.performed_now(step, self._progress(), self._plan())

    def _offboarding_at(self) -> datetime:
        return policy.offboarding_at(self._plan())

    def _ready_to_complete(self) -> bool:
        """Feedback in (or the moment of completion passed, with independent effects) and access
        closed: nothing is left to wait for."""
        s = self._state
        if self._access is not None:
            due = s.feedback_received_at is not None or "completion" in self._done
            return (
                s.phase is Phase.OFFBOARDING
                and due
                and s.access_closing_since is not None
                and access_closed(s)
                and self._access.idle
            )
        return (
            s.phase is Phase.OFFBOARDING
            and s.feedback_received_at is not None
            and not any(x.status is AccessStatus.GRANTED for x in s.access)
            and "revoke_access" in self._done
        )

    async def _sleep_until(self, step: Step) -> bool:
        """Sleeps until the step is due; False when a change came first."""
        delay = step.at - self._now()
        if delay <= timedelta(0):
            return True
        version = self._version
        try:
            await workflow.wait_condition(
                lambda: self._version != version,
                timeout=self._clock.to_real_delay(delay),
                timeout_summary=f"{step.kind.value} at {step.at.isoformat()}",
            )
        except TimeoutError:
            return True
        return False

    async def _wait_for_change(self) -> None:
        version = self._version
        await workflow.wait_condition(lambda: self._version != version)

    def _changed(self) -> None:
        self._version += 1

    def _start_next_term(self, old_end: date) -> None:
        s = self._state
        s.term += 1
        s.term_start = old_end + timedelta(days=1)
        s.phase = Phase.ACTIVE
        s.pending_decision = None
        s.renewal_decision = "renew"
        s.renewal_decided_at = self._now()
        self._next_term = True
        if self._ledger is not None:  # what this term still asks for is the next one's to do
            self._ledger.stop_taking()

    def _carry(self) -> AssignmentWorkflowInput:
        """What the next run needs: the state, without this run's bookkeeping."""
        state = self._state.model_copy(deep=True)
        state.planned, state.next_transition = [], None
        state.renewal_decision = None  # the new term's renewal is still to be decided
        return AssignmentWorkflowInput(
            assignment=state.assignment,
            clock=self._input.clock,
            policy=self._policy,
            carried=state,
            pending_effects=self._handed_over(),
        )

    # --------------------------------------------------------------------- reading

    def _now(self) -> datetime:
        return self._clock.to_assignment_time(workflow.now())

    def _today(self) -> date:
        return policy.local_date(self._now(), self._state.assignment.timezone)

    def _view(self) -> AssignmentState:
        view = self._state.model_copy(deep=True)
        if view.phase in CLOSED_PHASES:
            view.planned, view.next_transition = [], None
            return view
        view.planned = signing.transitions(self._upcoming())
        view.next_transition = view.planned[0] if view.planned else None
        return view

    def _update_key(self, what: str) -> str:
        info = workflow.current_update_info()
        return f"{what}:{info.id if info else self._version}"

    def _entry(
        self, key: str, summary: str, actor: str = "system", **data: object
    ) -> TimelineEntry:
        kind = key.split(":", 1)[0]
        return TimelineEntry(
            key=f"{self._state.term}:{key}",
            at=self._now(),
            kind=kind,
            summary=summary,
            actor=actor,
            data={k: None if v is None else str(v) for k, v in data.items()},
        )
