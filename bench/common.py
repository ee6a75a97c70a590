"""What the benchmarks share: a command line, a PostgreSQL to fill (LIFECYCLE_BENCH_DATABASE_URL
when set, else an embedded one: db/scratch.py), and a timer that reports p50 / p95."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from db import scratch


async def timed(call: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, float]:
    """Median and 95th percentile of `runs` calls, in milliseconds, after one warm-up call."""
    await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def main(
    doc: str | None, bench: Callable[[str, int, int], Coroutine[Any, Any, None]], runs: int
) -> None:
    """The command line of a benchmark: `--rows` assignments, `--runs` timed calls each."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=runs)
    args = parser.parse_args()
    with scratch.server("LIFECYCLE_BENCH_DATABASE_URL", prefix="lifecycle-bench-") as url:
        asyncio.run(bench(url, args.rows, args.runs))
