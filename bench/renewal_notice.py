"""How early freelancers hear whether their contract goes on, before and after managers could
decide from the mail (run by hand, results in the README; never asserted in tests).

    .venv/bin/python -m bench.renewal_notice [--assignments 40] [--speed 28800]

A simulated population of managers who decide when they read the renewal reminder, run through
the whole engine twice, each time on a fresh deployment (its own database, task queue and fast
deployment clock) of one Temporal dev server, with the mail delivered to a real SMTP server
(aiosmtpd) that the simulated managers read:

- **before** (the engine without decision links): the reminder links to the operator UI, which
  asks for an API key no manager has. The manager reads it and can do nothing; the decision is
  taken when HR, escalated to, records it for them (the escalation mail, then the API).
- **after**: the reminder carries the manager's own link; the manager follows it, opens the page
  and confirms at once (`POST /decide/{token}`). (A reminder the fast clock made the engine skip,
  since nothing is sent late, is read as the escalation, which carries the link too; the run
  prints how many.)

Both populations are the same assignments (last days spread over two months, so over every
weekday), and the figure is measured the same way for both: the engagement dashboard's
"renewal outcome, days before the end" (db.engagement), its median and its spread.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import re
import secrets
import sys
import time
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from cli.dev.temporal import temporal_binary
from core.settings import Settings
from db import api_keys, scratch
from db.engagement import engagement
from db.migrate import migrate
from db.pool import create_pool
from tests.factories import create_body
from tests.peers.smtp import Received, Sink, smtp_server
from worker import build_worker

TIMEZONE = "Europe/Brussels"
HR_EMAIL = "hr@bench.example"


def text_of(received: Received) -> str:
    part = received.message.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


async def population(
    url: str, env: WorkflowEnvironment, sink: Sink, smtp_url: str, *, links: bool, count: int,
    speed: float,
) -> dict[str, Any]:  # fmt: skip
    """One deployment's run: `count` assignments in review, the managers acting as `links`
    says; the dashboard's notice figure once every renewal is decided."""
    async with scratch.fresh_database(url) as database:
        await migrate(database)
        settings = Settings(
            database_url=database,
            temporal_address=env.client.service_client.config.target_host,
            task_queue=f"notice-{uuid.uuid4().hex[:8]}",
            webhook_secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
            secret_key="bench-" + secrets.token_urlsafe(8),
            smtp_url=smtp_url,
            hr_email=HR_EMAIL,
            tools=["chat", "wiki"],
            clock_speed=speed,
            log_level="ERROR",
            log_format="json",
            _env_file=None,  # type: ignore[call-arg]
        )
        pool = await create_pool(database, min_size=1, max_size=10)
        app = create_app(settings, pool=pool, temporal=env.client)
        try:
            async with (
                build_worker(env.client, pool, settings),
                app.router.lifespan_context(app),
            ):
                key = await api_keys.create(pool, "bench-hr", "admin")
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://bench",
                    headers={"Authorization": f"Bearer {key}"}, timeout=60,
                ) as http:  # fmt: skip
                    return await _run(http, app, pool, sink, links=links, count=count)
        finally:
            await pool.close()


async def _run(
    http: httpx.AsyncClient, app: Any, pool: Any, sink: Sink, *, links: bool, count: int
) -> dict[str, Any]:
    clock = app.state.clock
    today = clock.today(TIMEZONE)
    tag = "AFTER" if links else "BEFORE"
    ids = []
    for n in range(count):
        assignment_id = f"NOTICE-{tag}-{n:03d}"
        end = today + timedelta(days=25 + (n * 37) % 40)  # 25 to 64 days ahead, every weekday
        body = create_body(
            assignment_id, today - timedelta(days=60), end, timezone=TIMEZONE, team_events=[],
            tools=["chat", "wiki"],
            freelancer={"name": f"Free Lancer {n}", "email": f"f{n}-{tag.lower()}@bench.example"},
        )  # fmt: skip
        answer = await http.post("/v1/assignments", json=body)
        if answer.status_code != 201:
            raise RuntimeError(f"{assignment_id} not created: {answer.text}")
        ids.append(assignment_id)

    handled: set[str] = set()
    decided: set[str] = set()
    late = 0
    started = time.monotonic()
    settled: set[str] = set()  # decided here, or no longer waiting (offboarded undecided)
    checked, shown = time.monotonic(), 0
    while len(decided | settled) < count:
        if time.monotonic() - started > 1200:
            raise RuntimeError(f"only {len(decided)} of {count} decided in time")
        if time.monotonic() - checked > 2:
            checked, shown = time.monotonic(), 0
            for i in set(ids) - decided - settled:
                a = (await http.get(f"/v1/assignments/{i}")).json()
                if a["pending_decision"] is None and a["phase"] != "active":
                    settled.add(i)
        for r in list(sink.received):
            message_id = str(r.message["Message-ID"])
            if message_id in handled or tag not in message_id:
                continue
            about = next((i for i in ids if i.replace(".", "=2E") in message_id), None)
            if about is None or about in decided:
                continue
            # A reminder the fast clock made the engine skip (nothing is sent late): the manager
            # reads the escalation instead, which carries their link too.
            if links and message_id.startswith(("<renewal_reminder.", "<renewal_escalation.")):
                handled.add(message_id)
                await _decide_from_the_link(http, text_of(r))
                decided.add(about)
                late += message_id.startswith("<renewal_escalation.")
            elif not links and message_id.startswith("<renewal_escalation."):
                handled.add(message_id)
                a = (await http.get(f"/v1/assignments/{about}")).json()
                new_end = date.fromisoformat(a["end_date"]) + timedelta(days=90)
                answer = await http.post(
                    f"/v1/assignments/{about}/renewal-decision",
                    json={"decision": "renew", "new_end_date": new_end.isoformat()},
                )
                answer.raise_for_status()
                decided.add(about)
        if len(decided) != shown:
            shown = len(decided)
            print(f"{tag.lower()}: {shown}/{count} decided", file=sys.stderr)
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # the last records land
    figures = await engagement(pool, clock.today(), now=clock.now())
    return {"notice": figures.notice, "late": late}


async def _decide_from_the_link(http: httpx.AsyncClient, text: str) -> None:
    """What a manager does with the reminder: follow the link, look, confirm the proposal."""
    found = re.search(r"https?://\S+(/decide/[A-Za-z0-9_.-]+)", text)
    if found is None:
        raise RuntimeError("the reminder carries no decision link")
    path = urlsplit(found.group(0)).path
    page = await http.get(path)
    proposed = re.search(r'name="new_end_date" value="([0-9-]+)"', page.text)
    assert page.status_code == 200 and proposed, page.text[:300]
    answer = await http.post(path, data={"decision": "renew", "new_end_date": proposed.group(1)})
    assert answer.status_code == 200, answer.text[:300]


def describe(label: str, notice: Any) -> str:
    d = notice.distribution
    buckets = ", ".join(f"{_label(b)}: {b.count}" for b in d.buckets)
    median = f"{d.median:.1f}" if d.median is not None else "-"
    return f"| {label} | {d.total} ({notice.undecided} undecided) | {median} | {buckets} |"


def _label(bucket: Any) -> str:
    low, high = bucket.low, bucket.high
    return f"{low}+ d" if high is None else f"{low}-{high - 1} d"


async def bench(url: str, count: int, speed: float) -> None:
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(),
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
    ) as env:
        sink = Sink()
        with smtp_server(sink) as smtp_url:
            rows = []
            for links in (False, True):
                run = await population(
                    url, env, sink, smtp_url, links=links, count=count, speed=speed
                )
                label = f"after (links; {run['late']} from the escalation)" if links else "before"
                rows.append(describe(label, run["notice"]))
    print("\n| population | decided | median days before the end | spread |")
    print("|---|---|---|---|")
    for row in rows:
        print(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--assignments", type=int, default=40)
    parser.add_argument("--speed", type=float, default=28_800.0, help="assignment s per real s")
    args = parser.parse_args()
    with scratch.server("LIFECYCLE_BENCH_DATABASE_URL", prefix="lifecycle-bench-") as url:
        asyncio.run(bench(url, args.assignments, args.speed))


if __name__ == "__main__":
    main()
