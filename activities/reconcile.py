"""`reconcile_page`: one page of the access reconciliation (workflows/reconciliation.py).

For each assignment of the page, what its account at the IdP should be comes from the ledger
(db.access): active and in the tools granted while the assignment runs, inactive and in no group
of the catalogue once nothing is granted (or the assignment has ended). The account itself is
read back from the SCIM provider (the user by `externalId`, the catalogue's groups with their
members, read once per page). Drift is corrected with the same provisioner the lifecycle uses,
and each correction is written on the assignment's timeline and in `access_drift` (the
engagement dashboard counts what the IdP showed): "reappeared" is access found open after the
end, "missing" is access the assignment should have and the IdP did not. An assignment changed
within LIFECYCLE_RECONCILE_SETTLED is left for the next run: its own lane may be at work on
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from temporalio import activity

from activities.scim import ScimProvisioner
from core.settings import Settings
from db import reconcile, timeline
from db.clock import deployment_clock
from workflows.types import (
    RECONCILE_PAGE,
    Person,
    ReconcileFigures,
    ReconcilePageInput,
    ReconcilePageResult,
    TimelineEntry,
)


@dataclass(frozen=True)
class _Drift:
    kind: str  # reappeared | missing
    detail: str
    grant: list[str]
    revoke: list[str]
    active: bool


class ReconcileActivities:
    def __init__(
        self, pool: asyncpg.Pool, settings: Settings, provisioner: ScimProvisioner | None
    ) -> None:
        self._pool, self._settings, self._provisioner = pool, settings, provisioner

    @activity.defn(name=RECONCILE_PAGE)
    async def reconcile_page(self, input: ReconcilePageInput) -> ReconcilePageResult:
        await reconcile.start(self._pool, input.run_id)
        settled = self._settings.reconcile_settled
        rows = await reconcile.page(self._pool, input.cursor, input.size, settled)
        if self._provisioner is None or not rows:
            await reconcile.finish(self._pool, input.run_id)
            return ReconcilePageResult()
        members = await self._provisioner.memberships()
        accounts = await self._provisioner.accounts(
            [r["assignment_id"] for r in rows if not r["busy"]]
        )
        figures = ReconcileFigures(pages=1)
        for row in rows:
            if row["busy"]:
                continue
            drift = self._check(row, accounts.get(row["assignment_id"]), members)
            figures.checked += 1
            if drift is not None:
                figures.drift += 1
                figures.corrected += await self._correct(input.run_id, row, drift)
        cursor = rows[-1]["assignment_id"]
        await reconcile.progress(
            self._pool,
            input.run_id,
            checked=figures.checked,
            drift=figures.drift,
            corrected=figures.corrected,
            cursor=cursor,
        )
        activity.heartbeat(cursor)
        return ReconcilePageResult(figures=figures, cursor=cursor)

    @staticmethod
    def _check(
        row: dict[str, Any], account: tuple[str, bool] | None, members: dict[str, set[str]]
    ) -> _Drift | None:
        granted = list(row["granted"])
        should_run = bool(granted) and row["phase"] not in reconcile.CLOSED
        if account is None:
            if should_run:
                return _Drift("missing", "no account at the IdP", granted, [], True)
            return None
        user_id, active = account
        holding = sorted(tool for tool, ids in members.items() if user_id in ids)
        if not should_run:
            if active or holding:
                what = ["active"] * active + [f"in {', '.join(holding)}"] * bool(holding)
                return _Drift("reappeared", " and ".join(what), [], holding, False)
            return None
        missing = [t for t in granted if t not in holding]
        extra = [t for t in holding if t not in granted]
        if active and not missing and not extra:
            return None
        detail = "; ".join(
            part
            for part in (
                "" if active else "inactive",
                f"not in {', '.join(missing)}" if missing else "",
                f"also in {', '.join(extra)}" if extra else "",
            )
            if part
        )
        return _Drift("missing", detail, missing, extra, True)

    async def _correct(self, run_id: str, row: dict[str, Any], drift: _Drift) -> int:
        assert self._provisioner is not None
        assignment_id = row["assignment_id"]
        freelancer = Person(name=row["freelancer_name"], email=row["freelancer_email"])
        corrected = True
        try:
            await self._provisioner.apply(
                assignment_id, freelancer, drift.grant, drift.revoke, drift.active
            )
        except Exception as exc:  # the next run tries again; the drift is on record
            corrected = False
            activity.logger.warning(
                "drift not corrected: %s", exc, extra={"assignment_id": assignment_id}
            )
        summary = (
            f"Access had reappeared at the IdP ({drift.detail}): removed again"
            if drift.kind == "reappeared"
            else f"Access was missing at the IdP ({drift.detail}): given again"
        )
        if not corrected:
            summary += " (not yet: the IdP refused)"
        at = await self._assignment_now()
        entry = TimelineEntry(
            key=f"0:reconcile:{run_id}", at=at, kind="reconciled", summary=summary
        )
        async with self._pool.acquire() as conn, conn.transaction():
            await reconcile.drifted(
                conn, run_id, assignment_id, drift.kind, drift.detail, corrected, at
            )
            await timeline.append(conn, assignment_id, [entry])
        return int(corrected)

    async def _assignment_now(self) -> datetime:
        clock = await deployment_clock(
            self._pool, self._settings.clock_speed, self._settings.clock_start, datetime.now(UTC)
        )
        return clock.now()
