"""The record activity and the read model it keeps: the assignment row, its timeline, the list."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities
from db import assignments, clock, timeline
from tests.factories import SIGNED_AT, entry, make_state
from workflows.types import Person, Phase, RecordInput, Transition


async def test_recording_twice_keeps_one_row_and_one_entry_per_key(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    acts = RecordActivities(pool)
    state = make_state(unique_id, Phase.ONBOARDING)
    state.next_transition = Transition(kind="start", at=datetime(2027, 1, 4, 8, tzinfo=UTC))
    record = RecordInput(
        state=state,
        entries=[
            entry("1:signed", SIGNED_AT, "signed"),
            entry("1:onboarding", SIGNED_AT + timedelta(days=20), "onboarding"),
        ],
        run_id="run-1",
    )

    env = ActivityEnvironment()
    await env.run(acts.record, record)
    await env.run(acts.record, record)

    assert (
        await pool.fetchval("SELECT count(*) FROM assignment WHERE assignment_id = $1", unique_id)
        == 1
    )
    row = await assignments.get(pool, unique_id)
    assert row is not None
    assert row["phase"] == "onboarding"
    assert row["workflow_run_id"] == "run-1"
    assert row["state"] == state.model_dump(mode="json")
    assert await timeline.list_for(pool, unique_id) == [
        {
            "key": "1:signed",
            "at": SIGNED_AT,
            "kind": "signed",
            "summary": "signed 1:signed",
            "actor": "system",
            "data": {},
        },
        {
            "key": "1:onboarding",
            "at": SIGNED_AT + timedelta(days=20),
            "kind": "onboarding",
            "summary": "onboarding 1:onboarding",
            "actor": "system",
            "data": {},
        },
    ]


async def test_timeline_is_oldest_first_whatever_the_order_of_recording(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    acts = RecordActivities(pool)
    state = make_state(unique_id)
    late, early = SIGNED_AT + timedelta(days=3), SIGNED_AT
    await acts.record(RecordInput(state=state, entries=[entry("1:b", late)]))
    await acts.record(RecordInput(state=state, entries=[entry("1:a", early), entry("1:b", late)]))

    assert [e["at"] for e in await timeline.list_for(pool, unique_id)] == [early, late]


async def test_an_older_state_never_overwrites_a_newer_one(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    """The record activity and the API (a change's answer) both write the row: the revision,
    the records the workflow asked for so far, keeps the newer, whichever arrives last."""
    acts = RecordActivities(pool)
    newer = make_state(unique_id, Phase.ACTIVE, revision=3)
    older = make_state(unique_id, Phase.ONBOARDING, revision=2)
    await acts.record(RecordInput(state=newer, entries=[entry("1:start", SIGNED_AT)]))
    await acts.record(RecordInput(state=older, entries=[entry("1:onboarding", SIGNED_AT)]))
    row = await assignments.get(pool, unique_id)
    assert row is not None and row["phase"] == "active" and row["state"]["revision"] == 3
    assert len(await timeline.list_for(pool, unique_id)) == 2  # entries are kept either way
    await acts.record(RecordInput(state=newer.model_copy(update={"phase": Phase.RENEWAL_REVIEW})))
    row = await assignments.get(pool, unique_id)
    assert row is not None and row["phase"] == "renewal_review"  # the same revision: written


async def test_recording_keeps_what_the_create_request_wrote(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    initial = make_state(unique_id)
    async with pool.acquire() as conn:
        assert await assignments.insert_new(
            conn, initial.assignment, "hash-1", "key:contracting", initial
        )
    created = await assignments.get(pool, unique_id)
    assert created is not None
    assert created["workflow_run_id"] is None

    later = make_state(unique_id, Phase.ACTIVE, team="Finance", end_date=date(2027, 6, 30))
    later.term = 2
    await RecordActivities(pool).record(RecordInput(state=later, run_id="run-2"))
    # A record without a run id keeps the one known.
    await RecordActivities(pool).record(RecordInput(state=later))

    row = await assignments.get(pool, unique_id)
    assert row is not None
    assert row["request_hash"] == "hash-1"
    assert row["created_by"] == "key:contracting"
    assert row["created_at"] == created["created_at"]
    assert row["phase"] == "active"
    assert row["term"] == 2
    assert row["workflow_run_id"] == "run-2"
    assert row["state"]["assignment"]["team"] == "Finance"
    assert row["updated_at"] >= created["updated_at"]


async def test_a_repeated_create_inserts_nothing(pool: asyncpg.Pool, unique_id: str) -> None:
    state = make_state(unique_id)
    assert await assignments.insert_new(pool, state.assignment, "hash-1", "a", state)
    other = make_state(unique_id, team="Other")
    assert not await assignments.insert_new(pool, other.assignment, "hash-2", "b", other)

    row = await assignments.get(pool, unique_id)
    assert row is not None
    assert (row["request_hash"], row["created_by"]) == ("hash-1", "a")
    assert row["state"]["assignment"]["team"] == "Payroll"
    assert await assignments.get(pool, unique_id + "-unknown") is None


async def test_the_anchor_is_written_once(pool: asyncpg.Pool) -> None:
    now = datetime.now(UTC)  # wall clock ok: an anchor is a real instant
    first = (await clock.get_or_create(pool, now)).anchor
    second = (await clock.get_or_create(pool, now + timedelta(hours=1))).anchor

    assert first == second
    with pytest.raises(ValueError):
        await clock.get_or_create(pool, datetime(2026, 1, 1))


# --- the list ----------------------------------------------------------------------------------

NEWEST = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
async def listed(pool: asyncpg.Pool, unique_id: str) -> tuple[str, list[str]]:
    """30 assignments of a team of their own, created a minute apart (two at the same moment),
    newest first; every third one active, ending in April; names and managers vary."""
    team = f"team-{unique_id}"
    ids = [f"{unique_id}-{i:02d}" for i in range(30)]
    async with pool.acquire() as conn, conn.transaction():
        for i, assignment_id in enumerate(ids):
            state = make_state(
                assignment_id,
                Phase.ACTIVE if i % 3 == 0 else Phase.SCHEDULED,
                team=team,
                freelancer=Person(name=f"Freelancer {i:02d}", email=f"f{i}@example.org"),
                manager=Person(
                    name="Lea", email="Lea@Client.example" if i % 2 else "other@client.example"
                ),
                end_date=date(2027, 4, 15) if i % 3 == 0 else date(2027, 6, 30),
            )
            await assignments.insert_new(conn, state.assignment, f"h{i}", "test", state)
            # ids 10 and 11 share a created_at: the id decides (descending, so 11 before 10).
            minutes = 10 if i == 11 else i
            await conn.execute(
                "UPDATE assignment SET created_at = $2 WHERE assignment_id = $1",
                assignment_id,
                NEWEST - timedelta(minutes=minutes),
            )
    order = [*ids[:10], ids[11], ids[10], *ids[12:]]
    return team, order


async def test_pages_walk_the_list_newest_first(
    pool: asyncpg.Pool, listed: tuple[str, list[str]]
) -> None:
    team, order = listed
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        items, cursor = await assignments.list_page(pool, team=team, limit=7, cursor=cursor)
        pages += 1
        seen += [item["assignment_id"] for item in items]
        if cursor is None:
            break
    assert seen == order
    assert pages == 5  # 7 + 7 + 7 + 7 + 2

    items, cursor = await assignments.list_page(pool, team=team, limit=30)
    assert [i["assignment_id"] for i in items] == order
    assert cursor is None  # exactly the last row: no empty page after it
    first = items[0]
    assert first["created_at"] == NEWEST
    assert first["state"]["assignment"]["assignment_id"] == order[0]
    assert first["phase"] == "active"


async def test_filters(pool: asyncpg.Pool, listed: tuple[str, list[str]], unique_id: str) -> None:
    team, order = listed

    async def ids(**filters: object) -> list[str]:
        items, _ = await assignments.list_page(pool, team=team, limit=200, **filters)  # type: ignore[arg-type]
        return [i["assignment_id"] for i in items]

    every_third = [a for a in order if int(a[-2:]) % 3 == 0]
    odd = [a for a in order if int(a[-2:]) % 2 == 1]
    assert await ids(phase="active") == every_third
    assert await ids(phase="offboarding") == []
    assert await ids(manager_email="lea@client.EXAMPLE") == odd
    assert await ids(ending_before=date(2027, 5, 1)) == every_third
    assert await ids(ending_before=date(2027, 4, 15)) == []  # strictly before
    assert await ids(phase="active", manager_email="lea@client.example") == [
        a for a in every_third if a in odd
    ]
    assert await ids(q="freelancer 1") == [a for a in order if a[-2] == "1"]
    assert await ids(q="FREELANCER 07") == [f"{unique_id}-07"]
    assert await ids(q=f"{unique_id}-2") == [a for a in order if a[-2] == "2"]
    assert await ids(q=unique_id[2:8]) == order  # a substring of the id, not only a prefix
    assert await ids(q="%") == []  # wildcards are literal
    assert await ids(q="_") == []

    items, _ = await assignments.list_page(pool, team="no-such-team")
    assert items == []


async def test_a_filtered_list_pages_too(pool: asyncpg.Pool, listed: tuple[str, list[str]]) -> None:
    team, order = listed
    odd = [a for a in order if int(a[-2:]) % 2 == 1]
    first, cursor = await assignments.list_page(
        pool, team=team, manager_email="LEA@client.example", limit=10
    )
    assert cursor is not None
    rest, end = await assignments.list_page(
        pool, team=team, manager_email="LEA@client.example", limit=10, cursor=cursor
    )
    assert end is None
    assert [i["assignment_id"] for i in first + rest] == odd


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "",
        base64.urlsafe_b64encode(b"no separator").decode(),
        base64.urlsafe_b64encode(b"yesterday|ACME-1").decode(),
        base64.urlsafe_b64encode(b"2026-01-01T00:00:00|ACME-1").decode(),  # no time zone
        base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe|x").decode(),
        base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|nul\x00id").decode(),
        base64.urlsafe_b64encode(b"9999-12-31T23:59:59-23:00|ACME-1").decode(),  # out of range
    ],
)
async def test_a_malformed_cursor_is_a_value_error(pool: asyncpg.Pool, cursor: str) -> None:
    with pytest.raises(ValueError):
        await assignments.list_page(pool, cursor=cursor)


def test_a_cursor_round_trips() -> None:
    at = datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert assignments.decode_cursor(assignments.encode_cursor(at, "ACME-2026_0.1")) == (
        at,
        "ACME-2026_0.1",
    )


async def test_a_limit_below_one_is_a_value_error(pool: asyncpg.Pool) -> None:
    with pytest.raises(ValueError):
        await assignments.list_page(pool, limit=0)
