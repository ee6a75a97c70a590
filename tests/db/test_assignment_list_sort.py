"""The list sorted by start or end date: every row once, in order, page after page, read from
an index at 100,000 assignments (how fast is measured in bench/list_assignments.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import asyncpg
import pytest

from db import assignments
from db.fill import fill_assignments
from db.scratch import fresh_pool
from tests.db.test_assignment_list_scale import ROWS

ORDERS = [(s, o) for s in ("created", "start", "end") for o in ("asc", "desc")]


@pytest.fixture(scope="module")
async def sorted_pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with fresh_pool(database_url) as pool:
        await fill_assignments(pool, ROWS)
        yield pool


def _key(sort: str, item: dict[str, object]) -> tuple[object, str]:
    column = assignments.SORTS[sort]
    return item[column], str(item["assignment_id"])


@pytest.mark.parametrize(("sort", "order"), ORDERS)
async def test_pages_walk_every_row_once_in_order(
    sorted_pool: asyncpg.Pool, sort: str, order: str
) -> None:
    filters = {"team": "Team 7"}  # 2,000 rows, many sharing a date: ties must not be lost
    seen: list[dict[str, object]] = []
    cursor = None
    while True:
        items, cursor = await assignments.list_page(
            sorted_pool, limit=200, cursor=cursor, sort=sort, order=order, **filters
        )
        seen.extend(items)
        if cursor is None:
            break
    ids = [i["assignment_id"] for i in seen]
    assert len(ids) == len(set(ids)) == 2000
    keys = [_key(sort, i) for i in seen]
    assert keys == sorted(keys, reverse=order == "desc")


@pytest.mark.parametrize(("sort", "order"), [o for o in ORDERS if o[0] != "created"])
@pytest.mark.parametrize(
    "filters",
    [{}, {"phase": "active"}, {"team": "Team 7"}, {"ending_before": date(2026, 7, 1)}],
    ids=lambda f: ",".join(f) or "none",
)
async def test_deep_sorted_pages_follow_on_at_100k_rows(
    sorted_pool: asyncpg.Pool, sort: str, order: str, filters: dict[str, object]
) -> None:
    kwargs: dict[str, object] = {"limit": 50, "sort": sort, "order": order, **filters}
    seen: list[dict[str, object]] = []
    cursor = None
    for _ in range(20):  # deep into the list
        items, cursor = await assignments.list_page(sorted_pool, cursor=cursor, **kwargs)  # type: ignore[arg-type]
        seen.extend(items)
        assert cursor
    keys = [_key(sort, i) for i in seen]
    assert len(set(keys)) == len(keys) == 1000
    assert keys == sorted(keys, reverse=order == "desc")


@pytest.mark.parametrize("sort", ["start", "end"])
async def test_the_unfiltered_sorted_page_reads_an_index(
    sorted_pool: asyncpg.Pool, sort: str
) -> None:
    column = assignments.SORTS[sort]
    for direction in ("ASC", "DESC"):
        rows = await sorted_pool.fetch(
            f"""
            EXPLAIN (FORMAT TEXT)
            SELECT assignment_id FROM assignment
            ORDER BY {column} {direction}, assignment_id {direction} LIMIT 51
            """
        )
        plan = "\n".join(r[0] for r in rows)
        assert f"assignment_{sort}_sort_idx" in plan, plan


async def test_a_cursor_is_read_only_in_its_own_order(sorted_pool: asyncpg.Pool) -> None:
    _, by_end = await assignments.list_page(sorted_pool, limit=5, sort="end", order="asc")
    _, newest = await assignments.list_page(sorted_pool, limit=5)
    assert by_end and newest
    with pytest.raises(ValueError):
        await assignments.list_page(sorted_pool, cursor=by_end, sort="end", order="desc")
    with pytest.raises(ValueError):
        await assignments.list_page(sorted_pool, cursor=by_end)
    with pytest.raises(ValueError):
        await assignments.list_page(sorted_pool, cursor=newest, sort="start", order="asc")
    with pytest.raises(ValueError):
        await assignments.list_page(sorted_pool, sort="name")
