"""The actions people take on the assignment page: forms that call the Lifecycle service.

    POST /assignments/{id}/decision                     operator, admin: renew or end
    POST /assignments/{id}/tasks/{task_id}/done         operator, admin: a task is done
    POST /assignments/{id}/extension                    admin (contract change): extend
    POST /assignments/{id}/termination                  admin (contract change): end early
    POST /assignments/{id}/cancellation                 admin (contract change): cancel

Every action is the API's: the same input schema (api/schemas/) and the same change of the
Lifecycle service (api/lifecycle.py), with its checks. The form's own checks only say early what
a field lacks. A refusal (409, 422, …) re-renders the page with its reason next to the form and
that status; a success redirects back (303) with a flash. The roles are the contract's
(api/auth.py): a viewer sees no forms, and the server refuses the actions anyway (403 page).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError

from api.auth import Action
from api.deps import Lifecycle
from api.lifecycle import Origin
from api.problems import Problem, field_errors
from api.schemas import (
    TASK_ID_PATTERN,
    CancellationCreate,
    ExtensionCreate,
    RenewalDecisionCreate,
    TerminationCreate,
)
from api.ui.assignments import REASON_LIMIT, FormState, check_id, parse_date, render
from api.ui.pages import FormPost, PageError, SignedInForm
from db import assignments

router = APIRouter(include_in_schema=False)


def _origin(form: FormPost) -> Origin:
    return Origin(form.page.actor)


def _required(form: FormPost, state: FormState, name: str) -> str:
    value = form.get(name)
    state.values[name] = value
    if not value:
        state.errors[name] = form.page.t("error_required")
    elif len(value) > REASON_LIMIT:
        state.errors[name] = form.page.t("error_too_long", limit=REASON_LIMIT)
    return value


def _optional(form: FormPost, state: FormState, name: str) -> str | None:
    value = form.get(name).replace("\r\n", "\n")
    state.values[name] = value
    if len(value) > REASON_LIMIT:
        state.errors[name] = form.page.t("error_too_long", limit=REASON_LIMIT)
    return value or None


def _date(form: FormPost, state: FormState, name: str) -> date | None:
    text = form.get(name)
    state.values[name] = text
    if not text:
        state.errors[name] = form.page.t("error_required")
        return None
    day = parse_date(text)
    if day is None:
        state.errors[name] = form.page.t("error_date")
    return day


async def _apply(
    form: FormPost,
    lifecycle: Lifecycle,
    assignment_id: str,
    state: FormState,
    change: Callable[[], Awaitable[Any]],
    *,
    success: str,
    section: str = "main",
) -> Response:
    """Runs `change` (a change of the Lifecycle); a refusal re-renders the page with its reason."""
    page = form.page
    if state.errors:
        return await render(page, lifecycle, assignment_id, status=422, form=state)
    try:
        await change()
    except ValidationError as exc:  # the API's schema refused what the form checks let through
        for error in field_errors(exc.errors()):
            state.errors[error.field] = error.message
        return await render(page, lifecycle, assignment_id, status=422, form=state)
    except Problem as exc:
        if (
            exc.status == 404
            and await assignments.get(page.request.app.state.pool, assignment_id) is None
        ):
            raise PageError(
                404, "not_found_title", "not_found_assignment", id=assignment_id
            ) from exc
        fields = [e for e in exc.errors if e.field in state.values]
        if fields:
            for error in fields:
                state.errors[error.field] = error.message
        else:
            state.refusal = exc.detail or exc.title
        return await render(page, lifecycle, assignment_id, status=exc.status, form=state)
    # Back to the page, at the flash (or at the section, whose new state says it all).
    return page.redirect(f"/assignments/{assignment_id}#{section}", flash=success)


@router.post("/assignments/{assignment_id}/decision")
async def decide_renewal(assignment_id: str, form: SignedInForm, lifecycle: Lifecycle) -> Response:
    page = form.page
    await check_id(assignment_id, page)
    page.require(Action.OPERATE)
    state = FormState(name="decision")
    decision = form.get("decision")
    state.values["decision"] = decision
    if decision not in ("renew", "end"):
        state.errors["decision"] = page.t("error_choose_decision")
    new_end = _date(form, state, "new_end_date") if decision == "renew" else None
    if decision != "renew":
        state.values["new_end_date"] = form.get("new_end_date")
    note = _optional(form, state, "note")

    async def change() -> None:
        body = RenewalDecisionCreate(decision=decision, new_end_date=new_end, note=note)  # type: ignore[arg-type]
        await lifecycle.decide_renewal(assignment_id, body, _origin(form))

    return await _apply(
        form, lifecycle, assignment_id, state, change, success=f"flash_decided_{decision}"
    )


@router.post("/assignments/{assignment_id}/tasks/{task_id}/done")
async def complete_task(
    assignment_id: str, task_id: str, form: SignedInForm, lifecycle: Lifecycle
) -> Response:
    page = form.page
    await check_id(assignment_id, page)
    page.require(Action.OPERATE)
    state = FormState(name="task", task_id=task_id)
    if not re.fullmatch(TASK_ID_PATTERN, task_id):
        state.refusal = f"no task {task_id!r} on this assignment"
        return await render(page, lifecycle, assignment_id, status=404, form=state)

    async def change() -> None:
        await lifecycle.complete_task(assignment_id, task_id, _origin(form))

    return await _apply(
        form, lifecycle, assignment_id, state, change, success="flash_task_done", section="tasks"
    )


@router.post("/assignments/{assignment_id}/extension")
async def extend(assignment_id: str, form: SignedInForm, lifecycle: Lifecycle) -> Response:
    page = form.page
    await check_id(assignment_id, page)
    page.require(Action.CHANGE_CONTRACT)
    state = FormState(name="extend")
    new_end = _date(form, state, "new_end_date")
    reason = _optional(form, state, "reason")

    async def change() -> None:
        body = ExtensionCreate(new_end_date=new_end, reason=reason)  # type: ignore[arg-type]
        await lifecycle.extend(assignment_id, body, _origin(form))

    return await _apply(form, lifecycle, assignment_id, state, change, success="flash_extended")


@router.post("/assignments/{assignment_id}/termination")
async def terminate(assignment_id: str, form: SignedInForm, lifecycle: Lifecycle) -> Response:
    page = form.page
    await check_id(assignment_id, page)
    page.require(Action.CHANGE_CONTRACT)
    state = FormState(name="terminate")
    effective = _date(form, state, "effective_date")
    reason = _required(form, state, "reason")

    async def change() -> None:
        body = TerminationCreate(effective_date=effective, reason=reason)  # type: ignore[arg-type]
        await lifecycle.terminate(assignment_id, body, _origin(form))

    return await _apply(form, lifecycle, assignment_id, state, change, success="flash_terminated")


@router.post("/assignments/{assignment_id}/cancellation")
async def cancel(assignment_id: str, form: SignedInForm, lifecycle: Lifecycle) -> Response:
    page = form.page
    await check_id(assignment_id, page)
    page.require(Action.CHANGE_CONTRACT)
    state = FormState(name="cancel")
    reason = _required(form, state, "reason")

    async def change() -> None:
        await lifecycle.cancel(assignment_id, CancellationCreate(reason=reason), _origin(form))

    return await _apply(form, lifecycle, assignment_id, state, change, success="flash_cancelled")
