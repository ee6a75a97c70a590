"""The assignments list and the assignment page.

    GET  /assignments                                   the list: filters, order, "show more"
    GET  /assignments/{id}                              the page (#decision: the renewal form)

The actions are in api/ui/actions.py. The roles are the contract's (api/auth.py): a viewer
sees no forms, and the server refuses the actions anyway (403 page).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import Response

from api.auth import Action
from api.deps import Lifecycle
from api.schemas import (
    ASSIGNMENT_ID_PATTERN,
    AssignmentPublic,
    TimelineItem,
)
from api.schemas.outputs import TaskOut
from api.ui.i18n import Translator
from api.ui.pages import Page, PageError, SignedInPage
from db import assignments, feedback, mail
from workflows.types import CLOSED_PHASES, AssignmentState, Phase, Policy

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
PLANNED_SHOWN = 4  # planned steps shown on the timeline before "… more planned"
FILTER_LIMIT = 254
REASON_LIMIT = 2000
SORT_CHOICES = (
    "created-desc",
    "created-asc",
    "start-asc",
    "start-desc",
    "end-asc",
    "end-desc",
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Recorded timeline entries whose own words add to their title (a date, a note, a reason).
_DETAILED = frozenset(
    {
        "signed",
        "renewal",
        "extended",
        "terminated",
        "cancelled",
        "amended",
        "task",
        "offboarding",
        "invitations",
        "mail-failed",
        "access-failed",
    }
)
# … of which the words start with what the title says ("Renewal decided: renewed until …").
_PREFIXED = frozenset({"signed", "renewal", "task", "amended", "cancelled"})
_MAIL_TONES = {"sent": "good", "kept": "neutral", "pending": "wait", "failed": "bad"}
_ACCESS_TONES = {"granted": "good", "pending": "wait", "revoked": "neutral"}


# ---------------------------------------------------------------------------------- list


def _text_filter(value: str | None) -> str | None:
    value = (value or "").replace("\x00", "").strip()
    return value[:FILTER_LIMIT] or None


def parse_date(value: str) -> date | None:
    if not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _read_filters(
    query: Mapping[str, str], t: Translator
) -> tuple[dict[str, Any], dict[str, str], str, str]:
    """The list's filters from the query string: the filters, their errors, the sort choice and
    the end date as typed."""
    phase = query.get("phase") or None
    if phase not in {p.value for p in Phase}:
        phase = None
    sort_choice = query.get("sort") or SORT_CHOICES[0]
    if sort_choice not in SORT_CHOICES:
        sort_choice = SORT_CHOICES[0]
    filters: dict[str, Any] = {
        "phase": phase,
        "team": _text_filter(query.get("team")),
        "manager_email": _text_filter(query.get("manager_email")),
        "q": _text_filter(query.get("q")),
        "ending_before": None,
    }
    errors: dict[str, str] = {}
    ending_text = (query.get("ending_before") or "").strip()
    if ending_text:
        filters["ending_before"] = parse_date(ending_text)
        if filters["ending_before"] is None:
            errors["ending_before"] = t("invalid_filter_date")
    return filters, errors, sort_choice, ending_text


@router.get("/assignments")
async def list_assignments(page: SignedInPage, lifecycle: Lifecycle) -> Response:
    query = page.request.query_params
    t = page.t
    filters, errors, sort_choice, ending_text = _read_filters(query, t)
    sort, order = sort_choice.split("-")
    phase = filters["phase"]
    cursor = (query.get("cursor") or "").strip()[:512] or None
    stale = False
    try:
        items, next_cursor = await lifecycle.list_page(
            **filters, limit=PAGE_SIZE, cursor=cursor, sort=sort, order=order, scope=page.scope
        )
    except ValueError:  # a cursor of another order, or mangled: start from the first page
        stale, cursor = True, None
        items, next_cursor = await lifecycle.list_page(
            **filters, limit=PAGE_SIZE, sort=sort, order=order, scope=page.scope
        )

    form = {
        "q": filters["q"] or "",
        "phase": phase or "",
        "team": filters["team"] or "",
        "manager_email": filters["manager_email"] or "",
        "ending_before": ending_text,
        "sort": sort_choice,
    }
    kept = {k: v for k, v in form.items() if v and not (k == "sort" and v == SORT_CHOICES[0])}
    now = page.clock.now()
    return page.render(
        "ui/assignments.html",
        nav="assignments",
        form=form,
        errors=errors,
        filtered=any(k != "sort" for k in kept),
        more_filters=bool(form["team"] or form["manager_email"] or ending_text),
        rows=[_row(t, a, now) for a in items],
        next_url=f"/assignments?{urlencode({**kept, 'cursor': next_cursor})}"
        if next_cursor
        else None,
        first_url=f"/assignments?{urlencode(kept)}" if cursor else None,
        stale=stale,
        phases=[p.value for p in Phase],
        sort_choices=SORT_CHOICES,
    )


def _row(t: Translator, a: AssignmentPublic, now: datetime) -> dict[str, Any]:
    due = a.pending_decision.due if a.pending_decision else None
    return {
        "id": a.assignment_id,
        "name": a.freelancer.name,
        "role": a.role,
        "team": a.team,
        "manager": a.manager.name,
        "phase": a.phase.value,
        "dates": t("dates_range", start=t.date(a.start_date), end=t.date(a.end_date)),
        "due": t.date(due.astimezone(ZoneInfo(a.timezone))) if due else None,
        "overdue": bool(due and due < now),
    }


# ---------------------------------------------------------------------------------- page


@dataclass
class FormState:
    """What a re-rendered page shows of the form that was sent: which one, what was typed,
    the errors per field, and the lifecycle's reason for a refusal."""

    name: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    refusal: str | None = None
    task_id: str | None = None


async def check_id(assignment_id: str, page: Page) -> None:
    """A well-formed id of an assignment in the person's scope (db.scope); else 404, the same
    answer as for an assignment that does not exist, so a scope reveals nothing beyond it."""
    if not re.fullmatch(ASSIGNMENT_ID_PATTERN, assignment_id):
        raise PageError(404, "not_found_title", "not_found_assignment", id=assignment_id)
    scope = page.scope
    if scope.everything:
        return
    row = await assignments.get(page.request.app.state.pool, assignment_id)
    a = row["state"]["assignment"] if row else None
    if a is None or not scope.allows(a["manager"]["email"], a["team"]):
        raise PageError(404, "not_found_title", "not_found_assignment", id=assignment_id)


@router.get("/assignments/{assignment_id}")
async def assignment_page(assignment_id: str, page: SignedInPage, lifecycle: Lifecycle) -> Response:
    await check_id(assignment_id, page)
    return await render(page, lifecycle, assignment_id)


async def render(
    page: Page,
    lifecycle: Lifecycle,
    assignment_id: str,
    *,
    status: int = 200,
    form: FormState | None = None,
) -> Response:
    a = await lifecycle.load(assignment_id)
    if a is None:
        raise PageError(404, "not_found_title", "not_found_assignment", id=assignment_id)
    pool = page.request.app.state.pool
    items = await lifecycle.timeline(assignment_id) or []
    row = await assignments.get(pool, assignment_id)
    recorded = AssignmentState.model_validate(row["state"]) if row else None
    mails = await mail.list_for(pool, assignment_id)
    answers = await feedback.get(pool, assignment_id)

    t, tz, clock = page.t, a.timezone, page.clock
    now = clock.now()
    today = clock.today(tz)
    closed = a.phase in CLOSED_PHASES
    return page.render(
        "ui/assignment.html",
        status=status,
        nav="assignments",
        here=f"/assignments/{assignment_id}",
        a=a,
        tz=tz,
        today=today,
        closed=closed,
        facts=_facts(page, a, recorded),
        people=_people(a),
        **_split_timeline(_timeline(t, items, tz, now, closed)),
        task_groups=_tasks(t, a, tz, today),
        tasks_total=len(a.tasks),
        tasks_done=sum(1 for x in a.tasks if x.done),
        access=_access(t, a, tz),
        ledger_only=not page.settings.scim_url,
        mails=[_mail(t, m, clock, tz) for m in reversed(mails)],
        answers=_answers(t, answers, tz),
        show_feedback=answers is not None or a.phase == Phase.OFFBOARDING,
        decision=_decision(t, a, now),
        min_new_end=date.fromordinal(a.end_date.toordinal() + 1).isoformat(),
        can_operate=page.can(Action.OPERATE) and not closed,
        can_change=page.can(Action.CHANGE_CONTRACT) and not closed,
        may_extend=not (recorded and recorded.terminated),
        may_terminate=a.phase != Phase.OFFBOARDING,
        may_cancel=a.phase in (Phase.SCHEDULED, Phase.ONBOARDING) and today < a.start_date,
        form=form or FormState(),
    )


def _access(t: Translator, a: AssignmentPublic, tz: str) -> list[dict[str, Any]]:
    return [
        {
            "tool": x.tool,
            "status": t(f"access_{x.status}"),
            "tone": _ACCESS_TONES.get(x.status, "neutral"),
            "since": t.date(x.since.astimezone(ZoneInfo(tz))),
        }
        for x in a.access
    ]


def _decision(t: Translator, a: AssignmentPublic, now: datetime) -> dict[str, Any] | None:
    """The pending renewal decision: by when, and whether that has passed."""
    if a.pending_decision is None:
        return None
    due = a.pending_decision.due
    return {
        "due": t.date(due.astimezone(ZoneInfo(a.timezone))) if due else None,
        "overdue": bool(due and due < now),
    }


def _facts(page: Page, a: AssignmentPublic, recorded: AssignmentState | None) -> dict[str, Any]:
    t, tz = page.t, a.timezone
    nxt = a.next_transition
    if a.pending_decision:
        renewal = None  # the decision card says it all
    elif recorded and recorded.terminated:
        renewal = t("renewal_terminated")
    elif recorded and recorded.renewal_decision == "end":
        renewal = t("renewal_decided_end")
    elif a.phase in CLOSED_PHASES or a.phase == Phase.OFFBOARDING:
        renewal = None
    else:
        policy = page.settings.policy_book.policies.get(a.policy) or Policy()
        renewal = t("renewal_not_yet", days=policy.renewal_lead_days)
    return {
        "start": t.date(a.start_date, weekday=True),
        "end": t.date(a.end_date, weekday=True),
        "timezone": tz,
        "language": t(f"language_{a.language}") if t.has(f"language_{a.language}") else a.language,
        "next": (
            f"{_kind_title(t, nxt.kind, '')} · {t.datetime(nxt.at, tz)}" if nxt else t("next_none")
        ),
        "renewal": renewal,
        "tools": ", ".join(a.tools),
    }


def _people(a: AssignmentPublic) -> list[tuple[str, Any]]:
    people: list[tuple[str, Any]] = [("freelancer", a.freelancer), ("manager", a.manager)]
    if a.buddy:
        people.append(("buddy", a.buddy))
    if a.hr_contact:
        people.append(("hr", a.hr_contact))
    return people


def _kind_title(t: Translator, kind: str, summary: str) -> str:
    key = "kind_" + kind.replace("-", "_")
    return t(key) if t.has(key) else summary or kind.replace("_", " ").capitalize()


def _actor(t: Translator, actor: str) -> str | None:
    if not actor or actor == "system":
        return None
    if actor == "freelancer":
        return t("person_freelancer")
    role, _, name = actor.partition(":")
    if name and t.has(f"role_{role}"):
        return f"{name} ({t(f'role_{role}').lower()})"
    return actor


def _timeline(
    t: Translator, items: list[TimelineItem], tz: str, now: datetime, closed: bool
) -> list[dict[str, Any]]:
    shown: list[dict[str, Any]] = []
    marked = closed  # no "today" marker on a closed assignment: nothing is to come
    for item in items:
        if item.planned and not marked:
            shown.append(
                {
                    "now": True,
                    "title": t(
                        "timeline_now", date=t.date(now.astimezone(ZoneInfo(tz)), weekday=True)
                    ),
                }
            )
            marked = True
        detail = None
        if not item.planned and item.kind in _DETAILED:
            detail = item.summary
            if item.kind in _PREFIXED and ": " in detail:  # "Task done: X" under "Task done"
                rest = detail.split(": ", 1)[1]
                detail = rest[:1].upper() + rest[1:]
        by = _actor(t, item.actor) if not item.planned else None
        shown.append(
            {
                "now": False,
                "planned": item.planned,
                "when": t.datetime(item.at, tz),
                "iso": item.at.isoformat(),
                "title": _kind_title(t, item.kind, item.summary),
                "detail": detail,
                "by": t("timeline_by", actor=by) if by else None,
            }
        )
    if not marked:
        shown.append(
            {
                "now": True,
                "title": t("timeline_now", date=t.date(now.astimezone(ZoneInfo(tz)), weekday=True)),
            }
        )
    return shown


def _split_timeline(items: list[dict[str, Any]]) -> dict[str, Any]:
    """What happened and the next few planned steps; the later ones behind a disclosure."""
    planned = [i for i, item in enumerate(items) if item.get("planned")]
    if len(planned) <= PLANNED_SHOWN + 1:
        return {"timeline": items, "timeline_later": []}
    cut = planned[PLANNED_SHOWN]
    return {"timeline": items[:cut], "timeline_later": items[cut:]}


def _tasks(t: Translator, a: AssignmentPublic, tz: str, today: date) -> list[dict[str, Any]]:
    groups = []
    for phase in ("onboarding", "offboarding"):
        tasks = [x for x in a.tasks if x.phase == phase]
        if tasks:
            groups.append(
                {"title": t(f"tasks_{phase}"), "tasks": [_task(t, a, x, tz, today) for x in tasks]}
            )
    # Farewell tasks first once they exist: they are the ones to do now.
    return list(reversed(groups)) if len(groups) == 2 else groups


def _task(t: Translator, a: AssignmentPublic, x: TaskOut, tz: str, today: date) -> dict[str, Any]:
    """A task as the checklist shows it: done on which day; else whose it is, by when, and
    whether it is late (and who has been told)."""
    zone = ZoneInfo(tz)
    task: dict[str, Any] = {
        "id": x.task_id,
        "title": x.titles.get(t.language) or x.title,
        "done": x.done,
        "done_on": t("task_done_on", date=t.date(x.done_at.astimezone(zone)))
        if x.done and x.done_at
        else None,
        "late": not x.done and x.due_date is not None and x.due_date < today,
        "owner": None,
        "due": None,
        "told": None,
    }
    if x.done:
        return task
    owner = _owner(a, x.owner)
    role = t(f"person_{owner[0]}")
    task["owner"] = t("task_owner", role=role, name=owner[1]) if owner[1] else role
    if x.due_date is not None:
        task["due"] = t("task_due", date=t.date(x.due_date, weekday=True))
    if x.escalated_at is not None:
        task["told"] = t("task_escalated", date=t.date(x.escalated_at.astimezone(zone)))
    elif x.reminded_at is not None:
        task["told"] = t("task_reminded", date=t.date(x.reminded_at.astimezone(zone)))
    return task


def _owner(a: AssignmentPublic, owner: str) -> tuple[str, str]:
    """(role, name) of who does a task: the manager for a buddy or HR contact not named."""
    person = {
        "freelancer": a.freelancer,
        "buddy": a.buddy,
        "hr": a.hr_contact,
    }.get(owner, a.manager)
    if person is None:
        return ("hr", "") if owner == "hr" else ("manager", a.manager.name)
    return owner, person.name


def _mail(t: Translator, m: dict[str, Any], clock: Any, tz: str) -> dict[str, Any]:
    # Rows are stamped in real time; the page speaks in the deployment clock's time.
    at = clock.to_assignment_time(m.get("sent_at") or m["created_at"])
    status = str(m["status"])
    return {
        "subject": m["subject"],
        "to": ", ".join([*m["recipients"], *(m.get("cc") or [])]),
        "status": t(f"mail_status_{status}") if t.has(f"mail_status_{status}") else status,
        "tone": _MAIL_TONES.get(status, "neutral"),
        "when": t.datetime(at, tz),
        "body": m["body_text"],
        "calendar": bool(m.get("calendar")),
    }


def _answers(t: Translator, stored: dict[str, Any] | None, tz: str) -> dict[str, Any] | None:
    if stored is None:
        return None
    answers = stored.get("answers") or {}
    come_back = answers.get("come_back")
    return {
        "rating": stored.get("rating"),
        "felt_part": answers.get("felt_part") or None,
        "not_part": answers.get("not_part") or None,
        "come_back": t(f"feedback_come_back_{come_back}") if come_back else None,
        "stay_in_touch": bool(answers.get("stay_in_touch")),
        "received": t.date(stored["submitted_at"].astimezone(ZoneInfo(tz))),
    }
