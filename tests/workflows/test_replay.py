"""Histories of released workflow versions still replay: a change that breaks running
assignments fails here, not in production. Refresh them with LIFECYCLE_SAVE_HISTORIES=1 only
when a change is meant to be compatible (patched with `workflow.patched`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import workflow_runner
from workflows.assignment import AssignmentWorkflow

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def test_histories_are_kept() -> None:
    names = {p.stem for p in HISTORIES}
    assert {"whole-story-term-1", "whole-story-term-2", "cancelled", "no-decision"} <= names


@pytest.fixture
def history_text(path: Path) -> str:
    return path.read_text()


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_replays_without_nondeterminism(path: Path, history_text: str) -> None:
    history = WorkflowHistory.from_json(path.stem, history_text)
    replayer = Replayer(
        workflows=[AssignmentWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
