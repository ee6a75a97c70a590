"""The asyncpg pool: one per process, with json and jsonb read and written as Python values."""

from __future__ import annotations

import json

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# What a repository function accepts: a connection (in a caller's transaction) or the pool itself
# (for a single read or an autocommitted write).
Connection = asyncpg.Connection | PoolConnectionProxy
Executor = asyncpg.Connection | PoolConnectionProxy | asyncpg.Pool


async def init_connection(conn: asyncpg.Connection) -> None:
    """Registers the json codecs, so a jsonb column takes and gives dicts and lists."""
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Opens the process's pool on `dsn` (a `postgresql://` URL, unix-socket hosts included)."""
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=init_connection
    )
    assert pool is not None  # create_pool only returns None when not awaited
    return pool
