"""The HTTP API: `create_app()` wires settings, the pool, the Temporal client and the clock.

    uvicorn --factory api.main:create_app

The lifespan opens what the app needs (unless the caller hands it in, as the tests do), reads
the deployment clock's anchor, makes sure the bootstrap admin key exists, and runs a janitor that
forgets idempotency answers after 24 hours and received event ids after 30 days.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI
from temporalio.client import Client

from api import problems, ui
from api.auth import KeyStore
from api.lifecycle import Lifecycle
from api.metrics import Metrics
from api.middleware import MAX_BODY, RequestMiddleware
from api.policies import tell_at_start
from api.routes import (
    assignments,
    attention,
    audit,
    clock,
    codec,
    decide,
    events,
    feedback,
    health,
    me,
    policies,
    tasks,
)
from api.schemas import timezones
from core.logging import configure_logging
from core.settings import Settings, get_settings
from core.temporal import connect
from db import api_keys, idempotency
from db import events as received_events
from db.clock import deployment_clock
from db.pool import create_pool

log = structlog.get_logger("api")

JANITOR_EVERY = 3600.0  # seconds
BOOTSTRAP_KEY_NAME = "bootstrap-admin"


async def _janitor(pool: asyncpg.Pool) -> None:
    while True:
        try:
            purged = await idempotency.purge(pool)
            forgotten = await received_events.purge(pool)
            if purged or forgotten:
                log.info("purged", idempotency_keys=purged, received_events=forgotten)
        except Exception as exc:  # a missed round is harmless; the next one catches up
            log.warning("purge failed", error=str(exc))
        await asyncio.sleep(JANITOR_EVERY)


def create_app(
    settings: Settings | None = None,
    *,
    pool: asyncpg.Pool | None = None,
    temporal: Client | None = None,
) -> FastAPI:
    """The app. `pool` and `temporal` are opened by the lifespan unless given (then they are
    the caller's to close)."""
    settings = settings or get_settings()
    configure_logging(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            db = pool
            if db is None:
                if not settings.database_url:
                    raise RuntimeError("LIFECYCLE_DATABASE_URL is not set")
                db = await create_pool(settings.database_url)
                stack.push_async_callback(db.close)
            client = temporal or await connect(settings)
            the_clock = await deployment_clock(
                db, settings.clock_speed, settings.clock_start, datetime.now(UTC)
            )
            if not the_clock.is_wall_clock:
                log.warning("not the wall clock (tests and demos only)", clock=the_clock.describe())
            if settings.admin_key:
                await api_keys.ensure(db, BOOTSTRAP_KEY_NAME, "admin", settings.admin_key)
            app.state.pool = db
            app.state.temporal = client
            app.state.clock = the_clock
            app.state.keys = KeyStore(db)
            app.state.lifecycle = Lifecycle(db, client, settings, the_clock)
            janitor = asyncio.create_task(_janitor(db), name="api-janitor")
            # A changed policy reaches the running assignments that follow it (in the
            # background: the API answers meanwhile).
            told = asyncio.create_task(
                tell_at_start(db, client, settings.policy_book), name="api-policies"
            )
            try:
                log.info("api ready", task_queue=settings.task_queue, clock=the_clock.describe())
                yield
            finally:
                for task in (janitor, told):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    app = FastAPI(
        title="Assignment lifecycle engine",
        version="1",
        description="One Temporal workflow per freelance assignment, signature to offboarding.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.event_locks = events.KeyedLocks()
    problems.install(app)
    app.add_middleware(RequestMiddleware, metrics=app.state.metrics, max_body=MAX_BODY)
    for module in (
        assignments,
        attention,
        audit,
        policies,
        events,
        clock,
        health,
        feedback,
        decide,
        tasks,
        codec,
        me,
    ):
        app.include_router(module.router)
    ui.install(app)  # the operator UI: its pages and /static
    _document(app, settings)
    return app


def _document(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI document says what is really checked: problems as problem+json, the tool
    catalogue and the time zone names as enums."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = problems.openapi_as_problems(build())
        schemas = document.get("components", {}).get("schemas", {})
        for name in ("AssignmentCreate", "AmendmentCreate"):
            tools = schemas.get(name, {}).get("properties", {}).get("tools")
            if tools is None:
                continue
            for variant in [tools, *tools.get("anyOf", [])]:
                if variant.get("type") == "array":
                    variant["items"] = {**variant.get("items", {}), "enum": list(settings.tools)}
                    variant["uniqueItems"] = True
        timezone = schemas.get("AssignmentCreate", {}).get("properties", {}).get("timezone")
        if timezone is not None:
            timezone["enum"] = sorted(timezones())
        for parameter in (
            document["paths"].get("/v1/clock", {}).get("get", {}).get("parameters", [])
        ):
            if parameter["name"] == "timezone":
                parameter["schema"]["enum"] = sorted(timezones())
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
