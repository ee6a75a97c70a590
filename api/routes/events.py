"""POST /v1/events: the contracting system's CloudEvents, signed per Standard Webhooks.

An event is taken in four steps: the signature (anything wrong with it, or a timestamp more than
5 minutes off, is 401 and never a 5xx); the CloudEvents envelope (structured JSON mode); the
deduplication by `webhook-id` and event `id` (a repeat is 202 and does nothing more); and the
same change of the Lifecycle service as the matching REST endpoint. The ids are remembered only
once the event is taken, so an event refused with 409 (its assignment does not exist yet) can be
sent again.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import structlog
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api import lifecycle as service
from api import problems
from api.deps import AppSettings, Db, Lifecycle
from api.idempotency import IdempotentRoute
from api.problems import (
    INVALID_SIGNATURE,
    Problem,
    from_validation_error,
    invalid,
    json_document,
)
from api.schemas import (
    ASSIGNMENT_ID_PATTERN,
    AmendmentCreate,
    AssignmentCreate,
    CancellationCreate,
    EventAccepted,
    ExtensionCreate,
    TerminationCreate,
)
from db import events

log = structlog.get_logger("api")


SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event in structured JSON mode (extension attributes are allowed)."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"]
    id: Annotated[str, Field(min_length=1, max_length=256)]
    source: Annotated[str, Field(min_length=1, max_length=1024)]
    type: Annotated[str, Field(min_length=1, max_length=256)]
    datacontenttype: str | None = None
    subject: str | None = None
    time: str | None = None
    data: dict[str, Any]


@dataclass(frozen=True)
class Change:
    """An event type: the fields of its data and the Lifecycle's change that takes them."""

    schema: type[BaseModel]
    apply: Callable[[service.Lifecycle, str, Any, service.Origin], Awaitable[Any]]


CHANGES: dict[str, Change] = {
    "assignment.extended": Change(ExtensionCreate, service.Lifecycle.extend),
    "assignment.terminated": Change(TerminationCreate, service.Lifecycle.terminate),
    "assignment.cancelled": Change(CancellationCreate, service.Lifecycle.cancel),
    "assignment.amended": Change(AmendmentCreate, service.Lifecycle.amend),
}
SIGNED = "assignment.signed"
TYPES = (SIGNED, *CHANGES)


class KeyedLocks:
    """One asyncio lock per key, so two deliveries of one event in this process run one after
    the other (the second then finds the first remembered)."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, keys: list[str]) -> AsyncIterator[None]:
        ordered = sorted(set(keys))
        for key in ordered:
            lock, users = self._locks.get(key, (asyncio.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            for key in ordered:
                await self._locks[key][0].acquire()
            try:
                yield
            finally:
                for key in ordered:
                    lock = self._locks[key][0]
                    if lock.locked():
                        lock.release()
        finally:
            for key in ordered:
                lock, users = self._locks[key]
                if users <= 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


class SignedEventRoute(IdempotentRoute):
    """Idempotency-Key for the sender of signed events: known only by a valid signature."""

    async def client_of(self, request: Request) -> str | None:
        headers = {h: request.headers.get(h, "") for h in SIGNATURE_HEADERS}
        try:
            _verify(request.app.state.settings.webhook_secrets, await request.body(), headers)
        except Problem:
            return None
        return "webhook-sender"


def _verify(secrets: list[str], body: bytes, headers: dict[str, str]) -> None:
    """401 unless the body carries a valid, fresh Standard Webhooks signature by one of the
    secrets (two during a rotation: the new one and the previous one)."""
    if not secrets:
        raise Problem(
            401, "no webhook secret is configured: events are refused", type=INVALID_SIGNATURE
        )
    missing = [h for h in SIGNATURE_HEADERS if not headers.get(h)]
    if missing:
        raise Problem(
            401,
            f"missing signature header(s): {', '.join(missing)}",
            type=INVALID_SIGNATURE,
        )
    refused: WebhookVerificationError | None = None
    for secret in secrets:
        try:
            Webhook(secret).verify(body, headers, json_parse=False)
            return
        except WebhookVerificationError as exc:
            refused = exc  # another secret of the rotation may have signed it
            continue
        except Exception as exc:  # malformed values: ValueError, binascii.Error, TypeError, ...
            raise Problem(
                401, "signature refused: malformed signature headers", type=INVALID_SIGNATURE
            ) from exc
    # The library's messages are generic ("Message timestamp too old", ...): safe to tell.
    raise Problem(401, f"signature refused: {refused}", type=INVALID_SIGNATURE) from refused


router = APIRouter(prefix="/v1", tags=["events"], route_class=SignedEventRoute)

_EVENT_SCHEMA = CloudEvent.model_json_schema()
_SIGNATURE_PARAMETERS = [
    {
        "name": name,
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }
    for name, description in (
        ("webhook-id", "Unique id of the delivery (a repeat is recognised)"),
        ("webhook-timestamp", "Unix seconds; more than 5 minutes off is refused"),
        ("webhook-signature", "`v1,<base64 HMAC-SHA256>`, space-separated"),
    )
]


@router.post(
    "/events",
    status_code=202,
    summary="Take a contracting system's event (CloudEvents 1.0, Standard Webhooks signature)",
    responses=problems.responses(401, 409, 413, 422, 503),
    openapi_extra={
        "parameters": _SIGNATURE_PARAMETERS,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _EVENT_SCHEMA}},
        },
        "description": "Types: " + ", ".join(f"`{t}`" for t in TYPES),
    },
)
async def receive_event(
    request: Request,
    pool: Db,
    settings: AppSettings,
    lifecycle: Lifecycle,
) -> EventAccepted:
    body = await request.body()
    headers = {h: request.headers.get(h, "") for h in SIGNATURE_HEADERS}
    _verify(settings.webhook_secrets, body, headers)

    payload = json_document(body)
    try:
        event = CloudEvent.model_validate(payload)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    if event.type not in TYPES:
        raise invalid("type", f"unknown event type {event.type!r}; known: {', '.join(TYPES)}")

    ids = [f"webhook:{headers['webhook-id']}", f"event:{event.id}"]
    locks: KeyedLocks = request.app.state.event_locks
    structlog.contextvars.bind_contextvars(event_id=event.id, event_type=event.type)
    async with locks.hold(ids):
        if await events.seen(pool, ids):
            log.info("event repeated: nothing more to do")
            return EventAccepted(id=event.id, status="duplicate")
        await _take(event, lifecycle)
        await events.remember(pool, ids)
    return EventAccepted(id=event.id, status="accepted")


async def _take(event: CloudEvent, lifecycle: service.Lifecycle) -> None:
    actor = f"webhook:{event.source[:100]}"
    data = dict(event.data)
    if event.type == SIGNED:
        try:
            created = AssignmentCreate.model_validate(data)
        except ValidationError as exc:
            raise from_validation_error(exc, prefix=("body", "data")) from exc
        await lifecycle.create(created, actor)
        return

    change = CHANGES[event.type]
    assignment_id = data.pop("assignment_id", None)
    if not isinstance(assignment_id, str) or not _valid_id(assignment_id):
        raise invalid("data.assignment_id", "required: the assignment's id")
    try:
        fields = change.schema.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, prefix=("body", "data")) from exc
    # 409 for an assignment not created yet, so that the sender retries the event later.
    origin = service.Origin(actor, missing=409, field_prefix="data.", update_id=f"event:{event.id}")
    await change.apply(lifecycle, assignment_id, fields, origin)


def _valid_id(value: str) -> bool:
    return re.fullmatch(ASSIGNMENT_ID_PATTERN, value) is not None
