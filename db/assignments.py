"""The read model of table `assignment`: the assignment as the API shows it.

The API inserts the row (with the create request's hash) before it starts the workflow; from
then on the workflow's record activity keeps it up to date with `upsert_state`.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from db.pool import Connection, Executor
from db.scope import EVERYTHING, Scope
from workflows.types import ASSIGNMENT_ID_PATTERN, Assignment, AssignmentState

MAX_LIMIT = 500

# The columns derived from the state, in the order of `_state_values`.
_STATE_COLUMNS = (
    "phase",
    "term",
    "freelancer_name",
    "freelancer_email",
    "manager_name",
    "manager_email",
    "team",
    "role",
    "start_date",
    "end_date",
    "timezone",
    "next_transition_kind",
    "next_transition_at",
    "pending_decision_due",
    "state",
)


def _state_values(state: AssignmentState) -> tuple[Any, ...]:
    a = state.assignment
    return (
        state.phase.value,
        state.term,
        a.freelancer.name,
        a.freelancer.email,
        a.manager.name,
        a.manager.email,
        a.team,
        a.role,
        a.start_date,
        a.end_date,
        a.timezone,
        state.next_transition.kind if state.next_transition else None,
        state.next_transition.at if state.next_transition else None,
        state.pending_decision.due if state.pending_decision else None,
        state.model_dump(mode="json"),
    )


def _placeholders(start: int, count: int) -> str:
    return ", ".join(f"${i}" for i in range(start, start + count))


_UPSERT = f"""
INSERT INTO assignment (assignment_id, workflow_run_id, {", ".join(_STATE_COLUMNS)})
VALUES ($1, $2, {_placeholders(3, len(_STATE_COLUMNS))})
ON CONFLICT (assignment_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _STATE_COLUMNS)},
    workflow_run_id = COALESCE(EXCLUDED.workflow_run_id, assignment.workflow_run_id),
    updated_at = now()
WHERE COALESCE((assignment.state->>'revision')::int, 0)
    <= COALESCE((EXCLUDED.state->>'revision')::int, 0)
"""

_INSERT_NEW = f"""
INSERT INTO assignment (assignment_id, request_hash, created_by, {", ".join(_STATE_COLUMNS)})
VALUES ($1, $2, $3, {_placeholders(4, len(_STATE_COLUMNS))})
ON CONFLICT (assignment_id) DO NOTHING
RETURNING assignment_id
"""

_SELECTED = """
    assignment_id, request_hash, created_by, phase, term, state, workflow_run_id,
    created_at, updated_at
"""


async def upsert_state(conn: Connection, state: AssignmentState, run_id: str | None) -> None:
    """Writes the row from the workflow's state; inserts it if the API has not.

    Never touches `request_hash`, `created_by` or `created_at`, which belong to the create
    request. A `run_id` of None keeps the run id already recorded.

    Two write it: the workflow's record activity (one at a time, in workflow order) and the API
    with a change's answer, which may arrive after a newer record. The state's `revision` (the
    records asked for so far) decides: a state older than the one kept is not written.
    """
    await conn.execute(_UPSERT, state.assignment.assignment_id, run_id, *_state_values(state))


async def insert_new(
    conn: Executor,
    assignment: Assignment,
    request_hash: str,
    created_by: str,
    state: AssignmentState,
) -> bool:
    """The API's idempotent create: True if this call inserted the row, False if it existed."""
    if state.assignment.assignment_id != assignment.assignment_id:
        raise ValueError("the state belongs to another assignment")
    inserted = await conn.fetchval(
        _INSERT_NEW, assignment.assignment_id, request_hash, created_by, *_state_values(state)
    )
    return inserted is not None


async def manages(conn: Executor, email: str) -> bool:
    """Whether `email` is the manager of any assignment (the `assignment_manager_idx` index)."""
    found = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM assignment WHERE lower(manager_email) = lower($1))", email
    )
    return bool(found)


async def get(conn: Executor, assignment_id: str) -> asyncpg.Record | None:
    """The row (assignment_id, request_hash, created_by, phase, term, state as a dict,
    workflow_run_id, created_at, updated_at), or None for an unknown assignment."""
    return await conn.fetchrow(
        f"SELECT {_SELECTED} FROM assignment WHERE assignment_id = $1", assignment_id
    )


# The orders a list can be read in: a column, and the assignment id to break ties. Each has an
# index on (column, assignment_id) (migrations 001 and 005), read forwards or backwards.
SORTS = {"created": "created_at", "start": "start_date", "end": "end_date"}
ORDERS = ("asc", "desc")
DEFAULT_SORT, DEFAULT_ORDER = "created", "desc"


def encode_cursor(created_at: datetime, assignment_id: str) -> str:
    """An opaque position in the list: just after the row (created_at, assignment_id)."""
    raw = f"{created_at.isoformat()}|{assignment_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Reads a cursor made by `encode_cursor`; ValueError for anything else."""
    created, assignment_id = _split(_unpack(cursor), 2)
    try:
        created_at = datetime.fromisoformat(created)
    except ValueError as exc:
        raise ValueError("malformed cursor") from exc
    if created_at.tzinfo is None:
        raise ValueError("malformed cursor")
    try:
        created_at.astimezone(UTC)  # a moment PostgreSQL can hold
    except OverflowError as exc:
        raise ValueError("malformed cursor") from exc
    return created_at, assignment_id


def encode_position(sort: str, order: str, value: date | datetime, assignment_id: str) -> str:
    """The cursor just after a row in one order. The default order (newest first) has the
    cursor of `encode_cursor`; the others name their order, so a cursor is never read in
    another one."""
    if (sort, order) == (DEFAULT_SORT, DEFAULT_ORDER):
        assert isinstance(value, datetime)
        return encode_cursor(value, assignment_id)
    raw = f"{sort}.{order}|{value.isoformat()}|{assignment_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_position(cursor: str, sort: str, order: str) -> tuple[date | datetime, str]:
    """Reads a cursor made by `encode_position` for the same order; ValueError otherwise."""
    if (sort, order) == (DEFAULT_SORT, DEFAULT_ORDER):
        return decode_cursor(cursor)
    named, value, assignment_id = _split(_unpack(cursor), 3)
    if named != f"{sort}.{order}":
        raise ValueError("a cursor of another order")
    try:
        if sort == "created":
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError("naive")
            return moment, assignment_id
        return date.fromisoformat(value), assignment_id
    except ValueError as exc:
        raise ValueError("malformed cursor") from exc


def _unpack(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("malformed cursor") from exc


def _split(raw: str, parts: int) -> list[str]:
    """The fields of a cursor; the last is an assignment id, checked like one."""
    found = raw.split("|", parts - 1)
    if len(found) != parts or not re.fullmatch(ASSIGNMENT_ID_PATTERN, found[-1]):
        raise ValueError("malformed cursor")
    return found


def _like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards in `text` taken literally (escape character `\\`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _Where:
    """The conditions of a query and their arguments, numbered as asyncpg wants ($1, $2...)."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.args: list[Any] = []

    def add(self, condition: str, *values: Any) -> None:
        """A condition whose `{}` (or `{0}`, `{1}`) stand for `values`."""
        numbers = []
        for value in values:
            self.args.append(value)
            numbers.append(f"${len(self.args)}")
        self.conditions.append(condition.format(*numbers))


async def list_page(
    conn: Executor,
    *,
    phase: str | None = None,
    team: str | None = None,
    manager_email: str | None = None,
    ending_before: date | None = None,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    sort: str = DEFAULT_SORT,
    order: str = DEFAULT_ORDER,
    scope: Scope = EVERYTHING,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of assignments and the cursor of the next page (None at the end).

    Filters: `phase` and `team` exactly, `manager_email` case-insensitively, `ending_before` an
    end date strictly before it, `q` a case-insensitive substring of the freelancer's name or of
    the assignment id, and always `scope` (db.scope). Order: `sort` by `created` (the default),
    `start` or `end` date, `order` `desc` (the default: newest first) or `asc`, ties broken by
    the assignment id the same way;
    a page is read by keyset from an index, however deep. Each item has assignment_id, phase,
    state (a dict), workflow_run_id, start_date, end_date, created_at and updated_at. Raises
    ValueError for a malformed cursor (or one of another order), an unknown order or a limit
    below 1.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if sort not in SORTS or order not in ORDERS:
        raise ValueError(f"unknown order {sort} {order}")
    limit = min(limit, MAX_LIMIT)
    column = SORTS[sort]
    direction = "DESC" if order == "desc" else "ASC"
    where = _Where()
    if phase is not None:
        where.add("phase = {}", phase)
    if team is not None:
        where.add("team = {}", team)
    if manager_email is not None:
        where.add("lower(manager_email) = lower({})", manager_email)
    if ending_before is not None:
        where.add("end_date < {}", ending_before)
    if q:
        where.add("(freelancer_name ILIKE {0} OR assignment_id ILIKE {0})", _like_pattern(q))
    if scope.manager is not None:
        where.add("lower(manager_email) = lower({})", scope.manager)
    if scope.teams is not None:
        where.add("team = ANY({})", sorted(scope.teams))
    if cursor is not None:
        after, assignment_id = decode_position(cursor, sort, order)
        beyond = "<" if order == "desc" else ">"
        where.add(f"({column}, assignment_id) {beyond} ({{}}, {{}})", after, assignment_id)
    conditions, args = where.conditions, where.args
    args.append(limit + 1)
    clause = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    rows = await conn.fetch(
        f"""
        SELECT assignment_id, phase, state, workflow_run_id, start_date, end_date,
            created_at, updated_at
        FROM assignment {clause}
        ORDER BY {column} {direction}, assignment_id {direction}
        LIMIT ${len(args)}
        """,
        *args,
    )
    items = [dict(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_position(sort, order, last[column], last["assignment_id"])
    return items, next_cursor
