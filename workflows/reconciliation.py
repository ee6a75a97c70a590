"""AccessReconciliation: every account the engine made at the IdP, read back and compared with
what it should be (what midPoint calls reconciliation).

A page of assignments at a time (`reconcile_page`: 100 by default, in the order of their ids),
with a pause between pages so the IdP is not flooded, and a continue-as-new every
PAGES_PER_RUN pages so the history stays small however many assignments there are; a run cut
short resumes from its cursor. It is started by the Temporal Schedule `access-reconciliation`
(every LIFECYCLE_RECONCILE_EVERY), by `lifecycle reconcile`, or by an admin on the Today page;
its progress is kept in PostgreSQL (table `reconcile_run`).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.types import (
        RECONCILE_PAGE,
        ReconcileFigures,
        ReconcileInput,
        ReconcilePageInput,
        ReconcilePageResult,
    )

SCHEDULE_ID = "access-reconciliation"
PAGE_SIZE = 100
PAGES_PER_RUN = 20
PAUSE = timedelta(milliseconds=500)  # between pages: the rate limit towards the IdP
# A page that fails is tried again for up to an hour; the next scheduled run starts over.
PAGE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1)
)


@workflow.defn
class AccessReconciliation:
    @workflow.run
    async def run(self, input: ReconcileInput) -> ReconcileFigures:
        run_id = input.run_id or workflow.info().workflow_id
        cursor, figures = input.cursor, input.so_far
        for _ in range(PAGES_PER_RUN):
            page = await workflow.execute_activity(
                RECONCILE_PAGE,
                ReconcilePageInput(run_id=run_id, cursor=cursor, size=PAGE_SIZE),
                result_type=ReconcilePageResult,
                start_to_close_timeout=timedelta(minutes=5),
                schedule_to_close_timeout=timedelta(hours=1),
                retry_policy=PAGE_RETRY,
            )
            figures = figures.plus(page.figures)
            if page.cursor is None:
                return figures
            cursor = page.cursor
            await workflow.sleep(PAUSE)
        workflow.continue_as_new(ReconcileInput(run_id=run_id, cursor=cursor, so_far=figures))
