"""Temporal's remote codec protocol, for the Temporal Web UI: an operator sees decoded payloads
there, and nobody else does (core/codec.py encrypts them).

    POST /codec/decode   {"payloads": [{"metadata": {k: base64}, "data": base64}]}: decoded
    POST /codec/encode   the same shape, encoded (the UI's "send signal" and the like)

Who may: an operator or admin, by API key (`Authorization: Bearer`, which the Temporal UI can be
set to send) or by the operator UI's session cookie (the UI sends it when "include cross-origin
credentials" is on), and only one who sees every assignment. CORS answers the origin of
`LIFECYCLE_TEMPORAL_UI_URL` only, preflight included (without credentials, as browsers send it).
Without `LIFECYCLE_CODEC_KEYS` the payloads are in clear: both answer them as they are.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from temporalio.api.common.v1 import Payload

from api.auth import PERMISSIONS, Action, caller_of
from api.problems import Problem
from api.ui import session as sessions
from core.codec import CodecError, data_converter

router = APIRouter(prefix="/codec", tags=["codec"], include_in_schema=False)

MAX_PAYLOADS = 1000


def _origin(request: Request) -> str:
    ui = urlsplit(request.app.state.settings.temporal_ui_url)
    return f"{ui.scheme}://{ui.netloc}"


def _cors(request: Request, response: Response) -> Response:
    if request.headers.get("origin") == _origin(request):
        response.headers.update(
            {
                "Access-Control-Allow-Origin": _origin(request),
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Namespace",
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            }
        )
    return response


async def _allowed(request: Request) -> bool:
    key = await caller_of(request)
    if key is not None:
        return Action.OPERATE in PERMISSIONS.get(key.role, frozenset())
    settings = request.app.state.settings
    found = sessions.decode(request.cookies.get(sessions.COOKIE), settings.signing_key)
    if found is None or not found.signed_in or found.role not in ("operator", "admin"):
        return False
    if found.email is not None:  # the company's identity: HR of every team, or an admin
        return found.role == "admin" or found.teams is None
    from db import api_keys

    return await api_keys.get_active(request.app.state.pool, found.key_id or 0) is not None


def _payloads(body: Any) -> list[Payload]:
    items = body.get("payloads") if isinstance(body, dict) else None
    if not isinstance(items, list) or len(items) > MAX_PAYLOADS:
        raise Problem(422, f'the body is {{"payloads": [...]}} of at most {MAX_PAYLOADS}')
    try:
        return [
            Payload(
                metadata={k: base64.b64decode(v) for k, v in (p.get("metadata") or {}).items()},
                data=base64.b64decode(p.get("data") or ""),
            )
            for p in items
        ]
    except (AttributeError, TypeError, binascii.Error, ValueError):
        raise Problem(422, 'each payload is {"metadata": {k: base64}, "data": base64}') from None


def _json(payloads: list[Payload]) -> dict[str, Any]:
    return {
        "payloads": [
            {
                "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
                "data": base64.b64encode(p.data).decode(),
            }
            for p in payloads
        ]
    }


async def _code(request: Request, decode: bool) -> Response:
    if not await _allowed(request):
        return _cors(request, JSONResponse(
            {"title": "Forbidden", "status": 403,
             "detail": "an operator's key or session that sees every assignment is needed"},
            status_code=403, media_type="application/problem+json",
        ))  # fmt: skip
    try:
        body = await request.json()
    except ValueError:
        raise Problem(422, "the body is not JSON") from None
    payloads = _payloads(body)
    codec = data_converter(request.app.state.settings.codec_keys).payload_codec
    try:
        if codec is not None:
            payloads = await (codec.decode(payloads) if decode else codec.encode(payloads))
    except CodecError as exc:
        raise Problem(422, str(exc)) from None
    return _cors(request, JSONResponse(_json(payloads)))


@router.options("/{action}")
async def preflight(action: str, request: Request) -> Response:
    return _cors(request, Response(status_code=204))


@router.post("/decode")
async def decode(request: Request) -> Response:
    return await _code(request, decode=True)


@router.post("/encode")
async def encode(request: Request) -> Response:
    return await _code(request, decode=False)
