"""The record activity: keeps the read model (assignment row and timeline) in PostgreSQL, and
what the workflow says of its effects that keep failing (db.effects)."""

from __future__ import annotations

import asyncpg
from temporalio import activity

from db import assignments, effects, timeline
from workflows.types import RECORD, RecordInput


class RecordActivities:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=RECORD)
    async def record(self, input: RecordInput) -> None:
        """Upserts the assignment's row from the state and appends the timeline entries, in one
        transaction. Idempotent: a repeat writes the same row and adds no entry twice."""
        assignment_id = input.state.assignment.assignment_id
        async with self._pool.acquire() as conn, conn.transaction():
            await assignments.upsert_state(conn, input.state, input.run_id)
            added = await timeline.append(conn, assignment_id, input.entries)
            await effects.report(conn, assignment_id, input.state.access_failure)
        activity.logger.info(
            "recorded %s (phase %s, %d new timeline entries)",
            assignment_id,
            input.state.phase.value,
            added,
            extra={"assignment_id": assignment_id, "phase": input.state.phase.value},
        )
