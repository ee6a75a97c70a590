"""GET /audit: the audit trail of people, for admins (db.audit): who did what, newest first,
filtered by who, by assignment and from a day on; 100 a page, then "Older"."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response

from api.auth import Action
from api.ui.pages import SignedInPage
from db import audit
from workflows.types import ASSIGNMENT_ID_PATTERN

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100


@router.get("/audit")
async def audit_page(page: SignedInPage) -> Response:
    page.require(Action.ADMINISTER)
    query, t = page.request.query_params, page.t
    form = {
        name: (query.get(name) or "").strip()[:300] for name in ("actor", "assignment_id", "since")
    }
    errors: dict[str, str] = {}
    since: datetime | None = None
    if form["since"]:
        try:
            since = datetime.combine(
                date.fromisoformat(form["since"]), time(), page.clock.now().tzinfo
            )
        except ValueError:
            errors["since"] = t("error_date")
    if form["assignment_id"] and not re.fullmatch(ASSIGNMENT_ID_PATTERN, form["assignment_id"]):
        errors["assignment_id"] = t("audit_error_id")
    before = query.get("before")
    found: list[dict[str, Any]] = []
    if not errors:
        found = await audit.entries(
            page.request.app.state.pool,
            actor=form["actor"] or None,
            assignment_id=form["assignment_id"] or None,
            since=since,
            before=int(before) if before and before.isdigit() else None,
            limit=PAGE_SIZE,
        )
    rows = [
        {
            "at": t.datetime(e["at"], "UTC"),
            "actor": e["actor"],
            "action": t(f"audit_action_{e['action']}")
            if t.has(f"audit_action_{e['action']}")
            else e["action"],
            "assignment_id": e["assignment_id"],
            "detail": ", ".join(f"{k}: {_value(v)}" for k, v in e["detail"].items()),
        }
        for e in found
    ]
    older = None
    if len(found) == PAGE_SIZE:
        kept = {k: v for k, v in form.items() if v} | {"before": str(found[-1]["id"])}
        older = f"/audit?{urlencode(kept)}"
    return page.render(
        "ui/audit.html",
        status=422 if errors else 200,
        nav="audit",
        form=form,
        errors=errors,
        rows=rows,
        older=older,
        filtered=any(form.values()),
    )


def _value(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
