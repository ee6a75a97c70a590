"""Liveness, readiness and metrics: no key needed (for orchestrators and Prometheus)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import Response

from api import problems
from api.deps import Db, Temporal
from api.metrics import CONTENT_TYPE, Metrics
from api.problems import UNAVAILABLE, Problem
from api.schemas import Health
from db import attention

log = structlog.get_logger("api")

router = APIRouter(tags=["health"])

CHECK_TIMEOUT = 3.0


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="Readiness: PostgreSQL and Temporal are reachable",
    responses=problems.responses(503),
)
async def readyz(pool: Db, temporal: Temporal) -> Health:
    failed: list[str] = []
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await pool.fetchval("SELECT 1")
    except Exception as exc:
        log.warning("database not ready", error=str(exc))
        failed.append("database")
    try:
        healthy = await temporal.service_client.check_health(
            timeout=timedelta(seconds=CHECK_TIMEOUT)
        )
        if not healthy:
            failed.append("temporal")
    except Exception as exc:
        log.warning("temporal not ready", error=str(exc))
        failed.append("temporal")
    if failed:
        raise Problem(503, f"not ready: {', '.join(failed)} unreachable", type=UNAVAILABLE)
    return Health(status="ok", checks={"database": "ok", "temporal": "ok"})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    try:
        registry.effects.counts = await attention.failure_counts(request.app.state.pool)
    except Exception as exc:  # the request metrics are still worth serving
        log.warning("effect metrics not read", error=str(exc))
    return Response(registry.render(), media_type=CONTENT_TYPE)
