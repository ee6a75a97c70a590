"""The instant at which the tests' deployments start their clock, so no test depends on when it
runs: every test that runs the engine sets its deployment clock (`LIFECYCLE_CLOCK_START`) to
`clock_start()`, and every date it derives comes from that clock, never from the wall clock.

By default that is a Wednesday at 10:00 in Brussels, when mails go out the same day and nothing
is near a weekend, a night or a change of offset. `LIFECYCLE_TEST_CLOCK_START` (an RFC 3339
instant) moves it: `tests/test_any_hour.py` runs the end-to-end tests at the awkward instants.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.clock import Clock

TIMEZONE = "Europe/Brussels"  # the tests' assignments are in Brussels
BRUSSELS = ZoneInfo(TIMEZONE)
START_ENV = "LIFECYCLE_TEST_CLOCK_START"
DEFAULT_START = datetime(2027, 3, 10, 10, 0, tzinfo=BRUSSELS)  # a Wednesday morning


def clock_start() -> datetime:
    """The instant the tests' deployment clocks show when they are anchored."""
    raw = os.environ.get(START_ENV)
    if not raw:
        return DEFAULT_START
    start = datetime.fromisoformat(raw)
    if start.tzinfo is None:
        raise ValueError(f"{START_ENV} must be an RFC 3339 instant with its offset: {raw!r}")
    return start


class DeploymentClock:
    """The clock of the deployment the tests in this process run against: set once its API has
    anchored it (`use`), read by the factories that date test data from "today"."""

    def __init__(self) -> None:
        self._clock: Clock | None = None

    def use(self, clock: Clock) -> None:
        self._clock = clock

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            raise RuntimeError("no deployment clock yet: the test's app fixture sets it")
        return self._clock

    def today(self, timezone: str = TIMEZONE) -> date:
        return self.clock.today(timezone)

    def now(self) -> datetime:
        return self.clock.now()


DEPLOYMENT = DeploymentClock()
