"""The access activity: the ledger follows the assignment's tool set, and a provisioner gets
exactly the change."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment

from activities.access import AccessActivities
from db import access as ledger
from tests.factories import FREELANCER as SAM
from workflows.types import Access, AccessStatus, Person, SyncAccessInput

DAY_ONE = datetime(2026, 12, 28, 9, tzinfo=UTC)
GRANTED, REVOKED = AccessStatus.GRANTED, AccessStatus.REVOKED


@dataclass
class Call:
    grant: list[str]
    revoke: list[str]
    active: bool


@dataclass
class FakeProvisioner:
    name: str = "fake"
    calls: list[Call] = field(default_factory=list)
    fail_next: bool = False

    async def apply(
        self,
        assignment_id: str,
        freelancer: Person,
        grant: list[str],
        revoke: list[str],
        active: bool,
    ) -> None:
        assert freelancer == SAM
        if self.fail_next:
            self.fail_next = False
            raise ConnectionError("provider unreachable")
        self.calls.append(Call(grant, revoke, active))


def sync(
    assignment_id: str, tools: list[str], at: datetime, *, active: bool = True
) -> SyncAccessInput:
    return SyncAccessInput(
        assignment_id=assignment_id, term=1, freelancer=SAM, tools=tools, active=active, at=at
    )


def statuses(access: list[Access]) -> dict[str, tuple[AccessStatus, datetime]]:
    return {a.tool: (a.status, a.since) for a in access}


async def changes(pool: asyncpg.Pool, assignment_id: str) -> list[tuple[str, str]]:
    return [(c["tool"], c["status"]) for c in await ledger.history(pool, assignment_id)]


async def test_a_grant_repeated_changes_nothing(pool: asyncpg.Pool, unique_id: str) -> None:
    provisioner = FakeProvisioner()
    acts = AccessActivities(pool, provisioner)
    env = ActivityEnvironment()

    first = await env.run(acts.sync_access, sync(unique_id, ["chat", "wiki"], DAY_ONE))
    again = await env.run(
        acts.sync_access, sync(unique_id, ["wiki", "chat"], DAY_ONE + timedelta(hours=1))
    )

    assert statuses(first.access) == {"chat": (GRANTED, DAY_ONE), "wiki": (GRANTED, DAY_ONE)}
    assert again == first
    assert first.provider == "fake"
    assert provisioner.calls == [Call(["chat", "wiki"], [], True)]
    assert await changes(pool, unique_id) == [("chat", "granted"), ("wiki", "granted")]


async def test_an_amended_tool_set_revokes_the_removed_and_grants_the_new(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    provisioner = FakeProvisioner()
    acts = AccessActivities(pool, provisioner)
    moved = DAY_ONE + timedelta(days=40)
    await acts.sync_access(sync(unique_id, ["chat", "wiki"], DAY_ONE))

    result = await acts.sync_access(sync(unique_id, ["wiki", "email"], moved))
    again = await acts.sync_access(sync(unique_id, ["wiki", "email"], moved + timedelta(days=1)))

    assert statuses(result.access) == {
        "chat": (REVOKED, moved),
        "email": (GRANTED, moved),
        "wiki": (GRANTED, DAY_ONE),  # unchanged: keeps its since
    }
    assert again == result
    assert provisioner.calls[1:] == [Call(["email"], ["chat"], True)]
    assert await changes(pool, unique_id) == [
        ("chat", "granted"),
        ("wiki", "granted"),
        ("chat", "revoked"),
        ("email", "granted"),
    ]

    # A tool given back after a revocation is granted again, from then on.
    back = moved + timedelta(days=10)
    result = await acts.sync_access(sync(unique_id, ["wiki", "email", "chat"], back))
    assert statuses(result.access)["chat"] == (GRANTED, back)
    assert provisioner.calls[-1] == Call(["chat"], [], True)


async def test_deactivation_revokes_everything_ever_granted(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    provisioner = FakeProvisioner()
    acts = AccessActivities(pool, provisioner)
    ended = DAY_ONE + timedelta(days=90)
    await acts.sync_access(sync(unique_id, ["chat", "wiki"], DAY_ONE))
    await acts.sync_access(sync(unique_id, ["wiki", "email"], DAY_ONE + timedelta(days=40)))

    # The workflow sends the tools it has; `active` False revokes them all the same.
    result = await acts.sync_access(sync(unique_id, ["wiki", "email"], ended, active=False))

    assert {a.tool: a.status for a in result.access} == {
        "chat": REVOKED,
        "email": REVOKED,
        "wiki": REVOKED,
    }
    assert statuses(result.access)["wiki"] == (REVOKED, ended)
    assert statuses(result.access)["chat"] == (REVOKED, DAY_ONE + timedelta(days=40))
    assert provisioner.calls[-1] == Call([], ["email", "wiki"], False)
    count = len(await changes(pool, unique_id))

    # A repeat records nothing and revokes nothing, but still makes sure the account is inactive.
    again = await acts.sync_access(sync(unique_id, [], ended + timedelta(days=1), active=False))
    assert again == result
    assert provisioner.calls[-1] == Call([], [], False)
    assert len(await changes(pool, unique_id)) == count


async def test_a_cancellation_before_any_grant_calls_no_provider(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    provisioner = FakeProvisioner()
    result = await AccessActivities(pool, provisioner).sync_access(
        sync(unique_id, [], DAY_ONE, active=False)
    )
    assert result.access == []
    assert provisioner.calls == []


async def test_without_a_provisioner_access_is_recorded_in_the_ledger(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    acts = AccessActivities(pool)
    result = await acts.sync_access(sync(unique_id, ["chat"], DAY_ONE))

    assert result.provider == "ledger"
    assert statuses(result.access) == {"chat": (GRANTED, DAY_ONE)}
    rows = await ledger.list_for(pool, unique_id)
    assert [(r["tool"], r["status"], r["provider"]) for r in rows] == [
        ("chat", "granted", "ledger")
    ]


async def test_a_failed_provider_call_leaves_the_ledger_as_it_was(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    provisioner = FakeProvisioner(fail_next=True)
    acts = AccessActivities(pool, provisioner)

    with pytest.raises(ConnectionError):
        await acts.sync_access(sync(unique_id, ["chat"], DAY_ONE))
    assert await ledger.list_for(pool, unique_id) == []

    # Temporal's retry: the same delta goes out again, and is recorded once.
    result = await acts.sync_access(sync(unique_id, ["chat"], DAY_ONE))
    assert provisioner.calls == [Call(["chat"], [], True)]
    assert statuses(result.access) == {"chat": (GRANTED, DAY_ONE)}


async def test_tools_outside_the_catalogue_are_not_granted(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    provisioner = FakeProvisioner()
    acts = AccessActivities(pool, provisioner, catalogue=["chat", "wiki", "email", "calendar"])

    result = await acts.sync_access(sync(unique_id, ["chat", "payroll-suite"], DAY_ONE))

    assert [a.tool for a in result.access] == ["chat"]
    assert provisioner.calls == [Call(["chat"], [], True)]


async def test_the_ledger_records_each_change_once_under_concurrency(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    change = [Access(tool="chat", status=GRANTED, since=DAY_ONE)]

    async def apply() -> list[Access]:
        async with pool.acquire() as conn, conn.transaction():
            return await ledger.apply(conn, unique_id, change, "ledger")

    results = await asyncio.gather(*(apply() for _ in range(5)))

    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 1]
    assert await changes(pool, unique_id) == [("chat", "granted")]
