"""GET /v1/clock: the deployment's clock, against which dates sent to the API are judged."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from api import problems
from api.deps import AppClock, Reader
from api.problems import invalid
from api.schemas import ClockOut, timezones

router = APIRouter(prefix="/v1", tags=["clock"])


@router.get(
    "/clock", summary="The deployment's clock", responses=problems.responses(401, 403, 422, 429)
)
async def get_clock(
    _: Reader,
    clock: AppClock,
    timezone: Annotated[
        str, Query(min_length=1, max_length=64, description="An IANA name for `today`")
    ] = "UTC",
) -> ClockOut:
    if timezone not in timezones():
        raise invalid("timezone", "not an IANA time zone name", loc=["query", "timezone"])
    now = clock.now()
    today = now.astimezone(ZoneInfo(timezone)).date()
    return ClockOut(
        now=now,
        today=today,
        speed=clock.speed,
        timezone=timezone,
        start=clock.start,
        anchor=clock.anchor,
    )
