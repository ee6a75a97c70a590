"""The audit trail of people: GET /v1/audit (admin), who did what, newest first (db.audit).

Filters: `actor` (exactly, as the entries name it: `operator:An Claes`), `assignment_id`,
`since` (an RFC 3339 instant); `limit` (1 to 500) and `before` (an entry's id: the page after
the one that ended with it). The trail is append-only: nothing in the API changes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api import problems
from api.deps import Admin, Db
from api.problems import FieldError, Problem
from api.schemas import ASSIGNMENT_ID_PATTERN
from db import audit

router = APIRouter(prefix="/v1", tags=["audit"])


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    assignment_id: str | None = None
    detail: dict[str, Any]


def _instant(text: str | None) -> datetime | None:
    """`since` read strictly: an RFC 3339 instant with its offset, nothing else (no number)."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text) if "T" in text.upper() else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        reason = "must be an RFC 3339 instant with its offset (2027-03-10T09:00:00Z)"
        error = FieldError(field="since", loc=["query", "since"], message=reason)
        raise Problem(422, f"since {reason}", errors=[error])
    return moment


@router.get(
    "/audit",
    summary="Who did what, newest first",
    responses=problems.responses(401, 403, 422, 429),
)
async def get_audit(
    _: Admin,
    pool: Db,
    actor: Annotated[str | None, Query(max_length=300)] = None,
    assignment_id: Annotated[str | None, Query(pattern=ASSIGNMENT_ID_PATTERN)] = None,
    since: Annotated[
        str | None,
        Query(
            max_length=64,
            description="An RFC 3339 instant with its offset: entries at or after it",
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_LIMIT)] = 100,
) -> list[AuditEntry]:
    found = await audit.entries(
        pool,
        actor=actor,
        assignment_id=assignment_id,
        since=_instant(since),
        before=before,
        limit=limit,
    )
    return [AuditEntry(**entry) for entry in found]
