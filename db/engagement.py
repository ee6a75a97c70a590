"""What the operator UI's engagement dashboard shows, read from the read model: whether
freelancers are treated like colleagues, in numbers over a window of time.

Every number is counted in SQL, only the rows the dashboard shows leave the database, and each
query starts from an index (migration 005_insights) or a window of time, so the dashboard stays
fast at 100,000 assignments. "Today" is the deployment clock's date (core.clock), handed in by
the caller.

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

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from db.pool import Executor
from db.reads import side_by_side, total

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
    reason: str  # closed | past_end | granted_after_end | seen_at_idp (by the reconciliation)


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
    UNION ALL
    -- What the IdP itself showed: the reconciliation found the account open after the end.
    SELECT a.assignment_id, a.freelancer_name, 'seen_at_idp'
    FROM access_drift d JOIN assignment a USING (assignment_id)
    WHERE d.kind = 'reappeared' AND d.found_at >= $1
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

    notice, ready, after_end, fb, felt_part, not_part, tenure, alumni_row = await side_by_side(
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
        notice=_notice(notice),
        access_ready=Share(int(ready["ready"]), int(ready["total"])),
        access_after_end=total(after_end),
        access_after_end_examples=[
            AfterEnd(r["assignment_id"], r["freelancer_name"], r["reason"]) for r in after_end
        ],
        feedback=Share(int(fb["responded"]), int(fb["reached"])),
        average_rating=round(float(average), 1) if average is not None else None,
        ratings={n: int(fb[f"r{n}"]) for n in range(1, 6)},
        come_back={k: int(fb[f"come_back_{k}"]) for k in ("yes", "maybe", "no")},
        felt_part=_quotes(felt_part),
        not_part=_quotes(not_part),
        tenure=_distribution(tenure, TENURE_BUCKETS, digits=1),
        alumni=int(alumni_row["total"]),
        alumni_latest=[Alumnus(_first_name(a["name"]), a["team"]) for a in alumni_row["latest"]],
    )


def _notice(row: Any) -> Notice:
    return Notice(
        distribution=_distribution(row, NOTICE_BUCKETS),
        after_end=int(row["after_end"]),
        unmeasured=int(row["unmeasured"]),
        undecided=int(row["undecided"]),
    )


def _distribution(
    row: Any, buckets: tuple[tuple[int, int | None], ...], *, digits: int = 0
) -> Distribution:
    median = row["median"]
    return Distribution(
        buckets=[Bucket(low, high, int(row[f"b{i}"])) for i, (low, high) in enumerate(buckets)],
        median=round(float(median), digits) if median is not None else None,
        total=int(row["total"]),
    )


def _quotes(rows: list[Any]) -> list[Quote]:
    return [Quote(r["text"].strip(), r["submitted_at"]) for r in rows]


def _first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else name
