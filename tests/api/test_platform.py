"""What every request shares: the clock, health checks, metrics, request ids, rate limits and
problems for unknown routes and unexpected failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from api.main import create_app
from db import api_keys
from db.pool import create_pool
from tests.api.test_assignments import assert_problem
from tests.clock import clock_start


@pytest.fixture
async def own_app(settings, pool, temporal_env) -> AsyncIterator[FastAPI]:
    """An app of its own, for tests that break or bend it."""
    app = create_app(settings, pool=pool, temporal=temporal_env.client)
    async with app.router.lifespan_context(app):
        yield app


def client_for(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, **kwargs), base_url="http://testserver"
    )


async def test_clock_tells_now_today_speed_and_start(http, auth):
    response = await http.get("/v1/clock", headers=auth("viewer"))

    assert response.status_code == 200
    clock = response.json()
    now = datetime.fromisoformat(clock["now"])
    start, anchor = datetime.fromisoformat(clock["start"]), datetime.fromisoformat(clock["anchor"])
    assert start == clock_start()  # what the tests' deployment was started at
    # Speed 1 from the start: as much assignment time has passed as real time since the anchor.
    real_elapsed = datetime.now(UTC) - anchor  # wall clock ok: the anchor is a real instant
    assert abs(((now - start) - real_elapsed).total_seconds()) < 60
    assert date.fromisoformat(clock["today"]) == now.date()
    assert clock["speed"] == 1.0

    tokyo = await http.get("/v1/clock", params={"timezone": "Asia/Tokyo"}, headers=auth("viewer"))
    assert tokyo.json()["timezone"] == "Asia/Tokyo"
    assert_problem(
        await http.get("/v1/clock", params={"timezone": "Nowhere/Land"}, headers=auth("viewer")),
        422,
    )
    assert_problem(await http.get("/v1/clock"), 401)


async def test_health_checks(http):
    assert (await http.get("/healthz")).json() == {"status": "ok", "checks": {}}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "temporal": "ok"}


async def test_readyz_is_503_when_a_dependency_is_unreachable(own_app, database_url):
    closed = await create_pool(database_url, min_size=1, max_size=1)
    await closed.close()
    own_app.state.pool = closed
    own_app.state.temporal = await Client.connect(
        "127.0.0.1:1", data_converter=pydantic_data_converter, lazy=True
    )
    async with client_for(own_app) as http:
        problem = assert_problem(await http.get("/readyz"), 503)
        assert "database" in problem["detail"] and "temporal" in problem["detail"]
        assert (await http.get("/healthz")).status_code == 200  # alive all the same


async def test_metrics_count_requests_by_route_template(http, auth, unique_id):
    await http.get(f"/v1/assignments/{unique_id}", headers=auth("viewer"))
    await http.get("/no/such/path")

    text = (await http.get("/metrics")).text

    assert (
        'lifecycle_http_requests_total{method="GET",route="/v1/assignments/{assignment_id}",'
        'status="404"}' in text
    )
    assert 'route="unmatched",status="404"' in text
    assert unique_id not in text  # templates, never raw paths
    assert "lifecycle_http_request_duration_seconds_bucket" in text


async def test_unknown_routes_and_methods_are_problems(http, auth):
    assert_problem(await http.get("/v2/nothing"), 404)
    not_allowed = await http.delete("/v1/assignments", headers=auth("admin"))
    assert_problem(not_allowed, 405)
    assert "GET" in not_allowed.headers["allow"]


async def test_request_id_is_echoed_or_made(http):
    given = await http.get("/healthz", headers={"X-Request-ID": "req-123"})
    assert given.headers["x-request-id"] == "req-123"
    made = await http.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] not in ("", "bad id with spaces")


async def test_an_unexpected_failure_is_a_500_problem_without_internals(own_app):
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    own_app.add_api_route("/boom", boom)
    async with client_for(own_app, raise_app_exceptions=False) as http:
        response = await http.get("/boom")

    problem = assert_problem(response, 500)
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert problem["detail"]


async def test_past_the_rate_limit_is_429(own_app, keys):
    own_app.state.keys.burst = 3
    own_app.state.keys.rate = 0.01
    headers = {"Authorization": f"Bearer {keys['viewer']}"}
    async with client_for(own_app) as http:
        statuses = [(await http.get("/v1/clock", headers=headers)).status_code for _ in range(4)]
        last = await http.get("/v1/clock", headers=headers)
    assert statuses == [200, 200, 200, 429]
    assert_problem(last, 429)
    assert int(last.headers["retry-after"]) >= 1


async def test_a_revoked_key_stops_working(own_app, pool):
    key = await api_keys.create(pool, "short-lived", "viewer")
    own_app.state.keys.ttl = 0  # no cache, so the revocation is seen at once
    headers = {"Authorization": f"Bearer {key}"}
    async with client_for(own_app) as http:
        assert (await http.get("/v1/clock", headers=headers)).status_code == 200
        await pool.execute(
            "UPDATE api_key SET revoked_at = now() WHERE key_hash = $1", api_keys.hash_key(key)
        )
        assert_problem(await http.get("/v1/clock", headers=headers), 401)


async def test_keys_are_stored_hashed(pool, keys):
    rows = await pool.fetch("SELECT key_hash FROM api_key")
    stored = {r["key_hash"] for r in rows}
    assert not stored & set(keys.values())


async def test_openapi_documents_problems_and_the_catalogue(http, settings):
    document = (await http.get("/openapi.json")).json()
    create = document["paths"]["/v1/assignments"]["post"]
    assert set(create["responses"]) >= {"200", "201", "401", "403", "409", "422"}
    assert "application/problem+json" in create["responses"]["409"]["content"]
    tools = document["components"]["schemas"]["AssignmentCreate"]["properties"]["tools"]
    assert tools["items"]["enum"] == settings.tools


async def test_one_log_line_per_request_without_secrets(http, auth, caplog):
    token = "tok" + "x" * 80
    caplog.clear()
    with caplog.at_level("INFO", logger="api"):
        await http.get("/v1/clock", headers={**auth("viewer"), "X-Request-ID": "log-test-1"})
        await http.get(f"/feedback/{token}")
        await http.get(f"/not/a/route/{token}")

    lines = [r.msg for r in caplog.records if r.name == "api" and isinstance(r.msg, dict)]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 3
    clock = requests[0]
    assert clock["request_id"] == "log-test-1"
    assert clock["route"] == "/v1/clock" and clock["status"] == 200
    assert clock["caller"] == "viewer:test-viewer"
    assert token not in caplog.text
    assert auth("viewer")["Authorization"].split()[-1] not in caplog.text  # nor the API key
