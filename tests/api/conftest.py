"""API tests: the app in-process (httpx over ASGI), a real PostgreSQL, a real Temporal dev server
(the `temporal` binary) and a real worker.

The deployment has a database of its own, so its clock starts at the tests' instant
(`tests.clock.clock_start()`), and the test data is dated from that clock's today.

The worker runs in a thread with its own event loop, pool and client: it keeps working while a
synchronous test (schemathesis) holds the main thread.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks.webhooks import Webhook
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from core.settings import Settings
from db import api_keys
from db.pool import create_pool
from db.scratch import fresh_database
from tests import factories

# The OpenID provider and the API process that signs people in through it (tests/api/oidc.py).
from tests.api.oidc import browser, oidc_app, provider  # noqa: F401
from tests.clock import DEPLOYMENT, clock_start
from tests.conftest import temporal_cli

TOOLS = ["chat", "wiki", "email", "calendar", "payroll-suite"]
ROLES = ("viewer", "contracting", "operator", "admin")
EMPTY_NAMESPACE = "retention-gone"


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
        # An empty namespace: where a workflow that retention removed is "found" (not at all).
        dev_server_extra_args=["--namespace", EMPTY_NAMESPACE],
    ) as env:
        yield env


@pytest.fixture(scope="session")
def temporal_address(temporal_env: WorkflowEnvironment) -> str:
    return temporal_env.client.service_client.config.target_host


@pytest.fixture(scope="session")
async def database_url(database_url: str) -> AsyncIterator[str]:
    """A database of the API tests' own on the session's server: a deployment of its own."""
    async with fresh_database(database_url) as url:
        yield url


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[Any]:
    from db.migrate import migrate

    await migrate(database_url)
    p = await create_pool(database_url, min_size=1, max_size=8)
    try:
        yield p
    finally:
        await p.close()


@pytest.fixture(scope="session")
def settings(database_url: str, temporal_address: str) -> Settings:
    return Settings(
        database_url=database_url,
        temporal_address=temporal_address,
        task_queue=f"api-tests-{uuid.uuid4().hex[:8]}",
        admin_key="lc_test-admin-" + secrets.token_urlsafe(16),
        webhook_secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        secret_key="test-secret",
        tools=TOOLS,
        clock_speed=1.0,
        clock_start=clock_start(),
        log_format="json",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
def worker(settings: Settings, pool: Any) -> Iterator[None]:
    """A real worker on the tests' task queue, in its own thread and event loop."""
    from worker import build_worker

    ready = threading.Event()
    failure: list[BaseException] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def run() -> None:
        worker_pool = await create_pool(settings.database_url or "", min_size=1, max_size=5)
        try:
            client = await Client.connect(
                settings.temporal_address or "", data_converter=pydantic_data_converter
            )
            async with build_worker(client, worker_pool, settings):
                ready.set()
                await stop.wait()
        finally:
            await worker_pool.close()

    def main() -> None:
        try:
            loop.run_until_complete(run())
        except BaseException as exc:  # reported to the fixture
            failure.append(exc)
            ready.set()

    thread = threading.Thread(target=main, name="api-tests-worker", daemon=True)
    thread.start()
    assert ready.wait(60), "the worker did not start"
    if failure:
        raise failure[0]
    yield
    loop.call_soon_threadsafe(stop.set)
    thread.join(30)
    if not thread.is_alive():
        loop.close()


@pytest.fixture(scope="session")
async def app(
    settings: Settings, pool: Any, temporal_env: WorkflowEnvironment, worker: None
) -> AsyncIterator[FastAPI]:
    application = create_app(settings, pool=pool, temporal=temporal_env.client)
    async with application.router.lifespan_context(application):
        DEPLOYMENT.use(application.state.clock)
        yield application


@pytest.fixture(scope="session")
async def keys(pool: Any, settings: Settings, app: FastAPI) -> dict[str, str]:
    made = {role: await api_keys.create(pool, f"test-{role}", role) for role in ROLES}
    made["bootstrap"] = settings.admin_key or ""
    return made


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def auth(keys: dict[str, str]) -> Callable[[str], dict[str, str]]:
    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[role]}"}

    return headers


def create_body(assignment_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid create body (tests/factories.py), in Dutch, starting 60 days after the
    deployment's today and lasting 180 days."""
    start = DEPLOYMENT.today() + timedelta(days=60)
    overrides.setdefault("language", "nl")
    return factories.create_body(assignment_id, start, start + timedelta(days=180), **overrides)


def iso(day: date) -> str:
    return day.isoformat()


class Signer:
    """Signs CloudEvents as a contracting system would (Standard Webhooks)."""

    def __init__(self, secret: str) -> None:
        self.webhook = Webhook(secret)

    def event(
        self, type_: str, data: dict[str, Any], *, event_id: str | None = None
    ) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "id": event_id or f"evt-{uuid.uuid4().hex}",
            "source": "/contracting/tests",
            "type": type_,
            "datacontenttype": "application/json",
            "data": data,
        }

    def sign(
        self, body: bytes, *, msg_id: str | None = None, at: datetime | None = None
    ) -> dict[str, str]:
        msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
        at = at or datetime.now(UTC)  # wall clock ok: signatures are judged on real time
        signature = self.webhook.sign(msg_id, at, body.decode())
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature,
            "content-type": "application/json",
        }

    def signed(self, event: dict[str, Any], **kwargs: Any) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(event).encode()
        return body, self.sign(body, **kwargs)


@pytest.fixture
def signer(settings: Settings) -> Signer:
    assert settings.webhook_secret
    return Signer(settings.webhook_secret)


async def eventually(check: Callable[[], Any], within: float = 15.0) -> Any:
    """Polls an async `check` until it returns a truthy value."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.2)
