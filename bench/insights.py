"""How fast the operator UI's Today page and engagement dashboard are read at 100,000
assignments (run by hand, results in README).

    .venv/bin/python -m bench.insights [--rows 100000] [--runs 20]
"""

from __future__ import annotations

import time
from datetime import date

from bench.common import main, timed
from db.engagement import engagement
from db.fill import fill_lifecycle
from db.scratch import fresh_pool
from db.today import today

TODAY = date(2026, 12, 1)


async def bench(url: str, rows: int, runs: int) -> None:
    async with fresh_pool(url) as pool:
        started = time.perf_counter()
        await fill_lifecycle(pool, TODAY, rows)
        print(f"{rows} assignments written in {time.perf_counter() - started:.1f} s\n")
        for name, call in (
            ("Today page", lambda: today(pool, TODAY)),
            ("Engagement dashboard", lambda: engagement(pool, TODAY)),
        ):
            p50, p95 = await timed(call, runs)
            print(f"{name:<24} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main(__doc__, bench, runs=20)
