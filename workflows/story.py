"""The story's steps: what an assignment's workflow does at each moment of the contract's section
4 (signature, onboarding, first day, check-ins, renewal, offboarding, completion), its schedule
and its reading of the deployment clock. `AssignmentWorkflow` (workflows/assignment.py) is this
story with its entry points: the run loop, the contract changes and the query.

A mixin in a module of its own because the workflow sandbox imports the workflow's file afresh
for every run it holds, and passes this one through (worker.py's PASSTHROUGH): imported once per
worker, the steps cost a cached assignment nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.clock import Clock
    from workflows import checklists, policy, signing
    from workflows.effects import REVOKED, Effects
    from workflows.lanes import AccessLane, access_closed
    from workflows.types import (
        CLOSED_PHASES,
        AccessStatus,
        AssignmentState,
        AssignmentWorkflowInput,
        MailKind,
        PendingDecision,
        Phase,
        Policy,
        Step,
        StepKind,
        Task,
        TeamEvent,
        TimelineEntry,
    )

# The patch of runs whose read model is current after every step (reads come from it alone).
READ_MODEL_CURRENT = "read-model-current"
# The patch of runs that wake as soon as nothing is left to wait for (the access confirmed closed
# after the feedback came in or the moment of completion passed), not only at a change: before
# it, a run whose completion found the IdP still busy slept until a change that never came.
WAKE_TO_COMPLETE = "wake-to-complete"
# The patch of runs that withdraw the invitations they sent (METHOD:CANCEL, same UID) when the
# assignment is cancelled or ends early.
CALENDAR_CANCEL = "calendar-cancel"
# The patch of runs in which an extension during offboarding brings the assignment back to work
# (a new term, access restored); before it, the assignment stayed in offboarding for the new term.
BACK_FROM_OFFBOARDING = "back-from-offboarding"
# The patch of runs in which a team or team-events amendment updates the freelancer's invitations.
TEAM_EVENTS_FOLLOW = "team-events-follow"
# The patch of runs whose checklists follow up: each task given has an owner and a due day, and
# one still open past it is reminded to its owner, then escalated to HR.
TASK_FOLLOW_UP = "task-follow-up"
# The phases in which the freelancer has the team's events in their calendar (sent at onboarding).
INVITED_PHASES = frozenset({Phase.ONBOARDING, Phase.ACTIVE, Phase.RENEWAL_REVIEW})


class Story(Effects):
    """The steps of the story and what they read; the workflow's state is set by
    AssignmentWorkflow's constructor."""

    _clock: Clock
    _input: AssignmentWorkflowInput
    _policy: Policy
    _done: set[str]
    _lock: asyncio.Lock
    _next_term: bool
    _reopen_access: bool  # back from offboarding: the next run opens the access again
    _run_started: datetime | None
    _access: AccessLane | None

    # ---------------------------------------------------------------- the steps

    def _first_state(self, input: AssignmentWorkflowInput) -> AssignmentState:
        """A first run's state. A new assignment has the onboarding checklist from the start, so
        that a change arriving with the start itself (before the run has signed) finds the
        tasks the API announced; an imported one is at once in the phase its dates put it in,
        the steps whose moment has passed taken (the moment of completion excepted: one that is
        over completes at once)."""
        a, follow_up = input.assignment, workflow.patched(TASK_FOLLOW_UP)
        if input.imported is None:
            today = policy.local_date(self._now(), a.timezone)
            return AssignmentState(
                assignment=a,
                term_start=a.start_date,
                tasks=signing.onboarding_tasks(a, self._policy, today, follow_up=follow_up),
                policy_version=input.policy_version,
            )
        state, arrived = signing.imported_state(
            a, input.imported.term, self._policy, self._now(), follow_up=follow_up
        )
        state.planned, state.next_transition = [], None  # the view draws them
        state.policy_version = input.policy_version
        self._done |= arrived.passed - {StepKind.COMPLETION.value}
        return state

    async def _sign(self) -> None:
        a = self._state.assignment
        self._state.signed_at = self._now()
        entry = self._entry("signed", signing.summary(a))
        entry.data.update(signing.policy_data(self._state))
        await self._record(entry)
        await self._mail(MailKind.MANAGER_CHECKLIST)
        await self._publish_phase()

    async def _arrive(self) -> None:
        """An assignment that already runs comes in: nothing whose moment has passed is sent (no
        welcome, kick-off or first-day mail to someone already working); access is granted if
        missing, without a welcome; a renewal whose request's moment has passed is asked now,
        its reminder and escalation following at their moments."""
        s = self._state
        imported = self._input.imported
        renewals = imported.past_renewals if imported else []
        await self._record(signing.imported_entry(s, s.signed_at or self._now(), renewals))
        if s.phase is Phase.SCHEDULED:
            await self._mail(MailKind.MANAGER_CHECKLIST)
        elif s.phase is Phase.RENEWAL_REVIEW:
            await self._mail(MailKind.RENEWAL_REQUEST)
            await self._record(
                self._entry("renewal_request", "Renewal decision requested from the manager")
            )
        if s.phase is not Phase.SCHEDULED:
            await self._sync_access(active=s.access_closing_since is None)
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
            StepKind.TASK_REMINDER: self._remind_tasks,
            StepKind.TASK_ESCALATION: self._escalate_tasks,
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
        self._state.invited_to_kickoff = True
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

    def _withdrawals(self, *, kickoff: bool) -> list[Coroutine[Any, Any, None]]:
        """The invitations sent, withdrawn from the calendars they are in (same UID, a higher
        SEQUENCE): the kick-off when `kickoff` (it has not taken place), the team's events."""
        s = self._state
        mails = []
        if kickoff and s.invited_to_kickoff:
            s.invited_to_kickoff = False
            mails.append(
                self._mail(
                    MailKind.INVITATION_CANCELLED,
                    occurrence=MailKind.WELCOME,
                    revision=s.kickoff_revision + 1,
                )
            )
        if s.invitations_until is not None:
            s.invitations_until = None  # nothing left to keep up to date
            mails += [
                self._mail(
                    MailKind.INVITATION_CANCELLED,
                    occurrence=f"{MailKind.TEAM_EVENT_INVITATION}:{i}",
                    revision=s.invitations_revision + 1,
                )
                for i in range(len(s.assignment.team_events))
            ]
        return mails

    async def _move_start(self, start: date) -> None:
        """A start that moves before it comes: the schedule is drawn again (the run loop wakes),
        and the invitations sent move with it (same UID, a higher SEQUENCE)."""
        s = self._state
        moved = start - s.assignment.start_date
        s.assignment.start_date = start
        s.term_start = start
        for task in s.tasks:  # the onboarding's due days move with the first day
            if task.phase == "onboarding" and task.due is not None and not task.done:
                task.due += moved
                if task.follow_from is not None:
                    task.follow_from = max(task.due, self._today())
        if s.invited_to_kickoff:
            s.kickoff_revision += 1
            await self._mail(
                MailKind.START_MOVED, occurrence=start.isoformat(), revision=s.kickoff_revision
            )
        if s.invitations_until is not None:  # each series' first occurrence moves
            s.invitations_revision += 1
            await asyncio.gather(*self._invitations())

    async def _retell_team_events(self, events: list[TeamEvent], *, team_moved: bool) -> None:
        """The team's events after an amendment (the same list under a new team, or a new list):
        once invited, each series that went and is no longer there is withdrawn, and each one
        that changed (or is new) is sent again, with a higher SEQUENCE. Before the onboarding,
        the new list is simply the one the onboarding sends."""
        s = self._state
        old = list(s.assignment.team_events)
        if s.phase not in INVITED_PHASES:
            s.assignment.team_events = list(events)
            return
        s.invitations_revision += 1
        if s.invitations_until is not None:  # (the mails carry the events they withdraw)
            await asyncio.gather(
                *(
                    self._mail(
                        MailKind.INVITATION_CANCELLED,
                        occurrence=f"{MailKind.TEAM_EVENT_INVITATION}:{i}",
                        revision=s.invitations_revision,
                    )
                    for i in range(len(events), len(old))
                )
            )
        s.assignment.team_events = list(events)
        s.invitations_until = s.assignment.end_date if events else None
        await asyncio.gather(
            *(
                self._mail(
                    MailKind.TEAM_EVENT_INVITATION,
                    occurrence=str(i),
                    revision=s.invitations_revision,
                )
                for i, event in enumerate(events)
                if team_moved or i >= len(old) or event != old[i]
            )
        )

    def _invitations_outdated(self) -> bool:
        s = self._state
        return (
            s.phase in INVITED_PHASES
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

    async def _remind_tasks(self, step: Step) -> None:
        """Tasks still open past their due day: each owner gets one mail of theirs (once)."""
        s = self._state
        late = self._followed_up(step)
        owners: dict[str, list[str]] = {}
        for task in late:
            task.reminded_at = self._now()
            owners.setdefault(checklists.owner_of(task, s.assignment), []).append(task.title)
        day = step.key.split(":", 1)[1]
        await asyncio.gather(
            *(self._mail(MailKind.TASK_REMINDER, occurrence=f"{day}_{owner}") for owner in owners)
        )
        await self._record(
            self._entry(
                step.key,
                "Late tasks reminded: "
                + "; ".join(
                    f"the {owner}: {', '.join(titles)}" for owner, titles in owners.items()
                ),
            )
        )

    async def _escalate_tasks(self, step: Step) -> None:
        """Tasks still open after the further delay: HR is told, once, in one mail."""
        late = self._followed_up(step)
        for task in late:
            task.escalated_at = self._now()
        await self._mail(MailKind.TASK_ESCALATION, occurrence=step.key.split(":", 1)[1])
        await self._record(
            self._entry(
                step.key,
                "Late tasks escalated to HR: " + ", ".join(task.title for task in late),
            )
        )

    async def _offboard(self, step: Step) -> None:
        """The last day: knowledge transfer, exit feedback, and an invitation to stay in touch."""
        s = self._state
        undecided = s.pending_decision is not None
        s.pending_decision = None
        s.phase = Phase.OFFBOARDING
        s.tasks = [t for t in s.tasks if t.phase != "offboarding"] + checklists.given(
            self._policy.offboarding_tasks,
            "offboarding",
            s.assignment.end_date,
            self._today(),
            follow_up=workflow.patched(TASK_FOLLOW_UP),
        )
        mails = [
            self._mail(MailKind.OFFBOARDING_CHECKLIST),
            self._mail(MailKind.EXIT_FEEDBACK),
            self._mail(MailKind.ALUMNI_INVITATION),
        ]
        if s.terminated and workflow.patched(CALENDAR_CANCEL):  # an early end
            before_start = s.assignment.end_date < s.assignment.start_date
            mails += self._withdrawals(kickoff=before_start)
        await asyncio.gather(*mails)
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

    # ------------------------------------------------------------------- schedule

    def _plan(self) -> list[Step]:
        s = self._state
        a = s.assignment
        plan = policy.plan_term(
            a.start_date, a.end_date, a.timezone, self._policy, review=not s.terminated
        )
        follow_ups = policy.follow_ups(self._checklist(), a.timezone, self._policy)
        if not follow_ups:
            return plan
        return sorted(plan + follow_ups, key=policy.step_order)

    def _checklist(self) -> list[Task]:
        """The tasks of the phase: the onboarding's until offboarding begins, then its own."""
        phase = "offboarding" if self._state.phase is Phase.OFFBOARDING else "onboarding"
        return [t for t in self._state.tasks if t.phase == phase]

    def _followed_up(self, step: Step) -> list[Task]:
        a = self._state.assignment
        return policy.followed_up(step, self._checklist(), a.timezone, self._policy)

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
        try:
            await workflow.wait_condition(
                self._woken(),
                timeout=self._clock.to_real_delay(delay),
                timeout_summary=f"{step.kind.value} at {step.at.isoformat()}",
            )
        except TimeoutError:
            return True
        return False

    async def _wait_for_change(self) -> None:
        await workflow.wait_condition(self._woken())

    def _woken(self) -> Callable[[], bool]:
        """What ends a wait of the run loop: a change, or (in runs with the patch) being ready
        to complete."""
        version = self._version
        if self._access is not None and workflow.patched(WAKE_TO_COMPLETE):
            return lambda: self._version != version or self._ready_to_complete()
        return lambda: self._version != version

    def _changed(self) -> None:
        self._version += 1

    async def _back_from_offboarding(self) -> bool:
        """An extension during offboarding: the leaving is called off. The offboarding tasks
        still open go, the feedback asked for belongs to the next leaving, and access that was
        closed (or is closing) opens again: with the access lane, in the next term's run (an
        access change begun now would be cut off by the hand-over). True when access is
        restored."""
        s = self._state
        s.tasks = [t for t in s.tasks if t.phase != "offboarding" or t.done]
        s.feedback_received_at = None
        s.phase = Phase.ACTIVE
        if self._access is not None:
            self._reopen_access = s.access_closing_since is not None
            return self._reopen_access
        closing = not any(x.status is AccessStatus.GRANTED for x in s.access)
        if closing:
            await self._sync_access(active=True)
        return closing

    @staticmethod
    def _reopened(state: AssignmentState) -> None:
        """The access of an assignment back from offboarding: to be open, nothing overdue."""
        state.access_closing_since, state.access_kept_by = None, None
        state.access_overdue_told, state.access_failure = False, None

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
        if self._reopen_access:
            self._reopened(state)
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
