"""What the operator UI's Today page and engagement dashboard show, read from the read model.

Both pages are answered by a handful of aggregate queries: every number is counted in SQL, only
the rows a page shows leave the database, and each query starts from an index (migration
005_insights) or a window of time, so the pages stay fast at 100,000 assignments.

"Today" is the deployment clock's date (core.clock), handed in by the caller: a demo at a
compressed clock sees its own today, not the wall clock's.

How the dashboard counts (over a window of `days` before today, 365 by default):

- **Renewal notice**: for each renewal outcome (timeline entries `renewal`, and `extended` on or
  after the start date), the days from the day the freelancer heard it (the entry's date in the
  assignment's timezone) to the end date that held at that moment, which the workflow records
  with the entry (`data.old_end`). An offboarding without a decision (`data.reason` =
  `undecided`) counts too: that freelancer heard it on the last day, at 0 days (or the days to a
  weekend end date). An outcome recorded without its old end date is counted as unmeasured.
- **Access ready before day one**: of the assignments that started in the window (not
  cancelled), those whose first grant in the access ledger (`access_change`) came before the
  start day's boundary (local midnight in the assignment's timezone).
- **Access seen after an end** (must be 0): assignments that still hold a granted tool while
  completed or cancelled; that hold one more than a day past the end of their last day (revoking
  happens at that boundary; the day is slack for a worker running behind at a compressed
  clock); or that were granted a tool, in the window, after the end of their last day.
- **Exit feedback**: of the assignments that reached offboarding (phase offboarding or
  completed) with an end date in the window, the share with a `feedback` row; their average
  rating, the ratings and whether they would come back.
- **What leavers said**: the latest non-empty answers to "what made you feel part of the team"
  (`felt_part`) and "what would have helped" (`not_part`): the words and the date, no names.
- **Tenure**: months from start to end date (30.44 days a month) of the assignments completed
  with an end date in the window.
- **Alumni**: every feedback that said yes to staying in touch, with the latest first names and
  teams.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

import asyncpg

from db.pool import Executor

STARTING_DAYS = 14
LEAVING_DAYS = 30
# A renewal decision this close to its due moment is urgent (the escalation goes to HR at 14).
URGENT_DAYS = 14
WINDOW_DAYS = 365
AFTER_END_SLACK = timedelta(days=1)

# Buckets of the renewal notice, in days before the end date: [low, high), high None = open.
NOTICE_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 7),
    (7, 14),
    (14, 21),
    (21, 28),
    (28, None),
)
# Buckets of tenure, in months.
TENURE_BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 3),
    (3, 6),
    (6, 12),
    (12, 24),
    (24, None),
)
DAYS_PER_MONTH = 30.4375


# ------------------------------------------------------------------------------------ today


@dataclass(frozen=True)
class RenewalDue:
    assignment_id: str
    freelancer_name: str
    team: str
    role: str
    manager_name: str
    end_date: date
    timezone: str
    due: datetime
    overdue: bool
    urgent: bool  # within URGENT_DAYS of its due moment (and not overdue)
    days_left: int  # from today to the due date, in the assignment's timezone


@dataclass(frozen=True)
class Starting:
    assignment_id: str
    freelancer_name: str
    team: str
    role: str
    phase: str
    start_date: date
    days_until: int
    tools: int
    granted: int
    access_ready: bool  # every tool of the assignment is granted


@dataclass(frozen=True)
class Leaving:
    assignment_id: str
    freelancer_name: str
    team: str
    role: str
    phase: str
    end_date: date
    days_until: int  # negative: left that many days ago (offboarding, feedback still open)
    feedback_received: bool


@dataclass(frozen=True)
class OpenTask:
    task_id: str
    title: str
    phase: str  # onboarding (due on the start date) or offboarding (due on the end date)
    due: date


@dataclass(frozen=True)
class TasksDue:
    assignment_id: str
    freelancer_name: str
    team: str
    phase: str
    tasks: list[OpenTask]
    oldest_due: date
    days_overdue: int


T = TypeVar("T")


@dataclass(frozen=True)
class Section(Generic[T]):
    """The first rows of a section, and how many there are in all."""

    items: list[T]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass(frozen=True)
class Today:
    today: date
    renewals: Section[RenewalDue]
    starting: Section[Starting]
    leaving: Section[Leaving]
    tasks: Section[TasksDue]
    open_tasks: int  # tasks past due in all, over every assignment


_RENEWALS = """
SELECT assignment_id, freelancer_name, team, role, manager_name, end_date, timezone,
       pending_decision_due AS due, count(*) OVER () AS total
FROM assignment
WHERE pending_decision_due IS NOT NULL
ORDER BY pending_decision_due, assignment_id
LIMIT $1
"""

_STARTING = """
WITH soon AS (
    SELECT assignment_id, freelancer_name, team, role, phase, start_date, state,
           count(*) OVER () AS total
    FROM assignment
    WHERE start_date BETWEEN $1 AND $2 AND phase <> 'cancelled'
    ORDER BY start_date, assignment_id
    LIMIT $3
)
SELECT s.assignment_id, s.freelancer_name, s.team, s.role, s.phase, s.start_date, s.total,
       tools.count AS tools, tools.granted
FROM soon s
CROSS JOIN LATERAL (
    SELECT count(*) AS count,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM access_grant g
               WHERE g.assignment_id = s.assignment_id AND g.tool = tool.name
                 AND g.status = 'granted'
           )) AS granted
    FROM jsonb_array_elements_text(s.state -> 'assignment' -> 'tools') AS tool(name)
) tools
ORDER BY s.start_date, s.assignment_id
"""

# Ending soon (end date in the next days, still running), or ended and still offboarding: the
# ones whose exit feedback is awaited. Two index reads, joined.
_LEAVING = """
WITH leaving AS (
    SELECT assignment_id, freelancer_name, team, role, phase, end_date FROM assignment
    WHERE end_date BETWEEN $1 AND $2 AND phase NOT IN ('completed', 'cancelled')
    UNION
    SELECT assignment_id, freelancer_name, team, role, phase, end_date FROM assignment
    WHERE phase = 'offboarding'
), page AS (
    SELECT *, count(*) OVER () AS total FROM leaving
    ORDER BY end_date, assignment_id
    LIMIT $3
)
SELECT page.*,
       EXISTS (SELECT 1 FROM feedback f WHERE f.assignment_id = page.assignment_id)
           AS feedback_received
FROM page
ORDER BY end_date, assignment_id
"""

# The predicate repeats the partial index assignment_open_task_idx's, so the index is used.
_TASKS = """
WITH open AS (
    SELECT a.assignment_id, a.freelancer_name, a.team, a.phase,
           task ->> 'task_id' AS task_id, task ->> 'title' AS title,
           task ->> 'phase' AS task_phase,
           CASE task ->> 'phase' WHEN 'onboarding' THEN a.start_date ELSE a.end_date END AS due
    FROM assignment a
    CROSS JOIN LATERAL jsonb_array_elements(a.state -> 'tasks') AS task
    WHERE a.phase NOT IN ('completed', 'cancelled')
      AND a.state @? '$.tasks[*] ? (@.done == false)'
      AND a.start_date < $1
      AND NOT coalesce((task ->> 'done')::boolean, false)
), due AS (
    SELECT * FROM open WHERE due < $1
), grouped AS (
    SELECT assignment_id, freelancer_name, team, phase, min(due) AS oldest_due,
           jsonb_agg(jsonb_build_object(
               'task_id', task_id, 'title', title, 'phase', task_phase, 'due', due
           ) ORDER BY due, task_id) AS tasks
    FROM due
    GROUP BY assignment_id, freelancer_name, team, phase
)
SELECT g.*, count(*) OVER () AS total, (SELECT count(*) FROM due) AS open_tasks
FROM grouped g
ORDER BY oldest_due, assignment_id
LIMIT $2
"""


async def today(
    pool: Executor, today: date, limit: int = 8, *, now: datetime | None = None
) -> Today:
    """What needs someone today: renewal decisions due (soonest first; overdue ones flagged),
    who starts in the next 14 days (access ready or not), who leaves in the next 30 days or is
    offboarding (exit feedback in or not), and open tasks past due (most overdue first).

    `now` (the clock's moment) decides what is overdue; by default the start of `today` (UTC).
    Each section has at most `limit` rows and the count of all.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    now = now or datetime.combine(today, time(), tzinfo=UTC)

    renewal_rows, start_rows, leave_rows, task_rows = await _all(
        pool,
        lambda db: db.fetch(_RENEWALS, limit),
        lambda db: db.fetch(_STARTING, today, today + timedelta(days=STARTING_DAYS), limit),
        lambda db: db.fetch(_LEAVING, today, today + timedelta(days=LEAVING_DAYS), limit),
        lambda db: db.fetch(_TASKS, today, limit),
    )
    renewals = [
        RenewalDue(
            assignment_id=r["assignment_id"],
            freelancer_name=r["freelancer_name"],
            team=r["team"],
            role=r["role"],
            manager_name=r["manager_name"],
            end_date=r["end_date"],
            timezone=r["timezone"],
            due=r["due"],
            overdue=r["due"] < now,
            urgent=now <= r["due"] < now + timedelta(days=URGENT_DAYS),
            days_left=(r["due"].astimezone(ZoneInfo(r["timezone"])).date() - today).days,
        )
        for r in renewal_rows
    ]

    starting = [
        Starting(
            assignment_id=r["assignment_id"],
            freelancer_name=r["freelancer_name"],
            team=r["team"],
            role=r["role"],
            phase=r["phase"],
            start_date=r["start_date"],
            days_until=(r["start_date"] - today).days,
            tools=r["tools"],
            granted=r["granted"],
            access_ready=r["granted"] == r["tools"],
        )
        for r in start_rows
    ]

    leaving = [
        Leaving(
            assignment_id=r["assignment_id"],
            freelancer_name=r["freelancer_name"],
            team=r["team"],
            role=r["role"],
            phase=r["phase"],
            end_date=r["end_date"],
            days_until=(r["end_date"] - today).days,
            feedback_received=r["feedback_received"],
        )
        for r in leave_rows
    ]

    tasks = [
        TasksDue(
            assignment_id=r["assignment_id"],
            freelancer_name=r["freelancer_name"],
            team=r["team"],
            phase=r["phase"],
            tasks=[
                OpenTask(
                    task_id=t["task_id"],
                    title=t["title"],
                    phase=t["phase"],
                    due=date.fromisoformat(t["due"]),
                )
                for t in r["tasks"]
            ],
            oldest_due=r["oldest_due"],
            days_overdue=(today - r["oldest_due"]).days,
        )
        for r in task_rows
    ]

    return Today(
        today=today,
        renewals=Section(renewals, _total(renewal_rows)),
        starting=Section(starting, _total(start_rows)),
        leaving=Section(leaving, _total(leave_rows)),
        tasks=Section(tasks, _total(task_rows)),
        open_tasks=task_rows[0]["open_tasks"] if task_rows else 0,
    )


async def _all(pool: Executor, *queries: Callable[[Executor], Awaitable[Any]]) -> list[Any]:
    """The answers of the queries, side by side on a pool's connections (a page waits for the
    slowest, not for the sum), one after the other on a single connection."""
    if isinstance(pool, asyncpg.Pool):
        return list(await asyncio.gather(*(query(pool) for query in queries)))
    return [await query(pool) for query in queries]


def _total(rows: list[Any]) -> int:
    return int(rows[0]["total"]) if rows else 0


# ------------------------------------------------------------------------------- engagement


@dataclass(frozen=True)
class Bucket:
    low: int
    high: int | None  # exclusive; None: and more
    count: int


@dataclass(frozen=True)
class Distribution:
    buckets: list[Bucket]
    median: float | None
    total: int


@dataclass(frozen=True)
class Notice:
    """How many days before their end date freelancers heard the renewal outcome."""

    distribution: Distribution
    after_end: int  # heard after the end date (an extension during offboarding)
    unmeasured: int  # the old end date could not be read from the timeline
    undecided: int  # offboarded without a decision (counted in the distribution, at ~0)


@dataclass(frozen=True)
class Share:
    part: int
    total: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.part / self.total if self.total else None


@dataclass(frozen=True)
class AfterEnd:
    assignment_id: str
    freelancer_name: str
    reason: str  # closed | past_end | granted_after_end


@dataclass(frozen=True)
class Quote:
    text: str
    submitted_at: datetime


@dataclass(frozen=True)
class Alumnus:
    first_name: str
    team: str


@dataclass(frozen=True)
class Engagement:
    today: date
    since: date
    notice: Notice
    access_ready: Share
    access_after_end: int
    access_after_end_examples: list[AfterEnd]
    feedback: Share  # responded / reached offboarding
    average_rating: float | None
    ratings: dict[int, int]  # 1..5 -> count
    come_back: dict[str, int]  # yes / maybe / no -> count
    felt_part: list[Quote]
    not_part: list[Quote]
    tenure: Distribution  # months
    alumni: int
    alumni_latest: list[Alumnus] = field(default_factory=list)


def _bucket_sql(column: str, buckets: tuple[tuple[int, int | None], ...]) -> str:
    """count(*) FILTER per bucket, named b0, b1…"""
    parts = []
    for i, (low, high) in enumerate(buckets):
        condition = f"{column} >= {low}" + (f" AND {column} < {high}" if high is not None else "")
        parts.append(f"count(*) FILTER (WHERE {condition}) AS b{i}")
    return ",\n       ".join(parts)


# The end date that held when each outcome was heard (see the module's docstring).
_NOTICE = f"""
WITH outcome AS MATERIALIZED (
    SELECT t.assignment_id, t.at, t.kind, t.data
    FROM timeline_entry t
    WHERE t.kind IN ('renewal', 'extended', 'offboarding') AND t.at >= $1 AND t.at < $2
      AND (t.kind <> 'offboarding' OR t.data ->> 'reason' = 'undecided')
), days AS MATERIALIZED (
    SELECT CASE WHEN o.kind = 'offboarding' THEN a.end_date
                ELSE (o.data ->> 'old_end')::date
           END - (o.at AT TIME ZONE a.timezone)::date AS days,
           o.kind = 'offboarding' AS undecided,
           o.kind <> 'offboarding' AND o.data ->> 'old_end' IS NULL AS unmeasured
    FROM outcome o
    JOIN assignment a USING (assignment_id)
    WHERE (o.at AT TIME ZONE a.timezone)::date >= a.start_date
)
SELECT {_bucket_sql("days", NOTICE_BUCKETS)},
       count(*) FILTER (WHERE days < 0) AS after_end,
       count(*) FILTER (WHERE unmeasured) AS unmeasured,
       count(*) FILTER (WHERE undecided) AS undecided,
       count(days) AS total,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median
FROM days
"""

_ACCESS_READY = """
SELECT count(*) AS total,
       count(*) FILTER (
           WHERE first_grant < (a.start_date::timestamp AT TIME ZONE a.timezone)
       ) AS ready
FROM assignment a
LEFT JOIN LATERAL (
    SELECT min(c.at) AS first_grant FROM access_change c
    WHERE c.assignment_id = a.assignment_id AND c.status = 'granted'
) g ON true
WHERE a.start_date >= $1 AND a.start_date <= $2 AND a.phase <> 'cancelled'
"""

# $1 the window's start, $2 now.
_AFTER_END = """
WITH seen AS (
    SELECT a.assignment_id, a.freelancer_name,
           CASE WHEN a.phase IN ('completed', 'cancelled') THEN 'closed' ELSE 'past_end' END
               AS reason
    FROM access_grant g JOIN assignment a USING (assignment_id)
    WHERE g.status = 'granted'
      AND (a.phase IN ('completed', 'cancelled')
           OR ((a.end_date + 1)::timestamp AT TIME ZONE a.timezone) + $3 < $2)
    UNION ALL
    SELECT a.assignment_id, a.freelancer_name, 'granted_after_end'
    FROM access_change c JOIN assignment a USING (assignment_id)
    WHERE c.status = 'granted' AND c.at >= $1
      AND c.at >= ((a.end_date + 1)::timestamp AT TIME ZONE a.timezone)
), distinct_seen AS (
    SELECT DISTINCT ON (assignment_id) assignment_id, freelancer_name, reason
    FROM seen ORDER BY assignment_id, reason
)
SELECT assignment_id, freelancer_name, reason, count(*) OVER () AS total
FROM distinct_seen
ORDER BY assignment_id
LIMIT $4
"""

_FEEDBACK = """
WITH reached AS (
    SELECT a.assignment_id, f.rating, f.answers ->> 'come_back' AS come_back,
           f.assignment_id IS NOT NULL AS responded
    FROM assignment a LEFT JOIN feedback f USING (assignment_id)
    WHERE a.end_date >= $1 AND a.end_date <= $2 AND a.phase IN ('offboarding', 'completed')
)
SELECT count(*) AS reached,
       count(*) FILTER (WHERE responded) AS responded,
       avg(rating) AS average_rating,
       count(*) FILTER (WHERE rating = 1) AS r1,
       count(*) FILTER (WHERE rating = 2) AS r2,
       count(*) FILTER (WHERE rating = 3) AS r3,
       count(*) FILTER (WHERE rating = 4) AS r4,
       count(*) FILTER (WHERE rating = 5) AS r5,
       count(*) FILTER (WHERE come_back = 'yes') AS come_back_yes,
       count(*) FILTER (WHERE come_back = 'maybe') AS come_back_maybe,
       count(*) FILTER (WHERE come_back = 'no') AS come_back_no
FROM reached
"""

# The answer's key is the form's field name (api/routes/feedback.py); only the words and the date.
_QUOTES = """
SELECT answers ->> {key} AS text, submitted_at FROM feedback
WHERE length(btrim(coalesce(answers ->> {key}, ''))) > 0
ORDER BY submitted_at DESC, assignment_id DESC
LIMIT $1
"""

_TENURE = f"""
WITH tenure AS (
    SELECT (end_date - start_date + 1) / {DAYS_PER_MONTH} AS months
    FROM assignment
    WHERE end_date >= $1 AND end_date <= $2 AND phase = 'completed'
)
SELECT {_bucket_sql("months", TENURE_BUCKETS)},
       count(*) AS total,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY months) AS median
FROM tenure
"""

_ALUMNI = """
SELECT (SELECT count(*) FROM feedback WHERE answers @> '{"stay_in_touch": true}') AS total,
       coalesce(jsonb_agg(jsonb_build_object('name', latest.freelancer_name, 'team', latest.team)
                ORDER BY latest.submitted_at DESC), '[]'::jsonb) AS latest
FROM (
    SELECT a.freelancer_name, a.team, f.submitted_at
    FROM feedback f JOIN assignment a USING (assignment_id)
    WHERE f.answers @> '{"stay_in_touch": true}'
    ORDER BY f.submitted_at DESC, f.assignment_id DESC
    LIMIT $1
) latest
"""


def _distribution(
    row: Any, buckets: tuple[tuple[int, int | None], ...], *, digits: int = 0
) -> Distribution:
    median = row["median"]
    return Distribution(
        buckets=[Bucket(low, high, int(row[f"b{i}"])) for i, (low, high) in enumerate(buckets)],
        median=round(float(median), digits) if median is not None else None,
        total=int(row["total"]),
    )


def _first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else name


async def engagement(
    pool: Executor,
    today: date,
    *,
    now: datetime | None = None,
    days: int = WINDOW_DAYS,
    quotes: int = 6,
    examples: int = 10,
    alumni: int = 12,
) -> Engagement:
    """The dashboard's numbers over the `days` before `today` (see the module's docstring)."""
    now = now or datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC)
    since = today - timedelta(days=days)
    since_at = datetime.combine(since, time(), tzinfo=UTC)

    notice, ready, after_end, fb, felt_part, not_part, tenure, alumni_row = await _all(
        pool,
        lambda db: db.fetchrow(_NOTICE, since_at, now),
        lambda db: db.fetchrow(_ACCESS_READY, since, today),
        lambda db: db.fetch(_AFTER_END, since_at, now, AFTER_END_SLACK, examples),
        lambda db: db.fetchrow(_FEEDBACK, since, today),
        lambda db: db.fetch(_QUOTES.format(key="'felt_part'"), quotes),
        lambda db: db.fetch(_QUOTES.format(key="'not_part'"), quotes),
        lambda db: db.fetchrow(_TENURE, since, today),
        lambda db: db.fetchrow(_ALUMNI, alumni),
    )
    assert notice and ready and fb and tenure and alumni_row

    average = fb["average_rating"]
    return Engagement(
        today=today,
        since=since,
        notice=Notice(
            distribution=_distribution(notice, NOTICE_BUCKETS),
            after_end=int(notice["after_end"]),
            unmeasured=int(notice["unmeasured"]),
            undecided=int(notice["undecided"]),
        ),
        access_ready=Share(int(ready["ready"]), int(ready["total"])),
        access_after_end=_total(after_end),
        access_after_end_examples=[
            AfterEnd(r["assignment_id"], r["freelancer_name"], r["reason"]) for r in after_end
        ],
        feedback=Share(int(fb["responded"]), int(fb["reached"])),
        average_rating=round(float(average), 1) if average is not None else None,
        ratings={n: int(fb[f"r{n}"]) for n in range(1, 6)},
        come_back={k: int(fb[f"come_back_{k}"]) for k in ("yes", "maybe", "no")},
        felt_part=[Quote(r["text"].strip(), r["submitted_at"]) for r in felt_part],
        not_part=[Quote(r["text"].strip(), r["submitted_at"]) for r in not_part],
        tenure=_distribution(tenure, TENURE_BUCKETS, digits=1),
        alumni=int(alumni_row["total"]),
        alumni_latest=[Alumnus(_first_name(a["name"]), a["team"]) for a in alumni_row["latest"]],
    )
