"""Events taken on POST /v1/events (table `received_event`), remembered by id for deduplication.

Both the Standard Webhooks `webhook-id` and the CloudEvents `id` of a taken event are kept, each
as its own row (prefixed `webhook:` and `event:` by the caller), for at least `RETENTION`: longer
than any sender retries, so a late repeat is still recognised.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from db.pool import Executor

RETENTION = timedelta(days=30)


async def seen(conn: Executor, ids: Sequence[str]) -> bool:
    """Whether any of these ids was taken before."""
    if not ids:
        return False
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM received_event WHERE id = ANY($1::text[]))", list(ids)
    )
    return bool(found)


async def remember(conn: Executor, ids: Sequence[str]) -> None:
    """Records these ids as taken (a repeat changes nothing)."""
    if not ids:
        return
    await conn.execute(
        """
        INSERT INTO received_event (id) SELECT unnest($1::text[])
        ON CONFLICT (id) DO NOTHING
        """,
        list(ids),
    )


async def purge(conn: Executor, older_than: timedelta = RETENTION) -> int:
    """Forgets the ids taken longer ago than `older_than` (never less than 7 days)."""
    if older_than < timedelta(days=7):
        raise ValueError("received events are kept at least 7 days")
    status = await conn.execute(
        "DELETE FROM received_event WHERE received_at < now() - $1::interval", older_than
    )
    return int(status.rsplit(" ", 1)[-1])
