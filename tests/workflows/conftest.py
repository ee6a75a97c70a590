"""Workflow tests: the time-skipping test server, a real worker, real activities on PostgreSQL.

Each test's workflows run on a deployment clock that shows the tests' instant
(`tests.clock.clock_start()`) at the moment the test begins, whatever the test server's time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from core.clock import Clock
from core.settings import Settings
from tests.clock import TIMEZONE, clock_start
from tests.conftest import temporal_test_server
from tests.factories import make_assignment as make_assignment  # the tests take it from here
from worker import build_worker
from workflows.assignment import AssignmentWorkflow
from workflows.types import (
    Assignment,
    AssignmentState,
    AssignmentWorkflowInput,
    ClockSpec,
    Imported,
    Policy,
    workflow_id_for,
)

T = TypeVar("T")
HISTORIES = Path(__file__).parent.parent / "histories"


@pytest.fixture(scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(),
        data_converter=pydantic_data_converter,
    ) as environment:
        yield environment


@pytest.fixture
def settings() -> Settings:
    return Settings(
        secret_key="test-secret",
        hr_email="hr@client.example",
        tools=["chat", "wiki", "email", "calendar", "payroll-suite"],
        _env_file=None,  # type: ignore[call-arg]
    )


class Lifecycle:
    """Drives one assignment through the test server and reads what a user would see."""

    def __init__(self, env: WorkflowEnvironment, pool: Any, task_queue: str, clock: Clock) -> None:
        self.env = env
        self.client: Client = env.client
        self.pool = pool
        self.task_queue = task_queue
        self.clock = clock
        self.started: list[str] = []

    async def clock_shows(self, start: datetime) -> None:
        """Sets the deployment clock to show `start` now (before any workflow is started)."""
        assert not self.started, "the clock is set before the test starts workflows"
        self.clock = Clock(await self.env.get_current_time(), start=start)

    async def today(self) -> date:
        """Today on the deployment's clock, in the assignments' timezone."""
        return self.clock.today(TIMEZONE, await self.env.get_current_time())

    async def now(self) -> datetime:
        return self.clock.now(await self.env.get_current_time())

    async def start(
        self,
        assignment: Assignment,
        *,
        imported: Imported | None = None,
        policy: Policy | None = None,
    ) -> WorkflowHandle[Any, Any]:
        """Signs the assignment (following `policy`, by default the standard one); or,
        `imported`, brings it in already running."""
        spec = ClockSpec(anchor=self.clock.anchor, speed=self.clock.speed, start=self.clock.start)
        self.started.append(workflow_id_for(assignment.assignment_id))
        return await self.client.start_workflow(
            AssignmentWorkflow.run,
            AssignmentWorkflowInput(
                assignment=assignment, clock=spec, imported=imported, policy=policy or Policy()
            ),
            id=workflow_id_for(assignment.assignment_id),
            task_queue=self.task_queue,
        )

    def handle(self, workflow_id: str) -> WorkflowHandle[Any, AssignmentState]:
        """The latest run of the assignment's workflow (after continue-as-new too)."""
        return self.client.get_workflow_handle_for(AssignmentWorkflow.run, workflow_id)

    async def stop_all(self) -> None:
        """Leaves no running workflow behind: a timer nobody serves stalls time skipping. Each
        is terminated once its activities are done: the test server holds its clock while an
        activity is in flight, and one cut off by the termination would hold it for good."""
        for workflow_id in self.started:
            handle = self.client.get_workflow_handle(workflow_id)
            with contextlib.suppress(Exception):
                idle = 0
                for _ in range(200):
                    raw = (await handle.describe()).raw_description
                    busy = raw.pending_activities or raw.HasField("pending_workflow_task")
                    idle = 0 if busy else idle + 1
                    if idle == 3:
                        break
                    await asyncio.sleep(0.05)
                await handle.terminate("test over")

    async def state(self, handle: WorkflowHandle[Any, Any]) -> AssignmentState:
        fresh = self.client.get_workflow_handle(handle.id)
        return await fresh.query(AssignmentWorkflow.get_state)

    async def eventually(
        self, probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], what: str
    ) -> T:
        """Polls in real time until the observation holds (the worker needs a moment)."""
        last: Any = None
        deadline = asyncio.get_running_loop().time() + 30
        while asyncio.get_running_loop().time() < deadline:
            last = await probe()
            if check(last):
                return last
            await asyncio.sleep(0.05)
        raise AssertionError(f"never saw {what}; last: {last!r}")

    async def phase(self, handle: WorkflowHandle[Any, Any], phase: str) -> AssignmentState:
        """The state once the workflow is in `phase` and the step that got it there is done: a
        step records the read model last, after its mails and access changes."""
        state = await self.eventually(
            lambda: self.state(handle), lambda s: s.phase == phase, f"phase {phase}"
        )
        assignment_id = state.assignment.assignment_id
        await self.eventually(
            lambda: self.row(assignment_id),
            lambda r: r is not None and r["phase"] == phase,
            f"phase {phase} recorded",
        )
        return await self.state(handle)  # read again: the step has now done all it does

    async def skip_to(self, at: datetime) -> None:
        """Moves the test server's clock until the deployment's shows `at` (a little past it)."""
        delta = self.clock.to_real_delay(at - await self.now())
        if delta > timedelta(0):
            await self.env.sleep(delta + timedelta(seconds=1))

    async def save_history(self, handle: WorkflowHandle[Any, Any], name: str) -> None:
        """With LIFECYCLE_SAVE_HISTORIES=<release> (e.g. `2-independent-effects`), keeps this
        run's history as tests/histories/<release>/<name>.json for the replay test."""
        release = os.environ.get("LIFECYCLE_SAVE_HISTORIES")
        if not release:
            return
        run = self.client.get_workflow_handle(handle.id, run_id=handle.result_run_id)
        history = await run.fetch_history()
        (HISTORIES / release).mkdir(parents=True, exist_ok=True)
        (HISTORIES / release / f"{name}.json").write_text(history.to_json())

    async def row(self, assignment_id: str) -> Any:
        return await self.pool.fetchrow(
            "SELECT * FROM assignment WHERE assignment_id = $1", assignment_id
        )

    async def timeline(self, assignment_id: str) -> list[Any]:
        return await self.pool.fetch(
            "SELECT * FROM timeline_entry WHERE assignment_id = $1 ORDER BY at, recorded_at",
            assignment_id,
        )

    async def mails(self, assignment_id: str) -> list[Any]:
        return await self.pool.fetch(
            "SELECT * FROM mail_message WHERE assignment_id = $1 ORDER BY created_at",
            assignment_id,
        )

    async def mail_kinds(self, assignment_id: str) -> list[str]:
        return [m["kind"] for m in await self.mails(assignment_id)]

    async def ledger(self, assignment_id: str) -> dict[str, str]:
        rows = await self.pool.fetch(
            "SELECT tool, status FROM access_grant WHERE assignment_id = $1", assignment_id
        )
        return {r["tool"]: r["status"] for r in rows}


@pytest.fixture
async def lifecycle(
    env: WorkflowEnvironment, pool: Any, settings: Settings
) -> AsyncIterator[Lifecycle]:
    task_queue = f"test-{uuid.uuid4().hex[:8]}"
    clock = Clock(await env.get_current_time(), start=clock_start())
    async with build_worker(env.client, pool, settings, task_queue=task_queue):
        driver = Lifecycle(env, pool, task_queue, clock)
        try:
            yield driver
        finally:
            await driver.stop_all()
