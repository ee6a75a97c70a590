"""The deployment clock: assignment time runs `speed` times faster than real time from an anchor,
and shows `start` at that anchor.

    assignment_now = start + (real_now - anchor) * speed      (start defaults to the anchor)

At speed 1 without a start it is the wall clock. The anchor (the real instant of the deployment's
first start) and the start are written once and read by every process, so the API, the workers
and the UI agree on "today". A start or a speed other than 1 is for tests and demos only: a test
sets the instant it runs at, a demo begins on a weekday morning. Workflows get the clock in their
input and read real time only from `workflow.now()`, so replay is deterministic. This module is
pure (standard library only) and safe inside the workflow sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Clock:
    anchor: datetime
    speed: float = 1.0
    start: datetime | None = None  # what the clock shows at the anchor; None: the anchor itself

    def __post_init__(self) -> None:
        if self.anchor.tzinfo is None:
            raise ValueError("the clock's anchor must be timezone-aware")
        if self.start is not None and self.start.tzinfo is None:
            raise ValueError("the clock's start must be timezone-aware")
        if self.speed <= 0:
            raise ValueError("the clock's speed must be greater than 0")

    @property
    def is_wall_clock(self) -> bool:
        return self.speed == 1 and (self.start is None or self.start == self.anchor)

    def to_assignment_time(self, real: datetime) -> datetime:
        if self.is_wall_clock:
            return real.astimezone(UTC)
        # In UTC first: adding to a time in a zone with daylight saving would add wall time.
        origin = (self.anchor if self.start is None else self.start).astimezone(UTC)
        return origin + (real - self.anchor) * self.speed

    def to_real_delay(self, assignment_delay: timedelta) -> timedelta:
        """How long to sleep in real time for `assignment_delay` of assignment time to pass."""
        if self.speed == 1:
            return assignment_delay
        return assignment_delay / self.speed

    def now(self, real_now: datetime | None = None) -> datetime:
        return self.to_assignment_time(real_now or datetime.now(UTC))

    def today(self, timezone: str = "UTC", real_now: datetime | None = None) -> date:
        return self.now(real_now).astimezone(ZoneInfo(timezone)).date()

    def describe(self) -> str:
        """How this clock differs from the wall clock, in words (for the warning at start)."""
        parts = []
        if self.start is not None:
            parts.append(f"showed {self.start.isoformat()} at {self.anchor.isoformat()}")
        if self.speed != 1:
            parts.append(f"runs {self.speed:g} times faster than real time")
        return "the deployment clock " + " and ".join(parts) if parts else "the wall clock"
