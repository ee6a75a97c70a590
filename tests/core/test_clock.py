"""The deployment clock: start + (real - anchor) x speed, in absolute time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.clock import Clock

BRUSSELS = ZoneInfo("Europe/Brussels")
ANCHOR = datetime(2026, 12, 2, 3, 20, tzinfo=UTC)  # a real instant: the deployment's first start


def test_the_wall_clock_is_real_time() -> None:
    clock = Clock(ANCHOR)
    assert clock.is_wall_clock
    assert clock.now(ANCHOR + timedelta(hours=5)) == ANCHOR + timedelta(hours=5)
    assert clock.describe() == "the wall clock"


def test_a_start_shows_that_instant_at_the_anchor_and_runs_on_from_it() -> None:
    start = datetime(2027, 3, 10, 10, 0, tzinfo=BRUSSELS)
    clock = Clock(ANCHOR, start=start)
    assert not clock.is_wall_clock
    assert clock.now(ANCHOR) == start
    assert clock.now(ANCHOR + timedelta(minutes=90)) == start + timedelta(minutes=90)
    assert clock.today("Europe/Brussels", ANCHOR) == start.date()
    assert clock.to_real_delay(timedelta(hours=1)) == timedelta(hours=1)
    assert "showed 2027-03-10T10:00:00+01:00" in clock.describe()


def test_time_passes_in_absolute_time_across_a_change_of_offset() -> None:
    # 01:30 in Brussels on the night the clocks go forward: an hour later it is 03:30 local.
    start = datetime(2027, 3, 28, 1, 30, tzinfo=BRUSSELS)
    later = Clock(ANCHOR, start=start).now(ANCHOR + timedelta(hours=1))
    assert later.astimezone(BRUSSELS).strftime("%H:%M %z") == "03:30 +0200"
    assert later - start == timedelta(hours=1)


def test_a_faster_clock_runs_from_its_start() -> None:
    start = datetime(2027, 3, 8, 8, 30, tzinfo=BRUSSELS)
    clock = Clock(ANCHOR, 8640, start)
    assert clock.now(ANCHOR + timedelta(seconds=10)) == start + timedelta(days=1)
    assert clock.to_real_delay(timedelta(days=1)) == timedelta(seconds=10)
    assert "runs 8640 times faster" in clock.describe()


def test_a_clock_needs_instants_and_a_positive_speed() -> None:
    with pytest.raises(ValueError):
        Clock(datetime(2026, 12, 2))
    with pytest.raises(ValueError):
        Clock(ANCHOR, start=datetime(2027, 3, 10, 10))
    with pytest.raises(ValueError):
        Clock(ANCHOR, 0)
