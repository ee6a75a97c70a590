"""Applies `db/migrations/NNN_name.sql` in numeric order, once each, under an advisory lock.

Every file runs in its own transaction together with the row that records it in
`schema_migration`, so a failed migration leaves nothing half applied and is retried on the next
run. The session-level advisory lock makes concurrent runs (two processes starting at once) wait
for each other: the second one finds everything applied and does nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

# A fixed key of the advisory lock that serialises migrations ("lifecycl" in ASCII).
MIGRATION_LOCK_KEY = 0x6C6966656379636C

_FILE_NAME = re.compile(r"^(\d+)_[A-Za-z0-9_]+\.sql$")

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migration (
    version    text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    number: int
    version: str  # the file name without ".sql", e.g. "001_init"
    sql: str


def available() -> list[Migration]:
    """The migrations shipped with the package, in the order they are applied."""
    found: list[Migration] = []
    for entry in resources.files("db.migrations").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match is None or not entry.is_file():
            continue
        found.append(
            Migration(
                number=int(match.group(1)),
                version=entry.name.removesuffix(".sql"),
                sql=entry.read_text(encoding="utf-8"),
            )
        )
    found.sort(key=lambda m: (m.number, m.version))
    numbers = [m.number for m in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two migrations share a number: {[m.version for m in found]}")
    return found


async def migrate(dsn: str) -> list[str]:
    """Applies the migrations not applied yet; returns the versions applied by this call."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
        try:
            await conn.execute(_CREATE_TABLE)
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migration")}
            applied: list[str] = []
            for migration in available():
                if migration.version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "INSERT INTO schema_migration (version) VALUES ($1)", migration.version
                    )
                applied.append(migration.version)
            return applied
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    finally:
        await conn.close()
