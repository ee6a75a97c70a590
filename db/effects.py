"""Effects that keep failing (table `effect_failure`): what an assignment's workflow reports of
its tool access while the IdP does not confirm it, one row per assignment and kind, resolved
once it is done. The attention list (`db.attention`) and the metrics read it."""

from __future__ import annotations

from db.pool import Executor
from workflows.types import EffectFailure


async def report(conn: Executor, assignment_id: str, failure: EffectFailure | None) -> None:
    """The assignment's failing effect as the workflow sees it now: upserted, or none (every
    open one of the assignment is then resolved)."""
    if failure is None:
        await conn.execute(
            "UPDATE effect_failure SET resolved_at = now(), updated_at = now()"
            " WHERE assignment_id = $1 AND resolved_at IS NULL",
            assignment_id,
        )
        return
    await conn.execute(
        """
        INSERT INTO effect_failure (assignment_id, kind, since_at, error, permanent, overdue)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (assignment_id, kind) DO UPDATE
        SET since_at = CASE WHEN effect_failure.resolved_at IS NULL
                            THEN effect_failure.since_at ELSE excluded.since_at END,
            error = excluded.error, permanent = excluded.permanent, overdue = excluded.overdue,
            updated_at = now(), resolved_at = NULL
        """,
        assignment_id,
        failure.kind,
        failure.since,
        failure.error,
        failure.permanent,
        failure.overdue,
    )
    # Another kind still open (a grant that failed, now a revocation that fails) is over.
    await conn.execute(
        "UPDATE effect_failure SET resolved_at = now(), updated_at = now()"
        " WHERE assignment_id = $1 AND kind <> $2 AND resolved_at IS NULL",
        assignment_id,
        failure.kind,
    )


async def open_counts(conn: Executor) -> dict[str, int]:
    """How many failing effects are open, by kind; `access_overdue` counts the revocations
    whose moment has passed."""
    rows = await conn.fetch(
        """
        SELECT CASE WHEN overdue THEN 'access_overdue' ELSE kind END AS kind, count(*) AS n
        FROM effect_failure WHERE resolved_at IS NULL GROUP BY 1
        """
    )
    return {r["kind"]: int(r["n"]) for r in rows}
