"""Checklists that follow up, as their people's mailboxes see them at the SMTP server: a task
still open the day after its due day reaches its owner once (the manager's in one mail, the
buddy's in another), and HR once a day later, without the tasks done in the meantime. The team
follows a policy of its own (tests/effects/conftest.py POLICIES)."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import pytest

from tests.effects.conftest import CLOSE_TEAM, Stack, eventually
from tests.factories import BUDDY, HR, MANAGER

pytestmark = pytest.mark.slow


async def mails_of(stack: Stack, kind: str, assignment_id: str, count: int) -> list[EmailMessage]:
    async def found() -> list[EmailMessage]:
        return [r.message for r in stack.mails(kind, assignment_id)]

    return await eventually(found, lambda got: len(got) >= count, f"{count} {kind} mail(s)")


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def complete(stack: Stack, assignment_id: str, task_id: str) -> None:
    answer = await stack.api.post(f"/v1/assignments/{assignment_id}/tasks/{task_id}/completion")
    assert answer.status_code == 200, answer.text


async def test_a_late_task_reaches_its_owner_once_then_hr_once(stack: Stack) -> None:
    assignment_id = await stack.create("TASKS", start=0, end=60, team=CLOSE_TEAM)
    created = await stack.assignment(assignment_id)
    assert created["policy"] == "close-follow-up"
    assert {(t["task_id"], t["owner"], t["due_date"]) for t in created["tasks"]} == {
        ("prepare-access", "manager", stack.today().isoformat()),
        ("team-rituals", "buddy", stack.today().isoformat()),
        ("introductions", "manager", stack.today().isoformat()),
    }
    await complete(stack, assignment_id, "introductions")  # done on the day: never reminded

    reminders = await mails_of(stack, "task_reminder", assignment_id, 2)
    by_to = {m["To"]: m for m in reminders}
    to_manager = next(m for to, m in by_to.items() if MANAGER.email in to)
    to_buddy = next(m for to, m in by_to.items() if BUDDY.email in to)
    assert "Check that every tool works" in body(to_manager)
    assert "Introduce the freelancer" not in body(to_manager)
    assert "team's rituals" in body(to_buddy) and "Check that every tool" not in body(to_buddy)
    assert f"/assignments/{assignment_id}#tasks" in body(to_manager)

    await complete(stack, assignment_id, "team-rituals")  # the buddy's, after the reminder
    (escalation,) = await mails_of(stack, "task_escalation", assignment_id, 1)
    assert HR.email in escalation["To"] and MANAGER.email in escalation["Cc"]
    text = body(escalation)
    assert f"Check that every tool works with the freelancer's own address: {MANAGER.name}" in text
    assert "team's rituals" not in text and "Introduce the freelancer" not in text

    start = stack.today()

    async def today() -> date:
        return stack.today()

    await eventually(today, lambda day: (day - start).days >= 2, "two more days")
    assert len(stack.mails("task_reminder", assignment_id)) == 2  # once each
    assert len(stack.mails("task_escalation", assignment_id)) == 1
    tasks = {t["task_id"]: t for t in (await stack.assignment(assignment_id))["tasks"]}
    assert tasks["prepare-access"]["reminded_at"] and tasks["prepare-access"]["escalated_at"]
    assert tasks["team-rituals"]["done"] and tasks["team-rituals"]["escalated_at"] is None
