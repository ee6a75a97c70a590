"""The `lifecycle` command as an operator runs it: real processes, a real PostgreSQL, the real
Temporal dev server; what is checked is what a user sees (exit status, the lines printed, the
API answering) and that nothing is left running afterwards."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.clock import clock_start
from tests.e2e.dev import (
    LIFECYCLE,
    ROOT,
    assert_nothing_left,
    assert_one_line_error,
    clean_env,
    dev_running,
    free_port,
    processes_of,
    run_cli,
)
from tests.factories import create_body

DEV_BUDGET = 90.0  # seconds for a whole start / use / stop / restart / stop cycle


# --------------------------------------------------------------------------- expected failures


@pytest.mark.parametrize(
    ("args", "missing"),
    [
        (["migrate"], "LIFECYCLE_DATABASE_URL"),
        (["keys", "create", "--name", "ci", "--role", "admin"], "LIFECYCLE_DATABASE_URL"),
        (["api"], "LIFECYCLE_TEMPORAL_ADDRESS and LIFECYCLE_DATABASE_URL"),
        (["worker"], "LIFECYCLE_TEMPORAL_ADDRESS and LIFECYCLE_DATABASE_URL"),
    ],
)
def test_a_missing_setting_is_one_line(tmp_path: Path, args: list[str], missing: str) -> None:
    result = run_cli(*args, cwd=tmp_path)
    assert_one_line_error(result, missing, "not set")
    assert result.stdout == ""


def test_python_worker_py_is_lifecycle_worker(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "worker.py")],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert_one_line_error(result, "LIFECYCLE_TEMPORAL_ADDRESS and LIFECYCLE_DATABASE_URL")


def test_an_unknown_role_is_refused(tmp_path: Path) -> None:
    result = run_cli(
        "keys", "create", "--name", "ci", "--role", "nobody", cwd=tmp_path,
        LIFECYCLE_DATABASE_URL="postgresql://nobody@127.0.0.1:1/nothing",
    )  # fmt: skip
    assert result.returncode == 2
    assert_one_line_error(result, "--role", "'nobody'", "contracting")


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path: Path) -> None:
    dsn = f"postgresql://lifecycle:hunter2@127.0.0.1:{free_port()}/lifecycle"
    result = run_cli("migrate", cwd=tmp_path, LIFECYCLE_DATABASE_URL=dsn)
    line = assert_one_line_error(result, "cannot reach PostgreSQL")
    assert "hunter2" not in line


def test_an_invalid_setting_is_one_line(tmp_path: Path) -> None:
    result = run_cli("migrate", cwd=tmp_path, LIFECYCLE_CLOCK_SPEED="0")
    assert_one_line_error(result, "LIFECYCLE_CLOCK_SPEED")


def test_the_roles_are_the_databases() -> None:
    import cli
    from db import api_keys

    assert set(cli.ROLES) == set(api_keys.ROLES)


# --------------------------------------------------------------------------- migrate, keys


def test_migrate_twice_applies_nothing_the_second_time(tmp_path: Path, database_url: str) -> None:
    first = run_cli("migrate", cwd=tmp_path, LIFECYCLE_DATABASE_URL=database_url)
    assert first.returncode == 0, first.stderr
    second = run_cli("migrate", cwd=tmp_path, LIFECYCLE_DATABASE_URL=database_url)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "nothing to apply: the database is up to date"


async def test_keys_create_prints_a_key_the_database_recognises(
    tmp_path: Path, database_url: str
) -> None:
    from db import api_keys

    migrated = run_cli("migrate", cwd=tmp_path, LIFECYCLE_DATABASE_URL=database_url)
    assert migrated.returncode == 0, migrated.stderr
    result = run_cli(
        "keys", "create", "--name", "payroll-sync", "--role", "contracting", cwd=tmp_path,
        LIFECYCLE_DATABASE_URL=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert result.stdout == key + "\n"  # only the key on stdout
    assert key.startswith("lc_")
    assert key not in result.stderr
    assert "shown only this once" in result.stderr

    conn = await asyncpg.connect(database_url)
    try:
        found = await api_keys.find(conn, key)
        stored = await conn.fetchval("SELECT count(*) FROM api_key WHERE key_hash = $1", key)
    finally:
        await conn.close()
    assert found is not None
    assert (found.name, found.role) == ("payroll-sync", "contracting")
    assert stored == 0  # the plain key is never stored


async def test_keys_are_listed_with_their_last_use_and_revoked_by_name(
    tmp_path: Path, database_url: str
) -> None:
    from db import api_keys

    assert run_cli("migrate", cwd=tmp_path, LIFECYCLE_DATABASE_URL=database_url).returncode == 0
    name = f"hr-sync-{os.getpid()}-{time.monotonic_ns()}"
    made = run_cli(
        "keys", "create", "--name", name, "--role", "operator", cwd=tmp_path,
        LIFECYCLE_DATABASE_URL=database_url,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()

    def line_of_the_key() -> str:
        listed = run_cli("keys", "list", cwd=tmp_path, LIFECYCLE_DATABASE_URL=database_url)
        assert listed.returncode == 0, listed.stderr
        assert key not in listed.stdout  # never the key
        assert listed.stdout.splitlines()[0].split() == [
            "NAME",
            "ROLE",
            "CREATED",
            "LAST",
            "USED",
            "STATUS",
        ]
        (line,) = [x for x in listed.stdout.splitlines() if x.startswith(name + " ")]
        return line

    assert line_of_the_key().split()[-2:] == ["never", "active"]
    conn = await asyncpg.connect(database_url)
    try:
        assert await api_keys.find(conn, key) is not None  # the key is used once
    finally:
        await conn.close()
    used = line_of_the_key()
    assert "never" not in used and used.endswith("active")

    revoked = run_cli("keys", "revoke", name, cwd=tmp_path, LIFECYCLE_DATABASE_URL=database_url)
    assert revoked.returncode == 0, revoked.stderr
    assert (
        revoked.stdout.strip()
        == f"revoked 1 API key(s) named {name!r} (operator): they stop working now"
    )
    assert " revoked " in line_of_the_key()
    again = run_cli("keys", "revoke", name, cwd=tmp_path, LIFECYCLE_DATABASE_URL=database_url)
    assert_one_line_error(again, f"no active API key named {name!r}")

    conn = await asyncpg.connect(database_url)
    try:
        assert await api_keys.find(conn, key) is None
        trail = await conn.fetch(
            "SELECT actor, action FROM audit WHERE detail ->> 'name' = $1 ORDER BY id", name
        )
    finally:
        await conn.close()
    assert [r["action"] for r in trail] == ["key_created", "key_revoked"]
    assert all(r["actor"].startswith("cli:") for r in trail)


# --------------------------------------------------------------------------- dev


def assignment_body(assignment_id: str, today: date) -> dict[str, object]:
    """The tests' assignment (tests/factories.py) with two of dev's tools, starting in 30 days."""
    start, end = today + timedelta(days=30), today + timedelta(days=120)
    return create_body(assignment_id, start, end, tools=["chat", "wiki"])


def test_dev_runs_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    started = time.monotonic()
    deadline = started + DEV_BUDGET
    home = tmp_path / "home"
    http_port = free_port()
    start = clock_start()
    env = {
        "LIFECYCLE_HTTP_PORT": str(http_port),
        "LIFECYCLE_DEV_TEMPORAL_PORT": str(free_port()),
        "LIFECYCLE_DEV_UI_PORT": str(free_port()),
        "LIFECYCLE_CLOCK_START": start.isoformat(),
    }
    api = f"http://127.0.0.1:{http_port}"

    # First start: everything comes up, an assignment is created, SIGTERM stops it all.
    with dev_running(home, tmp_path / "first", env) as dev:
        banner = dev.wait_ready(deadline)
        assert banner["API"] == api
        assert banner["OpenAPI docs"] == f"{api}/docs"
        assert banner["Temporal UI"] == f"http://127.0.0.1:{env['LIFECYCLE_DEV_UI_PORT']}"
        admin_key, webhook_secret = banner["Admin key"], banner["Webhook secret"]
        assert webhook_secret.startswith("whsec_")
        assert len(base64.b64decode(webhook_secret.removeprefix("whsec_"))) == 32

        assert httpx.get(f"{api}/readyz", timeout=5).status_code == 200
        auth = {"Authorization": f"Bearer {admin_key}"}
        clock = httpx.get(f"{api}/v1/clock", headers=auth, timeout=5)
        assert clock.status_code == 200, clock.text
        assert datetime.fromisoformat(clock.json()["start"]) == start
        assert (
            banner["Clock"]
            == f"started at {start.astimezone(UTC).isoformat()} (for tests and demos)"
        )
        # The clock is not the wall clock: each process says so as it starts.
        assert "not_the_wall_clock" in dev.stderr
        body = assignment_body("CLI-DEV-0001", date.fromisoformat(clock.json()["today"]))
        created = httpx.post(f"{api}/v1/assignments", json=body, headers=auth, timeout=30)
        assert created.status_code == 201, created.text
        # The worker's own endpoint: Temporal's SDK metrics with the engine's, and its health.
        metrics = banner["Worker metrics"]
        assert httpx.get(metrics.replace("/metrics", "/health"), timeout=5).json()["status"] == "ok"

        wanted = (
            'lifecycle_assignments{phase="scheduled"} 1',  # read from PostgreSQL at the scrape
            'lifecycle_worker_mails_total{kind="manager_checklist",outcome="kept"} 1.0',
            "temporal_worker_task_slots_available",  # the SDK's own
        )
        text = ""
        while time.monotonic() < deadline:
            text = httpx.get(metrics, timeout=5).text
            if all(w in text for w in wanted):
                break
            time.sleep(0.3)
        assert all(w in text for w in wanted), text[-1500:]

        family = dev.family()
        assert len(family) >= 3  # temporal, worker, api (PostgreSQL is pg_ctl's, not ours)
        assert processes_of(home)
        assert dev.stop(deadline) == 0, dev.stderr[-3000:]
    assert_nothing_left(home, family)

    saved = json.loads((home / "secrets.json").read_text())
    assert saved["admin_key"] == admin_key
    assert (home / "secrets.json").stat().st_mode & 0o777 == 0o600
    for name in ("temporal", "worker", "api"):
        assert (home / "logs" / f"{name}.log").stat().st_size > 0

    # Second start on the same home: the same key works and the assignment is still there.
    with dev_running(home, tmp_path / "second", env) as dev:
        banner = dev.wait_ready(deadline)
        assert banner["Admin key"] == admin_key
        assert banner["Webhook secret"] == webhook_secret
        again = httpx.get(f"{api}/v1/assignments/CLI-DEV-0001", headers=auth, timeout=10)
        assert again.status_code == 200, again.text
        assert again.json()["assignment_id"] == "CLI-DEV-0001"
        repeated = httpx.post(f"{api}/v1/assignments", json=body, headers=auth, timeout=30)
        assert repeated.status_code == 200, repeated.text

        family = dev.family()
        assert dev.stop(deadline) == 0, dev.stderr[-3000:]
    assert_nothing_left(home, family)

    # A third start that would move the clock is refused before the worker or the API runs
    # (what dev had started is stopped again).
    moved = {**env, "LIFECYCLE_CLOCK_START": (start + timedelta(days=1)).isoformat()}
    result = run_cli("dev", cwd=tmp_path, timeout=60, LIFECYCLE_HOME=str(home), **moved)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("lifecycle: error: LIFECYCLE_CLOCK_START is"), last
    assert "would move every running assignment" in last
    assert "api      | " not in result.stderr and "worker   | " not in result.stderr
    assert processes_of(home) == []
    assert time.monotonic() - started < DEV_BUDGET


@pytest.mark.parametrize(
    ("taken", "hint"),
    [
        ("LIFECYCLE_HTTP_PORT", "(set LIFECYCLE_HTTP_PORT)"),
        ("LIFECYCLE_DEV_TEMPORAL_PORT", "(set LIFECYCLE_DEV_TEMPORAL_PORT"),
        ("LIFECYCLE_DEV_UI_PORT", "(set LIFECYCLE_DEV_UI_PORT)"),
    ],
)
def test_dev_refuses_a_taken_port(tmp_path: Path, taken: str, hint: str) -> None:
    home = tmp_path / "home"
    env = {
        name: str(free_port())
        for name in ("LIFECYCLE_HTTP_PORT", "LIFECYCLE_DEV_TEMPORAL_PORT", "LIFECYCLE_DEV_UI_PORT")
    }
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env[taken] = str(port)
        result = run_cli("dev", cwd=tmp_path, timeout=30, LIFECYCLE_HOME=str(home), **env)
    assert_one_line_error(result, f"port {port} is already in use {hint}")
    assert result.stdout == ""
    assert not (home / "logs").exists()  # nothing was started
    assert processes_of(home) == []


def test_a_tool_catalogue_is_a_comma_separated_list_and_bad_settings_one_line(
    tmp_path: Path,
) -> None:
    from core.settings import Settings

    os.environ["LIFECYCLE_TOOLS"] = "chat, wiki,payroll-suite"
    try:
        assert Settings(_env_file=None).tools == ["chat", "wiki", "payroll-suite"]  # type: ignore[call-arg]
    finally:
        del os.environ["LIFECYCLE_TOOLS"]
    policies = tmp_path / "policies.toml"
    policies.write_text("[fast]\ncheckin_every_days = 0\n")
    for name, value, words in (
        ("LIFECYCLE_REVOKE_GUARD", "many", "invalid LIFECYCLE_REVOKE_GUARD: "),
        ("LIFECYCLE_POLICY", '{"checkin_every_days": 14}', "LIFECYCLE_POLICY is no longer read"),
        (
            "LIFECYCLE_POLICIES",
            str(policies),
            f"invalid LIFECYCLE_POLICIES: {policies}: [fast] checkin_every_days must be at least 1",
        ),
    ):
        result = subprocess.run(
            [*LIFECYCLE, "migrate"],
            env={**os.environ, name: value},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith(f"lifecycle: error: {words}"), result.stderr
        assert result.stderr.count("\n") == 1  # one line
