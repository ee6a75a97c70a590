"""Exit feedback answers (table `feedback`): one row per assignment, written once.

The row is keyed twice: by the assignment (one answer per assignment, whatever the term) and by
the token's id (a token is used once). A second submission, even one racing the first, finds
either key taken and writes nothing. The answers are the freelancer's words: never log them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.pool import Executor


async def insert(
    conn: Executor,
    *,
    assignment_id: str,
    token_id: str,
    rating: int | None,
    answers: dict[str, Any],
    submitted_at: datetime,
) -> bool:
    """Stores the answers; True if they were written, False if the assignment already has
    answers or the token was already used."""
    inserted = await conn.fetchval(
        """
        INSERT INTO feedback (assignment_id, token_id, rating, answers, submitted_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT DO NOTHING
        RETURNING assignment_id
        """,
        assignment_id,
        token_id,
        rating,
        answers,
        submitted_at,
    )
    return inserted is not None


async def is_used(conn: Executor, assignment_id: str, token_id: str) -> bool:
    """Whether the assignment already has answers or the token was already used."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM feedback WHERE assignment_id = $1 OR token_id = $2)",
            assignment_id,
            token_id,
        )
    )


async def get(conn: Executor, assignment_id: str) -> dict[str, Any] | None:
    """The stored answers of an assignment ({assignment_id, rating, answers, submitted_at}),
    or None. The token id is not returned: nothing outside this table needs it."""
    row = await conn.fetchrow(
        "SELECT assignment_id, rating, answers, submitted_at FROM feedback "
        "WHERE assignment_id = $1",
        assignment_id,
    )
    return dict(row) if row is not None else None
