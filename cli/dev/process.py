"""One real child process of `lifecycle dev`: in its own process group so that stopping it stops
whatever it started too, its output echoed with a name prefix and kept in its log file, stopped
with SIGTERM, then SIGKILL when it does not end in time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import structlog

from cli.errors import CliError

log = structlog.get_logger("lifecycle.cli")

STOP_TIMEOUT = 15.0  # SIGTERM, then SIGKILL after this many seconds (the worker drains 10 s)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _pdeathsig() -> Callable[[], None] | None:
    """On Linux, a child gets SIGTERM if `dev` itself dies without cleaning up (SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def set_deathsig() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)

    return set_deathsig


def _killpg(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


@dataclass
class Child:
    """One supervised child process, in its own process group, its output echoed and kept."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    echo: IO[str] | None
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    last_line: str = ""
    _pump: asyncio.Task[None] | None = None
    _log: IO[str] | None = None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    def _open_log(self) -> IO[str]:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "a", encoding="utf-8")  # closed in stop()
        out.write(f"----- {datetime.now(UTC).isoformat()} starting: {' '.join(self.argv)}\n")
        out.flush()
        return out

    async def start(self) -> None:
        self._log = self._open_log()
        self.started_at = time.time()
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its children
            preexec_fn=_pdeathsig(),
        )
        self._pump = asyncio.create_task(self._pump_output(), name=f"pump-{self.name}")

    async def wait(self) -> int:
        """Its exit status, once it has ended (it must have been started)."""
        assert self.process is not None, f"{self.name} was never started"
        return await self.process.wait()

    async def _pump_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        pending = b""
        while chunk := await self.process.stdout.read(65536):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                self._emit(line)
        if pending:
            self._emit(pending)

    def _emit(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").rstrip()
        if not text:
            return
        plain = _ANSI.sub("", text)
        self.last_line = plain
        if self._log is not None:
            self._log.write(plain + "\n")
            self._log.flush()
        if self.echo is not None:
            with contextlib.suppress(OSError, ValueError):
                self.echo.write(f"{self.name:<8} | {text}\n")
                self.echo.flush()

    def failure(self, when: str) -> CliError:
        """The one line that says this child ended `when` ("while starting", "unexpectedly")."""
        code = self.returncode or 0
        if code < 0:
            try:
                by = signal.Signals(-code).name
            except ValueError:
                by = f"signal {-code}"
            what = f"{self.name} was killed by {by} {when}"
        else:
            what = f"{self.name} exited with status {code} {when}"
            if self.last_line:  # usually the error it printed last
                what += f": {self.last_line[:300]}"
        return CliError(f"{what} (log: {self.log_path})")

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            _killpg(self.process.pid, signal.SIGKILL)

    async def stop(self, grace: float = STOP_TIMEOUT) -> None:
        """SIGTERM to the group, SIGKILL after `grace` seconds, then anything left in it."""
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            _killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                log.warning("dev.child_kill", child=self.name, after_seconds=grace)
                _killpg(process.pid, signal.SIGKILL)
                await process.wait()
        _killpg(process.pid, signal.SIGKILL)  # a grandchild that outlived its parent
        await self._close(process.returncode)

    async def _close(self, status: int | None) -> None:
        """Lets the pump read the last of its output, then closes the log."""
        if self._pump is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._pump, 5)
        if self._log is not None:
            self._log.write(f"----- stopped with status {status}\n")
            self._log.close()
            self._log = None
