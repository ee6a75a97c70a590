"""The dependencies of the routes, as `Annotated` aliases (what a handler may ask for)."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Header, Request
from temporalio.client import Client

from api import lifecycle
from api.auth import Action, authenticate, require
from api.idempotency import KEY_PATTERN
from core.clock import Clock
from core.settings import Settings
from db.api_keys import ApiKey


def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


def _temporal(request: Request) -> Client:
    return request.app.state.temporal


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _clock(request: Request) -> Clock:
    return request.app.state.clock


def _lifecycle(request: Request) -> lifecycle.Lifecycle:
    return request.app.state.lifecycle


Db = Annotated[asyncpg.Pool, Depends(_pool)]
Temporal = Annotated[Client, Depends(_temporal)]
AppSettings = Annotated[Settings, Depends(_settings)]
AppClock = Annotated[Clock, Depends(_clock)]
Lifecycle = Annotated[lifecycle.Lifecycle, Depends(_lifecycle)]

# Any valid key / a key whose role may do this.
Caller = Annotated[ApiKey, Depends(authenticate)]
Reader = Annotated[ApiKey, Depends(require(Action.READ))]
ContractChanger = Annotated[ApiKey, Depends(require(Action.CHANGE_CONTRACT))]
Operator = Annotated[ApiKey, Depends(require(Action.OPERATE))]
Admin = Annotated[ApiKey, Depends(require(Action.ADMINISTER))]

# Documents (and validates) the header that api.idempotency.IdempotentRoute acts on.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="Repeat a POST safely for 24 h: a repeat of the same request gets the first"
        " answer (`Idempotent-Replayed: true`), a repeat while the first still runs is 409, and"
        ' the same key with another request is refused with 422 ("this Idempotency-Key was used'
        ' for another request"): use a new key, such as a UUID, for each new request',
    ),
]
