"""A contract change sent to the assignment's workflow as an Update, and its answer: the state
after the change, or the refusal of the workflow's validator as a problem (409, 404 or 422), a
503 when the lifecycle does not answer in time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import structlog
from temporalio.client import (
    Client,
    RPCTimeoutOrCancelledError,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.problems import ASSIGNMENT_ENDED, CONFLICT, UNAVAILABLE, Problem, invalid
from workflows.types import (
    REFUSED_CONFLICT,
    REFUSED_INVALID,
    REFUSED_NOT_FOUND,
    AssignmentState,
    workflow_id_for,
)

log = structlog.get_logger("api")

UPDATE_TIMEOUT = timedelta(seconds=60)
# A change that meets the moment a run hands over to the next term is sent again to the new run.
CHANGE_ATTEMPTS = 3

_REFUSALS = {REFUSED_CONFLICT: 409, REFUSED_NOT_FOUND: 404, REFUSED_INVALID: 422}


async def send(
    temporal: Client,
    assignment_id: str,
    update: Any,
    input: Any,
    *,
    invalid_field: str | None = None,
    update_id: str | None = None,
) -> tuple[AssignmentState, str | None]:
    """Sends the Update and waits for it; the state after it and the run that applied it. A
    refusal of the validator names `invalid_field` when it is about that field."""
    handle = temporal.get_workflow_handle(workflow_id_for(assignment_id))
    name = getattr(update, "__name__", str(update))
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
            raise _refusal(exc, invalid_field) from exc
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                log.warning("workflow update failed", assignment_id=assignment_id, error=str(exc))
                raise _unavailable() from exc
            # The run ended: for good, or into its next term (continue-as-new) just now.
            if attempt + 1 == CHANGE_ATTEMPTS or not await _running(handle):
                raise Problem(409, "the assignment has ended", type=ASSIGNMENT_ENDED) from exc
        except (RPCTimeoutOrCancelledError, TimeoutError) as exc:
            log.warning("workflow update timed out", assignment_id=assignment_id, update=name)
            raise _unavailable() from exc
    if not isinstance(state, AssignmentState):
        state = AssignmentState.model_validate(state)
    log.info("assignment changed", assignment_id=assignment_id, update=name)
    return state, update_handle.workflow_run_id


async def _running(handle: Any) -> bool:
    """Whether the assignment's workflow has a running run (a new term's, after a change)."""
    try:
        description = await handle.describe()
    except RPCError:
        return False
    return bool(description.status == WorkflowExecutionStatus.RUNNING)


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


def _unavailable() -> Problem:
    return Problem(
        503,
        "the lifecycle did not answer in time; repeat the request",
        type=UNAVAILABLE,
        headers={"Retry-After": "5"},
    )
