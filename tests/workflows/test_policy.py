"""The term plan: which steps happen when, for the contract's section 4 (no Temporal needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from workflows.policy import (
    AHEAD_IN,
    FOLLOW_UPS,
    PERFORMED_IN,
    Progress,
    day_boundary,
    follow_up_at,
    follow_ups,
    local_date,
    offboarding_at,
    people_time,
    performed_now,
    plan_term,
    still_ahead,
    upcoming,
    zone,
)
from workflows.types import Phase, Policy, Step, StepKind, Task

TOKYO = "Asia/Tokyo"  # UTC+9 all year: local times are easy to read back
BRUSSELS = "Europe/Brussels"  # CET (UTC+1) / CEST (UTC+2), changes 2027-03-28 and 2027-10-31
RENEWAL_KINDS = {StepKind.RENEWAL_REQUEST, StepKind.RENEWAL_REMINDER, StepKind.RENEWAL_ESCALATION}


def local(timezone: str, y: int, m: int, d: int, hour: int = 0) -> datetime:
    return datetime(y, m, d, hour, tzinfo=ZoneInfo(timezone))


def utc(y: int, m: int, d: int, hour: int = 0) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC)


def table(steps: list[Step]) -> list[tuple[str, datetime]]:
    return [(step.key, step.at) for step in steps]


def by_key(steps: list[Step]) -> dict[str, datetime]:
    return {step.key: step.at for step in steps}


def kinds(steps: list[Step]) -> set[StepKind]:
    return {step.kind for step in steps}


def assert_well_formed(steps: list[Step]) -> None:
    order = list(StepKind)
    assert steps == sorted(steps, key=lambda s: (s.at, order.index(s.kind)))
    assert len({step.key for step in steps}) == len(steps)
    assert all(step.at.utcoffset() == timedelta(0) for step in steps)


# --- the defaults ------------------------------------------------------------------------------


def test_default_policy_plans_every_step_of_a_term() -> None:
    # Mon 2027-01-04 .. Fri 2027-06-04, in Tokyo.
    steps = plan_term(date(2027, 1, 4), date(2027, 6, 4), TOKYO, Policy())

    assert table(steps) == [
        ("onboarding", local(TOKYO, 2026, 12, 28, 9)),  # 7 days before, 09:00
        ("start", local(TOKYO, 2027, 1, 4)),  # local midnight
        ("checkin:2027-02-03", local(TOKYO, 2027, 2, 3, 9)),  # every 30 days
        ("checkin:2027-03-05", local(TOKYO, 2027, 3, 5, 9)),
        # Day 90 is a Sunday: the conversation goes out on the Friday before and replaces the
        # check-in of that day.
        ("development:2027-04-04", local(TOKYO, 2027, 4, 2, 9)),
        ("checkin:2027-05-04", local(TOKYO, 2027, 5, 4, 9)),
        ("renewal_request", local(TOKYO, 2027, 5, 5, 9)),  # 30 days before the end
        ("renewal_reminder", local(TOKYO, 2027, 5, 14, 9)),  # 21 days before
        ("renewal_escalation", local(TOKYO, 2027, 5, 21, 9)),  # 14 days before
        ("checkin:2027-06-03", local(TOKYO, 2027, 6, 3, 9)),
        ("offboarding", local(TOKYO, 2027, 6, 4, 9)),  # the end date, 09:00
        ("revoke_access", local(TOKYO, 2027, 6, 5)),  # midnight after the last day
        ("feedback_reminder", local(TOKYO, 2027, 6, 7, 9)),  # 3 days after offboarding
        ("completion", local(TOKYO, 2027, 6, 18)),  # 14 days after the end date
    ]
    assert_well_formed(steps)


def test_times_are_utc_instants() -> None:
    steps = by_key(plan_term(date(2027, 1, 4), date(2027, 6, 4), TOKYO, Policy()))

    assert steps["start"] == utc(2027, 1, 3, 15)
    assert steps["start"].tzinfo is UTC
    assert steps["offboarding"] == utc(2027, 6, 4, 0)
    assert steps["offboarding"].tzinfo is UTC


def test_catch_up_only_for_steps_that_still_matter_late() -> None:
    steps = plan_term(date(2027, 1, 4), date(2027, 6, 4), TOKYO, Policy())

    late_too = {step.kind for step in steps if step.catch_up}
    assert late_too == {
        StepKind.ONBOARDING,
        StepKind.START,
        StepKind.RENEWAL_REQUEST,
        StepKind.OFFBOARDING,
        StepKind.REVOKE_ACCESS,
        StepKind.COMPLETION,
    }


def test_development_every_90_days_replaces_that_days_checkin() -> None:
    # Tue 2027-01-05 for a year: day 90 (Mon 2027-04-05) is a weekday.
    steps = plan_term(date(2027, 1, 5), date(2027, 12, 31), "UTC", Policy())
    keys = [step.key for step in steps]

    developments = [key for key in keys if key.startswith("development:")]
    checkins = [key for key in keys if key.startswith("checkin:")]
    start = date(2027, 1, 5)
    assert developments == [
        f"development:{start + timedelta(days=n * 90)}" for n in (1, 2, 3)
    ]  # day 360 (2027-12-31) is the offboarding day itself: not strictly before it
    assert checkins == [f"checkin:{start + timedelta(days=n * 30)}" for n in range(1, 12) if n % 3]
    assert by_key(steps)["development:2027-04-05"] == utc(2027, 4, 5, 9)
    assert "checkin:2027-04-05" not in keys


# --- a policy of its own -----------------------------------------------------------------------


def test_a_team_can_do_without_some_conversations() -> None:
    start, end = date(2027, 1, 5), date(2027, 12, 31)
    no_development = by_key(plan_term(start, end, "UTC", Policy(mails_off=["development"])))
    assert not any(key.startswith("development:") for key in no_development)
    # the check-ins of the development days come back, every 30 days
    assert [k for k in no_development if k.startswith("checkin:")] == [
        f"checkin:{start + timedelta(days=n * 30)}" for n in range(1, 12)
    ]
    quiet = Policy(mails_off=["checkin", "development", "feedback_reminder"])
    kinds = {step.kind.value for step in plan_term(start, end, "UTC", quiet)}
    assert kinds == {
        "onboarding", "start", "renewal_request", "renewal_reminder", "renewal_escalation",
        "offboarding", "revoke_access", "completion",
    }  # fmt: skip
    with pytest.raises(ValueError, match="'welcome' cannot be turned off"):
        plan_term(start, end, "UTC", Policy(mails_off=["welcome"]))


def test_custom_lead_times() -> None:
    policy = Policy(
        onboarding_lead_days=14,
        checkin_every_days=14,
        development_every_days=42,
        renewal_lead_days=60,
        reminder_lead_days=45,
        escalation_lead_days=35,
        completion_after_days=7,
        feedback_reminder_after_days=4,
        send_hour=10,
    )
    # Mon 2027-03-01 .. Fri 2027-06-25: check-ins fall on Mondays.
    steps = plan_term(date(2027, 3, 1), date(2027, 6, 25), "UTC", policy)

    assert table(steps) == [
        ("onboarding", utc(2027, 2, 15, 10)),
        ("start", utc(2027, 3, 1)),
        ("checkin:2027-03-15", utc(2027, 3, 15, 10)),
        ("checkin:2027-03-29", utc(2027, 3, 29, 10)),
        ("development:2027-04-12", utc(2027, 4, 12, 10)),
        ("checkin:2027-04-26", utc(2027, 4, 26, 10)),
        ("renewal_request", utc(2027, 4, 26, 10)),  # same moment: kind order decides
        ("checkin:2027-05-10", utc(2027, 5, 10, 10)),
        ("renewal_reminder", utc(2027, 5, 11, 10)),
        ("renewal_escalation", utc(2027, 5, 21, 10)),
        ("development:2027-05-24", utc(2027, 5, 24, 10)),
        ("checkin:2027-06-07", utc(2027, 6, 7, 10)),
        ("checkin:2027-06-21", utc(2027, 6, 21, 10)),
        ("offboarding", utc(2027, 6, 25, 10)),
        ("revoke_access", utc(2027, 6, 26)),
        ("feedback_reminder", utc(2027, 6, 29, 10)),
        ("completion", utc(2027, 7, 2)),
    ]
    assert_well_formed(steps)


@pytest.mark.parametrize(
    ("lead_days", "expected"),
    [
        (0, utc(2027, 3, 1)),  # at once: the START time itself
        (1, utc(2027, 2, 26, 9)),  # Sunday moves to Friday
        (3, utc(2027, 2, 26, 9)),
        (5, utc(2027, 2, 24, 9)),
    ],
)
def test_onboarding_lead(lead_days: int, expected: datetime) -> None:
    steps = plan_term(
        date(2027, 3, 1), date(2027, 6, 30), "UTC", Policy(onboarding_lead_days=lead_days)
    )

    assert steps[0].kind is StepKind.ONBOARDING
    assert steps[0].at == expected
    assert steps[1].kind is StepKind.START


@pytest.mark.parametrize(
    "policy",
    [
        Policy(checkin_every_days=0),
        Policy(development_every_days=-1),
        Policy(renewal_lead_days=-1),
        Policy(send_hour=24),
    ],
)
def test_a_policy_without_a_sane_schedule_is_refused(policy: Policy) -> None:
    with pytest.raises(ValueError):
        plan_term(date(2027, 3, 1), date(2027, 6, 30), "UTC", policy)


# --- timezones and daylight saving time ---------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 3, 27), utc(2027, 3, 26, 23)),
        (date(2027, 3, 28), utc(2027, 3, 27, 23)),  # clocks go forward at 02:00 that night
        (date(2027, 3, 29), utc(2027, 3, 28, 22)),
        (date(2027, 10, 31), utc(2027, 10, 30, 22)),  # clocks go back at 03:00 that night
        (date(2027, 11, 1), utc(2027, 10, 31, 23)),
    ],
)
def test_day_boundary_across_dst(day: date, expected: datetime) -> None:
    assert day_boundary(day, BRUSSELS) == expected


@pytest.mark.parametrize(
    ("day", "weekdays_only", "expected"),
    [
        (date(2027, 3, 26), True, utc(2027, 3, 26, 8)),  # Friday, winter
        (date(2027, 3, 28), False, utc(2027, 3, 28, 7)),  # Sunday of the change, summer
        (date(2027, 3, 28), True, utc(2027, 3, 26, 8)),  # moved back to Friday: winter again
        (date(2027, 3, 29), True, utc(2027, 3, 29, 7)),
        (date(2027, 10, 29), True, utc(2027, 10, 29, 7)),  # Friday, summer
        (date(2027, 10, 31), False, utc(2027, 10, 31, 8)),  # Sunday of the change, winter
        (date(2027, 10, 31), True, utc(2027, 10, 29, 7)),  # moved back to Friday: summer again
        (date(2027, 11, 1), True, utc(2027, 11, 1, 8)),
    ],
)
def test_people_time_across_dst(day: date, weekdays_only: bool, expected: datetime) -> None:
    assert people_time(day, BRUSSELS, Policy(weekdays_only=weekdays_only)) == expected


def test_a_day_whose_midnight_does_not_exist_starts_when_it_begins() -> None:
    # Chile skips from 2027-09-04 24:00 to 2027-09-05 01:00.
    begins = day_boundary(date(2027, 9, 5), "America/Santiago")

    assert begins == utc(2027, 9, 5, 4)
    assert local_date(begins, "America/Santiago") == date(2027, 9, 5)
    assert local_date(begins - timedelta(seconds=1), "America/Santiago") == date(2027, 9, 4)


def test_send_hour_in_the_skipped_or_repeated_hour() -> None:
    policy = Policy(send_hour=2, weekdays_only=False)

    # 02:00 does not exist on 2027-03-28: read as winter time, i.e. 03:00 summer time.
    assert people_time(date(2027, 3, 28), BRUSSELS, policy) == utc(2027, 3, 28, 1)
    # 02:00 happens twice on 2027-10-31: the first one (summer time).
    assert people_time(date(2027, 10, 31), BRUSSELS, policy) == utc(2027, 10, 31, 0)


def test_term_ending_after_spring_forward() -> None:
    # Mon 2027-01-04 .. Fri 2027-04-23: the request is in winter, its follow-ups in summer.
    steps = by_key(plan_term(date(2027, 1, 4), date(2027, 4, 23), BRUSSELS, Policy()))

    assert steps["onboarding"] == utc(2026, 12, 28, 8)
    assert steps["start"] == utc(2027, 1, 3, 23)
    assert steps["checkin:2027-03-05"] == utc(2027, 3, 5, 8)
    assert steps["renewal_request"] == utc(2027, 3, 24, 8)
    assert steps["development:2027-04-04"] == utc(2027, 4, 2, 7)  # Sunday, so Friday
    assert steps["renewal_reminder"] == utc(2027, 4, 2, 7)
    assert steps["renewal_escalation"] == utc(2027, 4, 9, 7)
    assert steps["offboarding"] == utc(2027, 4, 23, 7)
    assert steps["revoke_access"] == utc(2027, 4, 23, 22)
    assert steps["completion"] == utc(2027, 5, 6, 22)


def test_term_ending_after_fall_back() -> None:
    # Mon 2027-03-01 .. Fri 2027-11-12: starts in winter, summer in between, ends in winter.
    steps = by_key(plan_term(date(2027, 3, 1), date(2027, 11, 12), BRUSSELS, Policy()))

    assert steps["onboarding"] == utc(2027, 2, 22, 8)
    assert steps["start"] == utc(2027, 2, 28, 23)
    assert steps["checkin:2027-03-31"] == utc(2027, 3, 31, 7)
    assert steps["renewal_request"] == utc(2027, 10, 13, 7)
    assert steps["renewal_reminder"] == utc(2027, 10, 22, 7)
    assert steps["renewal_escalation"] == utc(2027, 10, 29, 7)
    assert steps["checkin:2027-10-27"] == utc(2027, 10, 27, 7)
    developments = [key for key in steps if key.startswith("development:")]
    assert developments == ["development:2027-05-30", "development:2027-08-28"]
    assert steps["offboarding"] == utc(2027, 11, 12, 8)
    assert steps["revoke_access"] == utc(2027, 11, 12, 23)
    assert steps["feedback_reminder"] == utc(2027, 11, 15, 8)
    assert steps["completion"] == utc(2027, 11, 25, 23)


@pytest.mark.parametrize(
    ("at", "timezone", "expected"),
    [
        (
            utc(
                2027,
                3,
                27,
                23,
            ),
            BRUSSELS,
            date(2027, 3, 28),
        ),
        (utc(2027, 3, 27, 22), BRUSSELS, date(2027, 3, 27)),
        (utc(2027, 10, 30, 22), BRUSSELS, date(2027, 10, 31)),
        (utc(2027, 10, 30, 22), "UTC", date(2027, 10, 30)),
        (utc(2027, 6, 4, 15), TOKYO, date(2027, 6, 5)),
    ],
)
def test_local_date(at: datetime, timezone: str, expected: date) -> None:
    assert local_date(at, timezone) == expected


def test_zone_is_a_real_zoneinfo_built_once() -> None:
    # A real ZoneInfo (the workflow sandbox proxies `ZoneInfo(...)`), shared by all calls.
    assert isinstance(zone(BRUSSELS), ZoneInfo)
    assert zone(BRUSSELS) is zone(BRUSSELS)


def test_local_date_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2027, 3, 1, 9), BRUSSELS)


@pytest.mark.parametrize("name", ["Mars/Olympus", "europe/brussels", "", "Europe", "../etc/passwd"])
def test_unknown_timezone_is_a_value_error(name: str) -> None:
    with pytest.raises(ValueError, match="unknown timezone"):
        plan_term(date(2027, 3, 1), date(2027, 6, 30), name, Policy())
    with pytest.raises(ValueError, match="unknown timezone"):
        people_time(date(2027, 3, 1), name, Policy())
    with pytest.raises(ValueError, match="unknown timezone"):
        day_boundary(date(2027, 3, 1), name)
    with pytest.raises(ValueError, match="unknown timezone"):
        local_date(utc(2027, 3, 1), name)


# --- weekends ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end_date", "revoke_at", "completion_at"),
    [
        (date(2027, 6, 5), utc(2027, 6, 5, 22), utc(2027, 6, 18, 22)),  # Saturday
        (date(2027, 6, 6), utc(2027, 6, 6, 22), utc(2027, 6, 19, 22)),  # Sunday
    ],
)
def test_weekend_end_date_moves_people_to_friday(
    end_date: date, revoke_at: datetime, completion_at: datetime
) -> None:
    steps = by_key(plan_term(date(2027, 1, 4), end_date, BRUSSELS, Policy()))

    # 21 and 14 days before a weekend day are weekend days too: all on the Friday before.
    assert steps["renewal_reminder"] == utc(2027, 5, 14, 7)
    assert steps["renewal_escalation"] == utc(2027, 5, 21, 7)
    assert steps["offboarding"] == utc(2027, 6, 4, 7)  # Friday, the last working day
    # The contract still runs to its real end date.
    assert steps["revoke_access"] == revoke_at
    assert steps["completion"] == completion_at
    # Three days after the offboarding day (Friday): Monday.
    assert steps["feedback_reminder"] == utc(2027, 6, 7, 7)


def test_weekend_renewal_request_moves_to_friday() -> None:
    # Saturday 2027-06-05 minus 30 days is Thursday; Monday 2027-06-07 minus 30 is a Saturday.
    steps = by_key(plan_term(date(2027, 1, 4), date(2027, 6, 7), BRUSSELS, Policy()))

    assert steps["renewal_request"] == utc(2027, 5, 7, 7)
    assert steps["offboarding"] == utc(2027, 6, 7, 7)


def test_weekdays_only_false_keeps_weekend_dates() -> None:
    policy = Policy(weekdays_only=False)
    steps = by_key(plan_term(date(2027, 1, 4), date(2027, 6, 5), BRUSSELS, policy))

    assert steps["renewal_reminder"] == utc(2027, 5, 15, 7)  # Saturday
    assert steps["renewal_escalation"] == utc(2027, 5, 22, 7)  # Saturday
    assert steps["development:2027-04-04"] == utc(2027, 4, 4, 7)  # Sunday
    assert steps["offboarding"] == utc(2027, 6, 5, 7)  # Saturday
    assert steps["revoke_access"] == utc(2027, 6, 5, 22)
    assert steps["feedback_reminder"] == utc(2027, 6, 8, 7)


# --- short, past and broken terms -------------------------------------------------------------


def test_plan_does_not_depend_on_today() -> None:
    # Starts on every weekday, and one far back: the plan is the same whatever today is.
    week = [date(2027, 3, 1) + timedelta(days=i) for i in range(7)]
    for start in (*week, date(2025, 12, 29)):
        end = start + timedelta(days=180)
        steps = plan_term(start, end, BRUSSELS, Policy())

        assert kinds(steps) == set(StepKind) - FOLLOW_UPS
        assert by_key(steps)["start"] == day_boundary(start, BRUSSELS)
        assert by_key(steps)["onboarding"] == people_time(
            start - timedelta(days=7), BRUSSELS, Policy()
        )
        assert by_key(steps)["offboarding"] == people_time(end, BRUSSELS, Policy())
        assert_well_formed(steps)


def test_a_term_in_the_past_is_planned_in_full() -> None:
    steps = plan_term(date(2020, 1, 6), date(2020, 2, 28), "UTC", Policy())

    assert table(steps) == [
        ("onboarding", utc(2019, 12, 30, 9)),
        ("start", utc(2020, 1, 6)),
        ("renewal_request", utc(2020, 1, 29, 9)),
        ("checkin:2020-02-05", utc(2020, 2, 5, 9)),
        ("renewal_reminder", utc(2020, 2, 7, 9)),
        ("renewal_escalation", utc(2020, 2, 14, 9)),
        ("offboarding", utc(2020, 2, 28, 9)),
        ("revoke_access", utc(2020, 2, 29)),  # a leap day
        ("feedback_reminder", utc(2020, 3, 2, 9)),
        ("completion", utc(2020, 3, 13)),
    ]


def test_one_day_assignment() -> None:
    steps = plan_term(date(2027, 3, 1), date(2027, 3, 1), BRUSSELS, Policy())

    assert [step.kind for step in steps] == [
        StepKind.ONBOARDING,
        StepKind.START,
        StepKind.RENEWAL_REQUEST,
        StepKind.OFFBOARDING,
        StepKind.REVOKE_ACCESS,
        StepKind.FEEDBACK_REMINDER,
        StepKind.COMPLETION,
    ]
    steps_at = by_key(steps)
    assert steps_at["onboarding"] == utc(2027, 2, 22, 8)
    assert steps_at["start"] == utc(2027, 2, 28, 23)
    assert steps_at["renewal_request"] == utc(2027, 3, 1, 8)  # the first day's 09:00
    assert steps_at["offboarding"] == utc(2027, 3, 1, 8)  # same moment, after the request
    assert steps_at["revoke_access"] == utc(2027, 3, 1, 23)
    assert_well_formed(steps)


@pytest.mark.parametrize("day", [date(2027, 3, 6), date(2027, 3, 7)])
def test_one_day_assignment_on_a_weekend(day: date) -> None:
    steps = plan_term(day, day, BRUSSELS, Policy())
    steps_at = by_key(steps)

    # No working day inside the term: offboarding cannot move before the start.
    assert steps_at["onboarding"] <= steps_at["start"]
    assert steps_at["start"] == day_boundary(day, BRUSSELS)
    assert steps_at["start"] <= steps_at["renewal_request"] <= steps_at["offboarding"]
    assert steps_at["offboarding"] < steps_at["revoke_access"]
    assert steps_at["offboarding"] <= steps_at["feedback_reminder"]
    assert steps_at["revoke_access"] == day_boundary(day + timedelta(days=1), BRUSSELS)
    assert_well_formed(steps)


def test_ten_day_assignment_asks_for_renewal_on_the_first_day() -> None:
    # Mon 2027-03-01 .. Wed 2027-03-10.
    steps = plan_term(date(2027, 3, 1), date(2027, 3, 10), "UTC", Policy())

    assert table(steps) == [
        ("onboarding", utc(2027, 2, 22, 9)),
        ("start", utc(2027, 3, 1)),
        ("renewal_request", utc(2027, 3, 1, 9)),  # 30 days before would be before the start
        # No reminder (2027-02-17) nor escalation (2027-02-24): before the request.
        ("offboarding", utc(2027, 3, 10, 9)),
        ("revoke_access", utc(2027, 3, 11)),
        ("feedback_reminder", utc(2027, 3, 12, 9)),  # Saturday the 13th moves to Friday
        ("completion", utc(2027, 3, 24)),
    ]


def test_renewal_request_clamp_keeps_the_start_day_even_on_a_weekend() -> None:
    # Sat 2027-03-06 .. Wed 2027-03-24: asked at 09:00 on the (Saturday) first day.
    steps = by_key(plan_term(date(2027, 3, 6), date(2027, 3, 24), "UTC", Policy()))

    assert steps["renewal_request"] == utc(2027, 3, 6, 9)


def test_reminder_absent_but_escalation_kept_when_only_the_reminder_is_too_early() -> None:
    # Mon 2027-03-01 .. Fri 2027-03-26: request clamped to 03-01, reminder 03-05, escalation 03-12.
    steps = by_key(plan_term(date(2027, 3, 1), date(2027, 3, 26), "UTC", Policy()))
    assert steps["renewal_reminder"] == utc(2027, 3, 5, 9)
    assert steps["renewal_escalation"] == utc(2027, 3, 12, 9)

    # Mon 2027-03-01 .. Mon 2027-03-22: reminder 03-01 09:00 ties with the request: absent.
    steps = by_key(plan_term(date(2027, 3, 1), date(2027, 3, 22), "UTC", Policy()))
    assert steps["renewal_request"] == utc(2027, 3, 1, 9)
    assert "renewal_reminder" not in steps
    assert steps["renewal_escalation"] == utc(2027, 3, 8, 9)


def test_end_before_start_keeps_onboarding_when_it_came_first() -> None:
    # Terminated effective Wed 2027-03-10 for a start on Mon 2027-03-15.
    steps = plan_term(date(2027, 3, 15), date(2027, 3, 10), "UTC", Policy())

    assert table(steps) == [
        ("onboarding", utc(2027, 3, 8, 9)),
        ("offboarding", utc(2027, 3, 10, 9)),
        ("revoke_access", utc(2027, 3, 11)),
        ("feedback_reminder", utc(2027, 3, 12, 9)),
        ("completion", utc(2027, 3, 24)),
    ]


def test_end_before_start_drops_an_onboarding_after_the_end() -> None:
    steps = plan_term(date(2027, 3, 15), date(2027, 3, 1), "UTC", Policy())

    assert [step.kind for step in steps] == [
        StepKind.OFFBOARDING,
        StepKind.REVOKE_ACCESS,
        StepKind.FEEDBACK_REMINDER,
        StepKind.COMPLETION,
    ]
    assert by_key(steps)["offboarding"] == utc(2027, 3, 1, 9)


def test_review_false_has_no_renewal_steps() -> None:
    with_review = plan_term(date(2027, 1, 4), date(2027, 6, 4), TOKYO, Policy())
    without = plan_term(date(2027, 1, 4), date(2027, 6, 4), TOKYO, Policy(), review=False)

    assert not kinds(without) & RENEWAL_KINDS
    assert without == [step for step in with_review if step.kind not in RENEWAL_KINDS]


@pytest.mark.parametrize(
    "timezone", ["UTC", BRUSSELS, TOKYO, "America/Sao_Paulo", "America/Santiago"]
)
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2027, 1, 1), date(2027, 12, 31)),
        (date(2027, 3, 27), date(2027, 10, 31)),
        (date(2027, 3, 6), date(2027, 3, 7)),
        (date(2027, 3, 1), date(2027, 3, 1)),
        (date(2027, 3, 1), date(2027, 2, 1)),
    ],
)
@pytest.mark.parametrize("weekdays_only", [True, False])
def test_every_plan_is_strictly_ordered(
    timezone: str, start: date, end: date, weekdays_only: bool
) -> None:
    steps = plan_term(start, end, timezone, Policy(weekdays_only=weekdays_only))

    assert_well_formed(steps)
    at = by_key(steps)
    assert at["offboarding"] < at["revoke_access"] <= at["completion"]
    if end >= start:
        assert at["onboarding"] <= at["start"] <= at["renewal_request"] <= at["offboarding"]
        assert all(
            at["start"] < s.at < at["offboarding"]
            for s in steps
            if s.kind in {StepKind.CHECKIN, StepKind.DEVELOPMENT}
        )


# --- which planned steps still happen ----------------------------------------------------------

TERM = plan_term(date(2027, 3, 1), date(2027, 8, 31), BRUSSELS, Policy())
FIRST_CHECKIN = next(s for s in TERM if s.kind is StepKind.CHECKIN)
RENEWAL_REQUEST = next(s for s in TERM if s.kind is StepKind.RENEWAL_REQUEST)
DURING_TERM = utc(2027, 5, 3, 12)


def progress(phase: Phase, **more: object) -> Progress:
    return Progress(phase=phase, now=more.pop("now", DURING_TERM), **more)  # type: ignore[arg-type]


def test_every_step_is_performed_only_in_phases_where_it_is_still_ahead() -> None:
    assert set(PERFORMED_IN) == set(AHEAD_IN) == set(StepKind)
    for kind in StepKind:
        assert PERFORMED_IN[kind] <= AHEAD_IN[kind], kind
        assert not (AHEAD_IN[kind] & {Phase.COMPLETED, Phase.CANCELLED}), kind


@pytest.mark.parametrize(
    ("phase", "ahead", "performed"),
    [
        (Phase.SCHEDULED, True, False),  # waited for: the first day comes first
        (Phase.ONBOARDING, True, False),
        (Phase.ACTIVE, True, True),
        (Phase.RENEWAL_REVIEW, True, True),
        (Phase.OFFBOARDING, False, False),  # no check-in once offboarding has begun
    ],
)
def test_a_check_in_happens_while_the_freelancer_works(
    phase: Phase, ahead: bool, performed: bool
) -> None:
    assert still_ahead(FIRST_CHECKIN, progress(phase), TERM) is ahead
    assert performed_now(FIRST_CHECKIN, progress(phase), TERM) is performed


def test_decisions_take_the_renewal_steps_out_of_the_plan() -> None:
    renewal = [s for s in TERM if s.kind.value.startswith("renewal_")]
    assert len(renewal) == 3
    for facts in ({"renewal_decided": True}, {"terminated": True}):
        left = upcoming(TERM, progress(Phase.ACTIVE, **facts))
        assert not any(s.kind.value.startswith("renewal_") for s in left), facts
    keys = {s.key for s in upcoming(TERM, progress(Phase.ACTIVE))}
    assert {s.key for s in renewal} <= keys


def test_no_renewal_request_once_offboarding_has_come() -> None:
    after_end = offboarding_at(TERM) + timedelta(hours=1)
    assert still_ahead(RENEWAL_REQUEST, progress(Phase.ACTIVE), TERM)
    assert not still_ahead(RENEWAL_REQUEST, progress(Phase.ACTIVE, now=after_end), TERM)


def test_a_passed_check_in_is_not_sent_late_but_a_phase_change_is_caught_up() -> None:
    late_run = progress(Phase.ACTIVE, run_started=FIRST_CHECKIN.at + timedelta(days=1))
    assert not still_ahead(FIRST_CHECKIN, late_run, TERM)
    start = next(s for s in TERM if s.kind is StepKind.START)
    assert start.catch_up
    assert performed_now(
        start, progress(Phase.ONBOARDING, run_started=start.at + timedelta(days=9)), TERM
    )


def test_what_is_done_or_answered_is_not_ahead() -> None:
    reminder = next(s for s in TERM if s.kind is StepKind.FEEDBACK_REMINDER)
    assert still_ahead(reminder, progress(Phase.OFFBOARDING), TERM)
    assert not still_ahead(reminder, progress(Phase.OFFBOARDING, feedback_received=True), TERM)
    done = progress(Phase.ACTIVE, done=frozenset({FIRST_CHECKIN.key}))
    assert not still_ahead(FIRST_CHECKIN, done, TERM)


def test_a_late_task_is_followed_up_on_working_days_the_escalation_after_the_reminder() -> None:
    """Reminder the day after the due day, escalation two days later; a weekend moves either to
    the Monday (never earlier: it is about something late), and the escalation never shares the
    reminder's day. A task given after its due day counts from the day it was given."""
    rules = Policy(task_reminder_after_days=1, task_escalation_after_days=2)
    wednesday, friday = date(2027, 3, 10), date(2027, 3, 12)

    def moments(task: Task) -> tuple[date | None, date | None]:
        found = [follow_up_at(task, kind, BRUSSELS, rules) for kind in FOLLOW_UPS_IN_ORDER]
        return tuple(local_date(at, BRUSSELS) if at else None for at in found)  # type: ignore[return-value]

    def task(**changes: object) -> Task:
        values: dict[str, object] = {"task_id": "t", "title": "T", "phase": "onboarding"}
        return Task(**(values | changes))  # type: ignore[arg-type]

    assert moments(task(due=wednesday, follow_from=wednesday)) == (
        date(2027, 3, 11),
        date(2027, 3, 12),
    )
    # Due on Friday: reminded on Monday, escalated on Tuesday (not both on the Monday).
    assert moments(task(due=friday, follow_from=friday)) == (date(2027, 3, 15), date(2027, 3, 16))
    # Signed after its due day: counted from the day it was given.
    assert moments(task(due=date(2027, 1, 4), follow_from=wednesday)) == (
        date(2027, 3, 11),
        date(2027, 3, 12),
    )
    assert moments(task(due=wednesday, follow_from=None)) == (None, None)  # not followed up
    assert moments(task(due=wednesday, follow_from=wednesday, done=True)) == (None, None)
    reminded = task(
        due=wednesday, follow_from=wednesday, reminded_at=datetime(2027, 3, 11, 8, tzinfo=UTC)
    )
    assert moments(reminded) == (None, date(2027, 3, 12))  # once each

    at_nine = people_time(date(2027, 3, 11), BRUSSELS, rules)
    assert (
        follow_up_at(
            task(due=wednesday, follow_from=wednesday), StepKind.TASK_REMINDER, BRUSSELS, rules
        )
        == at_nine
    )
    # Several late tasks at one moment: one step.
    late = [
        task(due=wednesday, follow_from=wednesday),
        task(task_id="u", due=wednesday, follow_from=wednesday),
    ]
    steps = follow_ups(late, BRUSSELS, rules)
    assert [s.key for s in steps] == ["task_reminder:2027-03-11", "task_escalation:2027-03-12"]
    assert not any(s.catch_up for s in steps)


FOLLOW_UPS_IN_ORDER = (StepKind.TASK_REMINDER, StepKind.TASK_ESCALATION)
