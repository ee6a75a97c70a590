"""`Idempotency-Key` on POSTs: a repeat gets the first answer (contract, section 3).

A route class wraps each POST handler of the routers that use it: a request that carries the
header and a valid API key claims the key for that client (db.idempotency) with the hash of its
method, path and body, runs, and stores its answer. A repeat with the same request gets the
stored answer (marked `Idempotent-Replayed: true`); the same key with another request is 422;
a repeat while the first is still running is 409. Answers of 5xx (and unexpected failures) are
not stored, so the client may retry them. Answers are kept 24 hours. On `POST /v1/events`,
which carries no API key, the client is the holder of the webhook secret, once the request's
signature is verified (`SignedEventRoute`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.auth import caller_of
from api.problems import (
    IDEMPOTENCY_IN_FLIGHT,
    IDEMPOTENCY_MISMATCH,
    PROBLEM_JSON,
    Problem,
    invalid,
    json_document,
    response_for,
)
from db import idempotency
from db.idempotency import ClaimStatus

HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # visible ASCII, as the IETF draft's examples
_KEY = re.compile(KEY_PATTERN)


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The hash of a request: its method, path and body (JSON compared by value)."""
    try:
        canonical = json.dumps(
            json_document(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8", "surrogatepass")
    except Problem:  # not JSON: the route refuses it; the bytes are its fingerprint
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogatepass"), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _stored(response: Response) -> Any:
    body = getattr(response, "body", None)
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


class IdempotentRoute(APIRoute):
    async def client_of(self, request: Request) -> str | None:
        """Whose keys these are: the API key's; None leaves the request to its route (401)."""
        caller = await caller_of(request)
        return None if caller is None else str(caller.id)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_idempotency(request: Request) -> Response:
            key = request.headers.get(HEADER)
            if request.method != "POST" or key is None:
                return await handler(request)
            client = await self.client_of(request)
            if client is None:
                return await handler(request)  # answered 401 by the route itself
            if not _KEY.fullmatch(key):
                raise invalid(HEADER, "1 to 255 visible ASCII characters", loc=["header", HEADER])
            pool = request.app.state.pool
            digest = fingerprint(request.method, request.url.path, await request.body())
            claim = await idempotency.begin(pool, client, key, digest)
            if claim.status is ClaimStatus.MISMATCH:
                raise Problem(
                    422,
                    f"this {HEADER} was used for another request",
                    type=IDEMPOTENCY_MISMATCH,
                )
            if claim.status is ClaimStatus.IN_FLIGHT:
                raise Problem(
                    409,
                    f"a request with this {HEADER} is still running; repeat it later",
                    type=IDEMPOTENCY_IN_FLIGHT,
                    headers={"Retry-After": "1"},
                )
            if claim.status is ClaimStatus.REPLAY:
                assert claim.status_code is not None
                return JSONResponse(
                    claim.response,
                    status_code=claim.status_code,
                    media_type=PROBLEM_JSON if claim.status_code >= 400 else None,
                    headers={"Idempotent-Replayed": "true"},
                )
            try:
                response = await handler(request)
            except Exception as exc:
                answer = response_for(exc)
                if answer is None:
                    await idempotency.abandon(pool, client, key)
                    raise
                response = answer
            if response.status_code >= 500:
                await idempotency.abandon(pool, client, key)
            else:
                await idempotency.finish(pool, client, key, response.status_code, _stored(response))
            return response

        return with_idempotency
