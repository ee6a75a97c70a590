"""`lifecycle dev`: what starts in which order, and the banner once it is all ready.

Ports and secrets first (so a taken port stops it before anything runs); then PostgreSQL (in a
thread) and the Temporal dev server side by side; the migrations and the deployment clock; then
the worker and the API (`python -m cli worker|api`), each waited for; then the demo, when asked.
The supervisor stops it all in the reverse order, PostgreSQL last."""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

import structlog

from cli.checks import (
    CHECK_TIMEOUT,
    check_clock,
    check_database,
    check_port,
    connect_temporal,
    redact_dsn,
)
from cli.dev.demo import DEMO_CLOCK_SPEED, DEMO_PLAN, Demo, demo_start
from cli.dev.postgres import EmbeddedPostgres
from cli.dev.secrets import bootstrap_secrets, remove_dev_record, write_dev_record
from cli.dev.supervisor import Command, Process, Supervisor, wait_ready
from cli.dev.temporal import DevTemporal, temporal_binary, wait_for_worker
from cli.errors import CliError, one_line

if TYPE_CHECKING:
    from temporalio.client import Client

    from core.clock import Clock
    from core.settings import Settings

log = structlog.get_logger("lifecycle.cli")


@dataclass
class DevStack:
    """Everything `lifecycle dev` starts, and its orderly stop."""

    settings: Settings
    demo: bool
    home: Path
    echo: IO[str] | None = field(default_factory=lambda: sys.stderr)
    temporal: DevTemporal = field(default_factory=DevTemporal)
    database_url: str = ""
    temporal_address: str = ""
    temporal_ui_url: str = ""
    credentials: dict[str, str] = field(default_factory=dict)
    clock_speed: float = 1.0
    clock: Clock | None = None
    supervisor: Supervisor = field(init=False)
    postgres: EmbeddedPostgres = field(init=False)
    _demo: Demo | None = None
    _temporal_client: Client | None = None
    _metrics_port: int | None = None

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(self.home / "logs", self.echo)
        self.postgres = EmbeddedPostgres(self.home)

    @property
    def worker_metrics_port(self) -> int:
        """The worker's metrics and health port: the setting's, else a free one (printed)."""
        if self._metrics_port is None:
            self._metrics_port = self.settings.worker_metrics_port or _free_loopback_port()
        return self._metrics_port

    @property
    def api_url(self) -> str:
        return _http_base(self.settings.http_host, self.settings.http_port)

    @property
    def _starts_temporal(self) -> bool:
        return not self.settings.temporal_address

    @property
    def _starts_postgres(self) -> bool:
        return not self.settings.database_url

    # -- the whole run ------------------------------------------------------------------------

    async def run(self) -> int:
        """Until Ctrl-C or SIGTERM (returns 0), or a failure (raised as one line); a second
        signal, even while PostgreSQL stops, kills the children at once."""
        with self.supervisor.stop_on(signal.SIGINT, signal.SIGTERM):
            try:
                await self.supervisor.run(self._start, before_stop=self._leave)
            finally:
                await self.postgres.stop()
                if self.supervisor.children or self.postgres.started:
                    log.info("dev.stopped")
        return 0

    async def _start(self) -> None:
        temporal_bin = self._check_before_starting()
        self.credentials = bootstrap_secrets(self.home, self.settings)
        demo_speed = self.demo and "clock_speed" not in self.settings.model_fields_set
        self.clock_speed = DEMO_CLOCK_SPEED if demo_speed else self.settings.clock_speed
        temporal = await self._start_services(temporal_bin)
        await self._connect(temporal)
        await self._prepare_database()
        await self._start_worker_and_api()
        if self.demo:
            admin_key = self.credentials["admin_key"]
            self._demo = Demo(self.api_url, admin_key, self.home, self.settings.tools)
            await self._demo.start()
        write_dev_record(self.home, self._record())
        self._print_banner()

    async def _leave(self) -> None:
        """Before the children stop: the other commands no longer find it, the demo ends."""
        remove_dev_record(self.home)
        if self._demo is not None:
            await self._demo.stop()

    # -- start --------------------------------------------------------------------------------

    def _check_before_starting(self) -> str:
        """Every port this run will listen on, checked before anything starts; the `temporal`
        binary when it starts Temporal ('' otherwise)."""
        s = self.settings
        self.home.mkdir(parents=True, exist_ok=True)
        self.temporal = DevTemporal.from_env()
        temporal_bin = temporal_binary() if self._starts_temporal else ""
        check_port(s.http_host, s.http_port, "set LIFECYCLE_HTTP_PORT")
        if self._starts_temporal:
            self.temporal.check_ports()
        return temporal_bin

    async def _start_services(self, temporal_bin: str) -> Process | None:
        """PostgreSQL (in its thread) and the Temporal dev server, those that are not set; the
        Temporal child when it was started."""
        if self._starts_postgres:
            self.postgres.start()
        if not self._starts_temporal:
            assert self.settings.temporal_address
            self.temporal_address = self.settings.temporal_address
            self.temporal_ui_url = self.settings.temporal_ui_url
            return None
        self.temporal_address = self.temporal.address
        self.temporal_ui_url = self.temporal.ui_url
        argv = self.temporal.argv(
            temporal_bin, self.home, self.settings.temporal_namespace, codec=f"{self.api_url}/codec"
        )
        log.info("dev.temporal_starting", address=self.temporal_address)
        [temporal] = await self.supervisor.start(Command("temporal", argv, dict(os.environ)))
        return temporal

    async def _connect(self, temporal: Process | None) -> None:
        """Waits for PostgreSQL and Temporal to answer."""
        if self.postgres.started:
            self.database_url = await self.postgres.url()
        else:
            assert self.settings.database_url
            self.database_url = self.settings.database_url
        await check_database(self.database_url)
        if temporal is not None:
            self._temporal_client = await self.temporal.wait_ready(temporal, self.settings)
        else:
            self._temporal_client = await connect_temporal(self.settings, self.temporal_address)

    async def _prepare_database(self) -> None:
        import asyncpg

        from db.migrate import migrate

        try:
            applied = await migrate(self.database_url)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise CliError(f"the migrations failed: {one_line(exc)}") from None
        # The admin key itself is stored by the API at its start (LIFECYCLE_ADMIN_KEY).
        log.info("dev.migrated", applied=applied or "nothing new")
        self.clock = await self._settle_clock()
        if not self.clock.is_wall_clock:
            log.warning("dev.not_the_wall_clock", clock=self.clock.describe())

    async def _settle_clock(self) -> Clock:
        """The deployment clock the children will read: LIFECYCLE_CLOCK_START when set; for a
        first demo start, a Monday morning (so mails go out in the first seconds); else the
        stored one."""
        import asyncpg

        from db.clock import get

        start = self.settings.clock_start
        if start is None and self.demo:
            conn = await asyncpg.connect(self.database_url, timeout=CHECK_TIMEOUT)
            try:
                if await get(conn) is None:
                    start = demo_start(datetime.now(UTC))
            finally:
                await conn.close()
        wanted = self.settings.model_copy(
            update={"clock_start": start, "clock_speed": self.clock_speed}
        )
        return await check_clock(wanted, self.database_url)

    async def _start_worker_and_api(self) -> None:
        env = self._child_env()
        worker, api = await self.supervisor.start(
            Command("worker", [sys.executable, "-m", "cli", "worker"], env),
            Command("api", [sys.executable, "-m", "cli", "api"], env),
        )
        await self._wait_for_api(api)
        assert self._temporal_client is not None
        await wait_for_worker(worker, self._temporal_client, self.settings)

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            LIFECYCLE_HOME=str(self.home),
            LIFECYCLE_DATABASE_URL=self.database_url,
            LIFECYCLE_TEMPORAL_ADDRESS=self.temporal_address,
            LIFECYCLE_TEMPORAL_UI_URL=self.temporal_ui_url,
            LIFECYCLE_ADMIN_KEY=self.credentials["admin_key"],
            LIFECYCLE_WEBHOOK_SECRET=self.credentials["webhook_secret"],
            LIFECYCLE_SECRET_KEY=self.credentials["secret_key"],
            LIFECYCLE_CODEC_KEYS=self.credentials["codec_keys"],
            LIFECYCLE_WORKER_METRICS_PORT=str(self.worker_metrics_port),
            LIFECYCLE_CLOCK_SPEED=f"{self.clock_speed:g}",
            PYTHONUNBUFFERED="1",
        )
        env.pop("LIFECYCLE_CLOCK_START", None)
        if self.clock is not None and self.clock.start is not None:
            env["LIFECYCLE_CLOCK_START"] = self.clock.start.isoformat()
        if "public_url" not in self.settings.model_fields_set:
            env["LIFECYCLE_PUBLIC_URL"] = self.api_url
        if (
            "log_format" not in self.settings.model_fields_set
            and self.echo is not None
            and self.echo.isatty()
        ):
            env["LIFECYCLE_LOG_FORMAT"] = "console"  # their lines are echoed to this terminal
        return env

    async def _wait_for_api(self, child: Process) -> None:
        import httpx

        async with httpx.AsyncClient(base_url=self.api_url, timeout=2.0) as http:

            async def ready() -> bool:
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await wait_ready(child, f"the API at {self.api_url}", ready)

    # -- ready --------------------------------------------------------------------------------

    def _record(self) -> dict[str, str]:
        return {
            "database_url": self.database_url,
            "temporal_address": self.temporal_address,
            "temporal_namespace": self.settings.temporal_namespace,
            "api_url": self.api_url,
            "codec_keys": self.credentials["codec_keys"],
        }

    def _print_banner(self) -> None:
        c = self.credentials
        namespace = self.settings.temporal_namespace
        postgres = (
            f"embedded, data in {self.postgres.pgdata}"
            if self.postgres.started
            else redact_dsn(self.database_url)
        )
        lines = [
            "",
            "lifecycle dev is ready",
            "",
            f"  API             {self.api_url}",
            f"  Operator UI     {self.api_url}/",
            f"  OpenAPI docs    {self.api_url}/docs",
            f"  Temporal UI     {self.temporal_ui_url}",
            f"  Worker metrics  http://127.0.0.1:{self.worker_metrics_port}/metrics",
            f"  Temporal        {self.temporal_address}, namespace {namespace}",
            f"  PostgreSQL      {postgres}",
            f"  Home            {self.home} (logs in {self.home / 'logs'})",
            "",
            f"  Admin key       {c['admin_key']}",
            f"  Webhook secret  {c['webhook_secret']}",
            f"  (kept in {self.home / 'secrets.json'}; LIFECYCLE_ADMIN_KEY and"
            " LIFECYCLE_WEBHOOK_SECRET override them)",
            "",
        ]
        if self.clock is not None and not self.clock.is_wall_clock:
            lines.insert(-1, f"  Clock           {_clock_words(self.clock)} (for tests and demos)")
        if self.demo:
            for plan in DEMO_PLAN:
                lines.append(f"  Demo            {plan['assignment_id']}: {plan['story']}")
            lines.append("")
        lines.append("Press Ctrl-C to stop.")
        print("\n".join(lines), flush=True)


def _clock_words(clock: Clock) -> str:
    """The banner's line for a clock other than the wall clock."""
    words = []
    if clock.start is not None:
        words.append(f"started at {clock.start.isoformat()}")
    if clock.speed != 1:
        words.append(f"x{clock.speed:g} (a day every {86400 / clock.speed:g} s)")
    return ", ".join(words)


def _http_base(host: str, port: int) -> str:
    """Where a client on this machine reaches a server bound to `host:port`."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _free_loopback_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
