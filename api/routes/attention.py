"""What needs a person: GET /v1/attention, and the revocations the guard holds for an admin.

GET  /v1/attention                    viewer   every effect failing longer than
                                               LIFECYCLE_ATTENTION_AFTER, overdue first
POST /v1/guard/{hold_id}/release      admin    the held revocation goes ahead
POST /v1/guard/{hold_id}/reject       admin    the access is left as it is
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api import problems
from api.auth import actor_of
from api.deps import Admin, IdempotencyKey, Lifecycle, Reader
from api.idempotency import IdempotentRoute
from api.lifecycle import Origin
from api.problems import Problem
from api.schemas import AttentionItem, HoldPublic, ReconciliationPublic

router = APIRouter(prefix="/v1", tags=["attention"], route_class=IdempotentRoute)

HoldId = Annotated[
    str,
    Path(pattern=r"^hold-[A-Za-z0-9._-]{1,64}$", description="As GET /v1/attention gives it"),
]


@router.get(
    "/attention",
    summary="What needs a person, most urgent first",
    responses=problems.responses(401, 403, 429),
)
async def get_attention(_: Reader, lifecycle: Lifecycle) -> list[AttentionItem]:
    return await lifecycle.attention()


@router.post(
    "/guard/{hold_id}/release",
    summary="Release a revocation the guard holds: access is revoked",
    responses=problems.responses(401, 403, 404, 409, 422, 429, 503),
)
async def release(
    hold_id: HoldId, caller: Admin, lifecycle: Lifecycle, _idempotency_key: IdempotencyKey = None
) -> HoldPublic:
    return await lifecycle.decide_hold(hold_id, True, Origin(actor_of(caller)))


@router.post(
    "/guard/{hold_id}/reject",
    summary="Reject a revocation the guard holds: access is left as it is",
    responses=problems.responses(401, 403, 404, 409, 422, 429, 503),
)
async def reject(
    hold_id: HoldId, caller: Admin, lifecycle: Lifecycle, _idempotency_key: IdempotencyKey = None
) -> HoldPublic:
    return await lifecycle.decide_hold(hold_id, False, Origin(actor_of(caller)))


@router.post(
    "/reconciliations",
    status_code=202,
    summary="Check every account at the IdP now (the access reconciliation)",
    description="Starts the access reconciliation, or answers with the one already running:"
    " never two at once, however often this is sent.",
    responses=problems.responses(401, 403, 422, 429, 503),
)
async def reconcile_now(
    _: Admin, lifecycle: Lifecycle, _idempotency_key: IdempotencyKey = None
) -> ReconciliationPublic:
    run_id = await lifecycle.reconcile_now()
    return ReconciliationPublic(run_id=run_id, running=True)


@router.get(
    "/reconciliations/latest",
    summary="The last access reconciliation: its progress and figures",
    responses=problems.responses(401, 403, 404, 429),
)
async def latest_reconciliation(_: Reader, lifecycle: Lifecycle) -> ReconciliationPublic:
    found = await lifecycle.latest_reconciliation()
    if found is None:
        raise Problem(404, "no access reconciliation has run yet")
    return ReconciliationPublic(**found, running=found["finished_at"] is None)
