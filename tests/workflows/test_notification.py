"""NotificationDelivery on the time-skipping test server: `publish` starts it, Temporal's retry
policy carries the event to a loopback receiver that verifies every signature."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.notify import NotifyActivities
from db import notifications
from tests.activities.test_notify import WHSEC, Receiver, event
from worker import workflow_runner
from workflows.notification import NotificationDelivery, delivery_workflow_id


@dataclass
class Notifier:
    env: WorkflowEnvironment
    acts: NotifyActivities
    receiver: Receiver

    async def publish(self, input: Any) -> None:
        """Runs the `publish` activity as the AssignmentWorkflow would."""
        await ActivityEnvironment().run(self.acts.publish, input)

    async def result(self, event_id: str) -> str:
        handle = self.env.client.get_workflow_handle(delivery_workflow_id(event_id))
        return await handle.result()

    async def retry_scheduled(self, event_id: str) -> None:
        """Waits (in real time) until a refused attempt has made Temporal schedule the next."""
        handle = self.env.client.get_workflow_handle(delivery_workflow_id(event_id))
        for _ in range(200):
            pending = (await handle.describe()).raw_description.pending_activities
            if pending and pending[0].attempt > 1:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"no retry of {event_id} was scheduled")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver(WHSEC) as r:
        yield r


@pytest.fixture
async def notifier(
    env: WorkflowEnvironment, pool: asyncpg.Pool, receiver: Receiver
) -> AsyncIterator[Notifier]:
    task_queue = f"test-notify-{uuid.uuid4().hex[:8]}"
    acts = NotifyActivities(
        pool,
        enabled=True,
        client=env.client,
        task_queue=task_queue,
        url=receiver.url,
        secret=WHSEC,
    )
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[NotificationDelivery],
        activities=[acts.publish, acts.deliver_notification],
        workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=timedelta(seconds=5),
    ):
        yield Notifier(env, acts, receiver)


async def test_a_receiver_failing_three_times_still_gets_the_event_once(
    notifier: Notifier, receiver: Receiver, pool: asyncpg.Pool, unique_id: str
) -> None:
    receiver.answers = [500, 500, 500]
    input = event(unique_id)

    await notifier.publish(input)
    await notifier.retry_scheduled(input.event_id)
    # The retry policy's backoff (1 s, 2 s, 4 s) passes in the test server's time.
    await notifier.env.sleep(timedelta(minutes=1))
    assert await notifier.result(input.event_id) == "delivered"

    assert receiver.all_verified
    assert [r.answer for r in receiver.requests] == [500, 500, 500, 204]
    [accepted] = receiver.accepted
    assert accepted.event["id"] == input.event_id
    assert {r.headers["webhook-id"] for r in receiver.requests} == {input.event_id}
    row = await notifications.get(pool, input.event_id)
    assert row is not None
    assert (row["status"], row["attempts"]) == ("delivered", 4)


async def test_a_repeated_publish_delivers_nothing_twice(
    notifier: Notifier, receiver: Receiver, pool: asyncpg.Pool, unique_id: str
) -> None:
    input = event(unique_id)

    await notifier.publish(input)
    await notifier.publish(input)  # while the delivery may still run: the same workflow
    assert await notifier.result(input.event_id) == "delivered"
    delivery = await notifier.env.client.get_workflow_handle(
        delivery_workflow_id(input.event_id)
    ).describe()
    await notifier.publish(input)  # after it completed: nothing is started

    again = await notifier.env.client.get_workflow_handle(
        delivery_workflow_id(input.event_id)
    ).describe()
    assert again.run_id == delivery.run_id
    assert len(receiver.requests) == 1 and receiver.all_verified
    assert len(await notifications.list_for(pool, unique_id)) == 1


async def test_a_410_ends_the_delivery_without_a_retry(
    notifier: Notifier, receiver: Receiver, pool: asyncpg.Pool, unique_id: str
) -> None:
    receiver.answers = [410]
    input = event(unique_id)

    await notifier.publish(input)

    assert await notifier.result(input.event_id) == "gone"
    assert [r.answer for r in receiver.requests] == [410]
    row = await notifications.get(pool, input.event_id)
    assert row is not None and row["status"] == "gone"
