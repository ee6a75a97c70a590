"""The checklists of an assignment: what its people do to welcome a freelancer like staff, and to
say goodbye so they leave as an ambassador. Which tasks, who does each and by which day is the
policy's (`Policy.onboarding_tasks`, `offboarding_tasks`; the contract's own in `workflows.types`
`STANDARD_ONBOARDING` / `STANDARD_OFFBOARDING`). A task the catalogue knows takes its titles, in
every language the mails and the UI speak, from `checklist.<task id>`
(locale/*/LC_MESSAGES/checklists.po); a policy's own task brings them. The workflow records the
English title."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Literal

from temporalio import workflow

from core import i18n
from workflows.types import Assignment, Task, TaskOwner, TaskSpec


def given(
    specs: Sequence[TaskSpec],
    phase: Literal["onboarding", "offboarding"],
    anchor: date,
    today: date,
    *,
    follow_up: bool = True,
    imported: bool = False,
) -> list[Task]:
    """The checklist as the assignment's open tasks, due `due_days` after `anchor` (the first
    day for onboarding, the last for offboarding). A task given after its due day is followed
    up from the day it is given; one an import brings in already late is not followed up
    (nothing whose moment passed is sent); without `follow_up` (runs from before it), tasks
    have neither a due day nor a follow-up."""
    tasks = []
    for spec in specs:
        due = anchor + timedelta(days=spec.due_days)
        follow_from = None if not follow_up or (imported and due < today) else max(due, today)
        tasks.append(
            Task(
                task_id=spec.id,
                title=spec.title.get(i18n.FALLBACK) or _title(spec.id, i18n.FALLBACK),
                phase=phase,
                owner=spec.owner,
                due=due if follow_up else None,
                follow_from=follow_from,
                titles=dict(spec.title),
            )
        )
    return tasks


def title(
    task_id: str, language: str, recorded: str, titles: Mapping[str, str] | None = None
) -> str:
    """A task's title in `language`: its policy's (`titles`), else the catalogue's, else the
    recorded (English) one."""
    if titles:
        return titles.get(language) or recorded
    translated = _title(task_id, language)
    return recorded if translated == f"checklist.{task_id}" else translated


def owner_of(task: Task, assignment: Assignment) -> TaskOwner:
    """Who is asked to do the task: its owner, the manager in place of a buddy the assignment
    does not name (HR is whoever handles escalations, `activities.mail.recipients.hr_person`)."""
    if task.owner == "buddy" and assignment.buddy is None:
        return "manager"
    return task.owner


def _title(task_id: str, language: str) -> str:
    # The catalogues are read once per process, at first use, which in a worker may be a workflow
    # task: inside the sandbox, Babel must pass through (not be loaded again for every run) and
    # reading its files be allowed. Outside a workflow these two do nothing.
    with workflow.unsafe.imports_passed_through(), workflow.unsafe.sandbox_unrestricted():
        return i18n.gettext(language, f"checklist.{task_id}")
