"""GET /me/{token}: the freelancer's own page, one link away in every mail to them: where the
assignment stands, from the first mail to the last (issue "The freelancer's own page").

The link is the credential (core.tokens `make_personal_token`): signed, bound to one assignment
and a digest of the freelancer's address, open until a year after the last day. It shows that
person's own assignment and nothing else: a link whose address is no longer the assignment's
freelancer's, forged or cut, is "not valid" (404), one past its time "expired" (410). Nothing on
the page changes anything. It reads well on a phone, in the assignment's language.

What it says: why the assignment matters (its purpose); the first and last day; where the
renewal stands (the manager is asked to decide by …; renewed until …; ends on …); what comes
next; the people, with how to reach them; the tools and whether each is ready; after the end,
thanks and the feedback form if not yet given.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import AppClock, AppSettings, Db
from api.routes.linked import (
    browser_language,
    first_name,
    link_router,
    not_valid,
    opened,
    refused,
    render,
)
from api.ui.i18n import Translator
from core.tokens import TokenError, make_feedback_token, manager_digest, read_personal_token
from db import assignments, feedback
from workflows import policy
from workflows.types import CLOSED_PHASES, AccessStatus, AssignmentState, Phase

log = structlog.get_logger("api")

router = link_router("/me/{token}", "me")

NEXT_KINDS = ("onboarding", "start", "checkin", "development", "renewal_request", "offboarding")


def _renewal(t: Translator, s: AssignmentState) -> str:
    a = s.assignment
    manager = a.manager.name
    if s.pending_decision is not None:
        due = s.pending_decision.due.astimezone(policy.zone(a.timezone))
        return t("me.renewal_pending", manager=manager, due=t.date(due, weekday=True))
    if s.renewal_decision == "end" or s.terminated:
        return t("me.renewal_ends", end=t.date(a.end_date, weekday=True))
    if s.term > 1 and s.phase not in CLOSED_PHASES:
        return t("me.renewal_renewed", end=t.date(a.end_date, weekday=True), term=s.term)
    return t("me.renewal_later", manager=manager)


def _people(t: Translator, s: AssignmentState) -> list[dict[str, str]]:
    a = s.assignment
    people = [(t("me.role_manager"), a.manager)]
    if a.buddy:
        people.append((t("me.role_buddy"), a.buddy))
    if a.hr_contact:
        people.append((t("me.role_hr"), a.hr_contact))
    return [{"role": role, "name": p.name or p.email, "email": p.email} for role, p in people]


def _tools(t: Translator, s: AssignmentState) -> list[dict[str, str]]:
    status = {x.tool: x.status for x in s.access}
    words = {AccessStatus.GRANTED: "me.tool_ready", AccessStatus.REVOKED: "me.tool_closed"}
    return [
        {"tool": tool, "state": t(words.get(status.get(tool), "me.tool_pending"))}  # type: ignore[arg-type]
        for tool in s.assignment.tools
    ]


def _next(t: Translator, s: AssignmentState) -> str | None:
    n = s.next_transition
    if n is None or s.phase in CLOSED_PHASES:
        return None
    key = f"me.next_{n.kind}" if t.has(f"me.next_{n.kind}") else "me.next_other"
    day = n.at.astimezone(policy.zone(s.assignment.timezone))
    return t(key, day=t.date(day, weekday=True))


async def _page(token: str, request: Request, pool: Any, settings: Any, clock: Any) -> HTMLResponse:
    t = browser_language(request)
    try:
        claim = read_personal_token(token, settings.signing_key, clock.now())
    except TokenError as exc:
        log.info("personal link refused", reason=exc.reason)
        return refused(exc, t, "me")
    row = await assignments.get(pool, claim.assignment_id)
    state = AssignmentState.model_validate(row["state"]) if row else None
    # One person's own assignment: a link of another address shows nothing, not even that.
    if state is None or manager_digest(state.assignment.freelancer.email) != claim.person:
        return not_valid(t, "me")
    a, t = state.assignment, Translator(state.assignment.language)
    ended = state.phase in (Phase.OFFBOARDING, *CLOSED_PHASES)
    feedback_url = None
    if (
        ended
        and state.phase is not Phase.CANCELLED
        and await feedback.get(pool, a.assignment_id) is None
    ):
        key, until = settings.signing_key, claim.expires_at
        feedback_url = f"/feedback/{make_feedback_token(a.assignment_id, state.term, key, until)}"
    return render(
        200,
        "me/page.html.j2",
        t,
        title=t("me.title", first_name=first_name(a.freelancer.name), team=a.team),
        role=a.role,
        team=a.team,
        purpose=a.purpose.strip(),
        first_day=t.date(a.start_date, weekday=True),
        last_day=t.date(a.end_date, weekday=True),
        renewal=_renewal(t, state) if state.phase is not Phase.CANCELLED else None,
        next_step=_next(t, state),
        people=_people(t, state),
        tools=_tools(t, state),
        ended=ended,
        cancelled=state.phase is Phase.CANCELLED,
        feedback_url=feedback_url,
    )


@router.get("/me/{token}", response_class=HTMLResponse)
async def my_page(
    token: str, request: Request, pool: Db, settings: AppSettings, clock: AppClock
) -> HTMLResponse:
    return await opened(request, "me", lambda: _page(token, request, pool, settings, clock))


@router.api_route("/me/{rest:path}", methods=["GET", "POST"], response_class=HTMLResponse)
async def mangled_link(request: Request) -> HTMLResponse:
    return not_valid(browser_language(request), "me")
