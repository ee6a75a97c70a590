"""Idempotency-Key answers per client (table `idempotency_key`), kept 24 hours.

A POST that carries an `Idempotency-Key` first claims the key for its client with the request's
hash; when it has an answer, the answer is stored on the claim. A repeat then finds one of:
the stored answer (same request), another request's claim (a mismatch), or a claim without an
answer yet (the first request is still running). A claim older than 24 hours counts as absent;
a claim left without an answer for longer than `STALE_AFTER` (its process died) may be taken over
by the same request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from db.pool import Executor

RETENTION = timedelta(hours=24)
STALE_AFTER = timedelta(minutes=2)


class ClaimStatus(StrEnum):
    NEW = "new"  # this request owns the key now: run it, then `finish` (or `abandon`)
    REPLAY = "replay"  # the same request was answered before: send `status_code`/`response`
    MISMATCH = "mismatch"  # the key was used for another request
    IN_FLIGHT = "in_flight"  # the same request is still running elsewhere


@dataclass(frozen=True)
class Claim:
    status: ClaimStatus
    status_code: int | None = None
    response: Any = None


_CLAIM = """
INSERT INTO idempotency_key (client, key, request_hash) VALUES ($1, $2, $3)
ON CONFLICT (client, key) DO UPDATE
    SET request_hash = EXCLUDED.request_hash, status_code = NULL, response = NULL,
        created_at = now()
    WHERE idempotency_key.created_at < now() - $4::interval
       OR (idempotency_key.status_code IS NULL
           AND idempotency_key.request_hash = EXCLUDED.request_hash
           AND idempotency_key.created_at < now() - $5::interval)
RETURNING client
"""


async def begin(conn: Executor, client: str, key: str, request_hash: str) -> Claim:
    """Claims `key` for this client's request, or says why it cannot be claimed."""
    for _ in range(3):
        claimed = await conn.fetchval(_CLAIM, client, key, request_hash, RETENTION, STALE_AFTER)
        if claimed is not None:
            return Claim(ClaimStatus.NEW)
        row = await conn.fetchrow(
            """
            SELECT request_hash, status_code, response FROM idempotency_key
            WHERE client = $1 AND key = $2 AND created_at >= now() - $3::interval
            """,
            client,
            key,
            RETENTION,
        )
        if row is None:
            continue  # expired or purged between the two statements: claim again
        if row["request_hash"] != request_hash:
            return Claim(ClaimStatus.MISMATCH)
        if row["status_code"] is None:
            return Claim(ClaimStatus.IN_FLIGHT)
        return Claim(ClaimStatus.REPLAY, row["status_code"], row["response"])
    raise RuntimeError("could not claim the idempotency key")  # pragma: no cover


async def finish(conn: Executor, client: str, key: str, status_code: int, response: Any) -> None:
    """Stores the answer on this request's claim."""
    await conn.execute(
        """
        UPDATE idempotency_key SET status_code = $3, response = $4
        WHERE client = $1 AND key = $2 AND status_code IS NULL
        """,
        client,
        key,
        status_code,
        response,
    )


async def abandon(conn: Executor, client: str, key: str) -> None:
    """Drops an unanswered claim (the request failed without an answer worth repeating)."""
    await conn.execute(
        "DELETE FROM idempotency_key WHERE client = $1 AND key = $2 AND status_code IS NULL",
        client,
        key,
    )


async def purge(conn: Executor, older_than: timedelta = RETENTION) -> int:
    """Deletes the answers older than `older_than`; returns how many."""
    status = await conn.execute(
        "DELETE FROM idempotency_key WHERE created_at < now() - $1::interval", older_than
    )
    return int(status.rsplit(" ", 1)[-1])
