"""What the read models of the operator pages (db/today.py, db/engagement.py) share: their
queries run side by side, and the count of all rows a page query carries next to its first rows
(`count(*) OVER () AS total`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from db.pool import Executor


async def side_by_side(pool: Executor, *queries: Callable[[Executor], Awaitable[Any]]) -> list[Any]:
    """The answers of the queries, side by side on a pool's connections (a page waits for the
    slowest, not for the sum), one after the other on a single connection."""
    if isinstance(pool, asyncpg.Pool):
        return list(await asyncio.gather(*(query(pool) for query in queries)))
    return [await query(pool) for query in queries]


def total(rows: list[Any]) -> int:
    """The `total` column of a page's rows: how many there are in all, shown or not."""
    return int(rows[0]["total"]) if rows else 0
