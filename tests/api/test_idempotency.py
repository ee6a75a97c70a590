"""Idempotency-Key on POSTs: a repeat gets the first answer; another body is 422; a repeat
while the first is still running is 409; keys are per client and kept 24 hours."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from api.idempotency import fingerprint
from db import api_keys, idempotency
from tests.api.conftest import create_body
from tests.api.test_assignments import assert_problem


def key() -> str:
    return f"idem-{uuid.uuid4().hex}"


async def test_a_repeat_gets_the_first_answer(http, auth, unique_id):
    headers = {**auth("contracting"), "Idempotency-Key": key()}
    body = create_body(unique_id)

    first = await http.post("/v1/assignments", json=body, headers=headers)
    second = await http.post("/v1/assignments", json=body, headers=headers)

    assert first.status_code == 201
    assert second.status_code == 201  # the first answer, not the 200 of a plain repeat
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()


async def test_a_repeated_change_is_applied_once(http, auth, unique_id):
    body = create_body(unique_id)
    await http.post("/v1/assignments", json=body, headers=auth("contracting"))
    headers = {**auth("operator"), "Idempotency-Key": key()}
    url = f"/v1/assignments/{unique_id}/tasks/plan-kickoff/completion"

    first = await http.post(url, headers=headers)
    second = await http.post(url, headers=headers)

    assert first.status_code == 200, first.text
    assert second.status_code == 200  # without the key, the repeat would be 409 (done already)
    assert second.json() == first.json()
    assert_problem(await http.post(url, headers=auth("operator")), 409)


async def test_the_same_key_with_another_body_is_422(http, auth, unique_id):
    headers = {**auth("contracting"), "Idempotency-Key": key()}
    await http.post("/v1/assignments", json=create_body(unique_id), headers=headers)

    other = await http.post(
        "/v1/assignments", json=create_body(unique_id, team="Other"), headers=headers
    )

    problem = assert_problem(other, 422)
    assert "Idempotency-Key" in problem["detail"]


async def test_a_repeat_while_the_first_runs_is_409(http, auth, unique_id, pool, keys):
    k = key()
    body = create_body(unique_id)
    caller = await _caller_id(pool, keys["contracting"])
    # The first request has claimed the key and is still running.
    raw = _json_bytes(body)
    claim = await idempotency.begin(pool, caller, k, fingerprint("POST", "/v1/assignments", raw))
    assert claim.status is idempotency.ClaimStatus.NEW

    response = await http.post(
        "/v1/assignments",
        content=raw,
        headers={**auth("contracting"), "Idempotency-Key": k, "content-type": "application/json"},
    )

    assert_problem(response, 409)
    assert response.headers["retry-after"]


async def test_keys_are_per_client(http, auth, unique_id):
    k = key()
    body = create_body(unique_id)
    first = await http.post(
        "/v1/assignments", json=body, headers={**auth("contracting"), "Idempotency-Key": k}
    )
    second = await http.post(
        "/v1/assignments", json=body, headers={**auth("admin"), "Idempotency-Key": k}
    )
    assert first.status_code == 201
    assert second.status_code == 200  # the admin's own first use: a plain repeat of the create
    assert "idempotent-replayed" not in second.headers


async def test_answers_older_than_24_hours_are_forgotten(http, auth, unique_id, pool):
    k = key()
    headers = {**auth("contracting"), "Idempotency-Key": k}
    await http.post("/v1/assignments", json=create_body(unique_id), headers=headers)
    await pool.execute(
        "UPDATE idempotency_key SET created_at = now() - interval '25 hours' WHERE key = $1", k
    )

    other = await http.post("/v1/assignments", json=create_body(f"{unique_id}-b"), headers=headers)

    assert other.status_code == 201  # the old use no longer counts
    assert await idempotency.purge(pool, timedelta(hours=24)) >= 0


async def test_a_malformed_key_is_422(http, auth, unique_id):
    response = await http.post(
        "/v1/assignments",
        json=create_body(unique_id),
        headers={**auth("contracting"), "Idempotency-Key": "x" * 300},
    )
    assert_problem(response, 422)


async def test_a_failed_request_can_be_retried_with_its_key(http, auth, unique_id):
    """Answers are stored for 4xx too (a repeat gets the same 404), but the key is the
    client's: after fixing the request it needs a new key."""
    headers = {**auth("contracting"), "Idempotency-Key": key()}
    url = f"/v1/assignments/{unique_id}/extensions"
    first = await http.post(url, json={"new_end_date": "2029-01-01"}, headers=headers)
    second = await http.post(url, json={"new_end_date": "2029-01-01"}, headers=headers)
    assert_problem(first, 404)
    assert_problem(second, 404)
    assert second.headers["idempotent-replayed"] == "true"


async def _caller_id(pool, plain_key: str) -> str:
    found = await api_keys.find(pool, plain_key)
    assert found is not None
    return str(found.id)


def _json_bytes(body: dict) -> bytes:
    return json.dumps(body).encode()
