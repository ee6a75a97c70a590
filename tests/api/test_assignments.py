"""/v1/assignments over HTTP: creation and its idempotency, reads, and every contract change,
with the status codes of the contract's section 3."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode

from api.lifecycle import request_hash
from api.main import create_app
from api.schemas import AssignmentCreate
from db import assignments
from tests.api.conftest import EMPTY_NAMESPACE, create_body, eventually
from tests.clock import DEPLOYMENT
from workflows.types import AssignmentState, workflow_id_for

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == status
    assert {"type", "title", "status", "detail", "errors"} <= problem.keys()
    return problem


async def create(http: httpx.AsyncClient, auth: Any, body: dict[str, Any]) -> httpx.Response:
    return await http.post("/v1/assignments", json=body, headers=auth("contracting"))


# ------------------------------------------------------------------------------- create


async def test_create_returns_the_assignment_with_its_workflow(http, auth, unique_id, settings):
    response = await create(http, auth, create_body(unique_id))

    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/assignments/{unique_id}"
    a = response.json()
    assert a["assignment_id"] == unique_id
    assert a["phase"] == "scheduled"
    assert a["term"] == 1
    assert a["freelancer"] == {"name": "Sam Peeters", "email": "sam@example.org"}
    assert a["next_transition"]["kind"] == "onboarding"
    assert a["pending_decision"] is None
    assert all(t["phase"] == "onboarding" and t["done"] is False for t in a["tasks"])
    wf = a["workflow"]
    assert wf["workflow_id"] == f"assignment-{unique_id}"
    assert wf["run_id"]
    assert wf["ui_url"] == (
        f"{settings.temporal_ui_url}/namespaces/default/workflows/"
        f"assignment-{unique_id}/{wf['run_id']}/history"
    )


async def test_same_body_again_is_200_and_starts_nothing(http, auth, unique_id, temporal_env):
    body = create_body(unique_id)
    first = await create(http, auth, body)
    # The same assignment, its keys in another order and defaults spelled out or not.
    again = dict(reversed(list(body.items())))
    second = await create(http, auth, again)

    assert first.status_code == 201
    assert second.status_code == 200, second.text
    assert second.json()["assignment_id"] == unique_id
    assert second.json()["workflow"]["run_id"] == first.json()["workflow"]["run_id"]
    runs = [
        w
        async for w in temporal_env.client.list_workflows(f"WorkflowId = 'assignment-{unique_id}'")
    ]
    assert len(runs) == 1


async def test_same_id_other_body_is_409(http, auth, unique_id):
    assert (await create(http, auth, create_body(unique_id))).status_code == 201

    response = await create(http, auth, create_body(unique_id, team="Finance"))

    problem = assert_problem(response, 409)
    assert unique_id in problem["detail"]


async def test_ten_concurrent_identical_creates_make_one_assignment(
    http, auth, unique_id, temporal_env
):
    body = create_body(unique_id)

    responses = await asyncio.gather(*(create(http, auth, body) for _ in range(10)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 9 + [201], [r.text for r in responses if r.status_code >= 300]
    assert len({r.json()["workflow"]["workflow_id"] for r in responses}) == 1
    runs = [
        w
        async for w in temporal_env.client.list_workflows(f"WorkflowId = 'assignment-{unique_id}'")
    ]
    assert len(runs) == 1


async def test_a_create_that_died_before_the_start_is_completed_by_its_repeat(
    http, auth, unique_id, pool, temporal_env
):
    """The row was inserted but the process died before starting the workflow: the repeat of
    the same body starts it, so nothing is lost."""
    body = create_body(unique_id)
    validated = AssignmentCreate.model_validate(body)
    assignment = validated.to_assignment()
    await assignments.insert_new(
        pool,
        assignment,
        request_hash(validated),
        "contracting:test-contracting",
        AssignmentState(assignment=assignment),
    )

    response = await create(http, auth, body)

    assert response.status_code == 200, response.text
    handle = temporal_env.client.get_workflow_handle(workflow_id_for(unique_id))
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING


async def test_the_record_decides_after_the_workflow_is_gone(
    http, auth, unique_id, settings, pool, temporal_env, temporal_address
):
    """Long after its workflow closed and retention removed it, a repeat is still 200 (and
    starts nothing) and another body still 409: PostgreSQL's record decides.

    Temporal's deletion is slow (tens of seconds on the dev server), so the API is pointed at a
    namespace where the workflow does not exist, which is what it sees after retention."""
    body = create_body(unique_id)
    assert (await create(http, auth, body)).status_code == 201
    cancelled = await http.post(
        f"/v1/assignments/{unique_id}/cancellation",
        json={"reason": "budget cut"},
        headers=auth("contracting"),
    )
    assert cancelled.status_code == 200, cancelled.text
    await temporal_env.client.get_workflow_handle(workflow_id_for(unique_id)).result()

    elsewhere = await Client.connect(
        temporal_address, namespace=EMPTY_NAMESPACE, data_converter=pydantic_data_converter
    )
    later = create_app(
        settings.model_copy(update={"temporal_namespace": EMPTY_NAMESPACE}),
        pool=pool,
        temporal=elsewhere,
    )
    handle = elsewhere.get_workflow_handle(workflow_id_for(unique_id))
    async with (
        later.router.lifespan_context(later),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=later), base_url="http://t") as api,
    ):
        again = await create(api, auth, body)
        assert again.status_code == 200, again.text
        assert again.json()["phase"] == "cancelled"
        with pytest.raises(RPCError) as not_found:  # nothing was started again
            await handle.describe()
        assert not_found.value.status == RPCStatusCode.NOT_FOUND

        assert_problem(await create(api, auth, create_body(unique_id, role="Other")), 409)
        read = await api.get(f"/v1/assignments/{unique_id}", headers=auth("viewer"))
        assert read.status_code == 200
        assert read.json()["phase"] == "cancelled"
        change = await api.post(
            f"/v1/assignments/{unique_id}/extensions",
            json={"new_end_date": "2029-01-01"},
            headers=auth("contracting"),
        )
        assert_problem(change, 409)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nickname": "Sam"}, "nickname"),
        ({"assignment_id": "has space"}, "assignment_id"),
        ({"assignment_id": "x" * 65}, "assignment_id"),
        ({"assignment_id": ""}, "assignment_id"),
        ({"freelancer": {"name": "Sam", "email": "not-an-email"}}, "freelancer.email"),
        ({"manager": {"name": "Amélie", "email": "amélie@client.example"}}, "manager.email"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"end_date": "2020-01-01"}, "end_date"),
        ({"start_date": "01/04/2027"}, "start_date"),
        ({"start_date": 1798000000}, "start_date"),
        ({"end_date": "9418-02-23"}, "end_date"),
        ({"tools": ["chat", "payroll-suite", "jetpack"]}, "tools"),
        ({"tools": ["chat", "chat"]}, "tools"),
        ({"language": "de"}, "language"),
        ({"team": ""}, "team"),
        ({"purpose": "x" * 5001}, "purpose"),
        (
            {"team_events": [{"title": "Demo", "rrule": "EVERY FRIDAY", "start_time": "15:00"}]},
            "team_events.0.rrule",
        ),
        (
            {"team_events": [{"title": "Demo", "rrule": "FREQ=WEEKLY", "start_time": "25:00"}]},
            "team_events.0.start_time",
        ),
        (
            {
                "team_events": [
                    {
                        "title": "Demo",
                        "rrule": "FREQ=WEEKLY",
                        "start_time": "09:00",
                        "duration_minutes": 0,
                    }
                ]
            },
            "team_events.0.duration_minutes",
        ),
        (
            {
                "team_events": [
                    {
                        "title": "Demo",
                        "rrule": "FREQ=WEEKLY",
                        "start_time": "09:00",
                        "duration_minutes": "45",
                    }
                ]
            },
            "team_events.0.duration_minutes",
        ),
        ({"team": "Pay\x00roll"}, "team"),
    ],
)
async def test_invalid_create_bodies_are_422_per_field(http, auth, unique_id, change, field):
    body = create_body(unique_id)
    body.update(change)

    problem = assert_problem(await create(http, auth, body), 422)

    assert [e["field"] for e in problem["errors"]] == [field], problem
    assert all(e["message"] for e in problem["errors"])
    assert (await http.get(f"/v1/assignments/{unique_id}", headers=auth("viewer"))).status_code in (
        404,
        422,
    )


async def test_missing_fields_are_listed_one_per_field(http, auth, unique_id):
    body = create_body(unique_id)
    del body["manager"], body["role"]

    problem = assert_problem(await create(http, auth, body), 422)

    assert sorted(e["field"] for e in problem["errors"]) == ["manager", "role"]


async def test_a_body_that_is_not_json_is_422(http, auth):
    response = await http.post(
        "/v1/assignments",
        content=b"{not json",
        headers={**auth("contracting"), "content-type": "application/json"},
    )
    assert_problem(response, 422)


async def test_json_nested_too_deep_to_read_is_422_not_a_5xx(http, auth):
    deep = b"[" * 25_000 + b"]" * 25_000  # under the 64 KiB limit, too deep for any parser
    for headers in ({}, {"Idempotency-Key": "deep-json-1"}):
        response = await http.post(
            "/v1/assignments",
            content=deep,
            headers={**auth("contracting"), "content-type": "application/json", **headers},
        )
        problem = assert_problem(response, 422)
        assert problem["detail"] == "body: not a JSON document"


async def test_a_body_over_64_kib_is_413(http, auth, unique_id):
    body = create_body(unique_id, purpose="x" * (70 * 1024))
    assert_problem(await create(http, auth, body), 413)


# ---------------------------------------------------------------------------- auth


async def test_no_key_is_401_with_a_challenge(http, unique_id):
    response = await http.post("/v1/assignments", json=create_body(unique_id))
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert_problem(await http.get("/v1/assignments"), 401)


async def test_an_unknown_key_is_401(http, unique_id):
    response = await http.get("/v1/assignments", headers={"Authorization": "Bearer lc_nope"})
    assert_problem(response, 401)
    response = await http.get("/v1/assignments", headers={"Authorization": "Basic dTpw"})
    assert_problem(response, 401)


@pytest.mark.parametrize("role", ["viewer", "operator"])
async def test_roles_that_may_not_change_contracts_get_403(http, auth, unique_id, role):
    response = await http.post("/v1/assignments", json=create_body(unique_id), headers=auth(role))
    assert_problem(response, 403)


@pytest.mark.parametrize("role", ["viewer", "contracting"])
async def test_roles_that_may_not_decide_renewals_get_403(http, auth, unique_id, role):
    response = await http.post(
        f"/v1/assignments/{unique_id}/renewal-decision",
        json={"decision": "end"},
        headers=auth(role),
    )
    assert_problem(response, 403)


async def test_the_bootstrap_admin_key_may_do_everything(http, auth, unique_id):
    created = await http.post(
        "/v1/assignments", json=create_body(unique_id), headers=auth("bootstrap")
    )
    assert created.status_code == 201
    done = await http.post(
        f"/v1/assignments/{unique_id}/tasks/plan-kickoff/completion", headers=auth("admin")
    )
    assert done.status_code == 200, done.text


# ----------------------------------------------------------------------------- reads


async def test_unknown_assignment_is_404(http, auth, unique_id):
    assert_problem(await http.get(f"/v1/assignments/{unique_id}", headers=auth("viewer")), 404)
    assert_problem(
        await http.get(f"/v1/assignments/{unique_id}/timeline", headers=auth("viewer")), 404
    )
    assert_problem(
        await http.post(
            f"/v1/assignments/{unique_id}/extensions",
            json={"new_end_date": "2029-01-01"},
            headers=auth("contracting"),
        ),
        404,
    )


async def test_timeline_tells_the_past_then_the_plan(http, auth, unique_id):
    await create(http, auth, create_body(unique_id))

    async def signed() -> list[dict[str, Any]] | None:
        r = await http.get(f"/v1/assignments/{unique_id}/timeline", headers=auth("viewer"))
        items = r.json()
        return items if any(i["kind"] == "signed" for i in items) else None

    items = await eventually(signed)
    assert items[0]["kind"] == "signed" and items[0]["planned"] is False
    planned = [i for i in items if i["planned"]]
    assert [i["kind"] for i in planned][:2] == ["onboarding", "start"]
    assert planned[-1]["kind"] == "completion"
    ats = [datetime.fromisoformat(i["at"]) for i in planned]
    assert ats == sorted(ats)
    assert all({"at", "kind", "summary", "actor", "planned"} == i.keys() for i in items)


async def test_list_filters_and_pages(http, auth, unique_id):
    team = f"Team-{unique_id}"
    ids = [f"{unique_id}-{n}" for n in range(3)]
    for n, assignment_id in enumerate(ids):
        body = create_body(
            assignment_id,
            team=team,
            manager={"name": "M", "email": f"Boss{n % 2}@Client.example"},
        )
        assert (await create(http, auth, body)).status_code == 201

    viewer = auth("viewer")
    page1 = (
        await http.get("/v1/assignments", params={"team": team, "limit": 2}, headers=viewer)
    ).json()
    assert [a["assignment_id"] for a in page1["items"]] == [ids[2], ids[1]]  # newest first
    page2 = (
        await http.get(
            "/v1/assignments",
            params={"team": team, "limit": 2, "cursor": page1["next_cursor"]},
            headers=viewer,
        )
    ).json()
    assert [a["assignment_id"] for a in page2["items"]] == [ids[0]]
    assert page2["next_cursor"] is None

    by_manager = await http.get(
        "/v1/assignments", params={"manager_email": "boss1@client.example"}, headers=viewer
    )
    assert [a["assignment_id"] for a in by_manager.json()["items"]] == [ids[1]]
    by_q = await http.get("/v1/assignments", params={"q": unique_id.lower()}, headers=viewer)
    assert {a["assignment_id"] for a in by_q.json()["items"]} == set(ids)
    ending = (DEPLOYMENT.today() + timedelta(days=30)).isoformat()
    early = await http.get(
        "/v1/assignments", params={"team": team, "ending_before": ending}, headers=viewer
    )
    assert early.json()["items"] == []
    scheduled = await http.get(
        "/v1/assignments", params={"team": team, "phase": "scheduled"}, headers=viewer
    )
    assert len(scheduled.json()["items"]) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"limit": 0},
        {"limit": 201},
        {"phase": "sleeping"},
        {"ending_before": "tomorrow"},
    ],
)
async def test_list_refuses_bad_parameters_with_422(http, auth, params):
    assert_problem(await http.get("/v1/assignments", params=params, headers=auth("viewer")), 422)


# --------------------------------------------------------------------------- changes


async def test_extension_moves_the_end_date(http, auth, unique_id):
    body = create_body(unique_id)
    await create(http, auth, body)
    new_end = (datetime.fromisoformat(body["end_date"]) + timedelta(days=90)).date().isoformat()

    response = await http.post(
        f"/v1/assignments/{unique_id}/extensions",
        json={"new_end_date": new_end, "reason": "more work"},
        headers=auth("contracting"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["end_date"] == new_end
    # Read at once (no waiting): the read model has the change and its timeline line already.
    read = await http.get(f"/v1/assignments/{unique_id}", headers=auth("viewer"))
    assert read.json()["end_date"] == new_end
    timeline = await http.get(f"/v1/assignments/{unique_id}/timeline", headers=auth("viewer"))
    extended = [i for i in timeline.json() if i["kind"] == "extended"]
    assert extended and extended[0]["actor"] == "contracting:test-contracting"


async def test_extension_not_after_the_end_is_409_with_the_reason(http, auth, unique_id):
    body = create_body(unique_id)
    await create(http, auth, body)

    response = await http.post(
        f"/v1/assignments/{unique_id}/extensions",
        json={"new_end_date": body["end_date"]},
        headers=auth("contracting"),
    )

    problem = assert_problem(response, 409)
    assert "after the current end date" in problem["detail"]


async def test_termination_in_the_past_is_422(http, auth, unique_id):
    await create(http, auth, create_body(unique_id))
    yesterday = (DEPLOYMENT.today() - timedelta(days=2)).isoformat()

    response = await http.post(
        f"/v1/assignments/{unique_id}/termination",
        json={"effective_date": yesterday, "reason": "budget"},
        headers=auth("contracting"),
    )

    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "effective_date"


async def test_termination_ends_early(http, auth, unique_id):
    body = create_body(unique_id)
    await create(http, auth, body)
    day = (datetime.fromisoformat(body["start_date"]) + timedelta(days=10)).date().isoformat()

    response = await http.post(
        f"/v1/assignments/{unique_id}/termination",
        json={"effective_date": day, "reason": "budget"},
        headers=auth("contracting"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["end_date"] == day


async def test_cancellation_then_any_change_is_409(http, auth, unique_id):
    await create(http, auth, create_body(unique_id))

    cancelled = await http.post(
        f"/v1/assignments/{unique_id}/cancellation",
        json={"reason": "the project was stopped"},
        headers=auth("contracting"),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["phase"] == "cancelled"

    again = await http.post(
        f"/v1/assignments/{unique_id}/amendments",
        json={"team": "Finance"},
        headers=auth("contracting"),
    )
    assert_problem(again, 409)


async def test_amendment_changes_the_team_and_checks_the_tools(http, auth, unique_id):
    await create(http, auth, create_body(unique_id))
    url = f"/v1/assignments/{unique_id}/amendments"

    moved = await http.post(
        url,
        json={"team": "Finance", "manager": {"name": "Ann", "email": "ann@client.example"}},
        headers=auth("contracting"),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["team"] == "Finance"
    assert moved.json()["manager"]["email"] == "ann@client.example"

    unknown = assert_problem(
        await http.post(url, json={"tools": ["chat", "jetpack"]}, headers=auth("contracting")),
        422,
    )
    assert unknown["errors"][0]["field"] == "tools"
    assert "jetpack" in unknown["errors"][0]["message"]
    assert_problem(await http.post(url, json={}, headers=auth("contracting")), 422)


async def test_amendment_replaces_the_teams_events(http, auth, unique_id):
    await create(http, auth, create_body(unique_id))
    url = f"/v1/assignments/{unique_id}/amendments"
    retro = {"title": "Retrospective", "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
             "start_time": "16:00", "duration_minutes": 60}  # fmt: skip
    replaced = await http.post(url, json={"team_events": [retro]}, headers=auth("contracting"))
    assert replaced.status_code == 200, replaced.text
    assert [e["title"] for e in replaced.json()["team_events"]] == ["Retrospective"]
    emptied = await http.post(url, json={"team_events": []}, headers=auth("contracting"))
    assert emptied.status_code == 200, emptied.text
    assert emptied.json()["team_events"] == []

    bad = {**retro, "rrule": "EVERY SO OFTEN"}
    problem = assert_problem(
        await http.post(url, json={"team_events": [bad]}, headers=auth("contracting")), 422
    )
    assert problem["errors"][0]["field"].startswith("team_events")
    assert "RRULE" in problem["errors"][0]["message"]


async def test_amendment_moves_the_start_before_it_comes(http, auth, unique_id):
    body = create_body(unique_id)
    await create(http, auth, body)
    url = f"/v1/assignments/{unique_id}/amendments"
    start = datetime.fromisoformat(body["start_date"]).date()

    later = (start + timedelta(days=14)).isoformat()
    moved = await http.post(url, json={"start_date": later}, headers=auth("contracting"))
    assert moved.status_code == 200, moved.text
    assert moved.json()["start_date"] == later
    read = await http.get(f"/v1/assignments/{unique_id}", headers=auth("viewer"))
    assert read.json()["start_date"] == later

    past = (DEPLOYMENT.today() - timedelta(days=1)).isoformat()
    problem = assert_problem(
        await http.post(url, json={"start_date": past}, headers=auth("contracting")), 422
    )
    assert problem["errors"][0]["field"] == "start_date"
    assert "today" in problem["errors"][0]["message"]


async def test_a_started_assignment_keeps_its_start(http, auth, unique_id):
    today = DEPLOYMENT.today()
    body = create_body(
        unique_id,
        start_date=(today - timedelta(days=10)).isoformat(),
        end_date=(today + timedelta(days=60)).isoformat(),
    )
    await create(http, auth, body)
    url = f"/v1/assignments/{unique_id}/amendments"
    await eventually(
        lambda: _phase_is(http, auth, unique_id, "active"),
    )
    problem = assert_problem(
        await http.post(url, json={"start_date": today.isoformat()}, headers=auth("contracting")),
        409,
    )
    assert "has started" in problem["detail"]


async def _phase_is(http, auth, assignment_id, phase):  # type: ignore[no-untyped-def]
    found = await http.get(f"/v1/assignments/{assignment_id}", headers=auth("viewer"))
    return found.json()["phase"] == phase


async def test_renewal_decision_without_a_pending_one_is_409(http, auth, unique_id):
    body = create_body(unique_id)
    await create(http, auth, body)

    response = await http.post(
        f"/v1/assignments/{unique_id}/renewal-decision",
        json={"decision": "renew", "new_end_date": "2029-12-31"},
        headers=auth("operator"),
    )

    problem = assert_problem(response, 409)
    assert "no renewal decision is pending" in problem["detail"]


async def test_renew_needs_a_new_end_date(http, auth, unique_id):
    response = await http.post(
        f"/v1/assignments/{unique_id}/renewal-decision",
        json={"decision": "renew"},
        headers=auth("operator"),
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "new_end_date"


async def test_task_completion(http, auth, unique_id):
    await create(http, auth, create_body(unique_id))
    url = f"/v1/assignments/{unique_id}/tasks/plan-kickoff/completion"

    done = await http.post(url, headers=auth("operator"))
    assert done.status_code == 200, done.text
    task = next(t for t in done.json()["tasks"] if t["task_id"] == "plan-kickoff")
    assert task["done"] is True

    assert_problem(await http.post(url, json={}, headers=auth("operator")), 409)
    missing = f"/v1/assignments/{unique_id}/tasks/no-such-task/completion"
    assert_problem(await http.post(missing, headers=auth("operator")), 404)
