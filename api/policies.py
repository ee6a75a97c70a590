"""A changed policy reaches the assignments that follow it, at once: at each start the API
compares every named policy of LIFECYCLE_POLICIES with the version the running assignments were
last told of, and signals each of them the new one (`AssignmentWorkflow.apply_policy`). The
steps still ahead follow it (the timeline says which version applies); a step already taken is
not taken again. A signal that fails leaves the version untold, so the next start tries again
(an assignment told twice lets the second pass)."""

from __future__ import annotations

import asyncio

import asyncpg
import structlog
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from core.policies import PolicyBook
from db import policies as told
from workflows.assignment import AssignmentWorkflow
from workflows.types import PolicyChange, workflow_id_for

log = structlog.get_logger("api.policies")

AT_ONCE = 16  # signals in flight


async def apply_policies(pool: asyncpg.Pool, temporal: Client, book: PolicyBook) -> dict[str, int]:
    """Tells the running assignments of each policy whose version changed; how many were told
    (by policy name: only the changed ones)."""
    counts: dict[str, int] = {}
    for name in book.names:
        version = book.version(name)
        if await told.told_version(pool, name) == version:
            continue
        change = PolicyChange(name=name, version=version, policy=book[name])
        ids = await told.running_with(pool, name)
        results = await _tell(temporal, ids, change)
        if all(results):
            await told.store(pool, name, version, book[name].model_dump(mode="json"), len(ids))
        counts[name] = sum(results)
        log.info("policy applied", policy=name, version=version, told=sum(results), of=len(ids))
    return counts


async def _tell(temporal: Client, ids: list[str], change: PolicyChange) -> list[bool]:
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(assignment_id: str) -> bool:
        async with gate:
            handle = temporal.get_workflow_handle(workflow_id_for(assignment_id))
            try:
                await handle.signal(AssignmentWorkflow.apply_policy, change)
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:  # ended meanwhile: nothing ahead
                    return True
                log.warning("policy not told", assignment_id=assignment_id, error=str(exc))
                return False
            return True

    return list(await asyncio.gather(*(one(i) for i in ids)))


async def tell_at_start(pool: asyncpg.Pool, temporal: Client, book: PolicyBook) -> None:
    """`apply_policies` at the API's start; a failure is logged (the next start tries again)."""
    try:
        await apply_policies(pool, temporal, book)
    except (OSError, asyncpg.PostgresError, RPCError) as exc:
        log.warning("policies not applied; the next start tries again", error=str(exc))
