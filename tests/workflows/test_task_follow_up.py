"""Checklists that follow up: a task still open past its due day is reminded to its owner once
(one mail per owner, of all their late tasks), and HR is told once after the further delay; a
task done in the meantime is left out. Each policy has its own tasks, owners and due days; a
moved start moves the onboarding's due days. Mails are read from the outbox.

The deployment clock shows a Wednesday at 10:00 in Brussels; every date is relative to it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from tests.clock import BRUSSELS
from tests.factories import BUDDY, FREELANCER, HR, MANAGER
from tests.workflows.conftest import Lifecycle, make_assignment
from workflows.assignment import AssignmentWorkflow
from workflows.types import AmendInput, CompleteTaskInput, Policy, TaskSpec

NOW = datetime(2027, 3, 10, 10, 0, tzinfo=BRUSSELS)  # a Wednesday


def day(offset: int) -> date:
    return NOW.date() + timedelta(days=offset)


def at_nine(offset: int) -> datetime:
    return datetime.combine(day(offset), time(9), tzinfo=BRUSSELS)


async def follow_ups(lifecycle: Lifecycle, assignment_id: str, count: int) -> list[Any]:
    """The task reminders and escalations in the outbox, once there are `count` of them."""
    return await lifecycle.eventually(
        lambda: _follow_ups(lifecycle, assignment_id),
        lambda found: len(found) >= count,
        f"{count} task follow-up mails",
    )


async def _follow_ups(lifecycle: Lifecycle, assignment_id: str) -> list[Any]:
    mails = await lifecycle.mails(assignment_id)
    return [m for m in mails if m["kind"] in ("task_reminder", "task_escalation")]


async def complete(handle: Any, task_id: str) -> None:
    await handle.execute_update(
        AssignmentWorkflow.complete_task, CompleteTaskInput(task_id=task_id, actor="lea")
    )


async def test_a_late_task_reminds_its_owner_once_then_hr_once(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    await lifecycle.clock_shows(NOW)
    start = day(12)  # a Monday: the onboarding's tasks are due that day
    handle = await lifecycle.start(make_assignment(unique_id, start, day(120)))
    state = await lifecycle.phase(handle, "scheduled")
    assert {(t.task_id, t.owner, t.due) for t in state.tasks} == {
        ("prepare-access", "manager", start),
        ("plan-kickoff", "manager", start),
        ("team-rituals", "buddy", start),
        ("introductions", "manager", start),
    }
    assert not {t.kind for t in state.planned} & {"task_reminder", "task_escalation"}
    await complete(handle, "plan-kickoff")  # done in time: never reminded

    # The day after the due day, at the send hour: one mail per owner, of their own late tasks.
    await lifecycle.skip_to(at_nine(13))
    reminders = await follow_ups(lifecycle, unique_id, 2)
    by_owner = {m["occurrence"]: m for m in reminders}
    assert set(by_owner) == {f"{day(13)}_manager", f"{day(13)}_buddy"}
    to_manager, to_buddy = by_owner[f"{day(13)}_manager"], by_owner[f"{day(13)}_buddy"]
    assert to_manager["recipients"] == [MANAGER.email]
    assert to_buddy["recipients"] == [BUDDY.email]
    assert "2 tasks" in to_manager["subject"] and "1 task " in to_buddy["subject"]
    assert "Check that every tool works" in to_manager["body_text"]
    assert "Introduce the freelancer" in to_manager["body_text"]
    assert "Plan the kick-off" not in to_manager["body_text"]  # done
    assert "Add the freelancer to the team's rituals" in to_buddy["body_text"]
    await lifecycle.skip_to(at_nine(14))
    assert len(await _follow_ups(lifecycle, unique_id)) == 2  # reminded once, not every day

    # The buddy does theirs; two days later HR hears of the manager's two, once.
    await complete(handle, "team-rituals")
    await lifecycle.skip_to(at_nine(15))
    (escalation,) = [m for m in await follow_ups(lifecycle, unique_id, 3) if m not in reminders]
    assert escalation["kind"] == "task_escalation"
    assert escalation["recipients"] == [HR.email] and escalation["cc"] == [MANAGER.email]
    assert "Check that every tool works" in escalation["body_text"]
    assert (
        f"Introduce the freelancer to the team like any new colleague: {MANAGER.name}"
        in (escalation["body_text"])
    )
    assert "team's rituals" not in escalation["body_text"]

    await lifecycle.skip_to(at_nine(40))
    assert len(await _follow_ups(lifecycle, unique_id)) == 3
    state = await lifecycle.state(handle)
    tasks = {t.task_id: t for t in state.tasks}
    assert tasks["prepare-access"].reminded_at is not None
    assert tasks["prepare-access"].escalated_at is not None
    assert tasks["team-rituals"].reminded_at is not None and tasks["team-rituals"].done
    assert tasks["team-rituals"].escalated_at is None
    assert tasks["plan-kickoff"].reminded_at is None
    summaries = [e["summary"] for e in await lifecycle.timeline(unique_id)]
    assert (
        "Late tasks reminded: the manager: Check that every tool works with the freelancer's own"
        " address, Introduce the freelancer to the team like any new colleague; the buddy: Add"
        " the freelancer to the team's rituals, chats and events"
    ) in summaries
    assert any(s.startswith("Late tasks escalated to HR: Check that every") for s in summaries)
    await lifecycle.save_history(handle, "task-follow-up")


async def test_a_policys_own_farewell_task_reminds_the_freelancer_after_the_weekend(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    """A policy's own task, in the freelancer's hands, due on a Friday: the reminder waits for
    the Monday, the escalation for the day after."""
    policy = Policy(
        onboarding_tasks=[],
        offboarding_tasks=[
            TaskSpec(
                id="return-badge",
                owner="freelancer",
                due_days=4,
                title={
                    "en": "Return the badge",
                    "nl": "Geef de badge terug",
                    "fr": "Rendre le badge",
                },
            )
        ],
        task_reminder_after_days=1,
        task_escalation_after_days=2,
    )
    await lifecycle.clock_shows(NOW)
    end = day(5)  # a Monday: the badge is due on Friday day(9)
    handle = await lifecycle.start(
        make_assignment(unique_id, day(-60), end, language="nl"), policy=policy
    )
    await lifecycle.phase(handle, "renewal_review")
    await lifecycle.skip_to(at_nine(5))
    state = await lifecycle.phase(handle, "offboarding")
    (task,) = state.tasks
    assert (task.task_id, task.owner, task.due, task.title) == (
        "return-badge",
        "freelancer",
        day(9),
        "Return the badge",
    )

    await lifecycle.skip_to(at_nine(11))  # Sunday: nothing yet
    assert await _follow_ups(lifecycle, unique_id) == []
    await lifecycle.skip_to(at_nine(12))  # Monday
    (reminder,) = await follow_ups(lifecycle, unique_id, 1)
    assert reminder["occurrence"] == f"{day(12)}_freelancer"
    assert reminder["recipients"] == [FREELANCER.email]
    assert "Geef de badge terug" in reminder["body_text"]
    assert "antwoord" in reminder["body_text"].lower()  # reply to the manager: no page for them
    await lifecycle.skip_to(at_nine(13))
    escalation = (await follow_ups(lifecycle, unique_id, 2))[-1]
    assert escalation["kind"] == "task_escalation" and escalation["occurrence"] == str(day(13))
    assert f"Geef de badge terug: {FREELANCER.name}" in escalation["body_text"]


async def test_a_moved_start_moves_the_onboardings_due_days(
    lifecycle: Lifecycle, unique_id: str
) -> None:
    await lifecycle.clock_shows(NOW)
    policy = Policy(
        onboarding_tasks=[
            TaskSpec(id="prepare-access", owner="hr", due_days=-2),
            TaskSpec(id="introductions", due_days=3),
        ]
    )
    handle = await lifecycle.start(make_assignment(unique_id, day(20), day(110)), policy=policy)
    state = await lifecycle.phase(handle, "scheduled")
    assert [(t.owner, t.due) for t in state.tasks] == [("hr", day(18)), ("manager", day(23))]
    state = await handle.execute_update(AssignmentWorkflow.amend, AmendInput(start_date=day(27)))
    assert [t.due for t in state.tasks] == [day(25), day(30)]

    await lifecycle.skip_to(at_nine(26))  # the day after HR's task was due
    (reminder,) = await follow_ups(lifecycle, unique_id, 1)
    assert reminder["recipients"] == [HR.email] and reminder["occurrence"] == f"{day(26)}_hr"
