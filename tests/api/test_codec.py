"""Personal data encrypted in Temporal (core/codec.py): the raw history of a whole story on the
real dev server holds none of the freelancer's name, address or purpose; with the key it decodes;
a history written with an old key still runs after the ring is rotated; a wrong ring is refused
with a one-line reason."""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import Any

import httpx
import pytest
from temporalio.api.common.v1 import Payload

from api.main import create_app
from api.ui import session as sessions
from core.codec import CodecError, EncryptionCodec, KeyRing
from core.settings import Settings
from core.temporal import connect
from db import api_keys
from tests.api.conftest import create_body, eventually
from worker import build_worker
from workflows.types import workflow_id_for

OLD, NEW = KeyRing.new_entry("2026-11"), KeyRing.new_entry("2026-12")


def test_a_payload_round_trips_and_names_its_key() -> None:
    ring = KeyRing.parse(OLD)
    codec = EncryptionCodec(ring)
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"name": "Sam Peeters"}')

    (sealed,) = asyncio.run(codec.encode([plain]))
    assert b"Sam" not in sealed.SerializeToString()
    assert sealed.metadata["encryption-key-id"] == b"2026-11"
    assert asyncio.run(codec.decode([sealed])) == [plain]
    # After a rotation (the new key first), what the old key wrote still decodes.
    rotated = EncryptionCodec(KeyRing.parse(f"{NEW},{OLD}"))
    assert asyncio.run(rotated.decode([sealed])) == [plain]
    (newer,) = asyncio.run(rotated.encode([plain]))
    assert newer.metadata["encryption-key-id"] == b"2026-12"
    # A ring without the key, or a payload altered: refused, never garbage.
    with pytest.raises(CodecError, match="encrypted with the key '2026-11', which"):
        asyncio.run(EncryptionCodec(KeyRing.parse(NEW)).decode([sealed]))
    altered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + b"x")
    with pytest.raises(CodecError, match="was altered"):
        asyncio.run(codec.decode([altered]))
    # A payload written before the codec passes as it is.
    assert asyncio.run(codec.decode([plain])) == [plain]


@pytest.mark.parametrize(
    ("ring", "reason"),
    [
        ("", "holds no key"),
        ("k1", "is not `id:base64key`"),
        ("k1:not base64!", "is not base64"),
        ("k1:c2hvcnQ=", "has 5 bytes, AES-256 needs 32"),
        (f"{OLD},{OLD}", "is used twice"),
    ],
)
def test_a_ring_the_engine_cannot_use_is_refused_with_why(ring: str, reason: str) -> None:
    with pytest.raises(CodecError, match=reason):
        KeyRing.parse(ring)
    if ring:
        with pytest.raises(ValueError, match=reason):
            Settings(codec_keys=ring, _env_file=None)  # type: ignore[call-arg]


async def _engine(settings: Settings, pool: Any):  # type: ignore[no-untyped-def]
    client = await connect(settings)
    return client, build_worker(client, pool, settings)


async def test_the_raw_history_holds_no_personal_data_and_survives_a_rotation(
    settings, pool, temporal_env, unique_id, app
):
    """(`app`: the tests' deployment, whose clock dates the test data.)"""
    queue = f"codec-{uuid.uuid4().hex[:8]}"
    before = settings.model_copy(update={"codec_keys": OLD, "task_queue": queue})
    client, worker = await _engine(before, pool)
    body = create_body(unique_id, purpose="Bring the payroll of Maaseik Steelworks live.")
    freelancer, purpose = body["freelancer"], body["purpose"]
    app = create_app(before, pool=pool, temporal=client)
    key = await api_keys.create(pool, "codec-test", "admin")
    headers = {"Authorization": f"Bearer {key}"}
    async with worker, app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
        ) as http:
            assert (await http.post("/v1/assignments", json=body)).status_code == 201

            async def recorded() -> bool:
                found = (await http.get(f"/v1/assignments/{unique_id}/timeline")).json()
                return any(e["kind"] == "signed" for e in found) and len(found) > 3

            await eventually(recorded, within=30)

    # Read without the codec, as anyone with access to Temporal would.
    raw = temporal_env.client.get_workflow_handle(workflow_id_for(unique_id))
    history = await raw.fetch_history()
    blob = b"".join(event.SerializeToString() for event in history.events)
    for secret in (freelancer["name"], freelancer["email"], purpose, "Maaseik"):
        assert secret.encode() not in blob, secret
    started = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    assert started.metadata["encryption-key-id"] == b"2026-11"
    (decoded,) = await EncryptionCodec(KeyRing.parse(OLD)).decode([started])
    assert freelancer["name"].encode() in decoded.data

    # The ring rotates (a new key first, the old kept): the running assignment goes on.
    after = before.model_copy(update={"codec_keys": f"{NEW},{OLD}"})
    client, worker = await _engine(after, pool)
    app = create_app(after, pool=pool, temporal=client)
    async with worker, app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=headers
        ) as http:
            done = await http.post(f"/v1/assignments/{unique_id}/tasks/plan-kickoff/completion")
            assert done.status_code == 200, done.text
    history = await raw.fetch_history()
    accepted = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.args
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    keys = {p.metadata["encryption-key-id"] for args in accepted for p in args.payloads}
    assert keys == {b"2026-12"}


UI_ORIGIN = "http://127.0.0.1:8233"  # the settings' default LIFECYCLE_TEMPORAL_UI_URL


async def test_the_codec_endpoint_decodes_for_operators_only(settings, pool, temporal_env, keys):
    with_keys = settings.model_copy(update={"codec_keys": f"{NEW},{OLD}"})
    app = create_app(with_keys, pool=pool, temporal=temporal_env.client)
    codec = EncryptionCodec(KeyRing.parse(OLD))  # what a worker wrote, before a rotation
    (sealed,) = await codec.encode([Payload(metadata={"encoding": b"json/plain"}, data=b'"Sam"')])
    body = {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in sealed.metadata.items()},
                "data": base64.b64encode(sealed.data).decode(),
            }
        ]
    }
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        # The Temporal UI's preflight: answered for its origin, without credentials.
        preflight = await http.options(
            "/codec/decode",
            headers={"Origin": UI_ORIGIN, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type,x-namespace"},
        )  # fmt: skip
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == UI_ORIGIN
        assert preflight.headers["access-control-allow-credentials"] == "true"
        elsewhere = await http.options("/codec/decode", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in elsewhere.headers

        for who in (None, keys["viewer"], keys["contracting"]):
            headers = {"Origin": UI_ORIGIN} | ({"Authorization": f"Bearer {who}"} if who else {})
            refused = await http.post("/codec/decode", json=body, headers=headers)
            assert refused.status_code == 403 and "Sam" not in refused.text

        decoded = await http.post(
            "/codec/decode", json=body,
            headers={"Origin": UI_ORIGIN, "Authorization": f"Bearer {keys['operator']}"},
        )  # fmt: skip
        assert decoded.status_code == 200, decoded.text
        assert decoded.headers["access-control-allow-origin"] == UI_ORIGIN
        (plain,) = decoded.json()["payloads"]
        assert base64.b64decode(plain["data"]) == b'"Sam"'

        encoded = await http.post(
            "/codec/encode", json=decoded.json(),
            headers={"Authorization": f"Bearer {keys['admin']}"},
        )  # fmt: skip
        (again,) = encoded.json()["payloads"]
        assert base64.b64decode(again["metadata"]["encryption-key-id"]) == b"2026-12"
        bad = await http.post(
            "/codec/decode", json={"payloads": "no"},
            headers={"Authorization": f"Bearer {keys['operator']}"},
        )  # fmt: skip
        assert bad.status_code == 422

        # An operator signed in to the operator UI: the Temporal UI sends the session cookie.
        await http.get("/signin")
        anonymous = sessions.decode(http.cookies.get(sessions.COOKIE), with_keys.signing_key)
        assert anonymous is not None
        await http.post("/signin", data={"csrf": anonymous.csrf, "api_key": keys["operator"]})
        by_session = await http.post("/codec/decode", json=body, headers={"Origin": UI_ORIGIN})
        assert by_session.status_code == 200, by_session.text
