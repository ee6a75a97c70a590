"""The assignment's effects on lanes of their own, so that none holds up another or the story.

A run that began with the patch `INDEPENDENT_EFFECTS` changes its state at once and hands every
effect to a lane; the story and the contract changes never wait for one (an Update is answered as
soon as it is applied to the state).

- The ledger lane: the assignment's record (read model and timeline), its events and its mails,
  in the order they were asked for. Each is an activity on PostgreSQL only: the event and the
  mail are put in an outbox and delivered on their own (NotificationDelivery, MailDelivery), so
  a receiver or an SMTP server that is down holds up nothing here. These activities are retried
  for as long as PostgreSQL is out of reach, the engine's own store; a permanent refusal (a mail
  that cannot be composed) is put on the timeline.
- The access lane: the freelancer's account at the IdP is brought to what the state says it is
  to be (`target`): active in the assignment's tools from onboarding on, closed once the access is
  to close (the end of the last day, a cancellation, completion). It is retried until the IdP
  confirms, round after round: within a round Temporal retries the activity every few seconds (so
  access follows within seconds of the IdP's recovery); after a round the failure is recorded
  (the attention list reads it), and a revocation whose moment has passed is overdue: the HR
  contact and the admins are mailed once. An early end's revocation first asks the guard, which
  may hold it for an admin. An admin can also say the access is closed by hand at the IdP.

Nothing here reads the clock but through the workflow, or does I/O but through activities.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.types import (
        CLAIM_REVOCATION,
        CLOSED_PHASES,
        PUBLISH,
        QUEUE_MAIL,
        RECORD,
        SEND_MAIL,
        SYNC_ACCESS,
        AccessStatus,
        AccessTarget,
        AssignmentState,
        ClaimRevocationInput,
        ClaimRevocationResult,
        EffectFailure,
        MailKind,
        PendingEffect,
        Phase,
        PublishInput,
        QueueMailInput,
        RecordInput,
        SendMailInput,
        SendMailResult,
        SyncAccessInput,
        SyncAccessResult,
        TimelineEntry,
    )

REVOKED = "Tool access revoked: the assignment has ended"

QUICK = timedelta(seconds=30)
# The retries of runs before independent effects (each effect awaited in turn, until done).
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=2))
# PostgreSQL is the engine's own store: its activities wait for it as long as it takes.
UNTIL_DONE = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
# Within a round, the IdP is asked again every few seconds...
IDP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10)
)
# ... and a round lasts longer each time (30 s, 1 min, 2 min ... 10 min), so that a long outage
# adds a few events an hour to the history, not hundreds.
FIRST_ROUND, LAST_ROUND = timedelta(seconds=30), timedelta(minutes=10)
# After a refusal (not an outage) the IdP is asked again this much later, or when told to.
AFTER_REFUSAL = timedelta(minutes=10)

ACCESS_PHASES = frozenset({Phase.ONBOARDING, Phase.ACTIVE, Phase.RENEWAL_REVIEW, Phase.OFFBOARDING})


_FIELD = {RECORD: "record", QUEUE_MAIL: "mail", PUBLISH: "event", SYNC_ACCESS: "access"}


class LedgerLane:
    """The record, the events and the mails, one after the other, each until it is done. A
    refusal for good (retrying cannot change it) goes to `refused`."""

    def __init__(self, refused: Callable[[PendingEffect, ActivityError], None]) -> None:
        self._queue: deque[PendingEffect] = deque()
        self._current: PendingEffect | None = None
        self._handing_over = False
        self._refused = refused

    def put(self, activity: str, input: Any) -> None:
        self._queue.append(PendingEffect(activity=activity, **{_FIELD[activity]: input}))

    def take_over(self, effects: list[PendingEffect]) -> None:
        """The effects a run handed over before doing them: first in line."""
        self._queue.extendleft(reversed(effects))

    def stop_taking(self) -> None:
        """The run hands over to the next one: no effect is started any more."""
        self._handing_over = True

    def hand_over(self) -> list[PendingEffect]:
        """What is still to do, for the next run (once the effect under way, if any, is done:
        see `between_effects`)."""
        left = list(self._queue)
        self._queue.clear()
        return left

    @property
    def between_effects(self) -> bool:
        return self._current is None

    @property
    def idle(self) -> bool:
        return not self._queue and self._current is None

    def unrecorded(self) -> list[TimelineEntry]:
        """The timeline entries of the records still to do (or under way)."""
        records = [e.record for e in (self._current, *self._queue) if e is not None and e.record]
        return [entry for record in records for entry in record.entries]

    async def run(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self._queue) and not self._handing_over)
            effect = self._current = self._queue.popleft()
            try:
                await workflow.execute_activity(
                    effect.activity,
                    effect.input,
                    start_to_close_timeout=QUICK,
                    retry_policy=UNTIL_DONE,
                )
            except ActivityError as err:  # refused for good: retrying cannot change it
                self._refused(effect, err)
            finally:
                self._current = None


def target(state: AssignmentState) -> AccessTarget | None:
    """What the account is to be now; None before anything is wanted of it (scheduled)."""
    if state.access_closing_since is not None:
        return AccessTarget(active=False)
    if state.phase in ACCESS_PHASES:
        return AccessTarget(active=True, tools=list(state.assignment.tools))
    return None


def access_closed(state: AssignmentState) -> bool:
    """Whether no access can still be open: confirmed closed, never given, or an admin's word."""
    if state.access_kept_by is not None:
        return True
    applied = state.access_applied
    if applied is None:
        return not any(x.status == "granted" for x in state.access)
    return not applied.active


class AccessLane:
    """Brings the account at the IdP to `target(state)`, for as long as it takes."""

    def __init__(
        self,
        state: Callable[[], AssignmentState],
        now: Callable[[], datetime],
        *,
        applied: Callable[[SyncAccessResult, AccessTarget], None],
        failing: Callable[[EffectFailure], None],
        held: Callable[[ClaimRevocationResult], None],
    ) -> None:
        self._state, self._now = state, now
        self._applied, self._failing, self._held = applied, failing, held
        self._nudges = 0
        self._busy = False

    def nudge(self) -> None:
        """Something changed (a new target, an admin's decision, "retry now"): look again."""
        self._nudges += 1

    @property
    def idle(self) -> bool:
        return not self._busy and not self._pending()

    def _pending(self) -> bool:
        s = self._state()
        wanted = target(s)
        if wanted is None or wanted == s.access_applied:
            return False
        if not wanted.active and access_closed(s):
            return False  # nothing was ever given, or an admin decided
        return not (s.revocation_hold and not s.revocation_cleared)

    async def run(self) -> None:
        rounds = 0
        while True:
            await workflow.wait_condition(self._pending)
            self._busy = True
            try:
                wanted = target(self._state())
                assert wanted is not None
                if not wanted.active and not await self._guard_allows():
                    continue
                if await self._apply(wanted, self._round(rounds)):
                    rounds = 0
                else:
                    rounds += 1
            finally:
                self._busy = False

    @staticmethod
    def _round(rounds: int) -> timedelta:
        return min(FIRST_ROUND * (2**rounds), LAST_ROUND)

    async def _guard_allows(self) -> bool:
        """An early end's revocation is counted by the guard first; beyond its threshold it is
        held until an admin releases (or rejects) it."""
        s = self._state()
        early = s.phase is Phase.CANCELLED or s.terminated
        if not early or s.revocation_cleared:
            return True
        result = await workflow.execute_activity(
            CLAIM_REVOCATION,
            ClaimRevocationInput(
                assignment_id=s.assignment.assignment_id,
                reason="cancelled" if s.phase is Phase.CANCELLED else "terminated",
                at=self._now(),
            ),
            result_type=ClaimRevocationResult,
            start_to_close_timeout=QUICK,
            retry_policy=UNTIL_DONE,
        )
        if result.held and result.hold_id:
            self._held(result)
            return False
        s.revocation_cleared = True
        return True

    async def _apply(self, wanted: AccessTarget, round_length: timedelta) -> bool:
        s = self._state()
        try:
            result = await workflow.execute_activity(
                SYNC_ACCESS,
                SyncAccessInput(
                    assignment_id=s.assignment.assignment_id,
                    term=s.term,
                    freelancer=s.assignment.freelancer,
                    tools=wanted.tools,
                    active=wanted.active,
                    at=self._now(),
                ),
                result_type=SyncAccessResult,
                start_to_close_timeout=timedelta(minutes=2),
                schedule_to_close_timeout=round_length,
                retry_policy=IDP_RETRY,
            )
        except ActivityError as err:
            cause = err.cause
            refused = isinstance(cause, ApplicationError) and cause.non_retryable
            self._failing(self._failure(wanted, err, refused=refused))
            if refused:  # the IdP said no: ask again later, or when an admin says so
                nudges = self._nudges
                try:
                    await workflow.wait_condition(
                        lambda: self._nudges != nudges, timeout=AFTER_REFUSAL
                    )
                except TimeoutError:
                    pass
            return False
        self._applied(result, wanted)
        return True

    def _failure(self, wanted: AccessTarget, err: ActivityError, *, refused: bool) -> EffectFailure:
        s, now = self._state(), self._now()
        previous = s.access_failure
        kind: Literal["access_grant", "access_revoke"] = (
            "access_grant" if wanted.active else "access_revoke"
        )
        since = previous.since if previous and previous.kind == kind else now
        cause = err.cause if err.cause is not None else err
        return EffectFailure(
            kind=kind,
            since=since,
            error=str(cause)[:500],
            permanent=refused,
            overdue=not wanted.active
            and s.access_closing_since is not None
            and s.access_closing_since <= now,
        )


class Effects:
    """The effects of the story, as the AssignmentWorkflow asks for them: on the lanes above
    for a run with independent effects, else awaited one by one as runs before it did (their
    histories replay that way).

    A mixin of AssignmentWorkflow: it reads the workflow's state, clock and timeline helpers.
    """

    _state: AssignmentState
    _version: int
    _published: int
    _ledger: LedgerLane | None
    _access: AccessLane | None
    _lanes: list[asyncio.Task[None]]

    if TYPE_CHECKING:  # provided by the workflow

        def _now(self) -> datetime: ...
        def _view(self) -> AssignmentState: ...
        def _entry(
            self, key: str, summary: str, actor: str = "system", **data: object
        ) -> TimelineEntry: ...

    # ------------------------------------------------------------------ the lanes

    def _start_lanes(self, handed_over: list[PendingEffect]) -> None:
        self._ledger = LedgerLane(self._effect_refused)
        self._ledger.take_over(handed_over)
        self._access = AccessLane(
            lambda: self._state,
            self._now,
            applied=self._access_applied,
            failing=self._access_failing,
            held=self._revocation_held,
        )
        self._lanes = [asyncio.create_task(lane.run()) for lane in (self._ledger, self._access)]

    async def _effects_settled(self) -> None:
        """Before the run ends: if the assignment has ended, its access is closed and every
        record, event and mail is in the outbox. A new term takes over what is still to do (the
        access in its state, the ledger's effects in its input), so the hand-over is at once."""
        if self._ledger is None or self._access is None:
            return
        ledger, access = self._ledger, self._access
        if self._state.phase in CLOSED_PHASES:
            await workflow.wait_condition(lambda: access_closed(self._state) and access.idle)
            await workflow.wait_condition(lambda: ledger.idle)
        else:
            ledger.stop_taking()
            await workflow.wait_condition(lambda: ledger.between_effects)

    def _handed_over(self) -> list[PendingEffect]:
        return self._ledger.hand_over() if self._ledger is not None else []

    def _effect_refused(self, effect: PendingEffect, err: ActivityError) -> None:
        """A mail that cannot be composed is put on the timeline; anything else fails the task
        (a bug: it is retried once fixed)."""
        if effect.mail is None:
            raise err
        kind, occurrence = effect.mail.kind, effect.mail.occurrence
        workflow.logger.warning(
            "mail not composed", extra={"assignment_id": effect.mail.assignment.assignment_id}
        )
        self._put_record(
            self._entry(f"mail-failed:{kind}:{occurrence}", f"Mail {kind} not sent: {err.cause}")
        )

    def _queue_mail(
        self, kind: MailKind, occurrence: str, note: str | None, term: int | None, revision: int
    ) -> None:
        assert self._ledger is not None
        s = self._state
        mail = QueueMailInput(
            kind=kind,
            term=term or s.term,
            occurrence=occurrence,
            at=self._now(),
            note=note,
            revision=revision,
            assignment=s.assignment.model_copy(deep=True),
            tasks=[t.model_copy() for t in s.tasks],
            granted_tools=[x.tool for x in s.access if x.status == AccessStatus.GRANTED],
            decision_due=s.pending_decision.due if s.pending_decision else None,
            renewal_decision=s.renewal_decision,
        )

        self._ledger.put(QUEUE_MAIL, mail)

    def _put_record(self, *entries: TimelineEntry) -> None:
        assert self._ledger is not None
        self._ledger.put(
            RECORD,
            RecordInput(state=self._view(), entries=list(entries), run_id=workflow.info().run_id),
        )

    def _access_applied(self, result: SyncAccessResult, applied: AccessTarget) -> None:
        """The IdP confirmed: the state says so, an event tells, the record keeps it."""
        s = self._state
        s.access_applied, s.access, s.access_failure = applied, result.access, None
        self._put_publish(
            "lifecycle.access_changed",
            {"access": [x.model_dump(mode="json") for x in result.access]},
        )
        if applied.active:
            self._put_record()
        else:
            self._put_record(self._entry("revoke_access", REVOKED))

    def _access_failing(self, failure: EffectFailure) -> None:
        """Recorded when it begins or changes (the attention list reads it); a revocation
        overdue is told to the HR contact and the admins, once."""
        s = self._state
        before = s.access_failure
        s.access_failure = failure
        if failure.overdue and not s.access_overdue_told:
            s.access_overdue_told = True
            self._queue_mail(MailKind.ACCESS_OVERDUE, "", failure.error, None, 0)
            self._put_record(
                self._entry(
                    "access-overdue",
                    f"Tool access still open after the end: the IdP does not confirm"
                    f" ({failure.error}); HR told",
                )
            )
            return
        if before is None or (before.kind, before.permanent, before.overdue, before.error) != (
            failure.kind,
            failure.permanent,
            failure.overdue,
            failure.error,
        ):
            self._put_record()

    def _revocation_held(self, claim: ClaimRevocationResult) -> None:
        s, hold_id = self._state, claim.hold_id
        if s.revocation_hold == hold_id:
            return
        s.revocation_hold = hold_id
        if claim.first:  # the first hold of a wave: the admins are told at once
            self._queue_mail(MailKind.REVOCATION_HELD, hold_id or "", None, None, 0)
        self._put_record(
            self._entry(
                f"revocation-held:{hold_id}",
                "Revocation held by the guard: many early ends at once; an admin decides",
            )
        )

    def _put_access_by_hand(self) -> None:
        """The ledger follows an admin's word that the account is closed at the IdP."""
        assert self._ledger is not None
        s = self._state
        self._ledger.put(
            SYNC_ACCESS,
            SyncAccessInput(
                assignment_id=s.assignment.assignment_id,
                term=s.term,
                freelancer=s.assignment.freelancer,
                tools=[],
                active=False,
                at=self._now(),
                by_hand=True,
            ),
        )

    def _put_publish(self, type_: Any, data: dict[str, object]) -> None:
        assert self._ledger is not None
        self._ledger.put(PUBLISH, self._event(type_, data))

    def _event(self, type_: Any, data: dict[str, object]) -> PublishInput:
        """One lifecycle event; its id is fixed by this run, so a retry repeats it."""
        a = self._state.assignment
        self._published += 1
        return PublishInput(
            event_id=f"{a.assignment_id}.{workflow.info().run_id}.{self._published}",
            type=type_,
            assignment_id=a.assignment_id,
            at=self._now(),
            data=data,
        )

    # ------------------------------------------------------ what the story asks for

    async def _record(self, *entries: TimelineEntry) -> None:
        if self._ledger is not None:
            self._put_record(*entries)
            return
        record = RecordInput(
            state=self._view(), entries=list(entries), run_id=workflow.info().run_id
        )
        await workflow.execute_activity(
            RECORD, record, start_to_close_timeout=QUICK, retry_policy=RETRY
        )

    async def _mail(
        self,
        kind: MailKind,
        *,
        occurrence: str = "",
        note: str | None = None,
        term: int | None = None,
        revision: int = 0,
    ) -> None:
        """Sends one mail; a permanent refusal is put on the timeline, never stops the story."""
        if self._ledger is not None:
            self._queue_mail(kind, occurrence, note, term, revision)
            return
        try:
            await workflow.execute_activity(
                SEND_MAIL,
                SendMailInput(
                    kind=kind,
                    term=term or self._state.term,
                    occurrence=occurrence,
                    state=self._view(),
                    at=self._now(),
                    note=note,
                    revision=revision,
                ),
                result_type=SendMailResult,
                start_to_close_timeout=timedelta(minutes=1),
                retry_policy=RETRY,
            )
        except ActivityError as err:
            workflow.logger.warning(
                "mail not delivered",
                extra={"assignment_id": self._state.assignment.assignment_id, "kind": kind},
            )
            await self._record(
                self._entry(
                    f"mail-failed:{kind}:{occurrence}", f"Mail {kind} not delivered: {err.cause}"
                )
            )

    async def _sync_access(self, *, active: bool) -> None:
        s = self._state
        if self._access is not None:  # the access lane follows the state, at its own pace
            if not active and s.access_closing_since is None:
                s.access_closing_since = self._now()
            self._access.nudge()
            return
        try:
            result = await workflow.execute_activity(
                SYNC_ACCESS,
                SyncAccessInput(
                    assignment_id=s.assignment.assignment_id,
                    term=s.term,
                    freelancer=s.assignment.freelancer,
                    tools=list(s.assignment.tools) if active else [],
                    active=active,
                    at=self._now(),
                ),
                result_type=SyncAccessResult,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=RETRY,
            )
        except ActivityError as err:
            await self._record(
                self._entry(f"access-failed:{self._version}", f"Access change refused: {err.cause}")
            )
            return
        s.access = result.access
        await self._publish(
            "lifecycle.access_changed",
            {"access": [x.model_dump(mode="json") for x in result.access]},
        )

    async def _publish_phase(self) -> None:
        await self._publish(
            "lifecycle.phase_changed", {"phase": self._state.phase, "term": self._state.term}
        )

    async def _publish(self, type_: Any, data: dict[str, object]) -> None:
        """Queues one lifecycle event; its id is fixed by this run, so a retry repeats it."""
        event = self._event(type_, data)
        if self._ledger is not None:
            self._ledger.put(PUBLISH, event)
            return
        await workflow.execute_activity(
            PUBLISH, event, start_to_close_timeout=QUICK, retry_policy=RETRY
        )
