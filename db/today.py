"""What the operator UI's Today page shows, read from the read model: renewal decisions due, who
starts and who leaves soon, and open tasks past due.

The page is answered by a handful of queries: every number is counted in SQL, only the rows the
page shows leave the database, and each query starts from an index (migration 005_insights) or
a window of time, so the page stays fast at 100,000 assignments.

"Today" is the deployment clock's date (core.clock), handed in by the caller: a demo at a
compressed clock sees its own today, not the wall clock's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from db.pool import Executor
from db.reads import side_by_side, total
from db.scope import EVERYTHING, Scope

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

STARTING_DAYS = 14
LEAVING_DAYS = 30
# A renewal decision this close to its due moment is urgent (the escalation goes to HR at 14).
URGENT_DAYS = 14


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
    policy: str = "standard"  # the named policy it follows (its onboarding lead time)


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
    phase: str  # onboarding or offboarding
    due: date  # its own due day (tasks given before they had one: the start or end date)
    titles: dict[str, str] = field(default_factory=dict)  # a policy's own task: every language


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
D = TypeVar("D", bound="DataclassInstance")


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
WHERE pending_decision_due IS NOT NULL AND {scope}
ORDER BY pending_decision_due, assignment_id
LIMIT $1
"""

_STARTING = """
WITH soon AS (
    SELECT assignment_id, freelancer_name, team, role, phase, start_date, state,
           count(*) OVER () AS total
    FROM assignment
    WHERE start_date BETWEEN $1 AND $2 AND phase <> 'cancelled' AND {scope}
    ORDER BY start_date, assignment_id
    LIMIT $3
)
SELECT s.assignment_id, s.freelancer_name, s.team, s.role, s.phase, s.start_date, s.total,
       coalesce(s.state -> 'assignment' ->> 'policy', 'standard') AS policy,
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
    WHERE end_date BETWEEN $1 AND $2 AND phase NOT IN ('completed', 'cancelled') AND {scope}
    UNION
    SELECT assignment_id, freelancer_name, team, role, phase, end_date FROM assignment
    WHERE phase = 'offboarding' AND {scope}
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
           coalesce(task -> 'titles', '{}'::jsonb) AS titles, task ->> 'phase' AS task_phase,
           coalesce(
               (task ->> 'due')::date,
               CASE task ->> 'phase' WHEN 'onboarding' THEN a.start_date ELSE a.end_date END
           ) AS due
    FROM assignment a
    CROSS JOIN LATERAL jsonb_array_elements(a.state -> 'tasks') AS task
    WHERE a.phase NOT IN ('completed', 'cancelled')
      AND a.state @? '$.tasks[*] ? (@.done == false)'
      AND a.start_date < $1::date + 90  -- a task is due at most 90 days before the first day
      AND NOT coalesce((task ->> 'done')::boolean, false)
      AND {scope}
), due AS (
    SELECT * FROM open WHERE due < $1
), grouped AS (
    SELECT assignment_id, freelancer_name, team, phase, min(due) AS oldest_due,
           jsonb_agg(jsonb_build_object(
               'task_id', task_id, 'title', title, 'titles', titles, 'phase', task_phase,
               'due', due
           ) ORDER BY due, task_id) AS tasks
    FROM due
    GROUP BY assignment_id, freelancer_name, team, phase
)
SELECT g.*, count(*) OVER () AS total, (SELECT count(*) FROM due) AS open_tasks
FROM grouped g
ORDER BY oldest_due, assignment_id
LIMIT $2
"""


def _scoped(query: str, scope: Scope, first: int, alias: str = "") -> str:
    return query.replace("{scope}", scope.sql(first, alias))


async def today(
    pool: Executor,
    today: date,
    limit: int = 8,
    *,
    now: datetime | None = None,
    scope: Scope = EVERYTHING,
) -> Today:
    """What needs someone today: renewal decisions due (soonest first; overdue ones flagged),
    who starts in the next 14 days (access ready or not), who leaves in the next 30 days or is
    offboarding (exit feedback in or not), and open tasks past due (most overdue first).

    `now` (the clock's moment) decides what is overdue; by default the start of `today` (UTC).
    Each section has at most `limit` rows and the count of all, within `scope` (db.scope).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    now = now or datetime.combine(today, time(), tzinfo=UTC)
    renewals, starting, leaving, (tasks, open_tasks) = await side_by_side(
        pool,
        lambda db: _renewals(db, today, now, limit, scope),
        lambda db: _starting(db, today, limit, scope),
        lambda db: _leaving(db, today, limit, scope),
        lambda db: _tasks(db, today, limit, scope),
    )
    return Today(
        today=today,
        renewals=renewals,
        starting=starting,
        leaving=leaving,
        tasks=tasks,
        open_tasks=open_tasks,
    )


async def _renewals(
    db: Executor, today: date, now: datetime, limit: int, scope: Scope
) -> Section[RenewalDue]:
    rows = await db.fetch(_scoped(_RENEWALS, scope, 2), limit, *scope.args())
    return Section([_renewal(r, today, now) for r in rows], total(rows))


def _renewal(r: Any, today: date, now: datetime) -> RenewalDue:
    due = r["due"]
    return _from_row(
        RenewalDue,
        r,
        overdue=due < now,
        urgent=now <= due < now + timedelta(days=URGENT_DAYS),
        days_left=(due.astimezone(ZoneInfo(r["timezone"])).date() - today).days,
    )


async def _starting(db: Executor, today: date, limit: int, scope: Scope) -> Section[Starting]:
    until = today + timedelta(days=STARTING_DAYS)
    rows = await db.fetch(_scoped(_STARTING, scope, 4), today, until, limit, *scope.args())
    starting = [
        _from_row(
            Starting,
            r,
            days_until=(r["start_date"] - today).days,
            access_ready=r["granted"] == r["tools"],
        )
        for r in rows
    ]
    return Section(starting, total(rows))


async def _leaving(db: Executor, today: date, limit: int, scope: Scope) -> Section[Leaving]:
    until = today + timedelta(days=LEAVING_DAYS)
    rows = await db.fetch(_scoped(_LEAVING, scope, 4), today, until, limit, *scope.args())
    leaving = [_from_row(Leaving, r, days_until=(r["end_date"] - today).days) for r in rows]
    return Section(leaving, total(rows))


async def _tasks(
    db: Executor, today: date, limit: int, scope: Scope
) -> tuple[Section[TasksDue], int]:
    """The section, and how many tasks are past due in all, over every assignment in scope."""
    rows = await db.fetch(_scoped(_TASKS, scope, 3, "a"), today, limit, *scope.args())
    tasks = [
        _from_row(
            TasksDue,
            r,
            tasks=[_from_row(OpenTask, t, due=date.fromisoformat(t["due"])) for t in r["tasks"]],
            days_overdue=(today - r["oldest_due"]).days,
        )
        for r in rows
    ]
    return Section(tasks, total(rows)), rows[0]["open_tasks"] if rows else 0


def _from_row(cls: type[D], row: Any, **computed: Any) -> D:
    """A `cls` from the columns of the row named as its fields, and the fields computed here."""
    columns = {f.name: row[f.name] for f in fields(cls) if f.name not in computed}
    return cls(**columns, **computed)
