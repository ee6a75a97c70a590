"""POST /v1/events: CloudEvents signed per Standard Webhooks, taken through the same code paths as
the REST endpoints; every bad signature is 401 and never a 5xx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import Signer, create_body
from tests.api.test_assignments import assert_problem
from tests.clock import DEPLOYMENT


async def post(http, body: bytes, headers: dict[str, str]):
    return await http.post("/v1/events", content=body, headers=headers)


async def test_signed_event_creates_the_assignment(http, auth, signer, unique_id):
    body, headers = signer.signed(signer.event("assignment.signed", create_body(unique_id)))

    response = await post(http, body, headers)

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted"
    read = await http.get(f"/v1/assignments/{unique_id}", headers=auth("viewer"))
    assert read.status_code == 200
    assert read.json()["phase"] == "scheduled"


async def test_a_replayed_delivery_does_nothing_more(http, auth, signer, unique_id):
    await http.post("/v1/assignments", json=create_body(unique_id), headers=auth("contracting"))
    event = signer.event(
        "assignment.extended", {"assignment_id": unique_id, "new_end_date": "2029-01-31"}
    )
    body, headers = signer.signed(event)

    first = await post(http, body, headers)
    again = await post(http, body, headers)  # same webhook-id
    resent = await post(http, *signer.signed(event))  # a new webhook-id, the same event id

    assert first.status_code == 202, first.text
    assert again.status_code == 202 and again.json()["status"] == "duplicate"
    assert resent.status_code == 202 and resent.json()["status"] == "duplicate"
    timeline = await http.get(f"/v1/assignments/{unique_id}/timeline", headers=auth("viewer"))
    assert len([i for i in timeline.json() if i["kind"] == "extended"]) == 1


async def test_an_event_before_its_assignment_is_409_and_can_be_retried(
    http, auth, signer, unique_id
):
    event = signer.event("assignment.amended", {"assignment_id": unique_id, "team": "Finance"})
    body, headers = signer.signed(event)

    early = await post(http, body, headers)
    assert_problem(early, 409)

    await http.post("/v1/assignments", json=create_body(unique_id), headers=auth("contracting"))
    retried = await post(http, body, headers)  # the sender retries the same delivery

    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "accepted"
    read = await http.get(f"/v1/assignments/{unique_id}", headers=auth("viewer"))
    assert read.json()["team"] == "Finance"


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("assignment.terminated", {"effective_date": "TODAY+70", "reason": "budget"}),
        ("assignment.cancelled", {"reason": "the project was stopped"}),
        ("assignment.amended", {"role": "Senior payroll consultant"}),
    ],
)
async def test_change_events_take_the_rest_paths(http, auth, signer, unique_id, type_, data):
    await http.post("/v1/assignments", json=create_body(unique_id), headers=auth("contracting"))
    data = {
        k: (DEPLOYMENT.today() + timedelta(days=70)).isoformat() if v == "TODAY+70" else v
        for k, v in data.items()
    }
    event = signer.event(type_, {"assignment_id": unique_id, **data})

    response = await post(http, *signer.signed(event))

    assert response.status_code == 202, response.text
    timeline = await http.get(f"/v1/assignments/{unique_id}/timeline", headers=auth("viewer"))
    actors = {i["actor"] for i in timeline.json() if not i["planned"]}
    assert "webhook:/contracting/tests" in actors


async def test_a_signed_body_nested_too_deep_to_read_is_422_not_a_5xx(http, signer):
    deep = b"[" * 25_000 + b"]" * 25_000  # signed, under 64 KiB, 25,000 deep
    for headers in (signer.sign(deep), {**signer.sign(deep), "Idempotency-Key": "deep-event"}):
        problem = assert_problem(await post(http, deep, headers), 422)
        assert problem["detail"] == "body: not a JSON document"


async def test_a_forged_signature_is_401(http, unique_id):
    forger = Signer("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=")
    body, headers = forger.signed(forger.event("assignment.signed", create_body(unique_id)))
    assert_problem(await post(http, body, headers), 401)


async def test_a_tampered_body_is_401(http, signer, unique_id):
    body, headers = signer.signed(signer.event("assignment.signed", create_body(unique_id)))
    tampered = body.replace(b"Payroll", b"Paywall")
    assert_problem(await post(http, tampered, headers), 401)


async def test_a_stale_or_future_signature_is_401(http, signer, unique_id):
    event = signer.event("assignment.signed", create_body(unique_id))
    # wall clock ok: a signature's timestamp is judged on real time, not the deployment's
    old = datetime.now(UTC) - timedelta(minutes=6)  # wall clock ok
    future = datetime.now(UTC) + timedelta(minutes=6)  # wall clock ok
    for at in (old, future):
        problem = assert_problem(await post(http, *signer.signed(event, at=at)), 401)
        assert "timestamp" in problem["detail"]


@pytest.mark.parametrize(
    "broken",
    [
        {"webhook-signature": "v1,!!!not-base64!!!"},
        {"webhook-signature": "v1,QUJD"},  # valid base64, wrong length
        {"webhook-signature": "no-comma-here"},
        {"webhook-signature": "v1,a,b"},
        {"webhook-signature": "v1,\u00e9\u00e9"},
        {"webhook-signature": "v2,QUJD"},
        {"webhook-timestamp": "yesterday"},
        {"webhook-timestamp": "nan"},
        {"webhook-timestamp": "1e400"},
        {"webhook-timestamp": "-99999999999999999999"},
        {"webhook-id": ""},
    ],
)
async def test_malformed_signature_headers_are_401_never_5xx(http, signer, unique_id, broken):
    body, headers = signer.signed(signer.event("assignment.signed", create_body(unique_id)))
    headers.update(broken)
    response = await http.post(
        "/v1/events",
        content=body,
        headers={k: v.encode("utf-8") for k, v in headers.items()},  # raw bytes on the wire
    )
    assert_problem(response, 401)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
async def test_missing_signature_headers_are_401(http, signer, unique_id, missing):
    body, headers = signer.signed(signer.event("assignment.signed", create_body(unique_id)))
    del headers[missing]
    problem = assert_problem(await post(http, body, headers), 401)
    assert missing in problem["detail"]


async def test_a_signed_body_that_is_not_json_is_422(http, signer):
    text = b"this is not json"
    assert_problem(await post(http, text, signer.sign(text)), 422)


async def test_a_body_that_is_not_utf8_is_401(http, signer):
    headers = signer.sign(b"something else")
    assert_problem(await post(http, b"\xff\xfe not json", headers), 401)


async def test_an_unknown_type_is_422(http, signer, unique_id):
    event = signer.event("assignment.teleported", {"assignment_id": unique_id})
    problem = assert_problem(await post(http, *signer.signed(event)), 422)
    assert problem["errors"][0]["field"] == "type"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda e: e.update(specversion="0.3"),
        lambda e: e.pop("id"),
        lambda e: e.update(data="not an object"),
        lambda e: e["data"].update(freelancer={"name": "x", "email": "nope"}),
        lambda e: e["data"].update(surprise=True),
    ],
)
async def test_invalid_envelope_or_data_is_422(http, signer, unique_id, mutate):
    event = signer.event("assignment.signed", create_body(unique_id))
    mutate(event)
    assert_problem(await post(http, *signer.signed(event)), 422)


async def test_a_change_event_without_assignment_id_is_422(http, signer):
    event = signer.event("assignment.cancelled", {"reason": "no id"})
    problem = assert_problem(await post(http, *signer.signed(event)), 422)
    assert problem["errors"][0]["field"] == "data.assignment_id"


async def test_a_refused_change_is_answered_like_rest(http, auth, signer, unique_id):
    body = create_body(unique_id)
    await http.post("/v1/assignments", json=body, headers=auth("contracting"))
    event = signer.event(
        "assignment.extended", {"assignment_id": unique_id, "new_end_date": body["start_date"]}
    )
    problem = assert_problem(await post(http, *signer.signed(event)), 409)
    assert "after the current end date" in problem["detail"]


async def test_signed_event_for_an_existing_id_with_another_body_is_409(
    http, auth, signer, unique_id
):
    await http.post("/v1/assignments", json=create_body(unique_id), headers=auth("contracting"))
    event = signer.event("assignment.signed", create_body(unique_id, team="Elsewhere"))
    assert_problem(await post(http, *signer.signed(event)), 409)
    same = signer.event("assignment.signed", create_body(unique_id))
    assert (await post(http, *signer.signed(same))).status_code == 202


async def test_no_api_key_is_needed_but_one_is_ignored(http, auth, signer, unique_id):
    body, headers = signer.signed(signer.event("assignment.signed", create_body(unique_id)))
    response = await post(http, body, {**headers, **auth("viewer")})
    assert response.status_code == 202


async def test_an_idempotency_key_is_honoured_for_the_signed_sender(http, signer, unique_id):
    first_body, first_headers = signer.signed(
        signer.event("assignment.signed", create_body(unique_id))
    )
    key = {"Idempotency-Key": f"evt-{unique_id}"}

    first = await post(http, first_body, {**first_headers, **key})
    # The sender retries the same request under a fresh signature: the first answer comes back.
    again = await post(http, first_body, {**signer.sign(first_body), **key})
    # The same key for another event is refused.
    other_body, other_headers = signer.signed(
        signer.event("assignment.signed", create_body(f"{unique_id}-2"))
    )
    other = await post(http, other_body, {**other_headers, **key})
    # A forged request with that key learns nothing: 401 before the key is looked at.
    forged = await post(http, first_body, {**first_headers, "webhook-signature": "v1,Zm9v", **key})

    assert first.status_code == 202, first.text
    assert again.status_code == 202 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert other.status_code == 422, other.text
    assert forged.status_code == 401


async def test_during_a_rotation_either_secret_signs_and_after_it_only_the_new(
    http, auth, app, settings, monkeypatch, unique_id
):
    """The contracting system moves to a new secret at its own pace: meanwhile the engine takes
    both (one signature of each, or both in one header, as Standard Webhooks allows)."""
    import base64
    import secrets

    new_secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    old_secret = settings.webhook_secret or ""
    old, new = Signer(old_secret), Signer(new_secret)
    live = app.state.settings  # the very settings the app reads
    monkeypatch.setattr(live, "webhook_secret", new_secret)
    monkeypatch.setattr(live, "webhook_secret_previous", old_secret)

    by_old = old.signed(old.event("assignment.signed", create_body(f"{unique_id}-A")))
    assert (await post(http, *by_old)).status_code == 202
    by_new = new.signed(new.event("assignment.signed", create_body(f"{unique_id}-B")))
    assert (await post(http, *by_new)).status_code == 202
    body, headers = old.signed(old.event("assignment.signed", create_body(f"{unique_id}-C")))
    both = new.sign(body, msg_id=headers["webhook-id"])["webhook-signature"]
    headers["webhook-signature"] = f"{both} {headers['webhook-signature']}"
    assert (await post(http, body, headers)).status_code == 202
    stranger = Signer("whsec_" + base64.b64encode(secrets.token_bytes(32)).decode())
    forged = stranger.signed(stranger.event("assignment.signed", create_body(f"{unique_id}-D")))
    assert_problem(await post(http, *forged), 401)

    # The rotation is over: the old secret signs nothing any more.
    monkeypatch.setattr(live, "webhook_secret_previous", None)
    late = old.signed(old.event("assignment.signed", create_body(f"{unique_id}-E")))
    assert_problem(await post(http, *late), 401)
    assert (
        await http.get(f"/v1/assignments/{unique_id}-E", headers=auth("viewer"))
    ).status_code == 404
