"""The two lanes of an assignment's independent effects (see workflows/effects.py): the ledger
lane (record, events, mail: PostgreSQL only, in order) and the access lane (the IdP, until it
confirms), with what the state says the account is to be (`target`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from workflows.types import (
        APPLY_LEDGER,
        CLAIM_REVOCATION,
        PUBLISH,
        QUEUE_MAIL,
        RECORD,
        SYNC_ACCESS,
        AccessTarget,
        AssignmentState,
        ClaimRevocationInput,
        ClaimRevocationResult,
        EffectFailure,
        LedgerBatch,
        LedgerResult,
        PendingEffect,
        Phase,
        SyncAccessInput,
        SyncAccessResult,
        TimelineEntry,
    )

QUICK = timedelta(seconds=30)
# The patch of runs whose ledger effects go in batches, and the most one call carries.
LEDGER_BATCHES = "ledger-batches"
MAX_BATCH = 50
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
    """The record, the events and the mails, in order, each until it is done: in runs begun with
    the patch LEDGER_BATCHES, everything asked for since the last call in one `apply_ledger`
    call (activities/ledger.py), else one activity each. A mail refused for good (retrying cannot
    change it) goes to `refused`; any other refusal is a bug and fails the workflow task."""

    def __init__(self, refused: Callable[[PendingEffect, str], None]) -> None:
        self._queue: deque[PendingEffect] = deque()
        self._under_way: list[PendingEffect] = []
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
        return not self._under_way

    @property
    def idle(self) -> bool:
        return not self._queue and not self._under_way

    def unrecorded(self) -> list[TimelineEntry]:
        """The timeline entries of the records still to do (or under way)."""
        records = [e.record for e in (*self._under_way, *self._queue) if e.record]
        return [entry for record in records for entry in record.entries]

    async def run(self) -> None:
        while True:
            await workflow.wait_condition(lambda: bool(self._queue) and not self._handing_over)
            try:
                if workflow.patched(LEDGER_BATCHES):
                    await self._apply_batch()
                else:
                    await self._apply_one()
            finally:
                self._under_way = []

    async def _apply_batch(self) -> None:
        batch = self._under_way = [
            self._queue.popleft() for _ in range(min(len(self._queue), MAX_BATCH))
        ]
        sent = _one_record(batch)
        result = await workflow.execute_activity(
            APPLY_LEDGER,
            LedgerBatch(effects=sent),
            result_type=LedgerResult,
            start_to_close_timeout=QUICK,
            retry_policy=UNTIL_DONE,
        )
        for refusal in result.refused:
            effect = sent[refusal.index]
            if effect.mail is None:
                raise RuntimeError(f"{effect.activity} refused: {refusal.reason}")
            self._refused(effect, refusal.reason)

    async def _apply_one(self) -> None:
        """As runs before LEDGER_BATCHES did (their histories replay so)."""
        effect = self._queue.popleft()
        self._under_way = [effect]
        try:
            await workflow.execute_activity(
                effect.activity, effect.input, start_to_close_timeout=QUICK, retry_policy=UNTIL_DONE
            )
        except ActivityError as err:  # refused for good: retrying cannot change it
            if effect.mail is None:
                raise
            self._refused(effect, str(err.cause))


def _one_record(batch: list[PendingEffect]) -> list[PendingEffect]:
    """The batch with its records made one, in the place of the last: every entry, in order,
    with the newest state (an older state would be overwritten at once anyway)."""
    records = [e.record for e in batch if e.record is not None]
    if len(records) < 2:
        return batch
    merged = records[-1].model_copy(
        update={"entries": [entry for r in records for entry in r.entries]}
    )
    last = max(i for i, e in enumerate(batch) if e.record is not None)
    return [
        PendingEffect(activity=RECORD, record=merged) if i == last else e
        for i, e in enumerate(batch)
        if e.record is None or i == last
    ]


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
    if applied is None:  # a grant never confirmed may still have made the account
        return not state.access_asked and not any(x.status == "granted" for x in state.access)
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
        """One round towards `wanted`; True once the IdP confirmed it. A round is given up as
        soon as the target changes (a revocation does not wait for a grant that keeps failing)."""
        s = self._state()
        if wanted.active:
            s.access_asked = True
        attempt = asyncio.ensure_future(
            workflow.execute_activity(
                SYNC_ACCESS,
                SyncAccessInput(
                    assignment_id=s.assignment.assignment_id,
                    term=s.term,
                    freelancer=s.assignment.freelancer,
                    tools=wanted.tools,
                    active=wanted.active,
                    at=self._now(),
                    close_account=not wanted.active and s.access_asked,
                ),
                result_type=SyncAccessResult,
                start_to_close_timeout=timedelta(minutes=2),
                schedule_to_close_timeout=round_length,
                retry_policy=IDP_RETRY,
                # Given up: the attempt under way ends before anything else is sent to the IdP,
                # so a late grant can never land after a revocation.
                cancellation_type=ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            )
        )
        await workflow.wait_condition(lambda: attempt.done() or target(self._state()) != wanted)
        if not attempt.done():
            attempt.cancel()
            with contextlib.suppress(ActivityError, asyncio.CancelledError):
                await attempt
            return False
        try:
            result = attempt.result()
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
