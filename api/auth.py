"""Who is calling, and may they: API keys (Bearer) mapped to the contract's roles.

- `viewer` reads;
- `contracting` reads and sends contract changes (create, extension, termination, cancellation,
  amendment);
- `operator` reads, decides renewals and completes tasks;
- `manager` (a person signed in with the company's identity, never a key) does what an operator
  does, on the assignments they manage only (db.scope);
- `admin` may do everything.

A key is looked up by its hash (db.api_keys) and kept in a small in-process cache for a few
seconds, so a burst of requests costs one query; a revoked key stops working within `CACHE_TTL`.
Each key also has a token bucket (`RATE_PER_SECOND`, `BURST`): past it the answer is 429.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import RATE_LIMITED, Problem
from db import api_keys
from db.api_keys import ApiKey
from db.pool import Executor

CACHE_TTL = 10.0  # seconds a looked-up key is trusted without asking the database again
CACHE_SIZE = 1024
RATE_PER_SECOND = 100.0  # sustained requests per second per key (per API process)
BURST = 500  # requests a key may send at once
MAX_KEY_LENGTH = 256


class Action(StrEnum):
    READ = "read"
    CHANGE_CONTRACT = "change the contract"
    OPERATE = "decide renewals and complete tasks"
    ADMINISTER = "manage keys and decide what the engine holds for an admin"


PERMISSIONS: dict[str, frozenset[Action]] = {
    "viewer": frozenset({Action.READ}),
    "contracting": frozenset({Action.READ, Action.CHANGE_CONTRACT}),
    "operator": frozenset({Action.READ, Action.OPERATE}),
    "manager": frozenset({Action.READ, Action.OPERATE}),
    "admin": frozenset(Action),
}


def actor_of(key: ApiKey) -> str:
    """How a caller is named on the timeline: `<role>:<key name>`."""
    return f"{key.role}:{key.name}"


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class KeyStore:
    """Finds keys (with a short cache) and meters each key's rate. One per app."""

    pool: Executor
    ttl: float = CACHE_TTL
    rate: float = RATE_PER_SECOND
    burst: int = BURST
    _cache: dict[str, tuple[ApiKey, float]] = field(default_factory=dict)
    _buckets: dict[int, _Bucket] = field(default_factory=dict)

    async def find(self, plain_key: str) -> ApiKey | None:
        now = time.monotonic()
        digest = api_keys.hash_key(plain_key)
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        key = await api_keys.find(self.pool, plain_key)
        if key is None:
            self._cache.pop(digest, None)
            return None
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[digest] = (key, now + self.ttl)
        return key

    def forget(self, key_id: int) -> None:
        """Stops trusting a cached key at once (it was revoked here); other processes stop
        within `ttl`."""
        for digest, (key, _) in list(self._cache.items()):
            if key.id == key_id:
                del self._cache[digest]

    def take(self, key: ApiKey) -> float | None:
        """Takes one request from the key's bucket; the seconds to wait when it is empty."""
        now = time.monotonic()
        bucket = self._buckets.get(key.id)
        if bucket is None:
            bucket = self._buckets[key.id] = _Bucket(tokens=float(self.burst), at=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens < 1:
            return (1 - bucket.tokens) / self.rate
        bucket.tokens -= 1
        return None


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: `Authorization: Bearer lc_…` (see `lifecycle keys create`)",
)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_INVALID = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


async def caller_of(request: Request) -> ApiKey | None:
    """The key of a request's `Authorization: Bearer` header, if it names a valid key."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_KEY_LENGTH:
        return None
    store: KeyStore = request.app.state.keys
    return await store.find(token)


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    if credentials is None:
        raise Problem(401, "send an API key: Authorization: Bearer <key>", headers=_CHALLENGE)
    key = await caller_of(request)
    if key is None:
        raise Problem(401, "unknown or revoked API key", headers=_INVALID)
    structlog.contextvars.bind_contextvars(caller=actor_of(key))
    store: KeyStore = request.app.state.keys
    wait = store.take(key)
    if wait is not None:
        raise Problem(
            429,
            "too many requests for this API key; slow down",
            type=RATE_LIMITED,
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    return key


def require(action: Action):  # type: ignore[no-untyped-def]
    """A dependency: the caller, if its role may do `action`; else 403."""

    async def allowed(key: Annotated[ApiKey, Depends(authenticate)]) -> ApiKey:
        if action not in PERMISSIONS.get(key.role, frozenset()):
            raise Problem(403, f"the role {key.role!r} may not {action}")
        return key

    return allowed
