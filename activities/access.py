"""The access activity: brings a freelancer's tool access to what the assignment says.

Without a provisioner (no `LIFECYCLE_SCIM_URL`), access is recorded in the ledger only, as the
contract describes; with one (SCIM), the provisioner changes the real system first and the
ledger records what it did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Protocol, TypeVar

import asyncpg
from temporalio import activity

from activities.metrics import ACCESS_CHANGES
from db import access as ledger
from workflows.types import (
    SYNC_ACCESS,
    Access,
    AccessStatus,
    Person,
    SyncAccessInput,
    SyncAccessResult,
)

BY_HAND = "by hand"  # closed at the IdP by an admin, who told the engine
LEDGER_ONLY = "ledger"


class Provisioner(Protocol):
    """A system where access is really granted (one group per tool)."""

    name: str

    async def apply(
        self,
        assignment_id: str,
        freelancer: Person,
        grant: list[str],
        revoke: list[str],
        active: bool,
    ) -> None:
        """Adds the freelancer to the `grant` tools, removes them from the `revoke` tools, and
        deactivates them when `active` is False. Must be idempotent: it is called again with the
        same delta when the ledger could not be written after a previous call."""
        ...


class AccessActivities:
    def __init__(
        self,
        pool: asyncpg.Pool,
        provisioner: Provisioner | None = None,
        catalogue: list[str] | None = None,
    ) -> None:
        self._pool = pool
        self._provisioner = provisioner
        self._catalogue = set(catalogue) if catalogue is not None else None

    def _in_catalogue(self, input: SyncAccessInput) -> list[str]:
        """The tools to have: `input.tools` when active, none when not, never outside the
        catalogue (logged)."""
        wanted = list(dict.fromkeys(input.tools)) if input.active else []
        if self._catalogue is None:
            return wanted
        unknown = [t for t in wanted if t not in self._catalogue]
        if unknown:
            activity.logger.warning(
                "not granting tools outside the catalogue: %s",
                ", ".join(unknown),
                extra={"assignment_id": input.assignment_id, "term": input.term},
            )
        return [t for t in wanted if t in self._catalogue]

    async def _record(
        self, input: SyncAccessInput, grant: list[str], revoke: list[str], provider: str
    ) -> None:
        """The ledger after the provisioner has done it: one transaction for the change."""
        changes = [Access(tool=t, status=AccessStatus.GRANTED, since=input.at) for t in grant]
        changes += [Access(tool=t, status=AccessStatus.REVOKED, since=input.at) for t in revoke]
        async with self._pool.acquire() as conn, conn.transaction():
            await ledger.apply(conn, input.assignment_id, changes, provider)
        activity.logger.info(
            "access of %s: granted %s, revoked %s (%s)",
            input.assignment_id,
            grant or "nothing",
            revoke or "nothing",
            provider,
            extra={"assignment_id": input.assignment_id, "term": input.term},
        )

    @activity.defn(name=SYNC_ACCESS)
    async def sync_access(self, input: SyncAccessInput) -> SyncAccessResult:
        """Grants `input.tools` (when active) and revokes every other tool ever granted on the
        assignment (all of them when not active); returns every tool ever on the assignment.

        Only the delta against the ledger goes to the provisioner, so a repeat with the same
        input records nothing and grants or revokes nothing again. A deactivation (`active`
        False) reaches the provisioner whenever the freelancer ever had access, even with no
        tool left to revoke, so the account ends inactive. Tools outside the configured
        catalogue are never granted (the API refuses them; if the catalogue shrank since, the
        tool is logged and revoked like any tool no longer wanted).
        """
        assignment_id = input.assignment_id
        provider = self._provisioner.name if self._provisioner else LEDGER_ONLY
        wanted = self._in_catalogue(input)
        current = {
            row["tool"]: AccessStatus(row["status"])
            for row in await ledger.list_for(self._pool, assignment_id)
        }
        grant = [t for t in wanted if current.get(t) != AccessStatus.GRANTED]
        revoke = sorted(
            t for t, status in current.items() if t not in wanted and status != AccessStatus.REVOKED
        )
        # A grant cut short may have made an account the ledger does not know of: asked to,
        # the deactivation reaches the provisioner anyway (which never creates one to close it).
        deactivate = not input.active and (bool(current) or input.close_account)
        if input.by_hand:  # an admin closed the account at the IdP: the ledger follows
            provider = BY_HAND
        elif self._provisioner is not None and (grant or revoke or deactivate):
            await _heartbeating(
                self._provisioner.apply(
                    assignment_id, input.freelancer, grant, revoke, input.active
                )
            )
        if grant or revoke:
            await self._record(input, grant, revoke, provider)
            ACCESS_CHANGES.labels("granted").inc(len(grant))
            ACCESS_CHANGES.labels("revoked").inc(len(revoke))
        rows = await ledger.list_for(self._pool, assignment_id)
        return SyncAccessResult(
            access=[
                Access(tool=r["tool"], status=AccessStatus(r["status"]), since=r["since"])
                for r in rows
            ],
            provider=provider,
        )


T = TypeVar("T")


async def _heartbeating(work: Awaitable[T]) -> T:
    """`work`, telling Temporal every second that it is under way, so that a cancellation (the
    workflow wants a revocation now, not the grant a slow IdP is still busy with) reaches it
    within seconds: the work is cancelled where it stands, and the workflow goes on."""
    task = asyncio.ensure_future(work)
    beating = activity.in_activity()  # else called directly (tests): nobody to tell
    try:
        while not task.done():
            if beating:
                activity.heartbeat()
            await asyncio.wait({task}, timeout=1)
        return task.result()
    finally:
        task.cancel()
