"""The audit trail of people: every change names who made it, GET /v1/audit and the admin page
list it newest first with their filters, a retried request is one entry, and nobody can change
or remove an entry, not even with SQL. Real dev server, worker and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from api.ui import session as sessions
from tests.api.conftest import create_body
from tests.api.pages import create
from tests.clock import DEPLOYMENT


async def entries(http: httpx.AsyncClient, auth: Any, **filters: str) -> list[dict[str, Any]]:
    answer = await http.get("/v1/audit", params=filters, headers=auth("admin"))
    assert answer.status_code == 200, answer.text
    return list(answer.json())


async def test_every_change_names_who_made_it_newest_first(http, auth, unique_id):
    await create(http, auth, create_body(unique_id))
    done = await http.post(
        f"/v1/assignments/{unique_id}/tasks/plan-kickoff/completion", headers=auth("operator")
    )
    assert done.status_code == 200, done.text
    body = {
        "new_end_date": (DEPLOYMENT.today() + timedelta(days=400)).isoformat(),
        "reason": "More work",
    }
    extended = await http.post(
        f"/v1/assignments/{unique_id}/extensions", json=body, headers=auth("contracting")
    )
    assert extended.status_code == 200, extended.text

    found = await entries(http, auth, assignment_id=unique_id)

    assert [(e["action"], e["actor"]) for e in found] == [
        ("extend", "contracting:test-contracting"),
        ("complete_task", "operator:test-operator"),
        ("create", "contracting:test-contracting"),
    ]
    assert found[0]["detail"] == {"new_end_date": body["new_end_date"]}  # not the reason
    assert found[1]["detail"] == {"task_id": "plan-kickoff"}
    assert found[0]["id"] > found[1]["id"] > found[2]["id"]
    # Filters: who, since when, and paging on.
    mine = await entries(http, auth, assignment_id=unique_id, actor="operator:test-operator")
    assert [e["action"] for e in mine] == ["complete_task"]
    later = (DEPLOYMENT.now() + timedelta(days=1)).isoformat()
    assert await entries(http, auth, assignment_id=unique_id, since=later) == []
    older = await entries(
        http, auth, assignment_id=unique_id, before=str(found[0]["id"]), limit="1"
    )
    assert [e["action"] for e in older] == ["complete_task"]


async def test_only_admins_read_it_and_bad_filters_are_422(http, auth):
    for role in ("viewer", "operator", "contracting"):
        assert (await http.get("/v1/audit", headers=auth(role))).status_code == 403
    assert (await http.get("/v1/audit")).status_code == 401
    naive = await http.get(
        "/v1/audit", params={"since": "2027-03-10T09:00:00"}, headers=auth("admin")
    )
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "since"
    bad_id = await http.get(
        "/v1/audit", params={"assignment_id": "no spaces"}, headers=auth("admin")
    )
    assert bad_id.status_code == 422
    too_many = await http.get("/v1/audit", params={"limit": "501"}, headers=auth("admin"))
    assert too_many.status_code == 422


async def test_nobody_changes_or_removes_an_entry(http, auth, unique_id, pool):
    await create(http, auth, create_body(unique_id))
    (entry,) = await entries(http, auth, assignment_id=unique_id)

    for statement in (
        "UPDATE audit SET actor = 'someone else' WHERE id = $1",
        "DELETE FROM audit WHERE id = $1",
    ):
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="append-only"):
            await pool.execute(statement, entry["id"])
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await pool.execute("TRUNCATE audit")
    assert (await entries(http, auth, assignment_id=unique_id))[0] == entry


async def test_sign_ins_and_outs_are_on_it_and_admins_read_it_in_the_ui(http, keys, auth):
    form = await http.get("/signin")
    csrf = sessions.decode(http.cookies.get(sessions.COOKIE), "test-secret")
    assert form.status_code == 200 and csrf is not None
    signed = await http.post(
        "/signin", data={"csrf": csrf.csrf, "api_key": keys["admin"], "next": "/audit"}
    )
    assert signed.status_code == 303, signed.text

    page = await http.get("/audit?actor=admin:test-admin")
    assert page.status_code == 200
    assert "Audit trail" in page.text and "Signed in" in page.text
    assert (await entries(http, auth, actor="admin:test-admin"))[0]["detail"] == {
        "method": "api_key"
    }

    session = sessions.decode(http.cookies.get(sessions.COOKIE), "test-secret")
    assert session is not None
    await http.post("/signout", data={"csrf": session.csrf})
    assert (await entries(http, auth, actor="admin:test-admin"))[0]["action"] == "sign_out"


async def test_the_page_is_for_admins(http, keys):
    form = await http.get("/signin")
    anonymous = sessions.decode(http.cookies.get(sessions.COOKIE), "test-secret")
    assert anonymous is not None
    await http.post("/signin", data={"csrf": anonymous.csrf, "api_key": keys["viewer"]})
    page = await http.get("/audit")
    assert page.status_code == 403
    assert 'href="/audit"' not in (await http.get("/assignments")).text
    assert form.status_code == 200


async def test_an_admin_sees_each_keys_last_use_and_revokes_one(http, keys, auth, pool):
    from db import api_keys

    name = f"payroll-export-{uuid.uuid4().hex[:6]}"
    spare = await api_keys.create(pool, name, "viewer")
    assert (
        await http.get("/v1/assignments", headers={"Authorization": f"Bearer {spare}"})
    ).status_code == 200
    anonymous = (
        await http.get("/signin"),
        sessions.decode(http.cookies.get(sessions.COOKIE), "test-secret"),
    )[1]
    assert anonymous is not None
    await http.post("/signin", data={"csrf": anonymous.csrf, "api_key": keys["admin"]})
    session = sessions.decode(http.cookies.get(sessions.COOKIE), "test-secret")
    assert session is not None

    page = await http.get("/keys")
    assert page.status_code == 200 and name in page.text
    assert spare not in page.text  # never the key
    (row,) = [r for r in await api_keys.listing(pool) if r["name"] == name]
    assert row["last_used_at"] is not None and row["revoked_at"] is None

    revoked = await http.post(f"/keys/{row['id']}/revoke", data={"csrf": session.csrf})
    assert revoked.status_code == 303
    # At once, in this process (no cache lag), and for good.
    assert (
        await http.get("/v1/assignments", headers={"Authorization": f"Bearer {spare}"})
    ).status_code == 401
    again = await http.post(f"/keys/{row['id']}/revoke", data={"csrf": session.csrf})
    assert again.status_code == 404
    (entry, *_) = await entries(http, auth, actor="admin:test-admin")
    assert (entry["action"], entry["detail"]) == ("key_revoked", {"name": name, "role": "viewer"})
