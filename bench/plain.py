"""The plain twin of an assignment for `bench.lifecycle`: a long-running workflow with a little
state and an Update that changes it, and nothing else. Its worker runs in a process of its own,
as the engine's does:

    .venv/bin/python -m bench.plain ADDRESS TASK_QUEUE
"""

from __future__ import annotations

import asyncio
import sys

from temporalio import workflow
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


async def serve(address: str, task_queue: str) -> None:
    client = await Client.connect(address)
    async with Worker(client, task_queue=task_queue, workflows=[PlainAssignment]):
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
