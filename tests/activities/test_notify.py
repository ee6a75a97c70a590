"""Notifications: the outbox, and delivery to a real receiver on loopback that verifies every
signature with `standardwebhooks`."""

from __future__ import annotations

import asyncio
import json
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import asyncpg
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notify import NotifyActivities, cloud_event, signing_secret
from db import notifications
from workflows.notification import GONE
from workflows.types import PublishInput

WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the Standard Webhooks example secret
PLAIN = "a plain shared secret"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    event: Any  # the verified event; None when the signature did not verify
    answer: int


class Receiver:
    """A webhook receiver on a free 127.0.0.1 port. It verifies every request's signature
    (answering 401 when it fails), then answers from `answers` in turn, then 204."""

    def __init__(self, secret: str, answers: list[int] | None = None) -> None:
        self.webhook = Webhook(secret)
        self.answers = list(answers or [])
        self.requests: list[Request] = []
        self.url = ""
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hooks/lifecycle"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def accepted(self) -> list[Request]:
        return [r for r in self.requests if 200 <= r.answer < 300]

    @property
    def all_verified(self) -> bool:
        return all(r.event is not None for r in self.requests)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, path, _ = head[0].split(" ", 2)
        headers = {}
        for line in head[1:]:
            if line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        try:
            event = self.webhook.verify(body, headers)
            answer = self.answers.pop(0) if self.answers else 204
        except WebhookVerificationError:
            event, answer = None, 401
        self.requests.append(Request(method, path, headers, body, event, answer))
        phrase = HTTPStatus(answer).phrase
        writer.write(
            f"HTTP/1.1 {answer} {phrase}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()


def event(assignment_id: str, what: str = "phase:active") -> PublishInput:
    return PublishInput(
        event_id=f"{assignment_id}:1:{what}",
        type="lifecycle.phase_changed",
        assignment_id=assignment_id,
        at=datetime(2027, 1, 4, 8, tzinfo=UTC),
        data={"phase": "active"},
    )


async def queued(pool: asyncpg.Pool, input: PublishInput) -> str:
    """The event in the outbox, pending, as `publish` leaves it when notifications are on."""
    await notifications.insert_if_absent(
        pool, input.event_id, input.type, input.assignment_id, cloud_event(input), "pending"
    )
    return input.event_id


def activities(pool: asyncpg.Pool, receiver: Receiver, secret: str) -> NotifyActivities:
    # Delivery alone needs no Temporal client: `enabled` is about `publish` starting it.
    return NotifyActivities(pool, enabled=False, url=receiver.url, secret=secret)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("secret", [WHSEC, PLAIN], ids=["whsec", "plain"])
async def test_an_event_is_delivered_once_signed_under_its_id(
    pool: asyncpg.Pool, unique_id: str, secret: str
) -> None:
    input = event(unique_id)
    event_id = await queued(pool, input)
    async with Receiver(signing_secret(secret)) as receiver:
        acts = activities(pool, receiver, secret)
        env = ActivityEnvironment()

        assert await env.run(acts.deliver_notification, event_id) == "delivered"
        assert await env.run(acts.deliver_notification, event_id) == "delivered"

    assert receiver.all_verified
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/hooks/lifecycle")
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert request.headers["webhook-id"] == event_id
    assert request.event == json.loads(json.dumps(cloud_event(input)))
    assert request.event["type"] == "lifecycle.phase_changed"
    row = await notifications.get(pool, event_id)
    assert row is not None
    assert (row["status"], row["attempts"], row["last_status"]) == ("delivered", 1, 204)
    assert row["delivered_at"] is not None


async def test_a_refusal_raises_is_recorded_and_the_retry_keeps_the_webhook_id(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    event_id = await queued(pool, event(unique_id))
    async with Receiver(WHSEC, answers=[500]) as receiver:
        acts = activities(pool, receiver, WHSEC)
        env = ActivityEnvironment()

        with pytest.raises(ApplicationError) as caught:
            await env.run(acts.deliver_notification, event_id)
        assert not caught.value.non_retryable  # Temporal's retry policy tries again
        refused = await notifications.get(pool, event_id)
        assert refused is not None
        assert (refused["status"], refused["attempts"], refused["last_status"]) == (
            "pending",
            1,
            500,
        )
        assert refused["last_attempt_at"] is not None

        assert await env.run(acts.deliver_notification, event_id) == "delivered"

    assert receiver.all_verified
    assert [r.answer for r in receiver.requests] == [500, 204]
    assert {r.headers["webhook-id"] for r in receiver.requests} == {event_id}
    assert len(receiver.accepted) == 1
    row = await notifications.get(pool, event_id)
    assert row is not None
    assert (row["status"], row["attempts"]) == ("delivered", 2)


async def test_a_410_marks_the_event_gone_without_failing(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    event_id = await queued(pool, event(unique_id))
    async with Receiver(WHSEC, answers=[410]) as receiver:
        acts = activities(pool, receiver, WHSEC)
        env = ActivityEnvironment()

        assert await env.run(acts.deliver_notification, event_id) == "gone"
        assert await env.run(acts.deliver_notification, event_id) == "gone"

    assert receiver.all_verified
    assert [r.answer for r in receiver.requests] == [410]
    row = await notifications.get(pool, event_id)
    assert row is not None
    assert (row["status"], row["attempts"], row["last_status"]) == ("gone", 1, 410)
    assert row["delivered_at"] is None


async def test_an_unreachable_receiver_raises_and_is_recorded(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    event_id = await queued(pool, event(unique_id))
    acts = NotifyActivities(
        pool, enabled=False, url=f"http://127.0.0.1:{free_port()}/", secret=WHSEC, timeout_s=2
    )

    with pytest.raises(Exception):  # noqa: B017 - any error: Temporal retries it
        await ActivityEnvironment().run(acts.deliver_notification, event_id)

    row = await notifications.get(pool, event_id)
    assert row is not None
    assert (row["status"], row["attempts"], row["last_status"]) == ("pending", 1, None)
    assert row["last_error"]


async def test_an_event_no_longer_in_the_outbox_is_not_retried(pool: asyncpg.Pool) -> None:
    acts = NotifyActivities(pool, enabled=False, url="http://127.0.0.1:9/", secret=WHSEC)

    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(acts.deliver_notification, "no-such-event")

    assert caught.value.type == GONE and caught.value.non_retryable


async def test_publish_twice_stores_one_row(pool: asyncpg.Pool, unique_id: str) -> None:
    acts = NotifyActivities(pool, enabled=False)
    env = ActivityEnvironment()
    input = event(unique_id)

    await env.run(acts.publish, input)
    await env.run(acts.publish, input)

    rows = await notifications.list_for(pool, unique_id)
    assert [(r["event_id"], r["status"], r["attempts"]) for r in rows] == [
        (input.event_id, "skipped", 0)
    ]
    assert rows[0]["payload"]["data"] == {"assignment_id": unique_id, "phase": "active"}


async def test_without_a_receiver_a_delivery_keeps_the_event(
    pool: asyncpg.Pool, unique_id: str
) -> None:
    event_id = await queued(pool, event(unique_id))
    acts = NotifyActivities(pool, enabled=False)

    assert await ActivityEnvironment().run(acts.deliver_notification, event_id) == "skipped"

    row = await notifications.get(pool, event_id)
    assert row is not None
    assert (row["status"], row["attempts"]) == ("skipped", 0)


def test_a_receiver_url_without_a_secret_is_refused(pool: asyncpg.Pool) -> None:
    with pytest.raises(ValueError, match="LIFECYCLE_NOTIFY_SECRET"):
        NotifyActivities(pool, enabled=False, url="http://127.0.0.1:9/")
    with pytest.raises(ValueError, match="client"):
        NotifyActivities(pool, enabled=True, url="http://127.0.0.1:9/", secret=WHSEC)
