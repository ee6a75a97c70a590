"""The guard against mass deprovisioning (table `revocation_claim`): every early end's revocation
is counted, in real time; past the threshold within an hour, it is held for an admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from db.pool import Connection, Executor

WINDOW = timedelta(hours=1)
# One guard for the whole deployment: claims are counted under this advisory lock.
_LOCK = 0x6C6966656379  # "lifecy"


@dataclass(frozen=True)
class Claim:
    status: str  # allowed | held | released | rejected
    hold_id: str | None
    first_held: bool = False  # the first of the holds now waiting: tell the admins


def hold_id_for(assignment_id: str) -> str:
    return f"hold-{assignment_id}"


async def claim(conn: Connection, assignment_id: str, reason: str, threshold: int) -> Claim:
    """The assignment's claim: the one made before (a retried activity), else a new one,
    allowed while fewer than `threshold` were allowed within the hour, else held."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
        found = await conn.fetchrow(
            "SELECT status, hold_id FROM revocation_claim WHERE assignment_id = $1",
            assignment_id,
        )
        if found is not None:
            return Claim(found["status"], found["hold_id"])
        allowed = await conn.fetchval(
            "SELECT count(*) FROM revocation_claim"
            " WHERE status = 'allowed' AND claimed_at > now() - $1::interval",
            WINDOW,
        )
        if allowed < threshold:
            await conn.execute(
                "INSERT INTO revocation_claim (assignment_id, reason, status)"
                " VALUES ($1, $2, 'allowed')",
                assignment_id,
                reason,
            )
            return Claim("allowed", None)
        waiting = await conn.fetchval("SELECT count(*) FROM revocation_claim WHERE status = 'held'")
        hold_id = hold_id_for(assignment_id)
        await conn.execute(
            "INSERT INTO revocation_claim (assignment_id, reason, status, hold_id)"
            " VALUES ($1, $2, 'held', $3)",
            assignment_id,
            reason,
            hold_id,
        )
        return Claim("held", hold_id, first_held=waiting == 0)


async def get(conn: Executor, hold_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT assignment_id, reason, status, hold_id, claimed_at, decided_by, decided_at"
        " FROM revocation_claim WHERE hold_id = $1",
        hold_id,
    )
    return dict(row) if row is not None else None


async def decide(conn: Executor, hold_id: str, status: str, actor: str) -> bool:
    """Releases or rejects a held revocation; False when it is not held (any more)."""
    if status not in ("released", "rejected"):
        raise ValueError(f"a hold is released or rejected, not {status!r}")
    result = await conn.execute(
        "UPDATE revocation_claim SET status = $2, decided_by = $3, decided_at = now()"
        " WHERE hold_id = $1 AND status = 'held'",
        hold_id,
        status,
        actor,
    )
    return result != "UPDATE 0"


async def held(conn: Executor) -> list[dict[str, Any]]:
    """The revocations held now, oldest first."""
    rows = await conn.fetch(
        "SELECT assignment_id, reason, hold_id, claimed_at FROM revocation_claim"
        " WHERE status = 'held' ORDER BY claimed_at, assignment_id"
    )
    return [dict(r) for r in rows]
