"""A named policy's new version reaches a running assignment (the signal the API sends at its
start): the steps still ahead follow it and the timeline names the version; the same values
under a version only name it; another policy's change, or one that has no schedule, passes by.

The deployment clock shows a Wednesday at 10:00 in Brussels; every date is relative to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.clock import BRUSSELS
from tests.workflows.conftest import Lifecycle, make_assignment
from workflows.assignment import AssignmentWorkflow
from workflows.types import Policy, PolicyChange

NOW = datetime(2027, 3, 10, 10, 0, tzinfo=BRUSSELS)


async def test_the_steps_ahead_follow_a_new_version(lifecycle: Lifecycle, unique_id: str) -> None:
    await lifecycle.clock_shows(NOW)
    today = NOW.date()
    handle = await lifecycle.start(
        make_assignment(unique_id, today - timedelta(days=10), today + timedelta(days=150))
    )
    state = await lifecycle.phase(handle, "active")
    assert state.next_transition is not None and state.next_transition.kind == "checkin"
    first = state.next_transition.at  # 30 days after the start

    async def told(change: PolicyChange) -> None:
        await handle.signal(AssignmentWorkflow.apply_policy, change)

    await told(PolicyChange(name="standard", version="same", policy=Policy()))
    await told(PolicyChange(name="short", version="v9", policy=Policy(checkin_every_days=7)))
    broken = Policy(checkin_every_days=0)
    await told(PolicyChange(name="standard", version="broken", policy=broken))
    await told(PolicyChange(name="standard", version="weekly", policy=Policy(checkin_every_days=7)))

    state = await lifecycle.eventually(
        lambda: lifecycle.state(handle),
        lambda s: s.policy_version == "weekly",
        "the weekly version applied",
    )
    assert state.next_transition is not None and state.next_transition.kind == "checkin"
    assert state.next_transition.at < first - timedelta(days=7)

    async def policy_entries() -> list[str]:
        entries = [e["summary"] for e in await lifecycle.timeline(unique_id)]
        return [e for e in entries if e.startswith("Policy ")]

    found = await lifecycle.eventually(policy_entries, bool, "the timeline's entry")
    assert found == ["Policy standard (version weekly) applies to the steps ahead"]
