"""The list stays fast with many assignments: its first page is read from an index."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest

from db import assignments
from db.fill import fill_assignments
from db.scratch import fresh_pool

ROWS = 100_000


@pytest.fixture(scope="module")
async def big_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with fresh_pool(database_url) as pool:
        await fill_assignments(pool, ROWS)
        yield pool


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
    # How fast these are is measured in bench/list_assignments.py, not asserted here.
    items, cursor = await assignments.list_page(big_pool, limit=50, **filters)  # type: ignore[arg-type]
    assert items, filters
    created = [i["created_at"] for i in items]
    assert created == sorted(created, reverse=True)
    if cursor is not None:
        more, _ = await assignments.list_page(big_pool, limit=50, cursor=cursor, **filters)  # type: ignore[arg-type]
        assert not {i["assignment_id"] for i in more} & {i["assignment_id"] for i in items}
        assert all(m["created_at"] <= created[-1] for m in more)


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
