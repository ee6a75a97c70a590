"""GET /: the Today page, the operator UI's home.

What needs someone today: first what the engine cannot do alone (effects that keep failing,
revocations held by the guard: api/ui/attention.py), then four sections, most pressing first:
renewal decisions due (the freelancer waits to hear), tasks past due, who starts in the next 14
days (is their access ready?), and who leaves in the next 30 days (did their exit feedback come
in?). The numbers come from db.today at the deployment clock's today, so a demo at a compressed
clock sees its own day. Each section shows its first rows; `?all=<section>` shows up to
ALL_LIMIT of that one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import Response

from api.ui import attention
from api.ui.i18n import Translator
from api.ui.pages import SignedInPage
from core.policies import PolicyBook
from db import today as today_model
from workflows import checklists
from workflows.types import Policy

router = APIRouter(include_in_schema=False)

SECTIONS = ("renewals", "tasks", "starting", "leaving")
LIMIT = 6
ALL_LIMIT = 100
TASKS_SHOWN = 2  # titles of late tasks shown per person; the rest as a count


@router.get("/")
async def today(page: SignedInPage) -> Response:
    expanded = page.request.query_params.get("all")
    if expanded not in SECTIONS:
        expanded = None
    clock = page.request.app.state.clock
    day = clock.today()
    found = await today_model.today(
        page.request.app.state.pool,
        day,
        limit=ALL_LIMIT if expanded else LIMIT,
        now=clock.now(),
        scope=page.scope,
    )
    if expanded:  # the other sections keep their first rows
        found = _trim(found, keep=expanded)
    t = page.t
    lifecycle = page.request.app.state.lifecycle
    book = page.settings.policy_book
    # What needs an admin spans every team: shown to those who see every assignment.
    everything = page.scope.everything
    needing = (
        attention.section(page, await lifecycle.attention(limit=ALL_LIMIT)) if everything else []
    )
    latest = await lifecycle.latest_reconciliation() if everything else None
    sections = {
        "renewals": _section(found.renewals, [_renewal(t, r) for r in found.renewals.items]),
        "tasks": _section(found.tasks, [_tasks(t, r) for r in found.tasks.items]),
        "starting": _section(found.starting, [_starting(t, s, book) for s in found.starting.items]),
        "leaving": _section(found.leaving, [_leaving(t, x) for x in found.leaving.items]),
    }
    return page.render(
        "ui/today.html",
        nav="today",
        day=t.date(day, weekday=True),
        sections=sections,
        order=SECTIONS,
        expanded=expanded,
        open_tasks=found.open_tasks,
        overdue=sum(1 for r in found.renewals.items if r.overdue),
        attention=needing,
        reconciliation=attention.reconciliation(page, latest),
        all_clear=not needing and not any(s["total"] for s in sections.values()),
    )


def _trim(found: today_model.Today, *, keep: str) -> today_model.Today:
    def first(name: str) -> Any:
        section = getattr(found, name)
        if name == keep:
            return section
        return today_model.Section(section.items[:LIMIT], section.total)

    return today_model.Today(
        today=found.today,
        renewals=first("renewals"),
        starting=first("starting"),
        leaving=first("leaving"),
        tasks=first("tasks"),
        open_tasks=found.open_tasks,
    )


def _section(section: today_model.Section[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": section.total, "more": section.more}


def relative(t: Translator, days: int) -> str:
    """today / tomorrow / in 5 days / yesterday / 3 days ago."""
    if days == 0:
        return t("today_rel_today")
    if days == 1:
        return t("today_rel_tomorrow")
    if days == -1:
        return t("today_rel_yesterday")
    if days > 0:
        return t.plural("today_rel_in", days)
    return t.plural("today_rel_ago", -days)


def _who(row: Any) -> dict[str, Any]:
    """What every item has (a template reads each key, present or None)."""
    return {
        "id": row.assignment_id,
        "name": row.freelancer_name,
        "sub": " · ".join(x for x in (getattr(row, "role", ""), row.team) if x),
        "href": f"/assignments/{row.assignment_id}",
        "detail": None,
        "manager": None,
        "status": None,
        "tasks": [],
        "tasks_more": None,
    }


def _renewal(t: Translator, r: today_model.RenewalDue) -> dict[str, Any]:
    due = r.due.astimezone(ZoneInfo(r.timezone))
    if r.overdue:
        tone, when = "late", t("today_overdue")
    elif r.urgent:
        tone, when = "soon", relative(t, r.days_left)
    else:
        tone, when = "calm", relative(t, r.days_left)
    return {
        **_who(r),
        "href": f"/assignments/{r.assignment_id}#decision",
        "detail": t("today_decide_by", date=t.date(due, weekday=True)),
        "manager": t("today_asked_of", manager=r.manager_name),
        "tone": tone,
        "when": when,
        "overdue": r.overdue,
    }


def _starting(t: Translator, s: today_model.Starting, book: PolicyBook) -> dict[str, Any]:
    # Access is granted at the onboarding, its policy's lead time before the start.
    lead = (book.policies.get(s.policy) or Policy()).onboarding_lead_days
    if s.tools == 0:
        access = ("neutral", t("today_access_no_tools"))
    elif s.access_ready:
        access = ("good", t("today_access_ready"))
    elif s.phase == "scheduled" and s.days_until > lead:
        granted_on = s.start_date - timedelta(days=lead)
        access = ("neutral", t("today_access_planned", date=t.date(granted_on)))
    else:
        access = ("bad", t("today_access_missing", granted=s.granted, tools=s.tools))
    return {
        **_who(s),
        "detail": t("today_starts_on", date=t.date(s.start_date, weekday=True)),
        "when": relative(t, s.days_until),
        "tone": "calm",
        "status": access,
    }


def _leaving(t: Translator, x: today_model.Leaving) -> dict[str, Any]:
    if x.feedback_received:
        feedback = ("good", t("today_feedback_received"))
    elif x.phase == "offboarding":
        feedback = ("wait", t("today_feedback_awaited"))
    else:
        feedback = ("neutral", t("today_feedback_later"))
    return {
        **_who(x),
        "detail": t("today_last_day", date=t.date(x.end_date, weekday=True)),
        "when": relative(t, x.days_until),
        "tone": "calm",
        "status": feedback,
    }


def _tasks(t: Translator, r: today_model.TasksDue) -> dict[str, Any]:
    titles = [checklists.title(x.task_id, t.language, x.title, x.titles) for x in r.tasks]
    return {
        **_who(r),
        "sub": r.team,
        "detail": t("today_task_due", date=t.date(r.oldest_due, weekday=True)),
        "tasks": titles[:TASKS_SHOWN],
        "tasks_more": t.plural("today_tasks_more", len(titles) - TASKS_SHOWN)
        if len(titles) > TASKS_SHOWN
        else None,
        "when": t.plural("today_late", r.days_overdue),
        "tone": "late",
    }
