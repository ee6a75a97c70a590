"""API keys (table `api_key`): only a key's SHA-256 is stored; the plain key is shown once.

A key looks like `lc_` followed by 43 URL-safe characters (32 random bytes). The role decides what
the key may do (the contract's section 3): `viewer`, `contracting`, `operator` or `admin`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from db.pool import Executor

ROLES = ("contracting", "operator", "viewer", "admin")
PREFIX = "lc_"


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    role: str


def hash_key(plain_key: str) -> str:
    """What the table keeps of a key: its SHA-256, hex (a key has 256 bits of entropy, so a plain
    hash is enough; no salt or slow hash is needed)."""
    return hashlib.sha256(plain_key.encode("utf-8")).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")


async def create(conn: Executor, name: str, role: str) -> str:
    """Creates a key with that name and role; returns the plain key (never stored)."""
    _check_role(role)
    plain_key = PREFIX + secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO api_key (name, role, key_hash) VALUES ($1, $2, $3)",
        name,
        role,
        hash_key(plain_key),
    )
    return plain_key


async def ensure(conn: Executor, name: str, role: str, plain_key: str) -> None:
    """Stores `plain_key` (the bootstrap key from the settings) unless it is stored already.

    A key that exists keeps its name, role and revocation: a revoked bootstrap key stays revoked.
    """
    _check_role(role)
    if not plain_key:
        raise ValueError("the key must not be empty")
    await conn.execute(
        """
        INSERT INTO api_key (name, role, key_hash) VALUES ($1, $2, $3)
        ON CONFLICT (key_hash) DO NOTHING
        """,
        name,
        role,
        hash_key(plain_key),
    )


async def find(conn: Executor, plain_key: str) -> ApiKey | None:
    """The key's id, name and role; None for an unknown or revoked key. Its last use is noted
    (to the minute: at most one write a minute per key)."""
    row = await conn.fetchrow(
        """
        WITH found AS (
            SELECT id, name, role, last_used_at FROM api_key
            WHERE key_hash = $1 AND revoked_at IS NULL
        ), touched AS (
            UPDATE api_key SET last_used_at = now()
            WHERE id IN (
                SELECT id FROM found
                WHERE last_used_at IS NULL OR last_used_at < now() - interval '1 minute'
            )
        )
        SELECT id, name, role FROM found
        """,
        hash_key(plain_key),
    )
    if row is None:
        return None
    return ApiKey(id=row["id"], name=row["name"], role=row["role"])


async def get_active(conn: Executor, key_id: int) -> ApiKey | None:
    """The key with this id, unless it is revoked (the UI's session names its key by id)."""
    row = await conn.fetchrow(
        "SELECT id, name, role FROM api_key WHERE id = $1 AND revoked_at IS NULL", key_id
    )
    if row is None:
        return None
    return ApiKey(id=row["id"], name=row["name"], role=row["role"])


async def listing(conn: Executor) -> list[dict[str, Any]]:
    """Every key, active first, then by name: name, role, created_at, last_used_at, revoked_at
    (never the key, which is not kept)."""
    rows = await conn.fetch(
        """
        SELECT id, name, role, created_at, last_used_at, revoked_at FROM api_key
        ORDER BY revoked_at IS NOT NULL, name, id
        """
    )
    return [dict(r) for r in rows]


async def revoke_id(conn: Executor, key_id: int) -> ApiKey | None:
    """Revokes the key with this id; the key, or None when there is no such active key."""
    row = await conn.fetchrow(
        "UPDATE api_key SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL"
        " RETURNING id, name, role",
        key_id,
    )
    return ApiKey(id=row["id"], name=row["name"], role=row["role"]) if row else None


async def revoke(conn: Executor, name: str) -> list[ApiKey]:
    """Revokes every active key of that name; the keys it revoked (none for an unknown name)."""
    rows = await conn.fetch(
        """
        UPDATE api_key SET revoked_at = now()
        WHERE name = $1 AND revoked_at IS NULL
        RETURNING id, name, role
        """,
        name,
    )
    return [ApiKey(id=r["id"], name=r["name"], role=r["role"]) for r in rows]
