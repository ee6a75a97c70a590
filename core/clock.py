"""The deployment clock: assignment time runs `speed` times faster than real time from an anchor.

    assignment_now = anchor + (real_now - anchor) * speed

At speed 1 it is the wall clock. The anchor is written once, on the first start of a deployment,
and read by every process, so the API, the workers and the UI agree on "today". Workflows get the
anchor and speed in their input and read real time only from `workflow.now()`, so replay is
deterministic. This module is pure (standard library only) and safe inside the workflow sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    anchor: datetime
    speed: float = 1.0

    def __post_init__(self) -> None:
        if self.anchor.tzinfo is None:
            raise ValueError("the clock's anchor must be timezone-aware")
        if self.speed <= 0:
            raise ValueError("the clock's speed must be greater than 0")

    def to_assignment_time(self, real: datetime) -> datetime:
        if self.speed == 1:
            return real.astimezone(UTC)
        return (self.anchor + (real - self.anchor) * self.speed).astimezone(UTC)

    def to_real_delay(self, assignment_delay: timedelta) -> timedelta:
        """How long to sleep in real time for `assignment_delay` of assignment time to pass."""
        if self.speed == 1:
            return assignment_delay
        return assignment_delay / self.speed

    def now(self, real_now: datetime | None = None) -> datetime:
        return self.to_assignment_time(real_now or datetime.now(UTC))

    def today(self, timezone: str = "UTC", real_now: datetime | None = None) -> date:
        return self.now(real_now).astimezone(ZoneInfo(timezone)).date()
