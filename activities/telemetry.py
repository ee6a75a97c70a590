"""The worker's own endpoint (`LIFECYCLE_WORKER_METRICS_PORT`): Prometheus metrics and health.

    GET /metrics   Temporal's SDK metrics (its Runtime's telemetry: task latencies, slots, the
                   sticky cache…), the engine's (activities/metrics.py: mails, access changes)
                   and, read at each scrape, the assignments by phase
    GET /health    200 while the worker polls and PostgreSQL answers; 503 otherwise

The SDK serves its metrics on a loopback port of its own, which this endpoint reads and serves
with the rest, so one scrape sees everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import structlog
import uvicorn
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

log = structlog.get_logger("worker")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prometheus_runtime() -> tuple[Runtime, int]:
    """A Temporal Runtime whose SDK metrics are served on a free loopback port (and that port)."""
    port = free_port()
    telemetry = TelemetryConfig(metrics=PrometheusConfig(bind_address=f"127.0.0.1:{port}"))
    return Runtime(telemetry=telemetry), port


def _phases(rows: list[Any]) -> str:
    lines = [
        "# HELP lifecycle_assignments Assignments by phase (read at each scrape)",
        "# TYPE lifecycle_assignments gauge",
    ]
    lines += [f'lifecycle_assignments{{phase="{r["phase"]}"}} {r["count"]}' for r in rows]
    return "\n".join(lines) + "\n"


def app(pool: Any, sdk_port: int, running: asyncio.Event) -> Starlette:
    async def metrics(request: Request) -> Response:
        try:
            async with httpx.AsyncClient(timeout=5) as http:
                sdk = (await http.get(f"http://127.0.0.1:{sdk_port}/metrics")).text
        except httpx.HTTPError:
            sdk = "# the SDK's metrics could not be read\n"
        rows = await pool.fetch("SELECT phase, count(*) AS count FROM assignment GROUP BY phase")
        body = sdk.rstrip("\n") + "\n" + generate_latest(REGISTRY).decode() + _phases(rows)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def health(request: Request) -> Response:
        try:
            await pool.fetchval("SELECT 1")
            database = "ok"
        except Exception:  # any failure to answer is "down", whatever raised it
            database = "down"
        ok = running.is_set() and database == "ok"
        body = {"status": "ok" if ok else "down", "polling": running.is_set(), "database": database}
        return JSONResponse(body, status_code=200 if ok else 503)

    return Starlette(routes=[Route("/metrics", metrics), Route("/health", health)])


@contextlib.asynccontextmanager
async def serving(
    pool: Any, port: int, sdk_port: int, running: asyncio.Event, host: str = "0.0.0.0"
) -> AsyncIterator[str]:
    """Serves the endpoint on `port` while the block runs; yields its URL."""
    config = uvicorn.Config(
        app(pool, sdk_port, running), host=host, port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(), name="worker-metrics")
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it (a port in use)
        await asyncio.sleep(0.05)
    log.info("worker metrics served", port=port)
    try:
        yield f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
    finally:
        server.should_exit = True
        await task
