"""The guard against mass deprovisioning: 40 early ends within a minute, the guard at 25. The
contracts all end; 25 revocations go ahead within the hour, the rest are held, the admins are
told at once, the holds show on the attention list with who and why, and once an admin releases
them they close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from db.guard import WINDOW
from tests.effects.conftest import ADMIN_EMAIL, Stack, eventually

pytestmark = pytest.mark.slow

ENDS = 40


async def _an_hour_passes(stack: Stack) -> None:
    """The guard counts revocations within the last hour of real time: the other tests' early
    ends (before) and this one's 25 (after) are moved out of it, so that each test sees its own."""
    await stack.pool.execute(
        "UPDATE revocation_claim SET claimed_at = claimed_at - $1::interval", WINDOW
    )


@pytest.fixture
async def fresh_hour(stack: Stack) -> AsyncIterator[None]:
    await _an_hour_passes(stack)
    yield
    await _an_hour_passes(stack)


@pytest.mark.usefixtures("fresh_hour")
async def test_forty_early_ends_with_the_guard_at_25(stack: Stack) -> None:
    ids = await asyncio.gather(*(stack.create("EARLY", start=-30, end=90) for _ in range(ENDS)))
    for assignment_id in ids:
        await eventually(lambda a=assignment_id: stack.scim_user(a), lambda u: u[0] is True,
                         f"{assignment_id} active at the IdP", within=120)  # fmt: skip

    # Every contract ends early, within a minute (effective tomorrow: at a day every 10 s,
    # "today" would turn into yesterday while 40 changes are sent).
    tomorrow = (stack.today() + timedelta(days=1)).isoformat()
    answers = await asyncio.gather(
        *(
            stack.api.post(
                f"/v1/assignments/{a}/termination",
                json={"effective_date": tomorrow, "reason": "the programme is stopped"},
            )
            for a in ids
        )
    )
    assert [r.status_code for r in answers] == [200] * ENDS

    async def holds() -> list[dict]:
        items = (await stack.api.get("/v1/attention")).json()
        return [i for i in items if i["kind"] == "revocation_held" and i["assignment_id"] in ids]

    async def closed(assignment_id: str) -> bool:
        active, groups = await stack.scim_user(assignment_id)
        return active is False and not groups

    async def settled() -> tuple[list[dict], list[str]]:
        """(the holds, the accounts closed) among the 40."""
        held = await holds()
        held_ids = {h["assignment_id"] for h in held}
        return held, [a for a in ids if a not in held_ids and await closed(a)]

    held, gone = await eventually(
        settled, lambda f: len(f[0]) + len(f[1]) == ENDS, "each closed or held", within=180
    )
    assert all("early end" in h["detail"] and h["name"] for h in held)
    held_ids = {h["assignment_id"] for h in held}
    # 25 went ahead within the hour, deployment-wide: the 40's, and any other test's early end
    # that came meanwhile (the calendars' one).
    others = await stack.pool.fetchval(
        "SELECT count(*) FROM revocation_claim WHERE status = 'allowed'"
        " AND claimed_at > now() - $1::interval AND NOT assignment_id = ANY($2::text[])",
        WINDOW,
        ids,
    )
    assert len(gone) + others == 25 and len(held) == ENDS - 25 + others, (len(gone), others)
    await asyncio.sleep(2)  # time for a held revocation to go ahead, if one (wrongly) did
    assert not any([await closed(a) for a in held_ids]), "a held revocation went ahead"

    def told() -> list[Any]:
        return [
            r
            for r in stack.smtp.received
            if r.message["Message-ID"].startswith("<revocation_held.")
        ]

    await eventually(lambda: asyncio.sleep(0, told()), bool, "the admins told", within=60)
    await asyncio.sleep(2)  # time for a second mail, if one were (wrongly) sent
    assert all(ADMIN_EMAIL in r.recipients for r in told())
    assert len(told()) == 1, [r.message["Message-ID"] for r in told()]  # at once, not 15 times

    # Only an admin decides; once released, the held revocations close.
    for hold in held:
        answer = await stack.api.post(f"/v1/guard/{hold['hold_id']}/release")
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "released"
    again = await stack.api.post(f"/v1/guard/{held[0]['hold_id']}/release")
    assert again.status_code == 409
    for assignment_id in held_ids:
        await eventually(lambda a=assignment_id: closed(a), bool, f"{assignment_id} released", 120)
    assert await holds() == []
