"""A change sent at the moment a run hands over to its next term reaches the new run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.lifecycle import Lifecycle, Origin
from api.problems import Problem
from api.schemas import ExtensionCreate
from core.clock import Clock
from core.settings import Settings
from db import assignments
from tests.db.factories import make_state


class Run:
    def __init__(self, status: WorkflowExecutionStatus) -> None:
        self.status = status


class Handle:
    """A workflow handle whose first Update meets a run that just continued as new."""

    def __init__(self, state: Any, status: WorkflowExecutionStatus, fail: int) -> None:
        self.state, self.status, self.fail, self.sent = state, status, fail, 0

    async def start_update(self, *args: Any, **kwargs: Any) -> Handle:
        self.sent += 1
        if self.sent <= self.fail:
            raise RPCError("workflow execution already completed", RPCStatusCode.NOT_FOUND, b"")
        return self

    async def result(self, **kwargs: Any) -> Any:
        return self.state

    workflow_run_id = "run-2"

    async def describe(self) -> Run:
        return Run(self.status)


class Temporal:
    def __init__(self, handle: Handle) -> None:
        self.handle = handle

    def get_workflow_handle(self, workflow_id: str) -> Handle:
        return self.handle


def lifecycle(pool: Any, handle: Handle) -> Lifecycle:
    return Lifecycle(
        pool=pool,
        temporal=Temporal(handle),  # type: ignore[arg-type]
        settings=Settings(_env_file=None),  # type: ignore[call-arg]
        clock=Clock(datetime(2026, 1, 1, tzinfo=UTC)),
    )


async def test_a_change_during_continue_as_new_reaches_the_next_run(pool, unique_id) -> None:
    state = make_state(unique_id)
    await assignments.upsert_state(pool, state, "run-1")
    handle = Handle(state, WorkflowExecutionStatus.RUNNING, fail=1)

    answer = await lifecycle(pool, handle).extend(
        unique_id, ExtensionCreate(new_end_date=date(2027, 9, 30)), Origin("contracting")
    )

    assert handle.sent == 2 and answer.workflow.run_id == "run-2"


async def test_a_change_to_an_ended_assignment_is_409(pool, unique_id) -> None:
    state = make_state(unique_id)
    await assignments.upsert_state(pool, state, "run-1")
    handle = Handle(state, WorkflowExecutionStatus.COMPLETED, fail=1)

    with pytest.raises(Problem) as refused:
        await lifecycle(pool, handle).extend(
            unique_id, ExtensionCreate(new_end_date=date(2027, 9, 30)), Origin("contracting")
        )

    assert refused.value.status == 409 and handle.sent == 1
