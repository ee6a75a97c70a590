"""The engine with every effect at a real peer that a test can take down: a real Temporal dev
server, a database of its own, a real worker and the API in this event loop, mail to an aiosmtpd
server (`smtp.refuse_rcpt` makes it answer 451), access to scim2-server behind a FaultProxy
(`scim.faults.unavailable = 1.0` makes it answer 503), events to a signed-event receiver.

The deployment clock starts at the tests' instant and runs a day every 10 seconds, so an end date
is reached within seconds; every date comes from `stack.today()`. What the tests measure (access
closed late, update latency) is written to test-artifacts/effects-figures.json for the notes.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.scim import ScimProvisioner
from api.main import create_app
from core.clock import Clock
from core.settings import Settings
from db import api_keys
from db.migrate import migrate
from db.pool import create_pool
from db.scratch import fresh_database
from tests.activities.scim_peer import Directory, FaultProxy, ScimServer
from tests.clock import TIMEZONE, clock_start
from tests.conftest import temporal_cli
from tests.factories import create_body
from tests.peers.notify_receiver import Delivery, receiver_running
from tests.peers.smtp import Sink, smtp_server
from worker import build_worker

T = TypeVar("T")
SPEED = 8640  # a day of assignment time every 10 s
TOOLS = ["chat", "wiki", "payroll-suite"]
ADMIN_EMAIL = "it-admin@client.example"
HR_EMAIL = "hr@client.example"
FIGURES = Path(__file__).resolve().parents[2] / "test-artifacts" / "effects-figures.json"
# The team whose checklist follows up closely (tests/effects/test_checklists.py): a task late
# the day after its due day, HR told the day after that, on any day of the week.
CLOSE_TEAM = "Checklists"
POLICIES = f"""
[close-follow-up]
weekdays_only = false
task_reminder_after_days = 1
task_escalation_after_days = 2

[[close-follow-up.onboarding_tasks]]
id = "prepare-access"

[[close-follow-up.onboarding_tasks]]
id = "team-rituals"
owner = "buddy"

[[close-follow-up.onboarding_tasks]]
id = "introductions"

[teams]
"{CLOSE_TEAM}" = "close-follow-up"
"""


@dataclass
class Stack:
    api: httpx.AsyncClient  # with the admin key
    clock: Clock
    smtp: Sink
    scim: FaultProxy
    directory: Directory
    deliveries: list[Delivery]
    pool: Any
    settings: Settings
    figures: dict[str, Any] = field(default_factory=dict)

    def today(self) -> date:
        return self.clock.today(TIMEZONE)

    def now(self) -> datetime:
        return self.clock.now()

    async def create(self, prefix: str, *, start: int, end: int, **overrides: Any) -> str:
        """An assignment of a freelancer of their own (SCIM keeps one account per address),
        dated in days from today."""
        assignment_id = f"{prefix}-{uuid.uuid4().hex[:8].upper()}"
        who = assignment_id.lower().replace(".", "-")
        body = create_body(
            assignment_id,
            self.today() + timedelta(days=start),
            self.today() + timedelta(days=end),
            freelancer={"name": f"Free Lancer {who}", "email": f"{who}@example.org"},
            tools=TOOLS,
            **{"team_events": [], **overrides},
        )
        answer = await self.api.post("/v1/assignments", json=body)
        assert answer.status_code == 201, answer.text
        return assignment_id

    async def assignment(self, assignment_id: str) -> dict[str, Any]:
        answer = await self.api.get(f"/v1/assignments/{assignment_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def scim_user(self, assignment_id: str) -> tuple[bool | None, set[str]]:
        """(active, group names) of the assignment's account at the IdP; (None, ∅) if none."""
        users = await self.directory.users(assignment_id)
        if not users:
            return None, set()
        return users[0].get("active"), await self.directory.groups_of(users[0]["id"])

    def mails(self, kind: str, assignment_id: str) -> list[Any]:
        return [
            r
            for r in self.smtp.received
            if r.message["Message-ID"].startswith(f"<{kind}.")
            and assignment_id.replace(".", "=2E") in r.message["Message-ID"]
        ]

    def note(self, name: str, value: Any) -> None:
        """A figure for the closing note (kept in test-artifacts/, git-ignored)."""
        self.figures[name] = value
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        known = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
        known[name] = value
        FIGURES.write_text(json.dumps(known, indent=2, default=str) + "\n")


async def eventually(
    probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], what: str, within: float = 60
) -> T:
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if check(last):
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"never saw {what} within {within} s; last: {last!r}")


@pytest.fixture(scope="package")
async def stack(database_url: str) -> AsyncIterator[Stack]:
    scim_server = ScimServer("effects-token")
    scim_server.start()
    sink, deliveries = Sink(), list[Delivery]()
    notify_secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    try:
        async with (
            await WorkflowEnvironment.start_local(
                dev_server_existing_path=temporal_cli(),
                data_converter=pydantic_data_converter,
                dev_server_log_level="error",
            ) as env,
            fresh_database(database_url) as url,
        ):
            with (
                smtp_server(sink) as smtp_url,
                receiver_running(notify_secret, deliveries) as notify_url,
            ):
                await migrate(url)
                proxy = FaultProxy(scim_server.url("effects"))
                await proxy.start()
                try:
                    async for running in _running(
                        env, url, smtp_url, notify_url, notify_secret, proxy, sink, deliveries
                    ):
                        yield running
                finally:
                    await proxy.stop()
    finally:
        scim_server.stop()


async def _running(  # type: ignore[no-untyped-def]
    env, url, smtp_url, notify_url, notify_secret, proxy, sink, deliveries
) -> AsyncIterator[Stack]:
    policies = Path(tempfile.mkdtemp(prefix="effects-")) / "policies.toml"
    policies.write_text(POLICIES)
    settings = Settings(
        policies=policies,
        database_url=url,
        temporal_address=env.client.service_client.config.target_host,
        task_queue=f"effects-{uuid.uuid4().hex[:8]}",
        admin_key="lc_effects-admin-" + secrets.token_urlsafe(16),
        webhook_secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        secret_key="effects-secret",
        tools=TOOLS,
        clock_speed=SPEED,
        clock_start=clock_start(),
        smtp_url=smtp_url,
        scim_url=proxy.url,
        scim_token="effects-token",
        notify_url=notify_url,
        notify_secret=notify_secret,
        hr_email=HR_EMAIL,
        admin_email=[ADMIN_EMAIL],
        revoke_guard=25,
        attention_after=timedelta(seconds=5),
        reconcile_settled=timedelta(seconds=1),
        log_format="json",
        log_level="WARNING",
        _env_file=None,  # type: ignore[call-arg]
    )
    pool = await create_pool(url, min_size=1, max_size=10)
    provisioner = ScimProvisioner(proxy.url, "effects-token", TOOLS)
    directory = Directory(proxy.upstream, "effects-token")
    app = create_app(settings, pool=pool, temporal=env.client)
    try:
        async with (
            build_worker(env.client, pool, settings, provisioner=provisioner),
            app.router.lifespan_context(app),
        ):
            admin = await api_keys.create(pool, "effects-admin", "admin")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport,
                base_url="http://testserver",
                headers={"Authorization": f"Bearer {admin}"},
                timeout=30,
            ) as http:
                yield Stack(
                    api=http,
                    clock=app.state.clock,
                    smtp=sink,
                    scim=proxy,
                    directory=directory,
                    deliveries=deliveries,
                    pool=pool,
                    settings=settings,
                )
    finally:
        await directory.aclose()
        await provisioner.aclose()
        await pool.close()
