"""The assignment's effects on lanes of their own, so that none holds up another or the story.

A run that began with the patch `INDEPENDENT_EFFECTS` changes its state at once and hands every
effect to a lane; the story and the contract changes never wait for one (an Update is answered as
soon as it is applied to the state).

- The ledger lane: the assignment's record (read model and timeline), its events and its mails,
  in the order they were asked for, all those asked for since the last call in one
  `apply_ledger` activity (runs begun before the patch LEDGER_BATCHES: one activity each). It
  works on PostgreSQL only: the event and the mail are put in an outbox and delivered on their
  own (NotificationDelivery, MailDelivery), so a receiver or an SMTP server that is down holds
  up nothing here. These activities are retried for as long as PostgreSQL is out of reach, the
  engine's own store; a permanent refusal (a mail that cannot be composed) is put on the
  timeline.
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
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.lanes import AccessLane, LedgerLane, access_closed
    from workflows.types import (
        CLOSED_PHASES,
        PUBLISH,
        QUEUE_MAIL,
        RECORD,
        SEND_MAIL,
        SYNC_ACCESS,
        AccessStatus,
        AccessTarget,
        AssignmentState,
        ClaimRevocationResult,
        EffectFailure,
        MailKind,
        PendingEffect,
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

    def _effect_refused(self, effect: PendingEffect, reason: str) -> None:
        """A mail that cannot be composed is put on the timeline."""
        assert effect.mail is not None
        kind, occurrence = effect.mail.kind, effect.mail.occurrence
        workflow.logger.warning(
            "mail not composed", extra={"assignment_id": effect.mail.assignment.assignment_id}
        )
        self._put_record(
            self._entry(f"mail-failed:{kind}:{occurrence}", f"Mail {kind} not sent: {reason}")
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
            decision_asked=s.pending_decision.requested_at if s.pending_decision else None,
            renewal_decision=s.renewal_decision,
        )

        self._ledger.put(QUEUE_MAIL, mail)

    def _put_record(self, *entries: TimelineEntry) -> None:
        assert self._ledger is not None
        self._state.revision += 1
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

    def _closed_by_hand(self, actor: str) -> None:
        """An admin's word that the account is closed at the IdP: the state and the ledger
        follow it, and the access lane stops trying."""
        assert self._ledger is not None
        s, now = self._state, self._now()
        s.access_kept_by, s.access_failure = actor, None
        s.access = [
            x.model_copy(update={"status": AccessStatus.REVOKED, "since": now}) for x in s.access
        ]
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
