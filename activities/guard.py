"""The guard against mass deprovisioning (after Entra's provisioning quarantine): an early end's
revocation is counted before it is done; beyond LIFECYCLE_REVOKE_GUARD of them within an hour it
is held (the contract still ends: only the revocation waits) until an admin releases or rejects
it. Ends on the planned end date never come here."""

from __future__ import annotations

import asyncpg
from temporalio import activity

from db import guard
from workflows.types import CLAIM_REVOCATION, ClaimRevocationInput, ClaimRevocationResult


class GuardActivities:
    def __init__(self, pool: asyncpg.Pool, threshold: int) -> None:
        self._pool = pool
        self._threshold = threshold

    @activity.defn(name=CLAIM_REVOCATION)
    async def claim_revocation(self, input: ClaimRevocationInput) -> ClaimRevocationResult:
        async with self._pool.acquire() as conn:
            found = await guard.claim(conn, input.assignment_id, input.reason, self._threshold)
        held = found.status == "held"
        if held:
            activity.logger.warning(
                "revocation held by the guard (%s)",
                input.reason,
                extra={"assignment_id": input.assignment_id},
            )
        return ClaimRevocationResult(held=held, hold_id=found.hold_id, first=found.first_held)
