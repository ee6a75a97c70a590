"""The pre-flight checks: what every command verifies before it starts anything, so that an
expected failure is one line (a setting missing or invalid, a port taken, PostgreSQL or Temporal
out of reach, a deployment clock that would move)."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import re
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cli.errors import CliError, one_line

if TYPE_CHECKING:
    from temporalio.client import Client

    from core.clock import Clock
    from core.settings import Settings

CHECK_TIMEOUT = 10.0  # reaching PostgreSQL or Temporal before a command starts
DEV_RECORD = "dev.json"  # in LIFECYCLE_HOME while `dev` runs: how the other commands reach it


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


# ---------------------------------------------------------------------------------------------
# Settings


def load_settings(*, next_to_dev: bool = True) -> Settings:
    """The settings; with `next_to_dev`, a database URL and Temporal address left unset are taken
    from the record of a `lifecycle dev` running in LIFECYCLE_HOME."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from core.settings import Settings

    if "LIFECYCLE_POLICY" in os.environ:  # read once, before named policies: never lost quietly
        raise CliError(
            "LIFECYCLE_POLICY is no longer read: write its values as the [standard] table of a"
            " LIFECYCLE_POLICIES file (policies.example.toml has every key)"
        )
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


def dev_record_path(home: Path) -> Path:
    return home.expanduser() / DEV_RECORD


def _with_dev_stack(settings: Settings) -> Settings:
    """`settings` with what a running `lifecycle dev` recorded in its home filled in where unset."""
    if settings.database_url and settings.temporal_address:
        return settings
    path = dev_record_path(settings.home)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return settings
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {one_line(exc)}") from None
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
    # So are the keys that read and write its payloads.
    codec_keys = record.get("codec_keys")
    if "temporal_address" in found and not settings.codec_keys and isinstance(codec_keys, str):
        found["codec_keys"] = codec_keys
    return settings.model_copy(update=found)


def configure_logging(settings: Settings) -> None:
    from core.logging import configure_logging

    try:
        configure_logging(settings)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def require(settings: Settings, command: str, *names: str) -> None:
    """Refuses to go on while one of the settings `names` is unset."""
    missing = [f"LIFECYCLE_{name.upper()}" for name in names if not getattr(settings, name)]
    if missing:
        verb, pronoun = ("is", "it") if len(missing) == 1 else ("are", "them")
        raise CliError(
            f"{' and '.join(missing)} {verb} not set (`lifecycle {command}` needs {pronoun}):"
            f" set {pronoun}, or start `lifecycle dev` with LIFECYCLE_HOME={settings.home}"
            " and run this next to it"
        )


# ---------------------------------------------------------------------------------------------
# Ports


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


def check_port(host: str, port: int, hint: str) -> None:
    if _port_in_use(host, port):
        raise CliError(f"port {port} is already in use ({hint})")


def env_port(name: str, default: int) -> int:
    """The port number in the environment variable `name`, or `default` when it is unset."""
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


# ---------------------------------------------------------------------------------------------
# PostgreSQL, the deployment clock, Temporal


async def check_database(dsn: str) -> None:
    import asyncpg

    try:
        conn = await asyncpg.connect(dsn, timeout=CHECK_TIMEOUT)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise CliError(f"cannot reach PostgreSQL at {redact_dsn(dsn)}: {one_line(exc)}") from None
    except ValueError as exc:  # a malformed DSN
        raise CliError(f"invalid LIFECYCLE_DATABASE_URL: {one_line(exc)}") from None
    await conn.close()


async def check_clock(settings: Settings, dsn: str) -> Clock:
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


async def connect_temporal(settings: Settings, address: str | None = None) -> Client:
    """A client after checking that the frontend answers and the namespace exists."""
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
    from temporalio.service import RPCError, RPCStatusCode

    from core.temporal import TemporalUnavailable, connect

    target = address or settings.temporal_address
    try:
        client = await asyncio.wait_for(connect(settings, address=target), CHECK_TIMEOUT)
    except TemporalUnavailable as exc:
        raise CliError(one_line(exc)) from None
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
        raise CliError(f"cannot reach Temporal at {target}: {one_line(exc)}") from None
    return client


async def check_services(settings: Settings, dsn: str) -> None:
    """What `api` and `worker` need before they start: the database, its clock, Temporal."""
    await check_database(dsn)
    await check_clock(settings, dsn)
    await connect_temporal(settings)
