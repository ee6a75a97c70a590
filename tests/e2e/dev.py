"""`lifecycle` as an operator runs it, for the end-to-end tests: one command at a time, or
`lifecycle dev` as a subprocess (its output in files), and what it leaves running."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent.parent
LIFECYCLE = (
    [str(BIN / "lifecycle")] if (BIN / "lifecycle").exists() else [sys.executable, "-m", "cli"]
)


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
def dev_running(home: Path, out_dir: Path, env: dict[str, str], *args: str) -> Iterator[Dev]:
    dev = Dev(home, out_dir, env, *args)
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
