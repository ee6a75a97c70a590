"""A small supervisor of child processes, in the way of honcho's Manager: it starts children in
waves, watches them, and stops them in order. It takes its process class as a parameter, so a
fake child tests it without real processes."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, NamedTuple, NoReturn, Protocol

import structlog

from cli.dev.process import Child
from cli.errors import CliError

log = structlog.get_logger("lifecycle.cli")

START_TIMEOUT = 60.0  # per service


class Process(Protocol):
    """What the supervisor needs of a child (`cli.dev.process.Child` is the real one)."""

    name: str
    log_path: Path
    started_at: float  # when it was started (time.time())

    @property
    def pid(self) -> int | None: ...

    @property
    def returncode(self) -> int | None: ...

    async def start(self) -> None: ...

    async def wait(self) -> int: ...

    def failure(self, when: str) -> CliError: ...

    def kill(self) -> None: ...

    async def stop(self) -> None: ...


ProcessClass = Callable[[str, list[str], dict[str, str], Path, IO[str] | None], Process]


class Command(NamedTuple):
    """A child to start: its name (its log is `<name>.log`), argv and environment."""

    name: str
    argv: list[str]
    env: dict[str, str]


class Supervisor:
    """Children started in waves; a stop stops the last wave first, the children of a wave at
    once (the worker and the API before the Temporal server they use)."""

    def __init__(
        self,
        log_dir: Path,
        echo: IO[str] | None = None,
        process_class: ProcessClass = Child,
    ) -> None:
        self.log_dir = log_dir
        self.echo = echo
        self.process_class = process_class
        self.waves: list[list[Process]] = []
        self._stopping = asyncio.Event()
        self._stop_requests = 0

    @property
    def children(self) -> list[Process]:
        return [child for wave in self.waves for child in wave]

    async def start(self, *commands: Command) -> list[Process]:
        """Starts one wave of children, in the order given."""
        wave: list[Process] = []
        self.waves.append(wave)
        for name, argv, env in commands:
            child = self.process_class(name, argv, env, self.log_dir / f"{name}.log", self.echo)
            wave.append(child)
            await child.start()
        return wave

    @contextlib.contextmanager
    def stop_on(self, *signals: int) -> Iterator[None]:
        """Within it, each of `signals` is a stop request (a second one kills)."""
        loop = asyncio.get_running_loop()
        for signum in signals:
            loop.add_signal_handler(signum, self.request_stop, signum)
        try:
            yield
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)

    async def run(
        self,
        start: Callable[[], Awaitable[None]],
        *,
        before_stop: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Runs `start` (which starts the children), then watches them until a stop is requested
        (returns) or a child exits on its own (raises its failure). Either way every child is
        stopped on the way out, after `before_stop`."""
        try:
            await self._until_stop(start)
        finally:
            if before_stop is not None:
                await before_stop()
            await self.stop()

    async def _until_stop(self, start: Callable[[], Awaitable[None]]) -> None:
        main = asyncio.create_task(self._start_and_watch(start), name="dev")
        stop = asyncio.create_task(self._stopping.wait(), name="dev-stop")
        try:
            await asyncio.wait({main, stop}, return_when=asyncio.FIRST_COMPLETED)
            if main.done():
                main.result()  # a CliError when a start failed or a child died
                return
            main.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await main
        finally:
            stop.cancel()

    async def _start_and_watch(self, start: Callable[[], Awaitable[None]]) -> NoReturn:
        await start()
        await self.watch()

    async def watch(self) -> NoReturn:
        """Returns never; raises the failure of the first child that exits on its own."""
        waits = {asyncio.create_task(child.wait()): child for child in self.children}
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        raise waits[next(iter(done))].failure("unexpectedly")

    def request_stop(self, signum: int) -> None:
        """The first request stops in order; a second one (an impatient Ctrl-C) kills at once."""
        self._stop_requests += 1
        if self._stop_requests == 1:
            log.info("dev.stopping", signal=signal.Signals(signum).name)
            self._stopping.set()
        else:
            log.warning("dev.killing", signal=signal.Signals(signum).name)
            for child in self.children:
                child.kill()

    async def stop(self) -> None:
        """Stops every child: the last wave first, the children of one wave at once."""
        for wave in reversed(self.waves):
            await asyncio.gather(*(child.stop() for child in wave))


async def wait_ready(
    child: Process, what: str, ready: Callable[[], Awaitable[bool]], interval: float = 0.3
) -> None:
    """Polls `ready` until it says yes; a child that ends meanwhile, or takes longer than
    START_TIMEOUT, is a one-line failure."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if child.returncode is not None:
            raise child.failure("while starting")
        if await ready():
            log.info("dev.ready", service=what)
            return
        if time.monotonic() > deadline:
            raise CliError(
                f"{what} was not ready after {START_TIMEOUT:.0f} s (log: {child.log_path})"
            )
        await asyncio.sleep(interval)
