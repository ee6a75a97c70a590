"""The lifecycle at the moments that break date code: just after and just before midnight, a
Saturday, the nights the clocks change, the last day of a month and of the year.

Each test sets the deployment clock to the moment itself and signs an assignment that starts the
next day: onboarding is caught up at once, the start falls at local midnight, "today" (for a
termination, say) is the local date, and the mails to people are planned at 09:00 local on a
weekday.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from tests.clock import BRUSSELS
from tests.workflows.conftest import Lifecycle, make_assignment
from tests.workflows.test_assignment import refused
from workflows.assignment import AssignmentWorkflow
from workflows.types import TerminateInput

MOMENTS = {
    "00:30 on a Wednesday": datetime(2027, 3, 10, 0, 30, tzinfo=BRUSSELS),
    "23:30 on a Wednesday": datetime(2027, 3, 10, 23, 30, tzinfo=BRUSSELS),
    "a Saturday morning": datetime(2027, 3, 13, 10, 0, tzinfo=BRUSSELS),
    "the night the clocks go forward": datetime(2027, 3, 28, 1, 30, tzinfo=BRUSSELS),
    "the night the clocks go back": datetime(2027, 10, 31, 2, 30, fold=0, tzinfo=BRUSSELS),
    "the last day of a month": datetime(2027, 4, 30, 23, 30, tzinfo=BRUSSELS),
    "31 December": datetime(2027, 12, 31, 23, 30, tzinfo=BRUSSELS),
}


def local_midnight(day) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.combine(day, time(0), tzinfo=BRUSSELS).astimezone(UTC)


@pytest.mark.parametrize("moment", MOMENTS.values(), ids=MOMENTS.keys())
async def test_an_assignment_signed_at_an_awkward_moment(
    lifecycle: Lifecycle, unique_id: str, moment: datetime
) -> None:
    await lifecycle.clock_shows(moment)
    today = moment.date()
    assert await lifecycle.today() == today  # the local date, not UTC's
    start, end = today + timedelta(days=1), today + timedelta(days=45)
    handle = await lifecycle.start(make_assignment(unique_id, start, end))

    # Starting tomorrow: onboarding is caught up at once, and the start is local midnight.
    state = await lifecycle.phase(handle, "onboarding")
    assert "welcome" in await lifecycle.mail_kinds(unique_id)
    assert state.next_transition is not None
    assert state.next_transition.kind == "start"
    assert state.next_transition.at == local_midnight(start)

    # "Today" is the local date: yesterday is refused, and the reason names today.
    await refused(
        handle.execute_update(
            AssignmentWorkflow.terminate,
            TerminateInput(effective_date=today - timedelta(days=1), reason="x"),
        ),
        "Invalid",
        f"today ({today})",
    )

    # Mails to people are planned at 09:00 local, on a weekday.
    people = [p for p in state.planned if p.kind in ("checkin", "renewal_request")]
    assert people, state.planned
    for planned in people:
        local = planned.at.astimezone(BRUSSELS)
        assert (local.hour, local.minute) == (9, 0), planned
        assert local.weekday() < 5, planned

    # The first day begins at local midnight, not before.
    await lifecycle.skip_to(local_midnight(start) - timedelta(minutes=5))
    assert (await lifecycle.state(handle)).phase == "onboarding"
    await lifecycle.skip_to(local_midnight(start))
    await lifecycle.phase(handle, "active")
    assert "first_day" in await lifecycle.mail_kinds(unique_id)
