"""The stored deployment clock: written once with its start, the same for every process after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from db.clock import ClockStartConflict, deployment_clock, get, get_or_create
from db.migrate import migrate

REAL = datetime(2026, 12, 2, 3, 20, tzinfo=UTC)  # the real instant of the first start
START = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
async def conn(fresh_database_url: str):  # type: ignore[no-untyped-def]
    await migrate(fresh_database_url)
    connection = await asyncpg.connect(fresh_database_url)
    try:
        yield connection
    finally:
        await connection.close()


async def test_the_first_start_stores_the_anchor_and_the_start(conn) -> None:  # type: ignore[no-untyped-def]
    assert await get(conn) is None
    stored = await get_or_create(conn, REAL, START)
    assert (stored.anchor, stored.start) == (REAL, START)

    # Later processes read the same clock, with the setting repeated or left unset.
    later = REAL + timedelta(hours=2)
    assert await get_or_create(conn, later, START) == stored
    assert await get_or_create(conn, later) == stored
    clock = await deployment_clock(conn, 1.0, None, later)
    assert clock.now(later) == START + timedelta(hours=2)


async def test_another_start_is_refused_it_would_move_every_assignment(conn) -> None:  # type: ignore[no-untyped-def]
    await get_or_create(conn, REAL, START)
    with pytest.raises(ClockStartConflict, match="would move every running assignment"):
        await get_or_create(conn, REAL, START + timedelta(days=1))
    assert (await get(conn)).start == START  # type: ignore[union-attr]


async def test_a_start_on_a_wall_clock_deployment_is_refused(conn) -> None:  # type: ignore[no-untyped-def]
    await get_or_create(conn, REAL)
    with pytest.raises(ClockStartConflict, match="its anchor's wall time"):
        await get_or_create(conn, REAL, START)
