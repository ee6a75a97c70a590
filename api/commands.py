"""What the API does with an assignment, shared by the REST routes and POST /v1/events.

- create: PostgreSQL's record decides (insert the row with the request's hash, then start the
  workflow idempotently by id), so a repeat is recognised however long ago the workflow closed;
- read: live from the workflow's query, from the read model when the workflow is closed, gone
  (retention) or not answering;
- change: a workflow Update, whose validator's refusal becomes 409/404/422 synchronously.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import structlog
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.problems import ASSIGNMENT_ENDED, CONFLICT, UNAVAILABLE, Problem, invalid
from api.schemas import AssignmentCreate, AssignmentPublic, TimelineItem, WorkflowRef
from core.clock import Clock
from core.settings import Settings
from db import assignments, timeline
from workflows.assignment import AssignmentWorkflow
from workflows.types import (
    CLOSED_PHASES,
    REFUSED_CONFLICT,
    REFUSED_INVALID,
    REFUSED_NOT_FOUND,
    AssignmentState,
    AssignmentWorkflowInput,
    ClockSpec,
    workflow_id_for,
)

log = structlog.get_logger("api")

QUERY_TIMEOUT = timedelta(seconds=5)
UPDATE_TIMEOUT = timedelta(seconds=60)
# A change that meets the moment a run hands over to the next term is sent again to the new run.
CHANGE_ATTEMPTS = 3
START_TIMEOUT = timedelta(seconds=10)

_REFUSALS = {REFUSED_CONFLICT: 409, REFUSED_NOT_FOUND: 404, REFUSED_INVALID: 422}

PLANNED_SUMMARIES = {
    "onboarding": "Onboarding: welcome, kick-off invitation and tool access",
    "start": "First day",
    "checkin": "Engagement check-in to the freelancer",
    "development": "Development conversation: training or an internal move",
    "renewal_request": "Renewal decision requested from the manager",
    "renewal_reminder": "Reminder to the manager if the renewal is still open",
    "renewal_escalation": "Escalation to HR if the renewal is still open",
    "offboarding": "Offboarding: knowledge transfer and exit feedback",
    "revoke_access": "Tool access revoked",
    "feedback_reminder": "Exit feedback reminder",
    "completion": "Assignment completed",
}


def request_hash(body: AssignmentCreate) -> str:
    """The hash of the validated body in canonical JSON: the same assignment, the same hash
    (key order, white space and omitted defaults make no difference)."""
    canonical = json.dumps(
        body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _update_name(update: Any) -> str:
    return getattr(update, "__name__", str(update))


@dataclass
class Lifecycle:
    pool: asyncpg.Pool
    temporal: Client
    settings: Settings
    clock: Clock

    # ------------------------------------------------------------------------ helpers

    def workflow_ref(self, assignment_id: str, run_id: str | None) -> WorkflowRef:
        workflow_id = workflow_id_for(assignment_id)
        ui_url = None
        if run_id:
            base = self.settings.temporal_ui_url.rstrip("/")
            ns = self.settings.temporal_namespace
            ui_url = f"{base}/namespaces/{ns}/workflows/{workflow_id}/{run_id}/history"
        return WorkflowRef(workflow_id=workflow_id, run_id=run_id, ui_url=ui_url)

    def public(self, state: AssignmentState, run_id: str | None) -> AssignmentPublic:
        ref = self.workflow_ref(state.assignment.assignment_id, run_id)
        return AssignmentPublic.from_state(state, ref)

    def check_tools(self, tools: list[str] | None, *, loc: tuple[str, ...] = ("body",)) -> None:
        """Tools must come from the configured catalogue (422 naming the unknown ones)."""
        if tools is None:
            return
        unknown = [t for t in tools if t not in self.settings.tools]
        if unknown:
            known = ", ".join(self.settings.tools) or "none"
            raise invalid(
                "tools",
                f"unknown tool(s) {', '.join(map(repr, unknown))}; the catalogue has: {known}",
                loc=[*loc, "tools"],
            )

    # ------------------------------------------------------------------------- create

    async def create(self, body: AssignmentCreate, actor: str) -> tuple[bool, AssignmentPublic]:
        """Creates the assignment and starts its lifecycle: (True, it) the first time; (False,
        it) for a repeat of the same body; 409 for the same id with another body."""
        self.check_tools(body.tools)
        assignment = body.to_assignment()
        digest = request_hash(body)
        state = AssignmentState(assignment=assignment, term_start=assignment.start_date)
        inserted = await assignments.insert_new(self.pool, assignment, digest, actor, state)
        if inserted:
            run_id = await self._start(assignment.assignment_id, state)
            log.info("assignment created", assignment_id=assignment.assignment_id)
            return True, await self._after_start(assignment.assignment_id, run_id, state)

        row = await assignments.get(self.pool, assignment.assignment_id)
        if row is None:  # pragma: no cover - rows are never deleted
            raise Problem(409, "the assignment is being changed; try again", type=CONFLICT)
        if row["request_hash"] != digest:
            raise Problem(
                409,
                f"assignment {assignment.assignment_id!r} exists with another body",
                type=CONFLICT,
            )
        run_id = row["workflow_run_id"]
        if run_id is None and row["phase"] not in CLOSED_PHASES:
            # Inserted but never recorded by its workflow: the first request may have died
            # between the insert and the start. Starting by id again loses nothing and, if it
            # did start, finds the same run.
            run_id = await self._start(assignment.assignment_id, state)
        found = await self.load(assignment.assignment_id)
        assert found is not None
        if found.workflow.run_id is None and run_id:
            found.workflow = self.workflow_ref(assignment.assignment_id, run_id)
        return False, found

    async def _start(self, assignment_id: str, state: AssignmentState) -> str | None:
        try:
            handle = await self.temporal.start_workflow(
                AssignmentWorkflow.run,
                AssignmentWorkflowInput(
                    assignment=state.assignment,
                    clock=ClockSpec(
                        anchor=self.clock.anchor, speed=self.clock.speed, start=self.clock.start
                    ),
                    policy=self.settings.policy,
                ),
                id=workflow_id_for(assignment_id),
                task_queue=self.settings.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                # A closed run is never started again: the assignment happened once.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                rpc_timeout=START_TIMEOUT,
            )
        except WorkflowAlreadyStartedError as exc:  # closed already (its record is in the row)
            return exc.run_id
        except (RPCError, RPCTimeoutOrCancelledError) as exc:
            log.warning("workflow start failed", assignment_id=assignment_id, error=str(exc))
            raise Problem(
                503,
                "the assignment is recorded but its lifecycle could not be started; "
                "repeat the same request to start it",
                type=UNAVAILABLE,
                headers={"Retry-After": "5"},
            ) from exc
        return handle.result_run_id

    async def _after_start(
        self, assignment_id: str, run_id: str | None, state: AssignmentState
    ) -> AssignmentPublic:
        live = await self._query(assignment_id)
        return self.public(live or state, run_id)

    # --------------------------------------------------------------------------- read

    async def _query(self, assignment_id: str) -> AssignmentState | None:
        handle = self.temporal.get_workflow_handle(workflow_id_for(assignment_id))
        try:
            state = await handle.query(AssignmentWorkflow.get_state, rpc_timeout=QUERY_TIMEOUT)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                log.warning("workflow query failed", assignment_id=assignment_id, error=str(exc))
            return None
        except (
            WorkflowQueryFailedError,
            WorkflowQueryRejectedError,
            RPCTimeoutOrCancelledError,
        ) as exc:
            log.warning("workflow query failed", assignment_id=assignment_id, error=str(exc))
            return None
        return (
            state if isinstance(state, AssignmentState) else AssignmentState.model_validate(state)
        )

    async def load(self, assignment_id: str) -> AssignmentPublic | None:
        """The assignment: live from its workflow while it runs, else from the read model."""
        row = await assignments.get(self.pool, assignment_id)
        if row is None:
            return None
        state = await self._state_of(row)
        run_id = row["workflow_run_id"] or await self._current_run_id(assignment_id)
        return self.public(state, run_id)

    async def _current_run_id(self, assignment_id: str) -> str | None:
        """The run id before the workflow has recorded it (just after the start)."""
        handle = self.temporal.get_workflow_handle(workflow_id_for(assignment_id))
        try:
            description = await handle.describe(rpc_timeout=QUERY_TIMEOUT)
        except (RPCError, RPCTimeoutOrCancelledError):
            return None
        return description.run_id

    async def _state_of(self, row: Any) -> AssignmentState:
        recorded = AssignmentState.model_validate(row["state"])
        if row["phase"] in CLOSED_PHASES:
            return recorded  # the final record: no need to replay a closed workflow
        return await self._query(row["assignment_id"]) or recorded

    async def list_page(self, **filters: Any) -> tuple[list[AssignmentPublic], str | None]:
        rows, next_cursor = await assignments.list_page(self.pool, **filters)
        items = [
            self.public(AssignmentState.model_validate(r["state"]), r["workflow_run_id"])
            for r in rows
        ]
        return items, next_cursor

    async def timeline(self, assignment_id: str) -> list[TimelineItem] | None:
        row = await assignments.get(self.pool, assignment_id)
        if row is None:
            return None
        state = await self._state_of(row)
        entries = await timeline.list_for(self.pool, assignment_id)
        items = [
            TimelineItem(at=e["at"], kind=e["kind"], summary=e["summary"], actor=e["actor"])
            for e in entries
        ]
        planned = [
            TimelineItem(
                at=t.at,
                kind=t.kind,
                summary=PLANNED_SUMMARIES.get(t.kind, t.kind.replace("_", " ").capitalize()),
                actor="system",
                planned=True,
            )
            for t in state.planned
        ]
        # Recorded first at equal times: what happened is told before what is to come.
        return sorted(items, key=lambda i: i.at) + sorted(planned, key=lambda i: i.at)

    async def timezone_of(self, assignment_id: str, *, missing: int = 404) -> str:
        row = await self._row(assignment_id, missing=missing)
        return str(row["state"]["assignment"].get("timezone") or "UTC")

    async def _row(self, assignment_id: str, *, missing: int) -> Any:
        row = await assignments.get(self.pool, assignment_id)
        if row is None:
            raise Problem(missing, f"no assignment {assignment_id!r}")
        return row

    # ------------------------------------------------------------------------- change

    async def change(
        self,
        assignment_id: str,
        update: Any,
        input: Any,
        *,
        missing: int = 404,
        invalid_field: str | None = None,
        update_id: str | None = None,
    ) -> AssignmentPublic:
        """Sends the Update and answers with the assignment as it is after it.

        `missing` is the status for an unknown assignment (404 on REST; 409 for events, so the
        sender retries). `update_id` makes a retried delivery apply once (Temporal deduplicates
        an Update id within a run).
        """
        row = await self._row(assignment_id, missing=missing)
        handle = self.temporal.get_workflow_handle(workflow_id_for(assignment_id))
        name = _update_name(update)
        for attempt in range(CHANGE_ATTEMPTS):
            try:
                async with asyncio.timeout(UPDATE_TIMEOUT.total_seconds()):
                    update_handle = await handle.start_update(
                        update,
                        input,
                        wait_for_stage=WorkflowUpdateStage.COMPLETED,
                        id=update_id,
                        rpc_timeout=UPDATE_TIMEOUT,
                    )
                    state = await update_handle.result(rpc_timeout=UPDATE_TIMEOUT)
                break
            except WorkflowUpdateFailedError as exc:
                raise self._refusal(exc, invalid_field) from exc
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    log.warning(
                        "workflow update failed", assignment_id=assignment_id, error=str(exc)
                    )
                    raise self._unavailable() from exc
                # The run ended: for good, or into its next term (continue-as-new) just now.
                if attempt + 1 == CHANGE_ATTEMPTS or not await self._running(handle):
                    raise Problem(409, "the assignment has ended", type=ASSIGNMENT_ENDED) from exc
            except (RPCTimeoutOrCancelledError, TimeoutError) as exc:
                log.warning("workflow update timed out", assignment_id=assignment_id, update=name)
                raise self._unavailable() from exc
        run_id = update_handle.workflow_run_id or row["workflow_run_id"]
        if not isinstance(state, AssignmentState):
            state = AssignmentState.model_validate(state)
        log.info("assignment changed", assignment_id=assignment_id, update=name)
        return self.public(state, run_id)

    @staticmethod
    async def _running(handle: Any) -> bool:
        """Whether the assignment's workflow has a running run (a new term's, after a change)."""
        try:
            description = await handle.describe()
        except RPCError:
            return False
        return bool(description.status == WorkflowExecutionStatus.RUNNING)

    @staticmethod
    def _refusal(exc: WorkflowUpdateFailedError, invalid_field: str | None) -> Problem:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type in _REFUSALS:
            status = _REFUSALS[cause.type]
            if status == 422 and invalid_field:
                return invalid(invalid_field, cause.message)
            return Problem(status, cause.message, type=CONFLICT if status == 409 else "about:blank")
        # Not a validator's refusal: the handler itself failed. Nothing of it is the client's.
        log.error("workflow update failed", error=repr(cause))
        return Problem(500, "the change could not be applied; it has been logged")

    @staticmethod
    def _unavailable() -> Problem:
        return Problem(
            503,
            "the lifecycle did not answer in time; repeat the request",
            type=UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
