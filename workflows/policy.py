"""When each step of a term happens: the dates of the contract's section 4, as pure functions.

Two kinds of time are used, both computed in the assignment's timezone and returned in UTC:

- a *day boundary* is local midnight at the start of a date. Contract facts happen then: the
  assignment starts, tool access stops when the last day ends, the assignment completes.
- *people time* is `policy.send_hour`:00 local on a date, when a mail goes out to a person. With
  `policy.weekdays_only` a Saturday or Sunday moves to the Friday before: earlier, never later,
  so a deadline still holds.

A local time that does not exist (the hour skipped when clocks go forward) is read with the
offset from before the change, so it lands just after the gap; a local time that happens twice
(clocks going back) is its first occurrence. Nothing here reads the clock or does I/O: the
workflow decides which past steps it still performs (`Step.catch_up`), with the tables at the end
of this module: which step still happens, given the phase and what has been decided so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflows.types import Phase, Policy, Step, StepKind, Task

_KIND_ORDER = {kind: index for index, kind in enumerate(StepKind)}
_FRIDAY = 4


@lru_cache(maxsize=64)
def zone(timezone: str) -> ZoneInfo:
    """The IANA zone of that name; ValueError when there is none.

    Built with `ZoneInfo.no_cache` (and cached here): inside Temporal's workflow sandbox,
    `ZoneInfo(...)` returns a restricted proxy that `datetime` refuses as a tzinfo.
    """
    try:
        return ZoneInfo.no_cache(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as error:
        raise ValueError(f"unknown timezone {timezone!r}: expected an IANA name") from error


def _local(day: date, hour: int, timezone: str) -> datetime:
    """`hour`:00 local on `day`, in UTC."""
    return datetime.combine(day, time(hour), tzinfo=zone(timezone)).astimezone(UTC)


def day_boundary(day: date, timezone: str) -> datetime:
    """The instant `day` begins in that zone (local 00:00), in UTC."""
    return _local(day, 0, timezone)


def working_day(day: date) -> date:
    """The day itself on a weekday; the Friday before on a Saturday or Sunday."""
    return day - timedelta(days=max(0, day.weekday() - _FRIDAY))


def people_time(day: date, timezone: str, policy: Policy) -> datetime:
    """The send hour on `day` (on the Friday before, for a weekend day with weekdays_only)."""
    if policy.weekdays_only:
        day = working_day(day)
    return _local(day, policy.send_hour, timezone)


def next_working_day(day: date) -> date:
    """The day itself on a weekday; the Monday after on a Saturday or Sunday."""
    return day + timedelta(days=7 - day.weekday()) if day.weekday() > _FRIDAY else day


def late_time(day: date, timezone: str, policy: Policy) -> datetime:
    """The send hour on `day` (on the Monday after, for a weekend day with weekdays_only): a
    follow-up of something late is never earlier than its day."""
    if policy.weekdays_only:
        day = next_working_day(day)
    return _local(day, policy.send_hour, timezone)


def local_date(at: datetime, timezone: str) -> date:
    """The calendar date of the instant `at` in that zone."""
    if at.tzinfo is None:
        raise ValueError(f"local_date needs a timezone-aware datetime, got {at!r}")
    return at.astimezone(zone(timezone)).date()


def step_order(step: Step) -> tuple[datetime, int, str]:
    """The order of a plan: by time, then StepKind declaration order, then key."""
    return (step.at, _KIND_ORDER[step.kind], step.key)


def _step(kind: StepKind, at: datetime, key: str, *, catch_up: bool) -> Step:
    return Step(kind=kind, at=at, key=key, catch_up=catch_up)


def _every(
    every_days: int,
    start_date: date,
    after: datetime,
    before: datetime,
    timezone: str,
    policy: Policy,
) -> dict[date, datetime]:
    """Each `every_days`-th day after the start with its people time, strictly between the bounds.

    People time never goes backwards as the day advances, so the first day at or past `before`
    ends the series. (`after` only matters for a weekend start, whose next weekend day would be
    moved to a Friday before the start.)
    """
    times: dict[date, datetime] = {}
    day = start_date + timedelta(days=every_days)
    while (at := people_time(day, timezone, policy)) < before:
        if at > after:
            times[day] = at
        day += timedelta(days=every_days)
    return times


def _conversations(
    start_date: date, start_at: datetime, offboarding_at: datetime, timezone: str, policy: Policy
) -> list[Step]:
    """Check-ins and development conversations while the assignment is active.

    A development conversation replaces the check-in of its day, and of any day whose check-in
    would go out at the same moment (a weekend check-in moved onto the conversation's Friday).
    """
    bounds = (start_date, start_at, offboarding_at, timezone, policy)
    off = set(policy.mails_off)
    developments = {} if "development" in off else _every(policy.development_every_days, *bounds)
    checkins = {
        day: at
        for day, at in _every(policy.checkin_every_days, *bounds).items()
        if "checkin" not in off and day not in developments and at not in developments.values()
    }
    return [
        _step(StepKind.CHECKIN, at, f"checkin:{day.isoformat()}", catch_up=False)
        for day, at in checkins.items()
    ] + [
        _step(StepKind.DEVELOPMENT, at, f"development:{day.isoformat()}", catch_up=False)
        for day, at in developments.items()
    ]


def _renewal(
    start_date: date,
    end_date: date,
    offboarding_at: datetime,
    timezone: str,
    policy: Policy,
) -> list[Step]:
    """The renewal request, then its reminder and escalation while no decision has come.

    The request is never before the first day's send hour (a short term asks on day one) and
    never after offboarding; the reminder and escalation only exist when they fall strictly
    after the request (and the escalation after the reminder) and before offboarding.
    """
    requested = people_time(end_date - timedelta(days=policy.renewal_lead_days), timezone, policy)
    requested = min(max(requested, _local(start_date, policy.send_hour, timezone)), offboarding_at)
    steps = [_step(StepKind.RENEWAL_REQUEST, requested, "renewal_request", catch_up=True)]

    latest = requested
    for kind, lead_days in (
        (StepKind.RENEWAL_REMINDER, policy.reminder_lead_days),
        (StepKind.RENEWAL_ESCALATION, policy.escalation_lead_days),
    ):
        at = people_time(end_date - timedelta(days=lead_days), timezone, policy)
        if latest < at < offboarding_at:
            steps.append(_step(kind, at, kind.value, catch_up=False))
            latest = at
    return steps


def plan_term(
    start_date: date, end_date: date, timezone: str, policy: Policy, *, review: bool = True
) -> list[Step]:
    """Every timed step of one term, sorted by time, then StepKind declaration order, then key.

    The plan is the same whatever today is: past steps are kept, and the workflow decides which
    of them it still performs. `review=False` leaves out the renewal steps. An end date before
    the start date (terminated before it began) keeps only the onboarding (when it falls before
    offboarding) and the steps from offboarding on.
    """
    policy.check()
    started = end_date >= start_date
    start_at = day_boundary(start_date, timezone)

    offboarding_at = people_time(end_date, timezone, policy)
    if started:
        offboarding_at = max(offboarding_at, start_at)

    onboarding_at = min(
        people_time(start_date - timedelta(days=policy.onboarding_lead_days), timezone, policy),
        start_at,
    )
    steps: list[Step] = []
    if started or onboarding_at < offboarding_at:
        steps.append(_step(StepKind.ONBOARDING, onboarding_at, "onboarding", catch_up=True))

    if started:
        steps.append(_step(StepKind.START, start_at, "start", catch_up=True))
        steps += _conversations(start_date, start_at, offboarding_at, timezone, policy)
        if review:
            steps += _renewal(start_date, end_date, offboarding_at, timezone, policy)

    revoke_at = day_boundary(end_date + timedelta(days=1), timezone)
    # After the offboarding day; never before offboarding itself (a weekend day moved to Friday).
    feedback_day = local_date(offboarding_at, timezone) + timedelta(
        days=policy.feedback_reminder_after_days
    )
    feedback_at = max(people_time(feedback_day, timezone, policy), offboarding_at)
    # Completion follows the end of the last day even with completion_after_days == 0.
    completion_at = max(
        day_boundary(end_date + timedelta(days=policy.completion_after_days), timezone), revoke_at
    )
    steps += [
        _step(StepKind.OFFBOARDING, offboarding_at, "offboarding", catch_up=True),
        _step(StepKind.REVOKE_ACCESS, revoke_at, "revoke_access", catch_up=True),
        _step(StepKind.FEEDBACK_REMINDER, feedback_at, "feedback_reminder", catch_up=False),
        _step(StepKind.COMPLETION, completion_at, "completion", catch_up=True),
    ]
    if "feedback_reminder" in policy.mails_off:
        steps = [step for step in steps if step.kind is not StepKind.FEEDBACK_REMINDER]
    return sorted(steps, key=step_order)


# --- the checklist's follow-up ---------------------------------------------------------------

FOLLOW_UPS = frozenset({StepKind.TASK_REMINDER, StepKind.TASK_ESCALATION})


def follow_up_at(task: Task, kind: StepKind, timezone: str, policy: Policy) -> datetime | None:
    """When a task still open is followed up (`TASK_REMINDER` to its owner, `TASK_ESCALATION`
    to HR): the send hour that many days after its due day (or the later day it was given);
    None for a task that is done, already followed up this way, or not followed up."""
    if task.done or task.follow_from is None:
        return None
    reminded = task.follow_from + timedelta(days=policy.task_reminder_after_days)
    if policy.weekdays_only:
        reminded = next_working_day(reminded)
    if kind is StepKind.TASK_REMINDER:
        return None if task.reminded_at else late_time(reminded, timezone, policy)
    if task.escalated_at:
        return None
    # Never on the reminder's day (a weekend moves both to the Monday): a day after it at least.
    escalated = task.follow_from + timedelta(days=policy.task_escalation_after_days)
    return late_time(max(escalated, reminded + timedelta(days=1)), timezone, policy)


def follow_ups(tasks: list[Task], timezone: str, policy: Policy) -> list[Step]:
    """The follow-ups of open tasks: one step per moment, whatever the number of tasks late then
    (each owner gets one mail of them, HR one). Not caught up when the moment passed before the
    run began (a new term does not remind of the last one's onboarding)."""
    moments: set[tuple[StepKind, datetime]] = set()
    for task in tasks:
        for kind in (StepKind.TASK_REMINDER, StepKind.TASK_ESCALATION):
            at = follow_up_at(task, kind, timezone, policy)
            if at is not None:
                moments.add((kind, at))
    return sorted(
        (
            _step(kind, at, f"{kind.value}:{local_date(at, timezone).isoformat()}", catch_up=False)
            for kind, at in moments
        ),
        key=step_order,
    )


def followed_up(step: Step, tasks: list[Task], timezone: str, policy: Policy) -> list[Task]:
    """The tasks a follow-up step is about: open, and due to be followed up at its moment."""
    return [t for t in tasks if follow_up_at(t, step.kind, timezone, policy) == step.at]


# --- which planned steps still happen ----------------------------------------------------------

_SCHEDULED, _ONBOARDING = Phase.SCHEDULED, Phase.ONBOARDING
_WORKING = frozenset({Phase.ACTIVE, Phase.RENEWAL_REVIEW})
_BEFORE_START = frozenset({_SCHEDULED, _ONBOARDING})
_NOT_ENDED = _BEFORE_START | _WORKING

# The phases in which a step is performed when its moment comes.
PERFORMED_IN: dict[StepKind, frozenset[Phase]] = {
    StepKind.ONBOARDING: frozenset({_SCHEDULED}),
    StepKind.START: frozenset({_ONBOARDING}),
    StepKind.CHECKIN: _WORKING,
    StepKind.DEVELOPMENT: _WORKING,
    StepKind.RENEWAL_REQUEST: frozenset({Phase.ACTIVE}),
    StepKind.RENEWAL_REMINDER: frozenset({Phase.RENEWAL_REVIEW}),
    StepKind.RENEWAL_ESCALATION: frozenset({Phase.RENEWAL_REVIEW}),
    StepKind.OFFBOARDING: _NOT_ENDED,
    StepKind.REVOKE_ACCESS: frozenset({Phase.OFFBOARDING}),
    StepKind.FEEDBACK_REMINDER: frozenset({Phase.OFFBOARDING}),
    StepKind.COMPLETION: frozenset({Phase.OFFBOARDING}),
    StepKind.TASK_REMINDER: _NOT_ENDED | {Phase.OFFBOARDING},
    StepKind.TASK_ESCALATION: _NOT_ENDED | {Phase.OFFBOARDING},
}

# The phases in which a step is still ahead: planned, and waited for. A step ahead in an earlier
# phase than the one it is performed in gets there by the steps before it (the first day comes
# after the onboarding); a step that is not ahead in the current phase will not happen (no
# check-in once offboarding has begun).
AHEAD_IN: dict[StepKind, frozenset[Phase]] = {
    StepKind.ONBOARDING: frozenset({_SCHEDULED}),
    StepKind.START: _BEFORE_START,
    StepKind.CHECKIN: _NOT_ENDED,
    StepKind.DEVELOPMENT: _NOT_ENDED,
    StepKind.RENEWAL_REQUEST: _BEFORE_START | {Phase.ACTIVE},
    StepKind.RENEWAL_REMINDER: _NOT_ENDED,
    StepKind.RENEWAL_ESCALATION: _NOT_ENDED,
    StepKind.OFFBOARDING: _NOT_ENDED,
    StepKind.REVOKE_ACCESS: _NOT_ENDED | {Phase.OFFBOARDING},
    StepKind.FEEDBACK_REMINDER: _NOT_ENDED | {Phase.OFFBOARDING},
    StepKind.COMPLETION: _NOT_ENDED | {Phase.OFFBOARDING},
    StepKind.TASK_REMINDER: _NOT_ENDED | {Phase.OFFBOARDING},
    StepKind.TASK_ESCALATION: _NOT_ENDED | {Phase.OFFBOARDING},
}

_RENEWAL = frozenset(
    {StepKind.RENEWAL_REQUEST, StepKind.RENEWAL_REMINDER, StepKind.RENEWAL_ESCALATION}
)


@dataclass(frozen=True)
class Progress:
    """What the workflow knows that decides which planned steps still happen."""

    phase: Phase
    now: datetime
    done: frozenset[str] = frozenset()  # keys of the steps this run has performed or passed
    run_started: datetime | None = None  # the start of this run (steps before it are not sent)
    renewal_decided: bool = False
    terminated: bool = False
    feedback_received: bool = False


def offboarding_at(plan: list[Step]) -> datetime:
    """When the term's offboarding begins (every plan has one)."""
    return next(step.at for step in plan if step.kind is StepKind.OFFBOARDING)


def still_ahead(step: Step, progress: Progress, plan: list[Step]) -> bool:
    """Whether a planned step will still happen, given the decisions taken so far."""
    if step.key in progress.done:
        return False
    if step.kind in FOLLOW_UPS and step not in plan:
        return False  # its tasks were done meanwhile (a completion does not wake the run)
    if not step.catch_up and progress.run_started and step.at < progress.run_started:
        return False  # a check-in whose moment passed before this run is not sent late
    if step.kind in _RENEWAL and (progress.renewal_decided or progress.terminated):
        return False
    if step.kind is StepKind.RENEWAL_REQUEST and offboarding_at(plan) <= progress.now:
        return False  # recorded after its end: there is nothing left to decide
    if step.kind is StepKind.FEEDBACK_REMINDER and progress.feedback_received:
        return False
    return progress.phase in AHEAD_IN[step.kind]


def performed_now(step: Step, progress: Progress, plan: list[Step]) -> bool:
    """Whether a step whose moment has come is performed (rather than passed over)."""
    return still_ahead(step, progress, plan) and progress.phase in PERFORMED_IN[step.kind]


def upcoming(plan: list[Step], progress: Progress) -> list[Step]:
    """The planned steps that will still happen, in order."""
    return [step for step in plan if still_ahead(step, progress, plan)]


# --- where an imported assignment comes in -----------------------------------------------------

# The steps that move the phase, latest first: the last of them whose moment has passed is the
# phase an assignment already running comes in at.
_ARRIVAL: tuple[tuple[StepKind, Phase], ...] = (
    (StepKind.COMPLETION, Phase.COMPLETED),
    (StepKind.OFFBOARDING, Phase.OFFBOARDING),
    (StepKind.RENEWAL_REQUEST, Phase.RENEWAL_REVIEW),
    (StepKind.START, Phase.ACTIVE),
    (StepKind.ONBOARDING, Phase.ONBOARDING),
)


@dataclass(frozen=True)
class Arrival:
    """Where an assignment that already runs comes in: the phase its dates put it in, and the
    steps whose moment has passed (none of them is sent: the import is not their moment)."""

    phase: Phase
    passed: frozenset[str]
    access_closed: bool  # the end of the last day has passed: no access is to be open

    @property
    def over(self) -> bool:
        """Its moment of completion has passed too: nothing is left to run."""
        return self.phase is Phase.COMPLETED


def arrival(plan: list[Step], now: datetime) -> Arrival:
    passed = [step for step in plan if step.at <= now]
    kinds = {step.kind for step in passed}
    phase = next((phase for kind, phase in _ARRIVAL if kind in kinds), Phase.SCHEDULED)
    return Arrival(
        phase=phase,
        passed=frozenset(step.key for step in passed),
        access_closed=StepKind.REVOKE_ACCESS in kinds,
    )
