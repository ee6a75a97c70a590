"""The worker process: settings, logging, one pool, the Temporal client, the activities.

`python worker.py` is the same as `lifecycle worker`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
)
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities import telemetry
from activities.access import AccessActivities
from activities.guard import GuardActivities
from activities.ledger import LedgerActivities
from activities.mail import MailActivities, MailConfig
from activities.notify import NotifyActivities
from activities.reconcile import ReconcileActivities
from activities.records import RecordActivities
from activities.scim import ScimProvisioner
from core.settings import Settings
from core.temporal import connect
from db.clock import deployment_clock
from db.pool import create_pool
from workflows.assignment import AssignmentWorkflow
from workflows.delivery import MailDelivery
from workflows.notification import NotificationDelivery
from workflows.reconciliation import SCHEDULE_ID, AccessReconciliation
from workflows.types import ReconcileInput

log = structlog.get_logger("worker")

# Loaded once outside the sandbox instead of again for every workflow run.
PASSTHROUGH = (
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "typing_inspection",
    "core",
    "zoneinfo",
    "workflows.policy",
    "workflows.rules",
    "workflows.story",
    "workflows.effects",
    "workflows.lanes",
    "workflows.reconciliation",
)


def workflow_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )


def build_activities(
    pool: Any,
    settings: Settings,
    client: Client,
    task_queue: str,
    provisioner: ScimProvisioner | None = None,
) -> list[Any]:
    mail = MailActivities(
        pool,
        MailConfig(
            sender=settings.mail_from,
            public_url=settings.public_url,
            signing_key=settings.signing_key,
            smtp_url=settings.smtp_url,
            hr_email=settings.hr_email,
            admin_emails=list(settings.admin_email),
        ),
        client=client,
        task_queue=task_queue,
    )
    access = AccessActivities(pool, provisioner=provisioner, catalogue=settings.tools)
    # Delivery is registered even with notifications off, so deliveries under way can finish.
    notify = NotifyActivities(
        pool,
        enabled=bool(settings.notify_url),
        client=client,
        task_queue=task_queue,
        url=settings.notify_url,
        secret=settings.notify_secret,
    )
    guard = GuardActivities(pool, settings.revoke_guard)
    reconciliation = ReconcileActivities(pool, settings, provisioner)
    records = RecordActivities(pool)
    return [
        LedgerActivities(records, mail, notify).apply_ledger,
        records.record,
        mail.queue_mail,
        mail.deliver_mail,
        mail.send_mail,  # for the runs begun before independent effects
        access.sync_access,
        guard.claim_revocation,
        reconciliation.reconcile_page,
        notify.publish,
        notify.deliver_notification,
    ]


def build_worker(
    client: Client,
    pool: Any,
    settings: Settings,
    task_queue: str | None = None,
    provisioner: ScimProvisioner | None = None,
) -> Worker:
    queue = task_queue or settings.task_queue
    return Worker(
        client,
        task_queue=queue,
        workflows=[AssignmentWorkflow, NotificationDelivery, MailDelivery, AccessReconciliation],
        activities=build_activities(pool, settings, client, queue, provisioner),
        workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=timedelta(seconds=10),
        # Heartbeats (the IdP's activity sends one a second) reach the server at once, so that a
        # cancellation reaches the activity within seconds (the SDK's default holds them 30 s).
        default_heartbeat_throttle_interval=timedelta(seconds=1),
    )


async def ensure_reconciliation_schedule(client: Client, settings: Settings) -> None:
    """The Temporal Schedule of the access reconciliation, every LIFECYCLE_RECONCILE_EVERY
    (created once, its interval brought up to date at each start; a run still going when the
    next is due is not doubled)."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            AccessReconciliation.run,
            ReconcileInput(),
            id=SCHEDULE_ID,
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=settings.reconcile_every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(SCHEDULE_ID)
        await handle.update(lambda _: ScheduleUpdate(schedule=schedule))
    log.info("access reconciliation scheduled", every=str(settings.reconcile_every))


async def run_worker(settings: Settings) -> None:
    """Runs until SIGINT or SIGTERM, then lets running activities finish (the settings are
    checked by `lifecycle worker` first)."""
    assert settings.database_url, "LIFECYCLE_DATABASE_URL is not set"
    pool = await create_pool(settings.database_url)
    # Without LIFECYCLE_SCIM_URL access is recorded in the database only (the contract's default).
    provisioner = ScimProvisioner.from_settings(settings) if settings.scim_url else None
    try:
        # The workflows take the clock from their input; the worker reads it to say so when it
        # is not the wall clock (and refuses a LIFECYCLE_CLOCK_START other than the stored one).
        clock = await deployment_clock(
            pool, settings.clock_speed, settings.clock_start, datetime.now(UTC)
        )
        if not clock.is_wall_clock:
            log.warning("not the wall clock (tests and demos only)", clock=clock.describe())
        runtime, sdk_port = (
            telemetry.prometheus_runtime() if settings.worker_metrics_port else (None, 0)
        )
        client = await connect(settings, runtime=runtime)
        worker = build_worker(client, pool, settings, provisioner=provisioner)
        if provisioner is not None:
            await ensure_reconciliation_schedule(client, settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        polling = asyncio.Event()
        async with contextlib.AsyncExitStack() as stack:
            if settings.worker_metrics_port:
                port = settings.worker_metrics_port
                await stack.enter_async_context(telemetry.serving(pool, port, sdk_port, polling))
            async with worker:
                polling.set()
                log.info("worker started", task_queue=settings.task_queue)
                await stop.wait()
                polling.clear()
                log.info("worker stopping")
    finally:
        if provisioner:
            await provisioner.aclose()
        await pool.close()


if __name__ == "__main__":
    # `python worker.py` is `lifecycle worker`: the same checks and one-line errors. The command
    # is the layer above this module (cli imports worker, never the other way round), so it is
    # run here by name, at run time, as `python -m cli worker` would run it.
    import runpy
    import sys

    sys.argv = [sys.argv[0], "worker", *sys.argv[1:]]
    runpy.run_module("cli", run_name="__main__", alter_sys=True)
