"""Scoped by who you are (object-level authorisation, OWASP API1): a manager signed in with the
company's identity sees "My freelancers" (the assignments they manage, found by their e-mail)
and may decide and complete tasks on those only; HR of one team sees that team's; every route of
the operator UI that names an assignment answers 404 for one out of scope, the same as for one
that does not exist, and changes nothing. The provider and browser are tests/api/oidc.py's."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.ui import session as sessions
from tests.api.conftest import create_body, eventually
from tests.api.oidc import consent, leave_for_provider, local, person, signed_in
from tests.api.pages import assignment, create
from tests.clock import DEPLOYMENT, TIMEZONE


def managed_by(email: str, assignment_id: str, team: str = "Payroll", **more: Any) -> dict:
    """An assignment in renewal review (its last day 20 days away) managed at `email`."""
    today = DEPLOYMENT.today(TIMEZONE)
    return create_body(
        assignment_id,
        language="en",
        timezone=TIMEZONE,
        team=team,
        manager={"name": f"Boss {email.split('@')[0]}", "email": email},
        start_date=(today - timedelta(days=60)).isoformat(),
        end_date=(today + timedelta(days=20)).isoformat(),
        **more,
    )


async def sign_in(browser: httpx.AsyncClient, provider: str, sub: str, **claims: Any):
    person(provider, sub, **claims)
    back = await browser.get(local(consent(await leave_for_provider(browser), sub)))
    assert back.status_code == 303, back.text
    found = signed_in(browser)
    assert found is not None
    return found


def routes(assignment_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """Every route of the operator UI that names an assignment: (method, path, form)."""
    a = f"/assignments/{assignment_id}"
    return [
        ("GET", a, {}),
        ("POST", f"{a}/decision", {"decision": "end"}),
        ("POST", f"{a}/tasks/plan-kickoff/done", {}),
        ("POST", f"{a}/extension", {"new_end_date": "2031-01-31"}),
        ("POST", f"{a}/termination", {"effective_date": "2031-01-01", "reason": "x"}),
        ("POST", f"{a}/cancellation", {"reason": "x"}),
        ("POST", f"/attention/{assignment_id}/retry", {}),
        ("POST", f"/attention/{assignment_id}/closed-by-hand", {}),
    ]


async def call(browser: httpx.AsyncClient, session: sessions.Session, route: tuple) -> Any:
    method, path, form = route
    if method == "GET":
        return await browser.get(path)
    return await browser.post(path, data={"csrf": session.csrf, **form})


@pytest.fixture
def ids() -> dict[str, str]:
    tag = uuid.uuid4().hex[:8].upper()
    return {"mine": f"MINE-{tag}", "theirs": f"THEIRS-{tag}", "it": f"IT-{tag}"}


async def test_a_manager_sees_and_acts_on_their_freelancers_only(
    browser, provider, http, auth, ids
):
    me = f"m-{ids['mine'].lower()}@client.example"
    other = f"o-{ids['theirs'].lower()}@client.example"
    await create(http, auth, managed_by(me, ids["mine"]))
    await create(http, auth, managed_by(other, ids["theirs"]))

    async def in_review() -> bool:
        states = [await assignment(http, auth, i) for i in (ids["mine"], ids["theirs"])]
        return all(s["pending_decision"] for s in states)

    await eventually(in_review, within=30)

    # No group of the engine's: signed in as the manager of their assignments.
    session = await sign_in(browser, provider, me, email=me, name="Mia Manager")
    assert session.role == "manager"

    listing = await browser.get("/assignments")
    assert listing.status_code == 200
    assert "My freelancers" in listing.text
    assert ids["mine"] in listing.text and ids["theirs"] not in listing.text
    today = await browser.get("/?all=renewals")
    assert ids["mine"] in today.text and ids["theirs"] not in today.text
    assert (await browser.get("/engagement")).status_code == 403
    assert "/engagement" not in listing.text  # not offered either

    # Every route with another manager's assignment: 404, as for one that does not exist.
    for route, unknown in zip(routes(ids["theirs"]), routes(f"{ids['theirs']}-NONE"), strict=True):
        answer = await call(browser, session, route)
        assert answer.status_code == 404, (route, answer.status_code)
        assert (await call(browser, session, unknown)).status_code == 404
        assert "Boss o-" not in answer.text  # nothing of it shows
    theirs = await assignment(http, auth, ids["theirs"])
    assert theirs["pending_decision"] is not None and theirs["phase"] == "renewal_review"

    # Their own: the page, and a decision in their name.
    assert (await browser.get(f"/assignments/{ids['mine']}")).status_code == 200
    decided = await browser.post(
        f"/assignments/{ids['mine']}/decision", data={"csrf": session.csrf, "decision": "end"}
    )
    assert decided.status_code == 303, decided.text
    timeline = await http.get(f"/v1/assignments/{ids['mine']}/timeline", headers=auth("viewer"))
    (entry,) = [e for e in timeline.json() if e["kind"] == "renewal"]
    assert entry["actor"] == "manager:Mia Manager"
    # A manager changes no contract, even their own.
    refused = await browser.post(
        f"/assignments/{ids['mine']}/cancellation", data={"csrf": session.csrf, "reason": "x"}
    )
    assert refused.status_code == 403


async def test_hr_of_one_team_sees_that_team(browser, provider, http, auth, ids):
    await create(http, auth, managed_by("p@client.example", ids["mine"], team="Payroll"))
    await create(http, auth, managed_by("i@client.example", ids["it"], team="IT"))

    session = await sign_in(
        browser, provider, f"hr-{ids['it']}", email="hr.payroll@client.example",
        name="Pat Payroll", groups=["hr", "hr-payroll"],
    )  # fmt: skip
    assert (session.role, session.teams) == ("operator", ("Payroll",))

    listing = await browser.get("/assignments")
    assert ids["mine"] in listing.text and ids["it"] not in listing.text
    assert "My freelancers" not in listing.text
    for route in routes(ids["it"]):
        assert (await call(browser, session, route)).status_code == 404, route
    assert (await browser.get(f"/assignments/{ids['mine']}")).status_code == 200


async def test_hr_of_every_team_and_keys_see_everything(browser, provider, http, auth, ids):
    await create(http, auth, managed_by("i@client.example", ids["it"], team="IT"))
    session = await sign_in(
        browser, provider, f"all-{ids['it']}", email="an@client.example", name="An", groups=["hr"]
    )
    assert session.teams is None
    assert (await browser.get(f"/assignments/{ids['it']}")).status_code == 200
    assert (await browser.get("/engagement")).status_code == 200
