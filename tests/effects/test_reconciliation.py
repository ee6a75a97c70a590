"""The access reconciliation reads every account back from the IdP and corrects drift: a leaver
re-activated and put back in a group by hand is closed again, a freelancer taken out of a group
by hand is put back, and each assignment's timeline says so. Pressed many times at once it runs
once; `lifecycle reconcile` runs it from the command line. Then, for the closing note, a run
over 1,000 accounts at scim2-server."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from datetime import timedelta
from typing import Any

import pytest

from tests.effects.conftest import TOOLS, Stack, eventually

pytestmark = pytest.mark.slow


async def reconcile(stack: Stack, within: float = 120, at_once: int = 1) -> dict[str, Any]:
    """A run started by hand (`at_once` requests sent together: they all get the same run),
    and its figures once it has finished."""
    started = await asyncio.gather(*(stack.api.post("/v1/reconciliations") for _ in range(at_once)))
    assert [s.status_code for s in started] == [202] * at_once, [s.text for s in started]
    (run_id,) = {s.json()["run_id"] for s in started}

    async def latest() -> dict[str, Any]:
        answer = await stack.api.get("/v1/reconciliations/latest")
        return dict(answer.json()) if answer.status_code == 200 else {}

    return await eventually(
        latest,
        lambda r: r.get("run_id") == run_id and not r["running"],
        "the reconciliation's end",
        within=within,
    )


async def group_id(stack: Stack, tool: str) -> str:
    return next(g["id"] for g in await stack.directory.groups() if g["displayName"] == tool)


async def test_drift_made_by_hand_at_the_idp_is_corrected_and_told(stack: Stack) -> None:
    leaver = await stack.create("DRIFT-LEFT", start=-30, end=0)
    stayer = await stack.create("DRIFT-STAY", start=-30, end=90)
    await eventually(lambda: stack.scim_user(stayer), lambda u: u == (True, set(TOOLS)), "stayer")
    await eventually(lambda: stack.scim_user(leaver), lambda u: u[0] is False, "leaver closed")
    await eventually(
        lambda: stack.assignment(leaver),
        lambda a: {x["status"] for x in a["access"]} == {"revoked"},
        "the leaver's access recorded as revoked",
    )

    # By hand at the IdP: the leaver is active again and back in chat; the stayer leaves wiki.
    (leaver_user,) = await stack.directory.users(leaver)
    (stayer_user,) = await stack.directory.users(stayer)
    await stack.directory.set_active(leaver_user["id"], True)
    await stack.directory.add_member(await group_id(stack, "chat"), leaver_user["id"])
    await stack.directory.remove_member(await group_id(stack, "wiki"), stayer_user["id"])
    assert await stack.scim_user(leaver) == (True, {"chat"})
    await asyncio.sleep(1.5)  # older than LIFECYCLE_RECONCILE_SETTLED

    # An assignment changed in the last LIFECYCLE_RECONCILE_SETTLED is left to the next run (its
    # workflow may be at the IdP right now; at this clock's speed a reminder may just have gone
    # out): a few runs at most, each pressed five times at once.
    found = corrected = 0
    for _ in range(4):
        figures = await reconcile(stack, at_once=5)
        found, corrected = found + figures["drift"], corrected + figures["corrected"]
        if (await stack.scim_user(leaver), await stack.scim_user(stayer)) == (
            (False, set()),
            (True, set(TOOLS)),
        ):
            break
        await asyncio.sleep(1.5)
    assert found >= 2 and corrected >= 2, (found, corrected)
    assert await stack.scim_user(leaver) == (False, set())
    assert await stack.scim_user(stayer) == (True, set(TOOLS))
    runs = await stack.pool.fetchval("SELECT count(*) FROM reconcile_run")
    assert runs <= 4, "a run was doubled"

    timeline = (await stack.api.get(f"/v1/assignments/{leaver}/timeline")).json()
    assert any("Access had reappeared at the IdP" in e["summary"] for e in timeline), timeline
    timeline = (await stack.api.get(f"/v1/assignments/{stayer}/timeline")).json()
    assert any("Access was missing at the IdP" in e["summary"] for e in timeline), timeline

    # From the command line, a run finds nothing more to correct for them.
    printed = await lifecycle_reconcile(stack)
    assert re.fullmatch(r"users checked \d+, drift found \d+, drift corrected \d+\n", printed)
    run_id = await stack.pool.fetchval(
        "SELECT run_id FROM reconcile_run ORDER BY started_at DESC LIMIT 1"
    )
    drift = await stack.pool.fetchval(
        "SELECT count(*) FROM access_drift WHERE assignment_id = ANY($1) AND run_id = $2",
        [leaver, stayer],
        run_id,
    )
    assert drift == 0


async def lifecycle_reconcile(stack: Stack) -> str:
    """`lifecycle reconcile` next to the stack (its database, Temporal and task queue)."""
    env = {
        **os.environ,
        "LIFECYCLE_DATABASE_URL": stack.settings.database_url or "",
        "LIFECYCLE_TEMPORAL_ADDRESS": stack.settings.temporal_address or "",
        "LIFECYCLE_TASK_QUEUE": stack.settings.task_queue,
        "LIFECYCLE_LOG_LEVEL": "WARNING",
    }
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "reconcile", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(command.communicate(), 120)
    assert command.returncode == 0, err.decode()
    return out.decode()


USERS = 1000


async def test_a_run_over_a_thousand_accounts(stack: Stack) -> None:
    """1,000 accounts as the engine makes them (an assignment, its ledger, a user in the tools'
    groups at scim2-server), 10 of them drifted by hand; the run's time is for the notes."""
    chat = await group_id(stack, "chat")
    ids = [f"MANY-{i:04d}" for i in range(USERS)]
    users = await _make_accounts(stack, ids, chat)
    for user_id in users[:10]:  # ten leave chat by hand
        await stack.directory.remove_member(chat, user_id)
    await asyncio.sleep(1.5)

    started = time.monotonic()
    figures = await reconcile(stack, within=600)
    took = time.monotonic() - started
    assert figures["checked"] >= USERS
    assert figures["drift"] >= 10 and figures["corrected"] >= 10, figures
    stack.note(
        "reconciliation",
        {
            "accounts at scim2-server": USERS,
            "run time (s)": round(took, 1),
            "checked": figures["checked"],
            "drift": figures["drift"],
            "corrected": figures["corrected"],
        },
    )


async def _make_accounts(stack: Stack, ids: list[str], chat: str) -> list[str]:
    """The accounts, straight at the IdP and in the database (no workflow: nothing else runs)."""
    users = [await stack.directory.create_user(a, f"{a.lower()}@example.org") for a in ids]
    await stack.directory.add_member(chat, *users)
    today = stack.today()
    await stack.pool.executemany(
        """
        INSERT INTO assignment (assignment_id, phase, freelancer_name, freelancer_email,
            manager_name, manager_email, team, role, start_date, end_date, timezone, state)
        VALUES ($1, 'active', $1, lower($1) || '@example.org', 'M', 'm@client.example', 'T', 'R',
            $2, $3, 'Europe/Brussels', '{}'::jsonb)
        """,
        [(a, today - timedelta(days=10), today + timedelta(days=300)) for a in ids],
    )
    await stack.pool.executemany(
        "INSERT INTO access_grant (assignment_id, tool, status, since, provider)"
        " VALUES ($1, 'chat', 'granted', now(), 'scim')",
        [(a,) for a in ids],
    )
    await stack.pool.execute(
        "UPDATE assignment SET updated_at = now() - interval '1 hour'"
        " WHERE assignment_id LIKE 'MANY-%'"
    )
    return users
