"""The list stays fast with many assignments: its first page is read from an index."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest

from db import assignments
from db.migrate import migrate
from db.pool import create_pool
from tests.db.databases import fresh_database

ROWS = 100_000
# Far above what an index read takes (a few ms), far below a sort of the whole table under load.
BUDGET_SECONDS = 0.25


@pytest.fixture(scope="module")
async def big_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with fresh_database(database_url) as url:
        await migrate(url)
        pool = await create_pool(url, max_size=2)
        try:
            await _fill(pool)
            yield pool
        finally:
            await pool.close()


async def _fill(pool: asyncpg.Pool) -> None:
    await pool.execute(
        """
        INSERT INTO assignment (
            assignment_id, phase, freelancer_name, freelancer_email, manager_name,
            manager_email, team, role, start_date, end_date, timezone, state, created_at)
        SELECT
            'BIG-' || lpad(i::text, 6, '0'),
            (ARRAY['scheduled', 'onboarding', 'active', 'renewal_review', 'offboarding',
                   'completed', 'cancelled'])[1 + i % 7],
            'Freelancer ' || md5(i::text),
            'f' || i || '@example.org',
            'Manager ' || (i % 500),
            'Manager' || (i % 500) || '@Client.example',
            'Team ' || (i % 50),
            'Consultant',
            date '2026-01-01' + (i % 365),
            date '2026-06-01' + (i % 730),
            'UTC',
            jsonb_build_object('assignment', jsonb_build_object('assignment_id', 'BIG-' || i)),
            timestamptz '2026-01-01' + i * interval '1 minute'
        FROM generate_series(1, $1) AS i
        """,
        ROWS,
    )
    await pool.execute("ANALYZE assignment")


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"phase": "active"},
        {"team": "Team 7"},
        {"manager_email": "manager42@client.example"},
        {"ending_before": date(2026, 7, 1)},
        {"q": "freelancer 00"},
        {"q": "BIG-0421"},
        {"phase": "completed", "team": "Team 3", "q": "ab"},
    ],
    ids=lambda f: ",".join(f) or "none",
)
async def test_first_and_next_page_at_100k_rows(
    big_pool: asyncpg.Pool, filters: dict[str, object]
) -> None:
    await assignments.list_page(big_pool, limit=50, **filters)  # type: ignore[arg-type]  # warm up

    started = time.perf_counter()
    items, cursor = await assignments.list_page(big_pool, limit=50, **filters)  # type: ignore[arg-type]
    first = time.perf_counter() - started
    started = time.perf_counter()
    if cursor is not None:
        await assignments.list_page(big_pool, limit=50, cursor=cursor, **filters)  # type: ignore[arg-type]
    second = time.perf_counter() - started

    assert items, filters
    created = [i["created_at"] for i in items]
    assert created == sorted(created, reverse=True)
    assert first < BUDGET_SECONDS, f"first page took {first:.3f} s"
    assert second < BUDGET_SECONDS, f"next page took {second:.3f} s"


async def test_the_unfiltered_first_page_reads_an_index(big_pool: asyncpg.Pool) -> None:
    rows = await big_pool.fetch(
        """
        EXPLAIN (FORMAT TEXT)
        SELECT assignment_id FROM assignment
        ORDER BY created_at DESC, assignment_id DESC LIMIT 51
        """
    )
    plan = "\n".join(r[0] for r in rows)
    assert "assignment_created_idx" in plan
