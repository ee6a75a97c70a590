"""Fixtures of the database tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from db.scratch import fresh_database


@pytest.fixture
async def fresh_database_url(database_url: str) -> AsyncIterator[str]:
    """A fresh, empty database on the session's PostgreSQL, dropped after the test."""
    async with fresh_database(database_url) as url:
        yield url
