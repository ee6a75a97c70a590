"""GET/POST /feedback/{token}: the exit-feedback form a leaving freelancer opens from the
`exit_feedback` mail (and its reminder).

The link is the only credential: a signed token (core.tokens) bound to one assignment, checked
against the deployment clock (assignment time, like the expiry the mail wrote into it), and used
once (db.feedback keys the answers by assignment and by token id, so a second submission, even a
racing one, writes nothing). There is no key, cookie or session a cross-site request could ride
on; the form posts back to its own link.

Answers are stored first and then told to the workflow as its `submit_feedback` update (with the
rating only: the words stay in PostgreSQL). A workflow that refuses (no longer offboarding) or has
closed does not lose them: the freelancer is thanked either way. A repeated POST tells the
workflow again under the same update id, so a first attempt that found Temporal unreachable is
made good without ever applying twice.

Every answer is an HTML page in the assignment's language (en, nl, fr; the browser's
Accept-Language when the assignment is unknown), with `Cache-Control: no-store`, no referrer and
a CSP that allows nothing but the page's own inline style:

    200 the form / thank you       404 link not valid (forged, malformed, unknown assignment)
    409 already answered           410 link expired
    422 the form again, with the errors and what was typed     503 could not store, try again

Neither the token nor the answers are ever logged. The request middleware logs the path, which
here is the token, so the route puts its template in the path's place before anything is logged.
These pages are not part of the JSON API's OpenAPI document.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog
from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import AppClock, AppSettings, Db, Lifecycle
from api.lifecycle import Origin
from api.problems import Problem
from api.routes.linked import (
    UNAVAILABLE,
    browser_language,
    form_fields,
    link_router,
    message_page,
    not_valid,
    refused,
    render,
)
from api.ui.i18n import FALLBACK, Translator
from core.clock import Clock
from core.tokens import FeedbackClaim, TokenError, read_feedback_token
from db import assignments, feedback

log = structlog.get_logger("api")

TEXT_LIMIT = 4000  # characters per free-text answer
RATINGS = ("1", "2", "3", "4", "5")
COME_BACK = ("yes", "maybe", "no")
TEXT_FIELDS = ("felt_part", "not_part")
# How long the freelancer waits for the workflow to take the feedback (answers are stored by then).
NOTIFY_TIMEOUT = 15.0


router = link_router("/feedback/{token}", "feedback")


# ------------------------------------------------------------------------------- the link


@dataclass(frozen=True)
class About:
    """Who the form speaks to, from the read model."""

    language: str
    first_name: str
    team: str
    manager: str


def _about(row: Any) -> About:
    a = row["state"].get("assignment", {})
    name = str(a.get("freelancer", {}).get("name") or "")
    words = name.split()
    return About(
        language=str(a.get("language") or FALLBACK),
        first_name=words[0] if words else name,
        team=str(a.get("team") or ""),
        manager=str(a.get("manager", {}).get("name") or ""),
    )


async def _open(
    token: str, request: Request, pool: asyncpg.Pool, signing_key: str, clock: Clock
) -> tuple[FeedbackClaim, About] | HTMLResponse:
    """The claim and its assignment, or the page that says why the link cannot be used."""
    t = browser_language(request)
    try:
        claim = read_feedback_token(token, signing_key, clock.now())
    except TokenError as exc:
        log.info("feedback link refused", reason=exc.reason)
        return refused(exc, t, "feedback")
    row = await assignments.get(pool, claim.assignment_id)
    if row is None:  # signed by us, yet no such assignment (a database restored from before)
        log.warning("feedback link for an unknown assignment", assignment_id=claim.assignment_id)
        return _invalid(t)
    return claim, _about(row)


def _invalid(t: Translator) -> HTMLResponse:
    return not_valid(t, "feedback")


def _already_answered(about: About) -> HTMLResponse:
    t = Translator(about.language)
    return message_page(409, t, t("feedback.used_title"), t("feedback.used_body"))


def _unavailable(request: Request, exc: BaseException) -> HTMLResponse:
    log.warning("feedback storage unavailable", error=type(exc).__name__)
    t = browser_language(request)
    response = message_page(503, t, t("feedback.unavailable_title"), t("feedback.unavailable_body"))
    response.headers["Retry-After"] = "60"
    return response


# ------------------------------------------------------------------------------- the form


def _blank() -> dict[str, Any]:
    return {"rating": "", "felt_part": "", "not_part": "", "come_back": "", "stay_in_touch": False}


def _form(
    about: About,
    *,
    status: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    t = Translator(about.language)
    return render(
        status,
        "feedback/form.html.j2",
        t,
        title=t("feedback.form_title"),
        first_name=about.first_name,
        team=about.team,
        values=values or _blank(),
        errors=errors or {},
        anchors={
            "rating": "rating-1",
            "felt_part": "felt_part",
            "not_part": "not_part",
            "come_back": "come_back-yes",
        },
        limit=TEXT_LIMIT,
    )


def _text(value: str | None) -> str:
    """A textarea's answer as typed: line breaks as `\\n` (a browser sends CRLF, and counts one
    character for each), without NUL (which PostgreSQL's jsonb cannot hold), trimmed."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return value.strip()


def _validate(fields: dict[str, str], t: Translator) -> tuple[dict[str, Any], dict[str, str]]:
    """What was sent, cleaned (to store, or to show again), and one error per invalid field in
    the form's order."""
    values: dict[str, Any] = {
        "rating": fields.get("rating", "").strip(),
        "felt_part": _text(fields.get("felt_part")),
        "not_part": _text(fields.get("not_part")),
        "come_back": fields.get("come_back", "").strip(),
        "stay_in_touch": bool(fields.get("stay_in_touch")),
    }
    errors: dict[str, str] = {}
    if values["rating"] not in RATINGS:
        errors["rating"] = t("feedback.error_rating")
    for name in TEXT_FIELDS:
        if len(values[name]) > TEXT_LIMIT:
            errors[name] = t("feedback.error_too_long", limit=TEXT_LIMIT, count=len(values[name]))
    if values["come_back"] and values["come_back"] not in COME_BACK:
        errors["come_back"] = t("feedback.error_come_back")
    return values, errors


def _thanks(about: About, stay_in_touch: bool) -> HTMLResponse:
    t = Translator(about.language)
    paragraphs = [t("feedback.thanks_body", team=about.team)]
    if stay_in_touch:
        paragraphs.append(t("feedback.thanks_alumni"))
    paragraphs.append(t("feedback.thanks_farewell"))
    signature = (
        t("feedback.signature", manager=about.manager, team=about.team) if about.manager else None
    )
    return message_page(
        200,
        t,
        t("feedback.thanks_title", first_name=about.first_name),
        *paragraphs,
        signature=signature,
    )


async def _tell_workflow(lifecycle: Lifecycle, claim: FeedbackClaim, rating: int | None) -> None:
    """Best effort: the answers are stored whatever the workflow says. One update id per term,
    so a repeat (a racing submission, a retry after an outage) never applies twice."""
    try:
        async with asyncio.timeout(NOTIFY_TIMEOUT):
            # One update id per term, so a repeat never applies twice.
            origin = Origin("freelancer", update_id=f"submit_feedback:t{claim.term}")
            await lifecycle.submit_feedback(claim.assignment_id, rating, origin)
    except Problem as exc:  # refused (no longer offboarding, already told), closed, unavailable
        log.info(
            "feedback kept without the workflow",
            assignment_id=claim.assignment_id,
            status=exc.status,
            reason=exc.detail,
        )
    except TimeoutError:
        log.warning("feedback kept; the workflow did not answer", assignment_id=claim.assignment_id)
    except Exception:
        log.exception(
            "feedback kept; telling the workflow failed", assignment_id=claim.assignment_id
        )


# ------------------------------------------------------------------------------- routes


@router.get("/feedback/{token}", response_class=HTMLResponse)
async def open_form(
    token: str, request: Request, pool: Db, settings: AppSettings, clock: AppClock
) -> HTMLResponse:
    try:
        opened = await _open(token, request, pool, settings.signing_key, clock)
        if isinstance(opened, HTMLResponse):
            return opened
        claim, about = opened
        if await feedback.is_used(pool, claim.assignment_id, claim.token_id):
            return _already_answered(about)
    except UNAVAILABLE as exc:
        return _unavailable(request, exc)
    return _form(about)


@router.post("/feedback/{token}", response_class=HTMLResponse)
async def submit(
    token: str,
    request: Request,
    pool: Db,
    settings: AppSettings,
    clock: AppClock,
    lifecycle: Lifecycle,
) -> HTMLResponse:
    try:
        opened = await _open(token, request, pool, settings.signing_key, clock)
        if isinstance(opened, HTMLResponse):
            return opened
        claim, about = opened
        if await feedback.is_used(pool, claim.assignment_id, claim.token_id):
            stored = await feedback.get(pool, claim.assignment_id)
            await _tell_workflow(lifecycle, claim, stored["rating"] if stored else None)
            return _already_answered(about)

        t = Translator(about.language)
        values, errors = _validate(
            form_fields(await request.body(), request.headers.get("content-type")), t
        )
        if errors:
            return _form(about, status=422, values=values, errors=errors)

        rating = int(values["rating"])
        inserted = await feedback.insert(
            pool,
            assignment_id=claim.assignment_id,
            token_id=claim.token_id,
            rating=rating,
            answers={
                "felt_part": values["felt_part"],
                "not_part": values["not_part"],
                "come_back": values["come_back"] or None,
                "stay_in_touch": values["stay_in_touch"],
                "language": t.language,
                "term": claim.term,
            },
            submitted_at=clock.now(),
        )
    except UNAVAILABLE as exc:
        return _unavailable(request, exc)
    if not inserted:  # a submission that raced this one got there first, and tells the workflow
        return _already_answered(about)
    log.info("exit feedback received", assignment_id=claim.assignment_id)
    await _tell_workflow(lifecycle, claim, rating)
    return _thanks(about, values["stay_in_touch"])


@router.api_route("/feedback/{rest:path}", methods=["GET", "POST"], response_class=HTMLResponse)
async def mangled_link(request: Request) -> HTMLResponse:
    """A link cut or extended on its way (a mail client that wrapped it): say so kindly."""
    return _invalid(browser_language(request))
