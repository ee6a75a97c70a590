"""The supervisor of `lifecycle dev` with fake children, as honcho tests its Manager: what it
starts, what it stops and in which order, and what it reports, without a real process."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO

import pytest

from cli.dev.supervisor import Command, Supervisor
from cli.errors import CliError

TEMPORAL = Command("temporal", ["temporal", "server", "start-dev"], {})
WORKER = Command("worker", ["lifecycle", "worker"], {})
API = Command("api", ["lifecycle", "api"], {})


class FakeChild:
    """A child that runs until the test makes it exit, or until it is stopped or killed. With
    `stubborn`, a SIGTERM is not enough: only a kill ends it."""

    def __init__(self, events: list[tuple[str, str]], stubborn: bool, name: str,
                 log_path: Path) -> None:  # fmt: skip
        self.events = events
        self.stubborn = stubborn
        self.name = name
        self.log_path = log_path
        self.started_at = 0.0
        self.pid: int | None = None
        self.returncode: int | None = None
        self._exited = asyncio.Event()

    async def start(self) -> None:
        self.events.append(("start", self.name))
        self.pid = 4000 + len(self.events)

    def exit(self, status: int) -> None:
        self.returncode = status
        self._exited.set()

    async def wait(self) -> int:
        await self._exited.wait()
        assert self.returncode is not None
        return self.returncode

    def failure(self, when: str) -> CliError:
        return CliError(f"{self.name} exited with status {self.returncode} {when}")

    def kill(self) -> None:
        self.events.append(("kill", self.name))
        self.exit(-signal.SIGKILL)

    async def stop(self) -> None:
        self.events.append(("stop", self.name))
        if not self.stubborn and self.returncode is None:
            await asyncio.sleep(0.01)  # the others of its wave stop meanwhile
            self.exit(-signal.SIGTERM)
        await self._exited.wait()
        self.events.append(("stopped", self.name))


class Fakes:
    """The process class given to the supervisor: makes fake children and keeps them."""

    def __init__(self, stubborn: bool = False) -> None:
        self.events: list[tuple[str, str]] = []
        self.stubborn = stubborn
        self.children: dict[str, FakeChild] = {}

    def __call__(
        self, name: str, argv: list[str], env: dict[str, str], log_path: Path, echo: IO[str] | None
    ) -> FakeChild:
        child = FakeChild(self.events, self.stubborn, name, log_path)
        self.children[name] = child
        return child


def supervisor(fakes: Fakes, tmp_path: Path) -> Supervisor:
    return Supervisor(tmp_path / "logs", echo=None, process_class=fakes)


def the_stack(sup: Supervisor, started: asyncio.Event) -> Callable[[], Awaitable[None]]:
    """What `lifecycle dev` starts: Temporal, then the worker and the API together."""

    async def start() -> None:
        await sup.start(TEMPORAL)
        await sup.start(WORKER, API)
        started.set()

    return start


async def running(
    sup: Supervisor, before_stop: Callable[[], Awaitable[None]] | None = None
) -> asyncio.Task[None]:
    """The supervisor running the stack, once every child has started."""
    started = asyncio.Event()
    start = the_stack(sup, started)
    run = asyncio.create_task(sup.run(start, before_stop=before_stop))
    await asyncio.wait_for(started.wait(), 5)
    return run


async def test_it_starts_every_child_in_order_with_its_log(tmp_path: Path) -> None:
    fakes = Fakes()
    sup = supervisor(fakes, tmp_path)
    run = await running(sup)

    assert fakes.events == [("start", "temporal"), ("start", "worker"), ("start", "api")]
    assert [child.name for child in sup.children] == ["temporal", "worker", "api"]
    assert fakes.children["api"].log_path == tmp_path / "logs" / "api.log"
    assert not run.done()
    sup.request_stop(signal.SIGTERM)
    await asyncio.wait_for(run, 5)


async def test_a_child_that_exits_on_its_own_stops_the_others_and_is_the_failure(
    tmp_path: Path,
) -> None:
    fakes = Fakes()
    sup = supervisor(fakes, tmp_path)
    run = await running(sup)

    fakes.children["worker"].exit(3)
    with pytest.raises(CliError) as failed:
        await asyncio.wait_for(run, 5)

    assert str(failed.value) == "worker exited with status 3 unexpectedly"
    assert ("stopped", "api") in fakes.events
    assert ("stopped", "temporal") in fakes.events
    assert not any(event == "kill" for event, _ in fakes.events)


async def test_a_stop_request_stops_every_child_in_order(tmp_path: Path) -> None:
    fakes = Fakes()
    sup = supervisor(fakes, tmp_path)
    left: list[str] = []

    async def before_stop() -> None:
        left.append(f"before any child stopped: {fakes.events[-1]}")

    run = await running(sup, before_stop=before_stop)
    sup.request_stop(signal.SIGINT)
    await asyncio.wait_for(run, 5)  # returns: a requested stop is no failure

    stops = fakes.events[3:]
    # The worker and the API at once (both asked before either has stopped), Temporal after.
    assert {name for _, name in stops[:2]} == {"worker", "api"}
    assert all(event == "stop" for event, _ in stops[:2])
    assert stops[-2:] == [("stop", "temporal"), ("stopped", "temporal")]
    assert left == ["before any child stopped: ('start', 'api')"]


async def test_a_second_stop_request_kills(tmp_path: Path) -> None:
    fakes = Fakes(stubborn=True)
    sup = supervisor(fakes, tmp_path)
    run = await running(sup)

    sup.request_stop(signal.SIGTERM)
    await asyncio.sleep(0.05)
    assert not run.done()  # the worker and the API do not end on a SIGTERM
    sup.request_stop(signal.SIGTERM)
    await asyncio.wait_for(run, 5)

    assert {name for event, name in fakes.events if event == "kill"} == {
        "temporal",
        "worker",
        "api",
    }
    assert fakes.events[-1] == ("stopped", "temporal")


async def test_a_start_that_fails_stops_what_was_started(tmp_path: Path) -> None:
    fakes = Fakes()
    sup = supervisor(fakes, tmp_path)

    async def start() -> None:
        await sup.start(TEMPORAL)
        raise CliError("the migrations failed")

    with pytest.raises(CliError, match="the migrations failed"):
        await asyncio.wait_for(sup.run(start), 5)
    assert fakes.events == [("start", "temporal"), ("stop", "temporal"), ("stopped", "temporal")]


async def test_a_signal_is_a_stop_request_and_a_second_one_kills(tmp_path: Path) -> None:
    fakes = Fakes(stubborn=True)
    sup = supervisor(fakes, tmp_path)
    with sup.stop_on(signal.SIGUSR1):
        run = await running(sup)
        os.kill(os.getpid(), signal.SIGUSR1)
        await asyncio.sleep(0.05)
        assert ("stop", "api") in fakes.events and not run.done()
        os.kill(os.getpid(), signal.SIGUSR1)
        await asyncio.wait_for(run, 5)
    assert ("kill", "api") in fakes.events
