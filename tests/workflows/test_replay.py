"""Histories of every released workflow version still replay: a change that breaks running
assignments fails here, not in production. Each release keeps its own folder
(tests/histories/<release>/); a release that changes the workflow (behind `workflow.patched`)
adds a folder with LIFECYCLE_SAVE_HISTORIES=<release> and never rewrites an older one."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import workflow_runner
from workflows.assignment import AssignmentWorkflow

ROOT = Path(__file__).parent.parent / "histories"
HISTORIES = sorted(ROOT.glob("*/*.json"))
RELEASES = sorted(p.name for p in ROOT.iterdir() if p.is_dir())


def test_histories_are_kept() -> None:
    releases = ["1-first-contract", "2-independent-effects", "3-read-model", "4-ledger-batches"]
    assert RELEASES[: len(releases)] == releases
    for release in RELEASES:
        names = {p.stem for p in HISTORIES if p.parent.name == release}
        expected = {"whole-story-term-1", "whole-story-term-2", "cancelled", "no-decision"}
        assert expected <= names, release


@pytest.fixture
def history_text(path: Path) -> str:
    return path.read_text()


@pytest.mark.parametrize("path", HISTORIES, ids=[f"{p.parent.name}/{p.stem}" for p in HISTORIES])
async def test_replays_without_nondeterminism(path: Path, history_text: str) -> None:
    history = WorkflowHistory.from_json(path.stem, history_text)
    replayer = Replayer(
        workflows=[AssignmentWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
