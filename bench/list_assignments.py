"""How fast the assignment list answers at 100,000 assignments (run by hand, results in README).

    .venv/bin/python -m bench.list_assignments [--rows 100000] [--runs 30]

Uses LIFECYCLE_BENCH_DATABASE_URL when set, else an embedded PostgreSQL in a temporary folder.
Prints the median and 95th percentile of the first page and of the page after it, per filter.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from bench.common import main, timed
from db import assignments
from db.fill import fill_assignments
from db.scratch import fresh_pool

FILTERS: list[dict[str, Any]] = [
    {},
    {"phase": "renewal_review"},
    {"team": "Team 7"},
    {"manager_email": "manager42@client.example"},
    {"ending_before": date(2026, 7, 1)},
    {"q": "freelancer 00"},
    {"q": "BIG-0421"},
    # The UI's orders by date (keyset on (date, assignment_id)).
    {"sort": "end", "order": "asc"},
    {"sort": "start", "order": "desc"},
    {"sort": "end", "order": "asc", "phase": "renewal_review"},
    {"sort": "end", "order": "asc", "team": "Team 7"},
]


async def bench(url: str, rows: int, runs: int) -> None:
    async with fresh_pool(url) as pool:
        started = time.perf_counter()
        await fill_assignments(pool, rows)
        print(f"{rows} assignments written in {time.perf_counter() - started:.1f} s\n")
        print(f"{'filter':<40} {'first page ms (p50/p95)':>24} {'next page ms':>16}")
        for filters in FILTERS:
            _, cursor = await assignments.list_page(pool, limit=50, **filters)
            first = await timed(lambda f=filters: assignments.list_page(pool, limit=50, **f), runs)
            nxt = (
                await timed(
                    lambda f=filters, c=cursor: assignments.list_page(
                        pool, limit=50, cursor=c, **f
                    ),
                    runs,
                )
                if cursor
                else (0.0, 0.0)
            )
            name = ", ".join(f"{k}={v}" for k, v in filters.items()) or "(none)"
            timings = f"{first[0]:>11.1f} / {first[1]:<10.1f} {nxt[0]:>7.1f} / {nxt[1]:.1f}"
            print(f"{name:<40} {timings}")


if __name__ == "__main__":
    main(__doc__, bench, runs=30)
