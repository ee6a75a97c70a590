"""API keys (table `api_key`): only a key's SHA-256 is stored; the plain key is shown once.

A key looks like `lc_` followed by 43 URL-safe characters (32 random bytes). The role decides what
the key may do (the contract's section 3): `viewer`, `contracting`, `operator` or `admin`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

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
    """The key's id, name and role; None for an unknown or revoked key."""
    row = await conn.fetchrow(
        "SELECT id, name, role FROM api_key WHERE key_hash = $1 AND revoked_at IS NULL",
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
