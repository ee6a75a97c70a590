"""The checklists of an assignment: what the manager does to welcome a freelancer like staff,
and to say goodbye so they leave as an ambassador. The tasks' ids, their phase and their order are
here; their titles, in every language the mails and the UI speak, are the catalogue's
`checklist.<task id>` (locale/*/LC_MESSAGES/checklists.po). The workflow records the English
title."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Literal

from temporalio import workflow

from core import i18n
from workflows.types import Task


class Checklist(Mapping[str, dict[str, str]]):
    """One phase's tasks in order: task id → its title in every language (`{"en": …, …}`)."""

    def __init__(self, *task_ids: str) -> None:
        self.task_ids = task_ids

    def __getitem__(self, task_id: str) -> dict[str, str]:
        if task_id not in self.task_ids:
            raise KeyError(task_id)
        return {language: _title(task_id, language) for language in i18n.LANGUAGES}

    def __contains__(self, task_id: object) -> bool:
        return task_id in self.task_ids

    def __iter__(self) -> Iterator[str]:
        return iter(self.task_ids)

    def __len__(self) -> int:
        return len(self.task_ids)

    def tasks(self, phase: Literal["onboarding", "offboarding"]) -> list[Task]:
        """The checklist as the assignment's open tasks, titled in English."""
        return [Task(task_id=tid, title=_title(tid, "en"), phase=phase) for tid in self.task_ids]


ONBOARDING = Checklist("prepare-access", "plan-kickoff", "team-rituals", "introductions")
OFFBOARDING = Checklist("knowledge-transfer", "handover-documents", "exit-conversation")


def title(task_id: str, language: str, recorded: str) -> str:
    """The task's title in `language`; the recorded (English) title for a task not listed."""
    if task_id in ONBOARDING or task_id in OFFBOARDING:
        return _title(task_id, language)
    return recorded


def _title(task_id: str, language: str) -> str:
    # The catalogues are read once per process, at first use, which in a worker may be a workflow
    # task: inside the sandbox, Babel must pass through (not be loaded again for every run) and
    # reading its files be allowed. Outside a workflow these two do nothing.
    with workflow.unsafe.imports_passed_through(), workflow.unsafe.sandbox_unrestricted():
        return i18n.gettext(language, f"checklist.{task_id}")
