"""The access reconciliation started by hand (`POST /v1/reconciliations`, the Today page's button,
`lifecycle reconcile`), one at a time: a run still going is joined, not doubled, however often
the button is pressed or the request repeated; a run that stopped without finishing (terminated
in Temporal) is written off so that the next one can start. The Temporal Schedule starts the
regular runs (worker.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from db import reconcile
from workflows.reconciliation import AccessReconciliation
from workflows.types import ReconcileInput

# Starts are made one at a time under this advisory lock.
_LOCK = 0x7265636F6E63  # "reconc"


async def start_now(pool: asyncpg.Pool, temporal: Client, task_queue: str) -> tuple[str, bool]:
    """The id of the reconciliation now going, and whether this call started it."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK)
        going = await reconcile.unfinished(conn)
        if going is not None:
            if await _running(temporal, going):
                return going, False
            await reconcile.finish(conn, going, error="stopped before its end")
        run_id = f"access-reconciliation-{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
        await reconcile.start(conn, run_id)
        await temporal.start_workflow(
            AccessReconciliation.run,
            ReconcileInput(run_id=run_id),
            id=run_id,
            task_queue=task_queue,
        )
        return run_id, True


async def _running(temporal: Client, run_id: str) -> bool:
    """Whether the run's workflow still runs (the latest of its continued runs)."""
    try:
        described = await temporal.get_workflow_handle(run_id).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    return described.status == WorkflowExecutionStatus.RUNNING
