"""Access over SCIM against a real scim2-server: what the directory holds after each step of an
assignment, what a strict or failing provider changes about it (nothing), and which failures
are left to Temporal's retry.

Every test gets its own directory (a tenant of one server process) and reads it directly, never
through the provisioner or the fault proxy."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg
import pytest
from starlette.responses import Response
from temporalio.exceptions import ApplicationError

from activities.access import AccessActivities
from activities.scim import PRECONDITION_RETRIES, ScimProvisioner, ScimUnavailable
from core.errors import INVALID_INPUT, PROVIDER_REJECTED
from core.settings import Settings
from db import access as ledger
from tests.activities.scim_peer import (
    Call,
    Directory,
    FaultProxy,
    Faults,
    ScimServer,
    free_port,
    scim_error,
)
from tests.factories import FREELANCER as SAM
from workflows.types import Person, SyncAccessInput

TOKEN = "scim-test-token"
CATALOGUE = ["chat", "wiki", "email", "calendar"]
DAY_ONE = datetime(2026, 12, 28, 9, tzinfo=UTC)

T = TypeVar("T")


@pytest.fixture(scope="module")
def scim_server() -> Iterator[ScimServer]:
    server = ScimServer(TOKEN)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def directory(scim_server: ScimServer) -> AsyncIterator[Directory]:
    d = Directory(scim_server.url(f"t{uuid.uuid4().hex[:12]}"), TOKEN)
    try:
        yield d
    finally:
        await d.aclose()


@pytest.fixture
async def provisioner(directory: Directory) -> AsyncIterator[ScimProvisioner]:
    p = ScimProvisioner(directory.url, TOKEN, CATALOGUE)
    try:
        yield p
    finally:
        await p.aclose()


@pytest.fixture
async def proxies(directory: Directory) -> AsyncIterator[Callable[..., Awaitable[FaultProxy]]]:
    """Starts fault proxies in front of the test's directory (stopped at the end)."""
    started: list[FaultProxy] = []

    async def start(faults: Faults | None = None) -> FaultProxy:
        proxy = FaultProxy(directory.url, faults or Faults())
        await proxy.start()
        started.append(proxy)
        return proxy

    try:
        yield start
    finally:
        for proxy in started:
            await proxy.stop()


def sync(
    assignment_id: str, tools: list[str], *, active: bool = True, person: Person = SAM
) -> SyncAccessInput:
    return SyncAccessInput(
        assignment_id=assignment_id,
        term=1,
        freelancer=person,
        tools=tools,
        active=active,
        at=DAY_ONE,
    )


async def account(directory: Directory, assignment_id: str) -> tuple[dict[str, Any], set[str]]:
    """The one user of the assignment, and the names of the groups holding it."""
    users = await directory.users(assignment_id)
    assert len(users) == 1, f"{len(users)} users have the externalId {assignment_id}"
    return users[0], await directory.groups_of(users[0]["id"])


async def assert_no_duplicates(directory: Directory) -> None:
    groups = await directory.groups()
    assert sorted(Counter(g["displayName"] for g in groups).values(), reverse=True)[:1] in ([], [1])
    for g in groups:
        members = [m["value"] for m in g.get("members", [])]
        assert len(members) == len(set(members)), f"a member twice in {g['displayName']}"
    external_ids = Counter(u.get("externalId") for u in await directory.users())
    assert all(n == 1 for n in external_ids.values()), external_ids


async def retried(attempt: Callable[[], Awaitable[T]], attempts: int = 100) -> T:
    """Temporal's part in these tests: the activity again after any failure but an
    ApplicationError (the provisioner raises only non-retryable ones)."""
    for _ in range(attempts - 1):
        try:
            return await attempt()
        except ApplicationError:
            raise
        except Exception:
            await asyncio.sleep(0.002)
    return await attempt()


# --------------------------------------------------------------------- the story


async def test_a_grant_makes_one_user_in_the_tools_groups(
    pool: asyncpg.Pool, unique_id: str, directory: Directory, provisioner: ScimProvisioner
) -> None:
    acts = AccessActivities(pool, provisioner, catalogue=CATALOGUE)

    result = await acts.sync_access(sync(unique_id, ["chat", "wiki"]))

    assert result.provider == "scim"
    user, groups = await account(directory, unique_id)
    assert groups == {"chat", "wiki"}
    assert user["userName"] == "sam@example.org"
    assert user["active"] is True
    assert user["displayName"] == "Sam Peeters"
    assert user["name"]["formatted"] == "Sam Peeters"
    assert user["emails"] == [{"value": "sam@example.org", "type": "work", "primary": True}]

    # Again through the activity (the ledger has it: no call), then the same delta twice more
    # straight to the provisioner, as after a ledger write that failed.
    again = await acts.sync_access(sync(unique_id, ["wiki", "chat"]))
    await provisioner.apply(unique_id, SAM, ["chat", "wiki"], [], True)
    await provisioner.apply(unique_id, SAM, ["chat", "wiki"], [], True)

    assert again == result
    assert (await account(directory, unique_id))[1] == {"chat", "wiki"}
    assert sorted(g["displayName"] for g in await directory.groups()) == ["chat", "wiki"]
    await assert_no_duplicates(directory)


async def test_the_groups_follow_an_amendment(
    pool: asyncpg.Pool, unique_id: str, directory: Directory, provisioner: ScimProvisioner
) -> None:
    acts = AccessActivities(pool, provisioner, catalogue=CATALOGUE)
    await acts.sync_access(sync(unique_id, ["chat", "wiki"]))

    await acts.sync_access(sync(unique_id, ["wiki", "email"]))
    assert (await account(directory, unique_id))[1] == {"wiki", "email"}

    await acts.sync_access(sync(unique_id, ["wiki", "email", "chat"]))
    await provisioner.apply(unique_id, SAM, ["chat"], [], True)
    assert (await account(directory, unique_id))[1] == {"chat", "wiki", "email"}
    await assert_no_duplicates(directory)


async def test_deactivation_leaves_the_user_inactive_in_no_catalogue_group(
    pool: asyncpg.Pool, unique_id: str, directory: Directory, provisioner: ScimProvisioner
) -> None:
    acts = AccessActivities(pool, provisioner, catalogue=CATALOGUE)
    await acts.sync_access(sync(unique_id, ["chat", "wiki"]))
    user, _ = await account(directory, unique_id)
    # Memberships the ledger does not know of: a catalogue group (removed with the rest) and
    # a group of someone else's (left alone).
    for name in ("calendar", "payroll"):
        group = await directory.create_group(name)
        await directory.add_member(group["id"], user["id"])

    await acts.sync_access(sync(unique_id, ["chat", "wiki"], active=False))

    user, groups = await account(directory, unique_id)
    assert user["active"] is False
    assert groups == {"payroll"}
    assert {r["tool"]: r["status"] for r in await ledger.list_for(pool, unique_id)} == {
        "chat": "revoked",
        "wiki": "revoked",
    }

    # The workflow repeats the deactivation (a cancellation after an offboarding, a retry).
    await acts.sync_access(sync(unique_id, [], active=False))
    await provisioner.apply(unique_id, SAM, [], ["chat", "wiki"], False)
    user, groups = await account(directory, unique_id)
    assert (user["active"], groups) == (False, {"payroll"})
    await assert_no_duplicates(directory)


async def test_a_grant_after_deactivation_reactivates_the_same_user(
    unique_id: str, directory: Directory, provisioner: ScimProvisioner
) -> None:
    await provisioner.apply(unique_id, SAM, ["chat"], [], True)
    await provisioner.apply(unique_id, SAM, [], ["chat"], False)

    await provisioner.apply(unique_id, SAM, ["wiki"], [], True)

    user, groups = await account(directory, unique_id)
    assert (user["active"], groups) == (True, {"wiki"})


async def test_a_deactivation_without_a_user_creates_none(
    unique_id: str, directory: Directory, provisioner: ScimProvisioner
) -> None:
    await provisioner.apply(unique_id, SAM, [], ["chat"], False)
    assert await directory.users() == []
    assert await directory.groups() == []


async def test_concurrent_first_grants_share_one_group_per_tool(
    unique_id: str, directory: Directory, proxies: Callable[..., Awaitable[FaultProxy]]
) -> None:
    # Through a proxy without faults: it keeps the server's load within what it serves well.
    provisioner = ScimProvisioner((await proxies()).url, TOKEN, CATALOGUE)
    ids = [f"{unique_id}-{i}" for i in range(12)]
    people = [Person(name=f"Free Lancer {i}", email=f"lancer{i}@example.org") for i in range(12)]
    try:
        await asyncio.gather(
            *(
                provisioner.apply(a, p, ["chat", "wiki"], [], True)
                for a, p in zip(ids, people, strict=True)
            )
        )
        # Any duplicate a race left is dropped by the next look-up of the tool's group.
        await provisioner.apply(ids[0], people[0], ["chat", "wiki"], [], True)
    finally:
        await provisioner.aclose()

    assert sorted(g["displayName"] for g in await directory.groups()) == ["chat", "wiki"]
    for a in ids:
        assert (await account(directory, a))[1] == {"chat", "wiki"}
    await assert_no_duplicates(directory)


# --------------------------------------------------------------------- strict providers


async def test_a_strict_providers_answers_to_repeated_steps_count_as_success(
    unique_id: str,
    directory: Directory,
    proxies: Callable[..., Awaitable[FaultProxy]],
) -> None:
    proxy = await proxies(Faults(strict=True))
    provisioner = ScimProvisioner(proxy.url, TOKEN, CATALOGUE)
    try:
        await provisioner.apply(unique_id, SAM, ["chat", "wiki"], [], True)
        await provisioner.apply(unique_id, SAM, ["chat", "wiki"], [], True)  # 409 twice
        await provisioner.apply(unique_id, SAM, [], ["chat"], True)
        await provisioner.apply(unique_id, SAM, [], ["chat"], True)  # noTarget
        assert proxy.injected["strict:409"] == 2
        assert proxy.injected["strict:noTarget"] == 1
        assert (await account(directory, unique_id))[1] == {"wiki"}

        # Someone deletes the user between the look-up and the deactivation's PATCH: its 404
        # is as good as done.
        user, _ = await account(directory, unique_id)

        async def delete_first(call: Call) -> Response | None:
            if call.method == "PATCH" and call.path.endswith(f"/Users/{user['id']}"):
                await directory.delete("/Users", user["id"])
            return None

        proxy.hooks.append(delete_first)
        await provisioner.apply(unique_id, SAM, [], ["wiki"], False)
        assert await directory.users(unique_id) == []
        assert await directory.groups_of(user["id"]) == set()
    finally:
        await provisioner.aclose()


async def test_a_stale_version_is_read_again_and_the_patch_sent_again(
    unique_id: str,
    directory: Directory,
    proxies: Callable[..., Awaitable[FaultProxy]],
) -> None:
    proxy = await proxies(Faults(stale_patch=1.0))  # every PATCH refused once with a 412
    provisioner = ScimProvisioner(proxy.url, TOKEN, CATALOGUE)
    try:
        await provisioner.apply(unique_id, SAM, ["chat", "wiki"], [], True)
        await provisioner.apply(unique_id, SAM, [], ["chat", "wiki"], False)
        assert proxy.injected["412"] == 5  # two adds, two removes, active false
        user, groups = await account(directory, unique_id)
        assert (user["active"], groups) == (False, set())

        # A provider that keeps answering 412: a few tries, then Temporal's retry takes over.
        async def always_stale(call: Call) -> Response | None:
            return scim_error(412, "changed") if call.method == "PATCH" else None

        proxy.hooks.append(always_stale)
        scripted = proxy.injected["scripted"]
        with pytest.raises(ScimUnavailable, match="412"):
            await provisioner.apply(unique_id, SAM, ["chat"], [], True)
        assert proxy.injected["scripted"] - scripted == PRECONDITION_RETRIES + 1
    finally:
        await provisioner.aclose()


async def test_a_lost_answer_to_a_create_makes_no_second_user(
    unique_id: str,
    directory: Directory,
    proxies: Callable[..., Awaitable[FaultProxy]],
) -> None:
    proxy = await proxies()
    lost: list[str] = []

    async def lose_creates(call: Call) -> Response | None:
        if call.method == "POST" and call.path not in lost:
            lost.append(call.path)
            assert (await call.forward()).status_code == 201
            return Response("bad gateway", 502)
        return None

    proxy.hooks.append(lose_creates)
    provisioner = ScimProvisioner(proxy.url, TOKEN, CATALOGUE)
    try:
        with pytest.raises(ScimUnavailable, match="502"):
            await provisioner.apply(unique_id, SAM, ["chat"], [], True)  # the user's create
        with pytest.raises(ScimUnavailable, match="502"):
            await provisioner.apply(unique_id, SAM, ["chat"], [], True)  # the group's create
        await provisioner.apply(unique_id, SAM, ["chat"], [], True)
    finally:
        await provisioner.aclose()

    assert len(lost) == 2
    assert (await account(directory, unique_id))[1] == {"chat"}
    await assert_no_duplicates(directory)


# --------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    "answer",
    [
        scim_error(429, "slow down"),
        scim_error(503, "down"),
        Response("<html>gateway timeout</html>", 504, media_type="text/html"),
        Response("", 500),
    ],
    ids=["429", "503", "504-html", "500-empty"],
)
async def test_transient_answers_are_left_to_temporals_retry(
    unique_id: str,
    directory: Directory,
    proxies: Callable[..., Awaitable[FaultProxy]],
    answer: Response,
) -> None:
    proxy = await proxies()
    failing = [True]

    async def fail_while_told(call: Call) -> Response | None:
        return answer if failing[0] else None

    proxy.hooks.append(fail_while_told)
    provisioner = ScimProvisioner(proxy.url, TOKEN, CATALOGUE)
    try:
        with pytest.raises(ScimUnavailable, match=str(answer.status_code)):
            await provisioner.apply(unique_id, SAM, ["chat"], [], True)
        failing[0] = False
        await provisioner.apply(unique_id, SAM, ["chat"], [], True)
    finally:
        await provisioner.aclose()
    assert (await account(directory, unique_id))[1] == {"chat"}


async def test_no_answer_in_time_or_no_server_is_transient(
    unique_id: str, proxies: Callable[..., Awaitable[FaultProxy]]
) -> None:
    proxy = await proxies(Faults(slow=1.0, delay=0.5))
    slow = ScimProvisioner(proxy.url, TOKEN, CATALOGUE, timeout=0.2)
    nobody = ScimProvisioner(f"http://127.0.0.1:{free_port()}/v2", TOKEN, CATALOGUE)
    try:
        with pytest.raises(ScimUnavailable, match="Timeout"):
            await slow.apply(unique_id, SAM, ["chat"], [], True)
        with pytest.raises(ScimUnavailable, match="ConnectError"):
            await nobody.apply(unique_id, SAM, ["chat"], [], True)
    finally:
        await slow.aclose()
        await nobody.aclose()


async def test_a_wrong_token_is_a_permanent_refusal(unique_id: str, directory: Directory) -> None:
    provisioner = ScimProvisioner(directory.url, "not-the-token", CATALOGUE)
    try:
        with pytest.raises(ApplicationError) as refused:
            await provisioner.apply(unique_id, SAM, ["chat"], [], True)
    finally:
        await provisioner.aclose()
    assert refused.value.type == PROVIDER_REJECTED
    assert refused.value.non_retryable
    assert "401" in str(refused.value)
    assert "not-the-token" not in str(refused.value)


@pytest.mark.parametrize(
    ("method", "answer"),
    [
        ("POST", scim_error(400, "userName is not allowed here", "invalidValue")),
        ("POST", scim_error(403, "not for you")),
        ("PATCH", scim_error(400, "members are read-only here", "mutability")),
        ("PATCH", scim_error(501, "PATCH is not supported")),
        ("GET", Response("<html>a login page</html>", 200, media_type="text/html")),
    ],
    ids=["400-create", "403", "400-patch", "501", "not-scim"],
)
async def test_other_refusals_are_permanent(
    unique_id: str,
    proxies: Callable[..., Awaitable[FaultProxy]],
    method: str,
    answer: Response,
) -> None:
    proxy = await proxies()

    async def refuse(call: Call) -> Response | None:
        return answer if call.method == method else None

    proxy.hooks.append(refuse)
    provisioner = ScimProvisioner(proxy.url, TOKEN, CATALOGUE)
    try:
        with pytest.raises(ApplicationError) as refused:
            await provisioner.apply(unique_id, SAM, ["chat"], [], True)
    finally:
        await provisioner.aclose()
    assert refused.value.type == PROVIDER_REJECTED
    assert refused.value.non_retryable


async def test_a_user_name_held_by_a_running_assignment_is_a_permanent_refusal(
    unique_id: str, directory: Directory, provisioner: ScimProvisioner
) -> None:
    await provisioner.apply(f"{unique_id}-earlier", SAM, ["chat"], [], True)

    with pytest.raises(ApplicationError) as refused:
        await provisioner.apply(unique_id, SAM, ["chat"], [], True)

    assert refused.value.type == PROVIDER_REJECTED
    assert refused.value.non_retryable
    assert "already has an active account" in str(refused.value)
    assert await directory.users(unique_id) == []


async def test_a_returning_freelancer_gets_their_own_account_back(
    unique_id: str, directory: Directory, provisioner: ScimProvisioner
) -> None:
    earlier = f"{unique_id}-earlier"
    await provisioner.apply(earlier, SAM, ["chat", "wiki"], [], True)
    await provisioner.apply(earlier, SAM, [], ["chat", "wiki"], False)
    (before, _) = await account(directory, earlier)

    await provisioner.apply(unique_id, SAM, ["chat", "email"], [], True)
    await provisioner.apply(unique_id, SAM, ["chat", "email"], [], True)  # a retry changes nothing

    user, groups = await account(directory, unique_id)
    assert user["id"] == before["id"] and user["userName"] == "sam@example.org"
    assert (user["active"], groups) == (True, {"chat", "email"})
    assert await directory.users(earlier) == []
    assert len(await directory.users()) == 1


async def test_a_freelancer_who_cannot_be_a_user_is_invalid_input(
    unique_id: str, directory: Directory, provisioner: ScimProvisioner
) -> None:
    nobody = Person(name="No Address", email="no-address")
    with pytest.raises(ApplicationError) as refused:
        await provisioner.apply(unique_id, nobody, ["chat"], [], True)
    assert refused.value.type == INVALID_INPUT
    assert refused.value.non_retryable
    assert await directory.users() == []


def test_from_settings_takes_the_url_token_and_catalogue() -> None:
    settings = Settings(scim_url="http://127.0.0.1:9/scim/v2", scim_token="t", tools="a,b")
    provisioner = ScimProvisioner.from_settings(settings)
    assert provisioner.name == "scim"
    assert provisioner._catalogue == ["a", "b"]
    with pytest.raises(ValueError):
        ScimProvisioner.from_settings(Settings(scim_url=None))


# --------------------------------------------------------------------- under fire


async def test_fifty_assignments_through_a_faulty_network_end_as_they_should(
    pool: asyncpg.Pool,
    unique_id: str,
    directory: Directory,
    proxies: Callable[..., Awaitable[FaultProxy]],
) -> None:
    proxy = await proxies(
        Faults(
            seed=20261228,
            too_many=0.05,
            unavailable=0.05,
            lost_after_write=0.08,
            slow=0.01,
            delay=0.4,
            stale_patch=0.15,
            strict=True,
        )
    )
    provisioner = ScimProvisioner(proxy.url, TOKEN, CATALOGUE, timeout=0.3)
    acts = AccessActivities(pool, provisioner, catalogue=CATALOGUE)
    plans = random.Random(7)
    limit = asyncio.Semaphore(10)

    async def life(i: int) -> None:
        assignment_id = f"{unique_id}-{i:02d}"
        person = Person(name=f"Free Lancer {i}", email=f"lancer{i}@example.org")
        first = plans.sample(CATALOGUE, plans.randint(1, 3))
        amended = plans.sample(CATALOGUE, plans.randint(1, 3))
        async with limit:
            for tools, active in ((first, True), (amended, True), (amended, False)):
                step = sync(assignment_id, tools, active=active, person=person)
                await retried(lambda step=step: acts.sync_access(step))
                user, groups = await account(directory, assignment_id)
                assert user["active"] is active, (assignment_id, tools, active)
                assert groups == (set(tools) if active else set()), (assignment_id, tools)

    await asyncio.gather(*(life(i) for i in range(50)))

    await provisioner.aclose()
    users = await directory.users()
    assert sorted(u["externalId"] for u in users) == [f"{unique_id}-{i:02d}" for i in range(50)]
    assert all(u["active"] is False for u in users)
    await assert_no_duplicates(directory)
    assert all(not g.get("members") for g in await directory.groups())
    # Every kind of fault really happened.
    for kind in ("429", "503", "lost:502", "lost:cut", "slow", "412", "strict:409"):
        assert proxy.injected[kind] > 0, (kind, proxy.injected)
