"""The named policies the running assignments were last told of (table `policy_version`), and
which running assignments follow a policy (from the read model's state)."""

from __future__ import annotations

import json
from typing import Any

from db.pool import Executor


async def told_version(conn: Executor, name: str) -> str | None:
    found = await conn.fetchval("SELECT version FROM policy_version WHERE name = $1", name)
    return str(found) if found is not None else None


async def running_with(conn: Executor, name: str) -> list[str]:
    """The ids of the assignments still running that follow the policy `name`."""
    rows = await conn.fetch(
        "SELECT assignment_id FROM assignment"
        " WHERE phase NOT IN ('completed', 'cancelled')"
        " AND coalesce(state->'assignment'->>'policy', 'standard') = $1"
        " ORDER BY assignment_id",
        name,
    )
    return [r["assignment_id"] for r in rows]


async def store(conn: Executor, name: str, version: str, policy: dict[str, Any], told: int) -> None:
    await conn.execute(
        "INSERT INTO policy_version (name, version, policy, told) VALUES ($1, $2, $3::jsonb, $4)"
        " ON CONFLICT (name) DO UPDATE SET version = $2, policy = $3::jsonb, told = $4,"
        " applied_at = now()",
        name,
        version,
        json.dumps(policy),
        told,
    )


async def all_told(conn: Executor) -> dict[str, dict[str, Any]]:
    rows = await conn.fetch("SELECT name, version, told, applied_at FROM policy_version")
    return {r["name"]: dict(r) for r in rows}
