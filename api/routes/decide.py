"""GET/POST /decide/{token}: the manager's renewal decision, from the link in the renewal request,
its reminder and its escalation (the contract's section 6, "Decisions from the mail").

The link is the credential (core.tokens `make_decision_token`): signed, bound to one assignment,
one term, the moment that decision was asked and a digest of the manager's address, and valid
until the decision's deadline. Opening it decides nothing (a mail scanner that follows links
changes nothing): the page shows the assignment and asks for confirmation, and only its POST
decides. The link dies when the decision is taken, whichever way (the read model no longer has
that pending decision), and when the assignment's manager changes; a second POST of the same
link is the same Update (its id is the token's), so a double click never decides twice. The
timeline names the manager as the one who decided.

Every answer is a page in the assignment's language (api.routes.linked):

    200 the page / done           403 sent to another manager     404 link not valid
    409 already decided           410 link expired                422 the page again, with
    503 could not reach the engine, try again                         the errors
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
import structlog
from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.deps import AppClock, AppSettings, Db, Lifecycle
from api.lifecycle import Origin
from api.problems import Problem
from api.routes.linked import (
    browser_language,
    first_name,
    form_fields,
    link_router,
    message_page,
    not_valid,
    opened,
    refused,
    render,
    try_again,
)
from api.schemas import AssignmentPublic, RenewalDecisionCreate
from api.ui.i18n import Translator
from core.clock import Clock
from core.tokens import DecisionClaim, TokenError, manager_digest, read_decision_token
from db import assignments
from workflows import policy
from workflows.types import MAX_TERM_DAYS, AssignmentState

log = structlog.get_logger("api")

NOTE_LIMIT = 2000  # characters of the word for the freelancer (the API's limit)


router = link_router("/decide/{token}", "decide")


@dataclass(frozen=True)
class Pending:
    """The decision the link is for, as the read model has it."""

    claim: DecisionClaim
    state: AssignmentState

    @property
    def t(self) -> Translator:
        return Translator(self.state.assignment.language)

    def proposed_end(self) -> date:
        """The renewal the page proposes: a term as long as this one."""
        a = self.state.assignment
        length = (a.end_date - (self.state.term_start or a.start_date)).days + 1
        return a.end_date + timedelta(days=max(1, min(length, MAX_TERM_DAYS)))


async def _open(
    token: str, request: Request, pool: asyncpg.Pool, key: str, clock: Clock
) -> Pending | HTMLResponse:
    """The pending decision the link is for, or the page that says why it cannot be used."""
    t = browser_language(request)
    try:
        claim = read_decision_token(token, key, clock.now())
    except TokenError as exc:
        log.info("decision link refused", reason=exc.reason)
        return refused(exc, t, "decide")
    row = await assignments.get(pool, claim.assignment_id)
    if row is None:
        log.warning("decision link for an unknown assignment", assignment_id=claim.assignment_id)
        return _invalid(t)
    pending = Pending(claim, AssignmentState.model_validate(row["state"]))
    s, t = pending.state, pending.t
    if manager_digest(s.assignment.manager.email) != claim.manager:
        log.info("decision link of another manager", assignment_id=claim.assignment_id)
        return message_page(
            403, t, t("decide.foreign_title"), t("decide.foreign_body", manager=_name(s))
        )
    asked = s.pending_decision.requested_at if s.pending_decision else None
    if s.term != claim.term or asked is None or int(asked.timestamp()) != claim.asked:
        return _taken(pending)
    return pending


def _name(state: AssignmentState) -> str:
    return state.assignment.manager.name


def _invalid(t: Translator) -> HTMLResponse:
    return not_valid(t, "decide")


def _taken(pending: Pending) -> HTMLResponse:
    """The decision is no longer asked: taken (here, in the UI, by the API) or overtaken."""
    s, t = pending.state, pending.t
    return message_page(
        409,
        t,
        t("decide.taken_title"),
        t(
            "decide.taken_body",
            freelancer=s.assignment.freelancer.name,
            end=t.date(s.assignment.end_date, weekday=True),
        ),
    )


def _form(
    pending: Pending,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    s, t = pending.state, pending.t
    a = s.assignment
    due = pending.claim.expires_at.astimezone(policy.zone(a.timezone))
    return render(
        status,
        "decide/form.html.j2",
        t,
        title=t("decide.title", freelancer=a.freelancer.name),
        manager_first_name=first_name(a.manager.name),
        freelancer=a.freelancer.name,
        first_name=first_name(a.freelancer.name),
        role=a.role,
        team=a.team,
        end=t.date(a.end_date, weekday=True),
        due=t.date(due, weekday=True),
        values=values or {"decision": "", "new_end_date": pending.proposed_end().isoformat()},
        errors=errors or {},
        limit=NOTE_LIMIT,
    )


def _read(
    fields: dict[str, str], pending: Pending, today: date
) -> tuple[dict[str, str], dict[str, str]]:
    """What was sent (to show again) and one error per invalid field."""
    t = pending.t
    values = {
        "decision": fields.get("decision", "").strip(),
        "new_end_date": fields.get("new_end_date", "").strip(),
        "note": fields.get("note", "").replace("\r\n", "\n").replace("\x00", "").strip(),
    }
    errors: dict[str, str] = {}
    if values["decision"] not in ("renew", "end"):
        errors["decision"] = t("decide.error_decision")
    if values["decision"] == "renew":
        try:
            new_end = date.fromisoformat(values["new_end_date"])
        except ValueError:
            errors["new_end_date"] = t("decide.error_date")
        else:
            latest = today + timedelta(days=MAX_TERM_DAYS)  # workflows.rules: at most a term ahead
            if new_end <= pending.state.assignment.end_date:
                errors["new_end_date"] = t(
                    "decide.error_after", end=t.date(pending.state.assignment.end_date)
                )
            elif new_end > latest:
                errors["new_end_date"] = t("decide.error_too_far", latest=t.date(latest))
    if len(values["note"]) > NOTE_LIMIT:
        errors["note"] = t("decide.error_too_long", limit=NOTE_LIMIT)
    return values, errors


def _done(pending: Pending, decided: AssignmentPublic) -> HTMLResponse:
    """What was decided, as the workflow answered: the same for a link posted twice at once
    (one Update; the second caller gets the first one's outcome)."""
    t, a = pending.t, pending.state.assignment
    freelancer, end = first_name(a.freelancer.name), t.date(decided.end_date, weekday=True)
    if decided.term > pending.claim.term:
        body = t("decide.done_renewed", first_name=freelancer, end=end)
    else:
        body = t("decide.done_ended", first_name=freelancer, end=end)
    title = t("decide.done_title", name=first_name(a.manager.name))
    return message_page(200, t, title, body, t("decide.done_thanks"))


# ------------------------------------------------------------------------------- routes


@router.get("/decide/{token}", response_class=HTMLResponse)
async def open_page(
    token: str, request: Request, pool: Db, settings: AppSettings, clock: AppClock
) -> HTMLResponse:
    found = await opened(
        request, "decide", lambda: _open(token, request, pool, settings.signing_key, clock)
    )
    return found if isinstance(found, HTMLResponse) else _form(found)


@router.post("/decide/{token}", response_class=HTMLResponse)
async def decide(
    token: str,
    request: Request,
    pool: Db,
    settings: AppSettings,
    clock: AppClock,
    lifecycle: Lifecycle,
) -> HTMLResponse:
    found = await opened(
        request, "decide", lambda: _open(token, request, pool, settings.signing_key, clock)
    )
    if isinstance(found, HTMLResponse):
        return found
    pending = found
    fields = form_fields(await request.body(), request.headers.get("content-type"))
    today = clock.today(pending.state.assignment.timezone)
    values, errors = _read(fields, pending, today)
    if errors:
        return _form(pending, status=422, values=values, errors=errors)
    decision = values["decision"]
    new_end = date.fromisoformat(values["new_end_date"]) if decision == "renew" else None
    try:
        body = RenewalDecisionCreate(
            decision=decision,  # type: ignore[arg-type]
            new_end_date=new_end,
            note=values["note"] or None,
        )
    except ValidationError as exc:
        first: dict[str, Any] = dict(exc.errors()[0])
        field = str(first["loc"][0]) if first.get("loc") else "note"
        return _form(pending, status=422, values=values, errors={field: str(first["msg"])})
    # The manager, by name, decides; the same link posted twice is the same Update.
    actor = f"manager:{_name(pending.state)}"
    origin = Origin(actor, update_id=f"decide:{pending.claim.token_id}")
    try:
        decided = await lifecycle.decide_renewal(pending.claim.assignment_id, body, origin)
    except Problem as exc:
        if exc.status == 409:
            return _taken(pending)
        if exc.status == 422:
            reason = (exc.detail or "").removeprefix("new_end_date: ")
            problem = {"new_end_date": reason or pending.t("decide.error_date")}
            return _form(pending, status=422, values=values, errors=problem)
        log.warning("decision not taken", assignment_id=pending.claim.assignment_id,
                    status=exc.status)  # fmt: skip
        return try_again(pending.t, "decide")
    log.info("renewal decided from the mail", assignment_id=pending.claim.assignment_id)
    return _done(pending, decided)


@router.api_route("/decide/{rest:path}", methods=["GET", "POST"], response_class=HTMLResponse)
async def mangled_link(request: Request) -> HTMLResponse:
    """A link cut or extended on its way (a mail client that wrapped it): say so kindly."""
    return _invalid(browser_language(request))
