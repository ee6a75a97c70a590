"""`lifecycle import FILE.csv` as an operator runs it, next to a running deployment (real
Temporal, PostgreSQL, a SCIM server and SMTP at aiosmtpd): one row in each phase and some
malformed ones. Each valid row lands in its phase, no mail whose moment has passed reaches the
mail server, access is granted without a welcome, the malformed rows are told with their line
numbers, and a second run changes nothing.
"""

from __future__ import annotations

import asyncio
import csv
import os
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from cli.importing import OPTIONAL, REQUIRED
from tests.effects.conftest import TOOLS, Stack, eventually

pytestmark = pytest.mark.slow

# phase: (start, end) in days from today (a day is 10 s here: the next step of each is a minute
# or more away), term, and the mails the import itself sends.
ROWS = {
    "scheduled": (20, 110, 1, {"manager_checklist"}),
    "onboarding": (6, 96, 1, set()),
    "active": (-40, 80, 2, set()),
    # Not -60: a check-in falls every 30 days, and one due today is rightly sent (whether it is
    # before or after 09:00 on the fast clock depends on how long the tests before took).
    "renewal_review": (-65, 20, 1, {"renewal_request"}),
    "offboarding": (-90, -3, 1, set()),
}
NEVER_LATE = {"welcome", "buddy_introduction", "team_event_invitation", "first_day", "checkin"}


def write_csv(stack: Stack, path: Path, run: str) -> dict[str, str]:
    """The file: a header, the valid rows, then the malformed ones (lines 7 to 10)."""
    ids: dict[str, str] = {}
    rows: list[list[str]] = []
    for phase, (start, end, term, _) in ROWS.items():
        assignment_id = ids[phase] = f"IMP-{run}-{phase}"
        given = {"term": str(term)}
        if term == 2:  # told by its past renewal: the term after it
            given = {"past_renewals": (stack.today() + timedelta(days=start - 1)).isoformat()}
        rows.append(cells(stack, assignment_id, start, end, **given))
    rows.append(cells(stack, f"IMP-{run}-mail", -10, 50, freelancer_email="not-an-address"))
    rows.append(cells(stack, f"IMP-{run}-dates", 10, 5))
    rows.append(cells(stack, f"IMP-{run}-tool", -10, 50, tools="chat;typewriter"))
    rows.append([*cells(stack, f"IMP-{run}-wide", -10, 50), "one cell too many"])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(REQUIRED + OPTIONAL)
        writer.writerows(rows)
    return ids


def cells(stack: Stack, assignment_id: str, start: int, end: int, **given: str) -> list[str]:
    who = assignment_id.lower()
    values = {
        "assignment_id": assignment_id,
        "freelancer_name": f"Free Lancer {who}",
        "freelancer_email": f"{who}@example.org",
        "manager_name": "Lea Janssens",
        "manager_email": "lea@client.example",
        "team": "Payroll",
        "role": "Payroll consultant",
        "purpose": "Run the payroll in-house, and leave the team able to run it alone.",
        "start_date": (stack.today() + timedelta(days=start)).isoformat(),
        "end_date": (stack.today() + timedelta(days=end)).isoformat(),
        "tools": ";".join(TOOLS),
        "timezone": "Europe/Brussels",
        "language": "en",
        "buddy_name": "Jo Maes",
        "buddy_email": "jo@client.example",
        "hr_email": "hr@client.example",
        **given,
    }
    return [values.get(column, "") for column in REQUIRED + OPTIONAL]


async def lifecycle_import(stack: Stack, path: Path, *flags: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "LIFECYCLE_DATABASE_URL": stack.settings.database_url or "",
        "LIFECYCLE_TEMPORAL_ADDRESS": stack.settings.temporal_address or "",
        "LIFECYCLE_TASK_QUEUE": stack.settings.task_queue,
        "LIFECYCLE_CLOCK_SPEED": str(stack.settings.clock_speed),
        "LIFECYCLE_TOOLS": ",".join(TOOLS),
        "LIFECYCLE_LOG_LEVEL": "WARNING",
    }
    command = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli", "import", str(path), *flags, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(command.communicate(), 120)
    assert "Traceback" not in err.decode(), err.decode()
    assert command.returncode is not None
    return command.returncode, out.decode(), err.decode()


async def received(stack: Stack, assignment_id: str) -> set[str]:
    return kinds(stack, assignment_id)


def kinds(stack: Stack, assignment_id: str) -> set[str]:
    return {
        r.message["Message-ID"][1:].split(".", 1)[0]
        for r in stack.smtp.received
        if assignment_id.replace(".", "=2E") in r.message["Message-ID"]
    }


def ours(stack: Stack, ids: dict[str, str]) -> int:
    return sum(
        any(a.replace(".", "=2E") in r.message["Message-ID"] for a in ids.values())
        for r in stack.smtp.received
    )


async def test_an_import_lands_each_row_in_its_phase_and_sends_nothing_past(
    stack: Stack, tmp_path: Path
) -> None:
    path = tmp_path / "running.csv"
    ids = write_csv(stack, path, uuid.uuid4().hex[:6].upper())

    # A dry run tells each row and writes nothing.
    status, out, _ = await lifecycle_import(stack, path, "--dry-run")
    assert status == 1
    lines = out.strip().splitlines()
    assert lines[-1] == "imported 5, unchanged 0, refused 4"
    for number, phase in enumerate(ROWS, start=2):
        assert f"line {number}: {ids[phase]} would be imported: {phase}" in out
    assert (await stack.api.get(f"/v1/assignments/{ids['active']}")).status_code == 404

    status, out, _ = await lifecycle_import(stack, path)
    assert status == 1
    lines = out.strip().splitlines()
    assert lines[-1] == "imported 5, unchanged 0, refused 4"
    refused = lines[:-1]
    assert [line.split(":", 1)[0] for line in refused] == [f"line {n}" for n in (7, 8, 9, 10)]
    assert "freelancer_email" in refused[0]
    assert "end_date: must not be before start_date" in refused[1]
    assert "typewriter" in refused[2]
    assert "more cells than the header" in refused[3]

    for phase, (_, _, term, _) in ROWS.items():
        found = await stack.assignment(ids[phase])
        assert (found["phase"], found["term"]) == (phase, term)

    # Access without a welcome: the account is open for those who work (or are about to).
    for phase in ("onboarding", "active", "renewal_review"):
        await eventually(lambda a=ids[phase]: stack.scim_user(a), lambda u: u[0] is True,
                         f"{phase} active at the IdP")  # fmt: skip
    assert (await stack.scim_user(ids["offboarding"]))[0] is not True
    # The mails the import sends arrive; nothing whose moment has passed does.
    for phase, (_, _, _, sent) in ROWS.items():
        await eventually(lambda a=ids[phase]: received(stack, a), lambda k, s=sent: s <= k,
                         f"the import's mails for {phase}")  # fmt: skip
    await asyncio.sleep(2)  # room for a mail that should not come
    for phase, (_, _, _, sent) in ROWS.items():
        assert kinds(stack, ids[phase]) == sent, phase
    assert not any(NEVER_LATE & kinds(stack, a) for a in ids.values())

    # The same file again: nothing changes, nothing more is sent.
    before = ours(stack, ids)
    status, out, _ = await lifecycle_import(stack, path)
    assert status == 1
    assert out.strip().splitlines()[-1] == "imported 0, unchanged 5, refused 4"
    await asyncio.sleep(1)
    assert ours(stack, ids) == before


async def test_a_file_without_its_columns_is_one_line(stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("assignment_id,freelancer,colour\nA-1,someone,blue\n", encoding="utf-8")
    status, out, err = await lifecycle_import(stack, path)
    assert status == 1 and out == ""
    line = err.strip()
    assert line.startswith("lifecycle: error: ") and "\n" not in line
    assert "missing column(s) freelancer_name" in line and "unknown column(s) freelancer" in line
