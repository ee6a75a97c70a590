"""The `lifecycle` command as an operator runs it: real processes, a real PostgreSQL, the real
Temporal dev server; what is checked is what a user sees (exit status, the lines printed, the
API answering) and that nothing is left running afterwards."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent.parent
LIFECYCLE = (
    [str(BIN / "lifecycle")] if (BIN / "lifecycle").exists() else [sys.executable, "-m", "cli"]
)

DEV_BUDGET = 90.0  # seconds for a whole start / use / stop / restart / stop cycle


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment without any LIFECYCLE_* setting of the caller, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_")}
    env.update(overrides)
    return env


def run_cli(
    *args: str, cwd: Path, timeout: float = 60, **env: str
) -> subprocess.CompletedProcess[str]:
    # `cwd` is a fresh folder so that no .env of the repository is read.
    return subprocess.run(
        [*LIFECYCLE, *args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lifecycle: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


# --------------------------------------------------------------------------- dev


class Dev:
    """`lifecycle dev` as a subprocess, its output in files (never a full pipe)."""

    def __init__(self, home: Path, out_dir: Path, env: dict[str, str], *args: str) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = out_dir / "stdout"
        self.stderr_path = out_dir / "stderr"
        self.home = home
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.process = subprocess.Popen(
                [*LIFECYCLE, "dev", *args],
                cwd=out_dir,
                env=clean_env(LIFECYCLE_HOME=str(home), **env),
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # our Ctrl-C never reaches it by accident
            )

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def wait_ready(self, deadline: float) -> dict[str, str]:
        """The banner's `  Name   value` lines once it says it is ready."""
        while "Press Ctrl-C to stop." not in self.stdout:
            code = self.process.poll()
            assert code is None, f"dev exited with {code}:\n{self.stderr[-3000:]}"
            assert time.monotonic() < deadline, f"dev was not ready:\n{self.stderr[-3000:]}"
            time.sleep(0.2)
        banner: dict[str, str] = {}
        for line in self.stdout.splitlines():
            match = re.match(r"^  (\S[\w ]*?\S)\s{2,}(\S.*)$", line)
            if match:
                banner[match.group(1)] = match.group(2)
        return banner

    def family(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self, deadline: float) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=max(1.0, deadline - time.monotonic()))

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@contextmanager
def dev_running(home: Path, out_dir: Path, env: dict[str, str]) -> Iterator[Dev]:
    dev = Dev(home, out_dir, env)
    try:
        yield dev
    finally:
        dev.kill()  # only when the test failed before stopping it


def processes_of(home: Path) -> list[str]:
    """Every live process that belongs to this home: named in its command line (PostgreSQL,
    Temporal) or started with it as LIFECYCLE_HOME (the worker and the API)."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if proc.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            cmdline = " ".join(proc.info["cmdline"] or [])
            if str(home) in cmdline or proc.environ().get("LIFECYCLE_HOME") == str(home):
                found.append(f"{proc.pid}: {cmdline}")
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def assert_nothing_left(home: Path, family: list[psutil.Process]) -> None:
    alive = [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], [p.cmdline() for p in alive]
    assert processes_of(home) == []


def assignment_body(assignment_id: str, today: date) -> dict[str, object]:
    return {
        "assignment_id": assignment_id,
        "freelancer": {"name": "Sam Peeters", "email": "sam@example.org"},
        "manager": {"name": "Lea Janssens", "email": "lea@client.example"},
        "team": "Payroll",
        "role": "Payroll consultant",
        "purpose": "Keep payroll running while the team migrates.",
        "start_date": (today + timedelta(days=30)).isoformat(),
        "end_date": (today + timedelta(days=120)).isoformat(),
        "tools": ["chat", "wiki"],
        "timezone": "Europe/Brussels",
    }


def test_dev_runs_stops_cleanly_and_keeps_its_data(tmp_path: Path) -> None:
    started = time.monotonic()
    deadline = started + DEV_BUDGET
    home = tmp_path / "home"
    http_port = free_port()
    env = {
        "LIFECYCLE_HTTP_PORT": str(http_port),
        "LIFECYCLE_DEV_TEMPORAL_PORT": str(free_port()),
        "LIFECYCLE_DEV_UI_PORT": str(free_port()),
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
        body = assignment_body("CLI-DEV-0001", date.fromisoformat(clock.json()["today"]))
        created = httpx.post(f"{api}/v1/assignments", json=body, headers=auth, timeout=30)
        assert created.status_code == 201, created.text

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


def test_a_tool_catalogue_is_a_comma_separated_list_and_bad_json_one_line() -> None:
    from core.settings import Settings

    os.environ["LIFECYCLE_TOOLS"] = "chat, wiki,payroll-suite"
    try:
        assert Settings(_env_file=None).tools == ["chat", "wiki", "payroll-suite"]  # type: ignore[call-arg]
    finally:
        del os.environ["LIFECYCLE_TOOLS"]
    result = subprocess.run(
        [*LIFECYCLE, "migrate"],
        env={**os.environ, "LIFECYCLE_POLICY": "not json"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("lifecycle: error: invalid setting")
