"""The named policies the engine follows (LIFECYCLE_POLICIES, core.policies).

GET /v1/policies    viewer    every policy with its version and values, the teams' choices, and
                              how many running assignments were last told of each version
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from api import problems
from api.deps import Reader
from api.schemas import PoliciesPublic, PolicyPublic
from db import policies as told

router = APIRouter(prefix="/v1", tags=["policies"])


@router.get(
    "/policies",
    summary="The named policies, their versions, and which team follows which",
    responses=problems.responses(401, 403, 429),
)
async def get_policies(_: Reader, request: Request) -> PoliciesPublic:
    book = request.app.state.settings.policy_book
    known = await told.all_told(request.app.state.pool)
    return PoliciesPublic(
        policies=[
            PolicyPublic(
                name=name,
                version=book.version(name),
                values=book[name].model_dump(mode="json"),
                told=_told(known.get(name), book.version(name)),
            )
            for name in book.names
        ],
        teams=dict(book.teams),
    )


def _told(row: dict | None, version: str) -> int | None:
    return int(row["told"]) if row is not None and row["version"] == version else None
