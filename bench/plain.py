"""The plain twins of an assignment for `bench.lifecycle`: a long-running workflow with a little
state and an Update that changes it, and a story of as many activities and timers as an
assignment's whole lifecycle, each activity doing nothing. Their worker runs in a process of its
own, as the engine's does:

    .venv/bin/python -m bench.plain ADDRESS TASK_QUEUE
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker


@workflow.defn(name="PlainAssignment")
class PlainAssignment:
    def __init__(self) -> None:
        self._end = ""
        self._done = False

    @workflow.run
    async def run(self, end: str) -> str:
        self._end = end
        await workflow.wait_condition(lambda: self._done)
        return self._end

    @workflow.update
    async def extend(self, end: str) -> str:
        self._end = end
        return end

    @workflow.signal
    def finish(self) -> None:
        self._done = True


@activity.defn(name="plain_step")
async def plain_step(step: int) -> dict[str, int]:
    return {"step": step}


@workflow.defn(name="PlainStory")
class PlainStory:
    """`activities` activities one after the other, a timer (of 10 ms) before each of the
    first `timers`: the shape of a lifecycle, without its work."""

    @workflow.run
    async def run(self, activities: int, timers: int) -> int:
        for step in range(max(activities, timers)):
            if step < timers:
                await workflow.sleep(timedelta(milliseconds=10))
            if step < activities:
                await workflow.execute_activity(
                    plain_step, step, start_to_close_timeout=timedelta(seconds=30)
                )
        return activities


async def serve(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[PlainAssignment, PlainStory],
        activities=[plain_step],
    ):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
