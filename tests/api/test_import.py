"""POST /v1/assignments:import: a batch of assignments that already run, each judged on its own,
through the real API, worker, Temporal and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests import factories
from tests.api.test_assignments import assert_problem
from tests.clock import DEPLOYMENT

# phase: (start, end) in days from the deployment's today
PHASES = {
    "scheduled": (20, 110),
    "onboarding": (3, 93),
    "active": (-40, 80),
    "renewal_review": (-60, 20),
    "offboarding": (-90, -3),
}


def row(assignment_id: str, start: int, end: int, **overrides: Any) -> dict[str, Any]:
    today = DEPLOYMENT.today()
    return factories.create_body(
        assignment_id, today + timedelta(days=start), today + timedelta(days=end), **overrides
    )


async def batch(http: httpx.AsyncClient, auth: Any, items: list[Any]) -> httpx.Response:
    return await http.post(
        "/v1/assignments:import", json={"items": items}, headers=auth("contracting")
    )


async def test_each_item_comes_in_at_its_phase_and_a_second_batch_changes_nothing(
    http, auth, unique_id
) -> None:
    items: list[Any] = [row(f"{unique_id}-{p}", *dates) for p, dates in PHASES.items()]
    items[2]["term"] = 3
    items += [
        row(f"{unique_id}-bad-mail", -10, 50, freelancer={"name": "X", "email": "not-an-address"}),
        row(f"{unique_id}-over", -200, -100),
        row(f"{unique_id}-tool", -10, 50, tools=["chat", "typewriter"]),
        "not an object",
    ]
    answer = await batch(http, auth, items)
    assert answer.status_code == 200, answer.text
    results = answer.json()
    assert (results["imported"], results["unchanged"], results["refused"]) == (5, 0, 4)
    got = results["items"]
    assert [r["result"] for r in got[:5]] == ["imported"] * 5
    assert [r["phase"] for r in got[:5]] == list(PHASES)
    refused = {r["assignment_id"]: r["problem"] for r in got[5:]}
    assert refused[f"{unique_id}-bad-mail"]["errors"][0]["field"] == "items.5.freelancer.email"
    assert "nothing is left to run" in refused[f"{unique_id}-over"]["detail"]
    assert "typewriter" in refused[f"{unique_id}-tool"]["detail"]
    assert got[8]["assignment_id"] is None and got[8]["problem"]["status"] == 422

    for phase in PHASES:
        read = await http.get(f"/v1/assignments/{unique_id}-{phase}", headers=auth("viewer"))
        assert read.json()["phase"] == phase
    assert (await http.get(f"/v1/assignments/{unique_id}-active", headers=auth("viewer"))).json()[
        "term"
    ] == 3
    timeline = await http.get(
        f"/v1/assignments/{unique_id}-active/timeline", headers=auth("viewer")
    )
    kinds = [i["kind"] for i in timeline.json() if not i.get("planned")]
    assert kinds == ["imported"]

    # The same batch again: nothing changes; another body under an imported id is refused.
    again = (await batch(http, auth, items)).json()
    assert (again["imported"], again["unchanged"], again["refused"]) == (0, 5, 4)
    other = row(f"{unique_id}-active", -40, 81, term=3)
    conflict = (await batch(http, auth, [other])).json()["items"][0]
    assert conflict["result"] == "refused" and conflict["problem"]["status"] == 409


async def test_a_created_assignment_is_the_same_row_when_imported(http, auth, unique_id) -> None:
    body = row(unique_id, 30, 120)
    created = await http.post("/v1/assignments", json=body, headers=auth("contracting"))
    assert created.status_code == 201, created.text
    result = (await batch(http, auth, [body])).json()["items"][0]
    assert result["result"] == "unchanged"


async def test_an_item_names_a_policy_the_engine_has(http, auth, unique_id) -> None:
    named = row(f"{unique_id}-named", -10, 50, policy="standard")
    unknown = row(f"{unique_id}-unknown", -10, 50, policy="long-contracts")
    got = (await batch(http, auth, [named, unknown])).json()["items"]
    assert got[0]["result"] == "imported" and got[1]["result"] == "refused"
    assert got[1]["problem"]["errors"][0]["field"].endswith("policy")
    assert "unknown policy 'long-contracts'" in got[1]["problem"]["detail"]
    read = await http.get(f"/v1/assignments/{unique_id}-named", headers=auth("viewer"))
    assert read.json()["policy"] == "standard"


async def test_the_batch_has_its_limits(http, auth, unique_id) -> None:
    assert_problem(await batch(http, auth, []), 422)
    too_many = [row(f"{unique_id}-{i}", 30, 120) for i in range(501)]
    assert_problem(await batch(http, auth, too_many), 422)
    assert_problem(
        await http.post(
            "/v1/assignments:import",
            content=b'{"items": ["' + b"x" * (2 * 1024 * 1024) + b'"]}',
            headers={**auth("contracting"), "content-type": "application/json"},
        ),
        413,
    )
    answer = await http.post(
        "/v1/assignments:import",
        json={"items": [row(unique_id, 30, 120)]},
        headers=auth("viewer"),
    )
    assert_problem(answer, 403)


async def test_a_batch_larger_than_a_create_body_is_taken(http, auth, unique_id) -> None:
    items = [row(f"{unique_id}-{i:03d}", 30, 120, purpose="p" * 1000) for i in range(100)]
    answer = await batch(http, auth, items)
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 100


async def test_an_item_tells_of_its_past_renewals(http, auth, unique_id) -> None:
    """The earlier terms' last days, oldest first: the term is the one after them, and the
    first entry of the timeline tells of them; a list out of order, one reaching into this term
    or longer than the term allows is refused with its field."""
    today = DEPLOYMENT.today()
    past = [today - timedelta(days=220), today - timedelta(days=40)]
    told = row(f"{unique_id}-renewed", -39, 50, past_renewals=[d.isoformat() for d in past])
    wrong = [
        row(
            f"{unique_id}-order", -39, 50, past_renewals=[past[1].isoformat(), past[0].isoformat()]
        ),
        row(f"{unique_id}-late", -39, 50, past_renewals=[(today - timedelta(days=20)).isoformat()]),
        row(f"{unique_id}-term", -39, 50, term=2, past_renewals=[d.isoformat() for d in past]),
    ]
    got = (await batch(http, auth, [told, *wrong])).json()["items"]
    assert [r["result"] for r in got] == ["imported", "refused", "refused", "refused"], got
    errors = [r["problem"]["errors"][0] for r in got[1:]]
    assert errors[0]["field"] == "items.1.past_renewals"
    assert "in order, oldest first" in errors[0]["message"]
    assert "before start_date" in errors[1]["message"]
    assert "2 renewals lead to term 3 at least, not term 2" in errors[2]["message"]

    read = await http.get(f"/v1/assignments/{unique_id}-renewed", headers=auth("viewer"))
    assert read.json()["term"] == 3
    timeline = await http.get(
        f"/v1/assignments/{unique_id}-renewed/timeline", headers=auth("viewer")
    )
    (entry,) = [i for i in timeline.json() if i["kind"] == "imported"]
    assert f"term 3 (renewed before at the end of {past[0]}, {past[1]})" in entry["summary"]
    again = (await batch(http, auth, [told])).json()["items"][0]
    assert again["result"] == "unchanged"
