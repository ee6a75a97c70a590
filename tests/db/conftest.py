"""Fixtures of the database tests: databases of their own on the session's PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from db import scratch
from db.fill import fill_lifecycle
from tests.db.rows import BIG_TODAY, ROWS


@pytest.fixture
async def fresh_database_url(database_url: str) -> AsyncIterator[str]:
    """A fresh, empty database on the session's PostgreSQL, dropped after the test."""
    async with scratch.fresh_database(database_url) as url:
        yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a fresh, migrated database of the test's own, for tests that count every row."""
    async with scratch.fresh_pool(database_url) as pool:
        yield pool


@pytest.fixture(scope="package")
async def big(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """ROWS assignments over three years before BIG_TODAY, each in the phase its dates give it,
    with four tools each, a timeline of a dozen entries, and exit feedback from most leavers;
    filled once for the database tests, which only read it."""
    async with scratch.fresh_pool(database_url, max_size=4) as pool:
        await fill_lifecycle(pool, BIG_TODAY, ROWS)
        yield pool
