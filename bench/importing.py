"""`lifecycle import` of a large file, as a client's first Monday (run by hand, results in the
README; never asserted in tests).

    .venv/bin/python -m bench.importing [--rows 10000]

Starts a Temporal dev server, a PostgreSQL (LIFECYCLE_BENCH_DATABASE_URL or an embedded one) and
the engine's worker (a process of its own), writes a CSV of `--rows` assignments spread over the
phases an import meets (scheduled, onboarding, active, renewal review, offboarding), and runs
`lifecycle import` on it as an operator would: the rows imported per second, the time until the
worker has recorded every imported assignment, and the time of a second run of the same file
(every row unchanged).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bench.lifecycle import ROOT, Engine, engine_running
from cli.dev.temporal import temporal_binary
from cli.importing import OPTIONAL, REQUIRED
from db import scratch

# (start, end) in days from today: one pattern per phase, the rows cycling through them.
PATTERNS = ((20, 110), (4, 94), (-40, 80), (-60, 20), (-90, -3))


def write_rows(path: Path, rows: int, today: date, run: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REQUIRED + OPTIONAL)
        for i in range(rows):
            start, end = PATTERNS[i % len(PATTERNS)]
            values = {
                "assignment_id": f"IMPORT-{run}-{i:05d}",
                "freelancer_name": f"Freelancer {i}",
                "freelancer_email": f"freelancer-{i}@bench.example",
                "manager_name": "Bench Manager",
                "manager_email": "manager@bench.example",
                "team": f"Team {i % 40}",
                "role": "Consultant",
                "purpose": "Brought in with the assignments already running",
                "start_date": (today + timedelta(days=start)).isoformat(),
                "end_date": (today + timedelta(days=end)).isoformat(),
                "tools": "chat;wiki",
                "timezone": "Europe/Brussels",
                "term": str(1 + i % 3),
            }
            writer.writerow([values.get(column, "") for column in REQUIRED + OPTIONAL])


async def lifecycle_import(engine: Engine, path: Path) -> tuple[float, str]:
    """Runs the command next to the deployment; its seconds and its last line."""
    started = time.perf_counter()
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "import", str(path), cwd=ROOT,
        env={**os.environ, **engine.env, "LIFECYCLE_LOG_LEVEL": "WARNING"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await command.communicate()
    took = time.perf_counter() - started
    if command.returncode != 0:
        raise RuntimeError(f"lifecycle import ended {command.returncode}: {err.decode()[-2000:]}")
    return took, out.decode().strip().splitlines()[-1]


async def bench(server: str, rows: int) -> None:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(),
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
    ) as env:
        queue = f"bench-import-{uuid.uuid4().hex[:6]}"
        async with engine_running(server, env.client, queue, speed=1.0) as engine:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "running.csv"
                write_rows(path, rows, engine.today(), uuid.uuid4().hex[:6])
                print(f"importing {rows} rows", file=sys.stderr)
                started = time.perf_counter()
                first, said = await lifecycle_import(engine, path)
                await engine.settle()
                recorded = time.perf_counter() - started
                print("a second run of the same file", file=sys.stderr)
                second, said_again = await lifecycle_import(engine, path)
    print(f"\n| `lifecycle import` of {rows} rows | |\n|---|---|")
    print(f"| first run ({said}), s | {first:.1f} |")
    print(f"| rows imported per second | {rows / first:.0f} |")
    print(f"| until the worker had recorded every row (from the start), s | {recorded:.1f} |")
    print(f"| second run ({said_again}), s | {second:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.importing")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with scratch.server("LIFECYCLE_BENCH_DATABASE_URL", prefix="import-bench-") as url:
        asyncio.run(bench(url, args.rows))


if __name__ == "__main__":
    main()
