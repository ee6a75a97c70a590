"""The Today page's "needs attention" section, and the actions taken on it.

    POST /attention/{assignment_id}/retry          operator, admin: ask the IdP again now
    POST /attention/{assignment_id}/closed-by-hand admin: the account was closed by hand
    POST /attention/holds/{hold_id}/release        admin: the held revocation goes ahead
    POST /attention/holds/{hold_id}/reject         admin: the access is left as it is
    POST /attention/reconcile                      admin: check every account at the IdP now

What is listed is the API's GET /v1/attention (db.attention, through the Lifecycle service); each
action is the service's too, and comes back to Today with a flash (or the page of the refusal).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from api.auth import Action
from api.deps import Lifecycle
from api.lifecycle import Origin
from api.problems import Problem
from api.schemas import AttentionItem
from api.ui.assignments import check_id
from api.ui.pages import FormPost, Page, PageError, SignedInForm

router = APIRouter(include_in_schema=False)

HOLD_ID = re.compile(r"^hold-[A-Za-z0-9._-]{1,64}$")
# The actions each kind of item offers, and the role they need.
ACTIONS: dict[str, tuple[tuple[str, Action], ...]] = {
    "access_overdue": (("retry", Action.OPERATE), ("closed-by-hand", Action.ADMINISTER)),
    "access_revoke": (("retry", Action.OPERATE), ("closed-by-hand", Action.ADMINISTER)),
    "access_grant": (("retry", Action.OPERATE),),
    "revocation_held": (("release", Action.ADMINISTER), ("reject", Action.ADMINISTER)),
}


def section(page: Page, items: list[AttentionItem]) -> list[dict[str, Any]]:
    """The items as the Today page shows them, with the actions this person may take."""
    t, tz = page.t, "UTC"
    shown = []
    for item in items:
        actions = [name for name, needs in ACTIONS.get(item.kind, ()) if page.can(needs)]
        hold = item.hold_id or ""
        shown.append(
            {
                "name": item.name or item.assignment_id,
                "href": f"/assignments/{item.assignment_id}",
                "kind": t(f"attention_kind_{item.kind}"),
                "tone": "late" if item.kind in ("access_overdue", "revocation_held") else "wait",
                "since": t("attention_since", when=t.datetime(item.since, tz)),
                "detail": item.detail,
                "actions": [
                    {
                        "label": t(f"attention_{name.replace('-', '_')}"),
                        "action": f"/attention/holds/{hold}/{name}"
                        if name in ("release", "reject")
                        else f"/attention/{item.assignment_id}/{name}",
                    }
                    for name in actions
                ],
            }
        )
    return shown


def reconciliation(page: Page, latest: dict[str, Any] | None) -> dict[str, Any]:
    """The line on the last access reconciliation, and whether this person may start one."""
    t = page.t
    if latest is None:
        words = t("reconcile_never")
    elif latest["finished_at"] is None:
        words = t(
            "reconcile_running",
            checked=t.number(latest["checked"]),
            drift=t.number(latest["drift"]),
        )
    else:
        when = t.datetime(page.clock.to_assignment_time(latest["finished_at"]), "UTC")
        words = t(
            "reconcile_done",
            when=when,
            checked=t.number(latest["checked"]),
            drift=t.number(latest["drift"]),
            corrected=t.number(latest["corrected"]),
        )
    return {"words": words, "may_start": page.can(Action.ADMINISTER)}


def _origin(form: FormPost) -> Origin:
    return Origin(form.page.actor)


async def _act(form: FormPost, change: Any, flash: str) -> Response:
    try:
        await change
    except Problem as exc:
        raise PageError(exc.status, "refused_title", "refused_lead", reason=exc.detail) from exc
    return form.page.redirect("/#attention", flash=flash)


async def _assignment(assignment_id: str, page: Page) -> None:
    await check_id(assignment_id, page)


@router.post("/attention/{assignment_id}/retry")
async def retry(assignment_id: str, form: SignedInForm, lifecycle: Lifecycle) -> Response:
    await _assignment(assignment_id, form.page)
    form.page.require(Action.OPERATE)
    return await _act(
        form, lifecycle.retry_access(assignment_id, _origin(form)), "flash_access_retry"
    )


@router.post("/attention/{assignment_id}/closed-by-hand")
async def closed_by_hand(assignment_id: str, form: SignedInForm, lifecycle: Lifecycle) -> Response:
    await _assignment(assignment_id, form.page)
    form.page.require(Action.ADMINISTER)
    change = lifecycle.close_access_by_hand(assignment_id, _origin(form))
    return await _act(form, change, "flash_access_by_hand")


@router.post("/attention/holds/{hold_id}/{decision}")
async def decide_hold(
    hold_id: str, decision: str, form: SignedInForm, lifecycle: Lifecycle
) -> Response:
    if not HOLD_ID.fullmatch(hold_id) or decision not in ("release", "reject"):
        raise PageError(404, "not_found_title", "not_found_hold", id=hold_id)
    form.page.require(Action.ADMINISTER)
    release = decision == "release"
    change = lifecycle.decide_hold(hold_id, release, _origin(form))
    return await _act(form, change, "flash_hold_released" if release else "flash_hold_rejected")


@router.post("/attention/reconcile")
async def reconcile_now(form: SignedInForm, lifecycle: Lifecycle) -> Response:
    form.page.require(Action.ADMINISTER)
    return await _act(form, lifecycle.reconcile_now(), "flash_reconcile_started")
