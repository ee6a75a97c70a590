"""The Lifecycle service: the one owner of what can be done to an assignment. The REST routes,
the operator UI's forms and POST /v1/events are thin callers of it.

- create: PostgreSQL's record decides (insert the row with the request's hash, then start the
  workflow idempotently by id), so a repeat is recognised however long ago the workflow closed;
- read: live from the workflow's query, from the read model when the workflow is closed, gone
  (retention) or not answering;
- the contract changes (`extend`, `terminate`, `cancel`, `amend`, `decide_renewal`,
  `complete_task`): the checks a schema cannot make (the tool catalogue, a date against the
  deployment's today), then a workflow Update, whose validator's refusal becomes 409/404/422
  synchronously. An `Origin` says who sends the change and how its refusals are worded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import asyncpg
import structlog
from pydantic import ValidationError
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api import reconciliation, updates
from api.problems import (
    CONFLICT,
    UNAVAILABLE,
    Problem,
    from_validation_error,
    invalid,
    problem_detail,
)
from api.schemas import (
    AmendmentCreate,
    AssignmentCreate,
    AssignmentImport,
    AssignmentPublic,
    AttentionItem,
    CancellationCreate,
    ExtensionCreate,
    HoldPublic,
    ImportResult,
    RenewalDecisionCreate,
    TaskCompletion,
    TerminationCreate,
    TimelineItem,
    WorkflowRef,
)
from core.clock import Clock
from core.settings import Settings
from db import assignments, attention, audit, guard, reconcile, timeline
from workflows import signing
from workflows.assignment import AssignmentWorkflow
from workflows.types import (
    CLOSED_PHASES,
    AccessActionInput,
    Assignment,
    AssignmentState,
    AssignmentWorkflowInput,
    ClockSpec,
    DecideHoldInput,
    Imported,
    Policy,
    SubmitFeedbackInput,
    TimelineEntry,
    workflow_id_for,
)

log = structlog.get_logger("api")

DESCRIBE_TIMEOUT = timedelta(seconds=5)
START_TIMEOUT = timedelta(seconds=10)

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
    (key order, white space and omitted defaults make no difference; an import row of term 1
    is the create body it holds)."""
    data = body.identity()
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Origin:
    """Who sends a change, and how its refusals are answered."""

    actor: str
    # An unknown assignment: 404 on REST and in the UI; 409 for an event, so its sender retries.
    missing: int = 404
    # Where the invalid fields are: "" for a body or a form, "data." inside an event.
    field_prefix: str = ""
    # Makes a retried delivery apply once (Temporal deduplicates an Update id within a run).
    update_id: str | None = None

    def field(self, name: str) -> str:
        return f"{self.field_prefix}{name}"

    @property
    def loc(self) -> tuple[str, ...]:
        return (
            ("body", *self.field_prefix.rstrip(".").split(".")) if self.field_prefix else ("body",)
        )


# What an audit entry keeps of a change's input: the facts, never a person's free text.
AUDITED_FIELDS = ("decision", "new_end_date", "effective_date", "task_id", "release")


def _audited(input: Any) -> dict[str, Any]:
    values = input.model_dump(mode="json") if hasattr(input, "model_dump") else {}
    kept = {k: values[k] for k in AUDITED_FIELDS if values.get(k) is not None}
    changed = [k for k in ("role", "team", "manager", "tools", "start_date", "team_events")
               if values.get(k) is not None]  # fmt: skip
    return kept | ({"changed": changed} if changed else {})


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

    def _assignment_of(self, body: AssignmentCreate) -> Assignment:
        """The body's assignment, its tools from the catalogue and its policy chosen (the one it
        names, else its team's, else `standard`): 422 for an unknown tool or policy."""
        self.check_tools(body.tools)
        assignment = body.to_assignment()
        try:
            assignment.policy = self.settings.policy_book.choose(body.policy, body.team)
        except KeyError as exc:
            raise invalid("policy", str(exc.args[0])) from None
        return assignment

    async def create(self, body: AssignmentCreate, actor: str) -> tuple[bool, AssignmentPublic]:
        """Creates the assignment and starts its lifecycle: (True, it) the first time; (False,
        it) for a repeat of the same body; 409 for the same id with another body. An
        `AssignmentImport` is an assignment that already runs: it starts at the phase its dates
        put it in (422 when it is over already: nothing is left to run)."""
        assignment = self._assignment_of(body)
        digest = request_hash(body)
        state, entry, imported = self._first_state(body, assignment, self.clock.now())
        async with self.pool.acquire() as conn, conn.transaction():
            inserted = await assignments.insert_new(conn, assignment, digest, actor, state)
            if inserted:
                await timeline.append(conn, assignment.assignment_id, [entry])
                await audit.append(
                    conn,
                    self.clock.now(),
                    actor,
                    "import" if imported else "create",
                    assignment_id=assignment.assignment_id,
                    detail={"term": state.term, "end_date": assignment.end_date},
                )
        if inserted:
            run_id = await self._start(assignment.assignment_id, state, imported)
            log.info(
                "assignment imported" if imported else "assignment created",
                assignment_id=assignment.assignment_id,
            )
            return True, self.public(state, run_id)

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
            run_id = await self._start(assignment.assignment_id, state, imported)
        found = await self.load(assignment.assignment_id)
        assert found is not None
        if found.workflow.run_id is None and run_id:
            found.workflow = self.workflow_ref(assignment.assignment_id, run_id)
        return False, found

    def _first_state(
        self, body: AssignmentCreate, assignment: Assignment, now: datetime
    ) -> tuple[AssignmentState, TimelineEntry, Imported | None]:
        """The state and first entry the create writes: signed now, or imported (422 when it
        is over already: its offboarding is behind it, nothing is left to run)."""
        if not isinstance(body, AssignmentImport):
            state = signing.signed_state(assignment, self._policy_of(assignment), now)
            state.policy_version = self.settings.policy_book.version(assignment.policy)
            return state, signing.signed_entry(state, now), None
        imported = Imported(term=body.term, past_renewals=body.past_renewals)
        rules = self._policy_of(assignment)
        state, arrived = signing.imported_state(assignment, body.term, rules, now)
        state.policy_version = self.settings.policy_book.version(assignment.policy)
        if arrived.over:
            raise invalid(
                "end_date",
                f"the assignment ended on {assignment.end_date} and its offboarding is over:"
                " nothing is left to run",
            )
        return state, signing.imported_entry(state, now, body.past_renewals), imported

    def _policy_of(self, assignment: Assignment) -> Policy:
        return self.settings.policy_book[assignment.policy]

    async def _start(
        self, assignment_id: str, state: AssignmentState, imported: Imported | None = None
    ) -> str | None:
        try:
            handle = await self.temporal.start_workflow(
                AssignmentWorkflow.run,
                AssignmentWorkflowInput(
                    assignment=state.assignment,
                    clock=ClockSpec(
                        anchor=self.clock.anchor, speed=self.clock.speed, start=self.clock.start
                    ),
                    policy=self._policy_of(state.assignment),
                    policy_version=state.policy_version,
                    imported=imported,
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

    # ------------------------------------------------------------------------- import

    async def import_one(
        self, item: object, actor: str, *, loc: tuple[str | int, ...] = ("body",),
        dry_run: bool = False,
    ) -> ImportResult:  # fmt: skip
        """One row of an import, judged on its own: imported, unchanged (the same row again), or
        refused with the problem (never raised: one row never stops the others). A dry run
        writes nothing and tells what the row would do."""
        named = item.get("assignment_id") if isinstance(item, dict) else None
        assignment_id = named if isinstance(named, str) else None
        try:
            body = AssignmentImport.model_validate(item)
            if dry_run:
                return await self._preview(body)
            created, public = await self.create(body, actor)
        except ValidationError as exc:
            return ImportResult(
                assignment_id=assignment_id,
                result="refused",
                problem=problem_detail(from_validation_error(exc, prefix=loc)),
            )
        except Problem as problem:
            return ImportResult(
                assignment_id=assignment_id, result="refused", problem=problem_detail(problem)
            )
        return ImportResult(
            assignment_id=public.assignment_id,
            result="imported" if created else "unchanged",
            phase=public.phase,
            next_transition=public.next_transition,
        )

    async def _preview(self, body: AssignmentImport) -> ImportResult:
        """What `create` would answer, without writing anything."""
        assignment = self._assignment_of(body)
        row = await assignments.get(self.pool, assignment.assignment_id)
        if row is not None:
            if row["request_hash"] != request_hash(body):
                raise Problem(
                    409,
                    f"assignment {assignment.assignment_id!r} exists with another body",
                    type=CONFLICT,
                )
            return ImportResult(
                assignment_id=assignment.assignment_id, result="unchanged", phase=row["phase"]
            )
        state, _, _ = self._first_state(body, assignment, self.clock.now())
        return ImportResult(
            assignment_id=assignment.assignment_id,
            result="imported",
            phase=state.phase.value,
            next_transition=self.public(state, None).next_transition,
        )

    # --------------------------------------------------------------------------- read

    async def load(self, assignment_id: str) -> AssignmentPublic | None:
        """The assignment as the read model holds it (kept current by its workflow, and by each
        change as soon as it is answered): no read waits for the workflow."""
        row = await assignments.get(self.pool, assignment_id)
        if row is None:
            return None
        state = AssignmentState.model_validate(row["state"])
        run_id = row["workflow_run_id"] or await self._current_run_id(assignment_id)
        return self.public(state, run_id)

    async def _current_run_id(self, assignment_id: str) -> str | None:
        """The run id before the workflow has recorded it (just after the start)."""
        handle = self.temporal.get_workflow_handle(workflow_id_for(assignment_id))
        try:
            description = await handle.describe(rpc_timeout=DESCRIBE_TIMEOUT)
        except (RPCError, RPCTimeoutOrCancelledError):
            return None
        return description.run_id

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
        state = AssignmentState.model_validate(row["state"])
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

    # ------------------------------------------------------------------ the changes

    async def extend(
        self, assignment_id: str, body: ExtensionCreate, origin: Origin
    ) -> AssignmentPublic:
        update = body.to_input(origin.actor)
        return await self.change(
            assignment_id, AssignmentWorkflow.extend, update, origin, "new_end_date"
        )

    async def terminate(
        self, assignment_id: str, body: TerminationCreate, origin: Origin
    ) -> AssignmentPublic:
        await self._not_before_today(assignment_id, body.effective_date, "effective_date", origin)
        update = body.to_input(origin.actor)
        return await self.change(
            assignment_id, AssignmentWorkflow.terminate, update, origin, "effective_date"
        )

    async def cancel(
        self, assignment_id: str, body: CancellationCreate, origin: Origin
    ) -> AssignmentPublic:
        update = body.to_input(origin.actor)
        return await self.change(assignment_id, AssignmentWorkflow.cancel, update, origin)

    async def amend(
        self, assignment_id: str, body: AmendmentCreate, origin: Origin
    ) -> AssignmentPublic:
        self.check_tools(body.tools, loc=origin.loc)
        update = body.to_input(origin.actor)
        return await self.change(
            assignment_id, AssignmentWorkflow.amend, update, origin, invalid_field="start_date"
        )

    async def decide_renewal(
        self, assignment_id: str, body: RenewalDecisionCreate, origin: Origin
    ) -> AssignmentPublic:
        update = body.to_input(origin.actor)
        return await self.change(
            assignment_id, AssignmentWorkflow.decide_renewal, update, origin, "new_end_date"
        )

    async def complete_task(
        self, assignment_id: str, task_id: str, origin: Origin
    ) -> AssignmentPublic:
        update = TaskCompletion().to_input(task_id, origin.actor)
        return await self.change(assignment_id, AssignmentWorkflow.complete_task, update, origin)

    async def submit_feedback(
        self, assignment_id: str, rating: int | None, origin: Origin
    ) -> AssignmentPublic:
        """The freelancer's exit feedback is in (the form has stored it): the workflow may now
        complete the assignment."""
        update = SubmitFeedbackInput(rating=rating, actor=origin.actor)
        return await self.change(assignment_id, AssignmentWorkflow.submit_feedback, update, origin)

    # ------------------------------------------------------- what needs an admin

    async def attention(self, *, limit: int = 200) -> list[AttentionItem]:
        """Every effect that keeps failing (db.attention), timed in assignment time."""
        found = await attention.needing(
            self.pool,
            assignment_now=self.clock.now(),
            older_than=self.settings.attention_after,
            limit=limit,
        )
        return [
            AttentionItem(
                assignment_id=i.assignment_id,
                name=i.name,
                kind=i.kind,  # type: ignore[arg-type]  # db.attention.RANK's kinds
                since=self.clock.to_assignment_time(i.since) if i.real_time else i.since,
                detail=i.detail,
                hold_id=i.hold_id,
            )
            for i in found
        ]

    async def retry_access(self, assignment_id: str, origin: Origin) -> AssignmentPublic:
        update = AccessActionInput(actor=origin.actor)
        return await self.change(assignment_id, AssignmentWorkflow.retry_access, update, origin)

    async def close_access_by_hand(self, assignment_id: str, origin: Origin) -> AssignmentPublic:
        update = AccessActionInput(actor=origin.actor)
        return await self.change(
            assignment_id, AssignmentWorkflow.close_access_by_hand, update, origin
        )

    async def decide_hold(self, hold_id: str, release: bool, origin: Origin) -> HoldPublic:
        """Releases or rejects a revocation the guard holds: the workflow first (it decides),
        then the guard's own record."""
        hold = await guard.get(self.pool, hold_id)
        if hold is None:
            raise Problem(404, f"no hold {hold_id!r}")
        if hold["status"] != "held":
            raise Problem(409, f"the hold was {hold['status']} already", type=CONFLICT)
        update = DecideHoldInput(release=release, actor=origin.actor)
        await self.change(hold["assignment_id"], AssignmentWorkflow.decide_hold, update, origin)
        status: Literal["released", "rejected"] = "released" if release else "rejected"
        await guard.decide(self.pool, hold_id, status, origin.actor)
        return HoldPublic(hold_id=hold_id, assignment_id=hold["assignment_id"], status=status)

    async def reconcile_now(self) -> str:
        """The access reconciliation now going: the one already running, else a new one."""
        run_id, _ = await reconciliation.start_now(
            self.pool, self.temporal, self.settings.task_queue
        )
        return run_id

    async def latest_reconciliation(self) -> dict[str, Any] | None:
        return await reconcile.latest(self.pool)

    async def _not_before_today(
        self, assignment_id: str, day: date, field: str, origin: Origin
    ) -> None:
        """A date that must be today or later, in the assignment's timezone (422 otherwise)."""
        timezone = await self.timezone_of(assignment_id, missing=origin.missing)
        today = self.clock.today(timezone)
        if day < today:
            raise invalid(origin.field(field), f"must be today ({today}) or later")

    async def change(
        self,
        assignment_id: str,
        update: Any,
        input: Any,
        origin: Origin,
        invalid_field: str | None = None,
    ) -> AssignmentPublic:
        """Sends the Update and answers with the assignment as it is after it; a refusal of the
        workflow's validator names `invalid_field` when it is about that field."""
        missing, update_id = origin.missing, origin.update_id
        if invalid_field:
            invalid_field = origin.field(invalid_field)
        row = await self._row(assignment_id, missing=missing)
        state, run_id = await updates.send(
            self.temporal,
            assignment_id,
            update,
            input,
            invalid_field=invalid_field,
            update_id=update_id,
        )
        await self._write_through(state, run_id)
        await audit.append(
            self.pool,
            self.clock.now(),
            origin.actor,
            getattr(update, "__name__", "change"),
            assignment_id=assignment_id,
            detail=_audited(input),
            dedupe=f"{assignment_id}:{update_id}" if update_id else None,
        )
        return self.public(state, run_id or row["workflow_run_id"])

    async def _write_through(self, state: AssignmentState, run_id: str | None) -> None:
        """The change's answer into the read model at once (the workflow's own record of it
        follows, and writes the same): whoever reads next sees the change and its timeline."""
        entries, state.unrecorded = state.unrecorded, []
        if state.revision == 0:
            # A run begun before independent effects: it recorded the change before answering,
            # and its states carry no revision to tell a newer record from this answer.
            return
        async with self.pool.acquire() as conn, conn.transaction():
            await assignments.upsert_state(conn, state, run_id)
            await timeline.append(conn, state.assignment.assignment_id, entries)
