"""/v1/assignments: create, list, read, and the contract changes and operators' actions."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response

from api import problems
from api.auth import actor_of
from api.deps import Admin, ContractChanger, IdempotencyKey, Lifecycle, Operator, Reader
from api.idempotency import IdempotentRoute
from api.lifecycle import Origin
from api.problems import Problem, invalid
from api.schemas import (
    ASSIGNMENT_ID_PATTERN,
    TASK_ID_PATTERN,
    AmendmentCreate,
    AssignmentCreate,
    AssignmentList,
    AssignmentPublic,
    CancellationCreate,
    ExtensionCreate,
    ImportBatch,
    ImportResult,
    ImportResults,
    IsoDate,
    RenewalDecisionCreate,
    TaskCompletion,
    TerminationCreate,
    TimelineItem,
)
from api.schemas.inputs import IMPORT_BATCH
from db import assignments
from workflows.types import MAX_TERM_DAYS, Phase

router = APIRouter(prefix="/v1/assignments", tags=["assignments"], route_class=IdempotentRoute)

AssignmentId = Annotated[
    str, Path(pattern=ASSIGNMENT_ID_PATTERN, description="The contracting system's id")
]
TaskId = Annotated[str, Path(pattern=TASK_ID_PATTERN)]
Filter = Annotated[str | None, Query(min_length=1, max_length=254, pattern=r"^[^\x00]+$")]

IMPORT_CONCURRENCY = 16  # items of one batch under way at once
_READ = problems.responses(401, 403, 404, 422, 429)
_RESERVED_DOMAIN = (
    "value is not a valid email address: The part after the @-sign is a special-use or reserved",
    "an address on a special-use domain (.test, .invalid, .localhost, ...) can never get mail",
)
_TERM_FROM_TODAY = (
    "a term runs at most",
    f"the new end date is at most {MAX_TERM_DAYS} days after today (`GET /v1/clock`)",
)
_CHANGE = problems.responses(401, 403, 404, 409, 413, 422, 429, 503)


@router.post(
    ":import",
    summary="Bring in assignments that already run",
    description=(
        f"At most {IMPORT_BATCH} items, each a create body with its optional `term` (default 1)"
        " and `policy` (default: its team's, else `standard`), in a body of at most 2 MiB."
        " Each item is judged on its own: `imported` (it starts at the phase its dates put it"
        " in, and nothing whose moment has passed is sent), `unchanged` (the same item"
        " again), or `refused` with the problem (another body under the same id, an invalid"
        " field, an assignment whose offboarding is over). The results are in the order of the"
        " items."
    ),
    responses=problems.responses(401, 403, 413, 422, 429),
)
async def import_assignments(
    body: ImportBatch, caller: ContractChanger, lifecycle: Lifecycle
) -> ImportResults:
    actor = actor_of(caller)
    gate = asyncio.Semaphore(IMPORT_CONCURRENCY)

    async def one(index: int, item: object) -> ImportResult:
        async with gate:
            return await lifecycle.import_one(item, actor, loc=("body", "items", index))

    results = await asyncio.gather(*(one(i, item) for i, item in enumerate(body.items)))
    return ImportResults.of(list(results))


@router.post(
    "",
    status_code=201,
    summary="Create an assignment and start its lifecycle",
    description=problems.beyond_schema(
        ("must not be before start_date", "`end_date` is compared with `start_date`"),
        ("a term runs at most", f"`end_date` is at most {MAX_TERM_DAYS} days after `start_date`"),
        ("not a valid RFC 5545 RRULE", "a team event's `rrule` is read by an RFC 5545 parser"),
        ("unknown policy", "`policy` names one of the deployment's (`LIFECYCLE_POLICIES`)"),
        _RESERVED_DOMAIN,
    ),
    responses={
        200: {"model": AssignmentPublic, "description": "Created before with the same body"},
        **problems.responses(401, 403, 409, 413, 422, 429, 503),
    },
)
async def create_assignment(
    body: AssignmentCreate,
    caller: ContractChanger,
    lifecycle: Lifecycle,
    response: Response,
    _idempotency_key: IdempotencyKey = None,
) -> AssignmentPublic:
    created, assignment = await lifecycle.create(body, actor_of(caller))
    if created:
        response.headers["Location"] = f"/v1/assignments/{assignment.assignment_id}"
    else:
        response.status_code = 200
    return assignment


@router.get(
    "", summary="List assignments, newest first", responses=problems.responses(401, 403, 422, 429)
)
async def list_assignments(
    _: Reader,
    lifecycle: Lifecycle,
    phase: Phase | None = None,
    team: Filter = None,
    manager_email: Filter = None,
    ending_before: Annotated[
        IsoDate | None, Query(description="End dates before this date")
    ] = None,
    q: Annotated[Filter, Query(description="Part of the freelancer's name or of the id")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=512,
            description="The `next_cursor` of a previous page, as it was given: any other value"
            ' is refused with 422 ("not a cursor from a previous page")',
        ),
    ] = None,
) -> AssignmentList:
    if cursor is not None:
        _check_cursor(cursor)
    try:
        items, next_cursor = await lifecycle.list_page(
            phase=phase.value if phase else None,
            team=team,
            manager_email=manager_email,
            ending_before=ending_before,
            q=q,
            limit=limit,
            cursor=cursor,
        )
    except ValueError as exc:
        raise invalid(
            "cursor", "not a cursor from a previous page", loc=["query", "cursor"]
        ) from exc
    return AssignmentList(items=items, next_cursor=next_cursor)


def _check_cursor(cursor: str) -> None:
    """422 for a cursor no page could have made."""
    try:
        assignments.decode_cursor(cursor)
    except ValueError:
        raise invalid(
            "cursor", "not a cursor from a previous page", loc=["query", "cursor"]
        ) from None


@router.get("/{assignment_id}", summary="One assignment", responses=_READ)
async def get_assignment(
    assignment_id: AssignmentId, _: Reader, lifecycle: Lifecycle
) -> AssignmentPublic:
    found = await lifecycle.load(assignment_id)
    if found is None:
        raise Problem(404, f"no assignment {assignment_id!r}")
    return found


@router.get(
    "/{assignment_id}/timeline",
    summary="What happened and what is scheduled, oldest first",
    responses=_READ,
)
async def get_timeline(
    assignment_id: AssignmentId, _: Reader, lifecycle: Lifecycle
) -> list[TimelineItem]:
    items = await lifecycle.timeline(assignment_id)
    if items is None:
        raise Problem(404, f"no assignment {assignment_id!r}")
    return items


@router.post(
    "/{assignment_id}/extensions",
    summary="The contract was extended",
    description=problems.beyond_schema(_TERM_FROM_TODAY),
    responses=_CHANGE,
)
async def extend(
    assignment_id: AssignmentId,
    body: ExtensionCreate,
    caller: ContractChanger,
    lifecycle: Lifecycle,
    _idempotency_key: IdempotencyKey = None,
) -> AssignmentPublic:
    return await lifecycle.extend(assignment_id, body, Origin(actor_of(caller)))


@router.post(
    "/{assignment_id}/termination",
    summary="End the assignment early",
    description=problems.beyond_schema(
        ("must be today", "`effective_date` is judged against today (`GET /v1/clock`)"),
        ("effective_date is after the end date", "an early end comes before the end date"),
    ),
    responses=_CHANGE,
)
async def terminate(
    assignment_id: AssignmentId,
    body: TerminationCreate,
    caller: ContractChanger,
    lifecycle: Lifecycle,
    _idempotency_key: IdempotencyKey = None,
) -> AssignmentPublic:
    return await lifecycle.terminate(assignment_id, body, Origin(actor_of(caller)))


@router.post(
    "/{assignment_id}/cancellation",
    summary="The assignment will not start",
    responses=_CHANGE,
)
async def cancel(
    assignment_id: AssignmentId,
    body: CancellationCreate,
    caller: ContractChanger,
    lifecycle: Lifecycle,
    _idempotency_key: IdempotencyKey = None,
) -> AssignmentPublic:
    return await lifecycle.cancel(assignment_id, body, Origin(actor_of(caller)))


@router.post(
    "/{assignment_id}/amendments",
    summary="A move within the client, the team's events, or a start that has not come",
    description=problems.beyond_schema(
        ("start_date must be today", "a start moves to the deployment's today or later"),
        ("start_date must not be after end_date", "`start_date` is compared with the end"),
        ("a term runs at most", f"the end is at most {MAX_TERM_DAYS} days after `start_date`"),
        ("not a valid RFC 5545 RRULE", "a team event's `rrule` is read by an RFC 5545 parser"),
        _RESERVED_DOMAIN,
    ),
    responses=_CHANGE,
)
async def amend(
    assignment_id: AssignmentId,
    body: AmendmentCreate,
    caller: ContractChanger,
    lifecycle: Lifecycle,
    _idempotency_key: IdempotencyKey = None,
) -> AssignmentPublic:
    return await lifecycle.amend(assignment_id, body, Origin(actor_of(caller)))


@router.post(
    "/{assignment_id}/renewal-decision",
    summary="Renew or end, while a renewal decision is pending",
    description=problems.beyond_schema(_TERM_FROM_TODAY),
    responses=_CHANGE,
)
async def decide_renewal(
    assignment_id: AssignmentId,
    body: RenewalDecisionCreate,
    caller: Operator,
    lifecycle: Lifecycle,
    _idempotency_key: IdempotencyKey = None,
) -> AssignmentPublic:
    return await lifecycle.decide_renewal(assignment_id, body, Origin(actor_of(caller)))


@router.post(
    "/{assignment_id}/tasks/{task_id}/completion",
    summary="Mark an onboarding or offboarding task done",
    responses=_CHANGE,
)
async def complete_task(
    assignment_id: AssignmentId,
    task_id: TaskId,
    caller: Operator,
    lifecycle: Lifecycle,
    body: Annotated[TaskCompletion | None, Body()] = None,
    _idempotency_key: IdempotencyKey = None,
) -> AssignmentPublic:
    return await lifecycle.complete_task(assignment_id, task_id, Origin(actor_of(caller)))


@router.post(
    "/{assignment_id}/access/retry",
    summary="Look at the IdP again now, for an access change that keeps failing",
    responses=_CHANGE,
)
async def retry_access(
    assignment_id: AssignmentId,
    caller: Operator,
    lifecycle: Lifecycle,
    _idempotency_key: IdempotencyKey = None,
) -> AssignmentPublic:
    return await lifecycle.retry_access(assignment_id, Origin(actor_of(caller)))


@router.post(
    "/{assignment_id}/access/closed-by-hand",
    summary="The account was closed by hand at the IdP: the engine stops trying",
    responses=_CHANGE,
)
async def closed_by_hand(
    assignment_id: AssignmentId,
    caller: Admin,
    lifecycle: Lifecycle,
    _idempotency_key: IdempotencyKey = None,
) -> AssignmentPublic:
    return await lifecycle.close_access_by_hand(assignment_id, Origin(actor_of(caller)))
