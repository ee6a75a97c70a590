"""Migrations: applied once, in order, whoever runs them and however often."""

from __future__ import annotations

import asyncio

import asyncpg

from db.migrate import available, migrate

TABLES = {
    "schema_migration",
    "clock",
    "assignment",
    "timeline_entry",
    "access_grant",
    "access_change",
    "mail_message",
    "feedback",
    "api_key",
    "idempotency_key",
    "received_event",
    "notification",
}


def test_migrations_ship_with_the_package_in_numeric_order() -> None:
    versions = [m.version for m in available()]
    assert versions[0] == "001_init"
    assert versions == sorted(versions, key=lambda v: int(v.split("_", 1)[0]))


async def test_a_second_run_applies_nothing(fresh_database_url: str) -> None:
    all_versions = [m.version for m in available()]

    assert await migrate(fresh_database_url) == all_versions
    assert await migrate(fresh_database_url) == []

    conn = await asyncpg.connect(fresh_database_url)
    try:
        recorded = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migration")]
    finally:
        await conn.close()
    assert sorted(recorded) == all_versions


async def test_two_concurrent_runs_apply_each_migration_once(fresh_database_url: str) -> None:
    first, second = await asyncio.gather(migrate(fresh_database_url), migrate(fresh_database_url))

    # One of them took the lock first and applied everything; the other found nothing to do.
    assert sorted([first, second], key=len) == [[], [m.version for m in available()]]


async def test_the_schema_is_there(fresh_database_url: str) -> None:
    await migrate(fresh_database_url)
    conn = await asyncpg.connect(fresh_database_url)
    try:
        tables = {
            r["table_name"]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
        }
    finally:
        await conn.close()
    assert tables >= TABLES


async def test_the_session_database_is_migrated(pool: asyncpg.Pool) -> None:
    count = await pool.fetchval("SELECT count(*) FROM schema_migration")
    assert count == len(available())
