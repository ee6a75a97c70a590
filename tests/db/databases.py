"""A fresh, empty database on the session's PostgreSQL, for tests that must start from nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def with_database(dsn: str, name: str) -> str:
    """The same server and credentials as `dsn`, another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


@asynccontextmanager
async def fresh_database(database_url: str) -> AsyncIterator[str]:
    name = f"lifecycle_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(database_url, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def fill_assignments(pool: asyncpg.Pool, rows: int) -> None:
    """`rows` synthetic assignments spread over teams, managers, phases and dates."""
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
        rows,
    )
    await pool.execute("ANALYZE assignment")
