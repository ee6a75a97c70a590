"""GET/POST /tasks/{token}: a manager marks one of their checklist tasks done, from the link in
the onboarding checklist, the offboarding checklist or a task reminder.

The link is the credential (core.tokens `make_task_token`): signed, bound to one assignment, one
task and a digest of the manager's address, and valid until the assignment would complete.
Opening it changes nothing (a mail scanner that follows links marks nothing done): the page names
the task and asks for confirmation, and only its POST marks it. The same link posted twice is the
same Update (its id is the token's). The timeline names the manager as the one who did it.

    200 the page / done      403 sent to another manager     404 link not valid
    409 already done         410 link expired                503 try again
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import structlog
from fastapi import Request
from fastapi.responses import HTMLResponse

from api.deps import AppClock, AppSettings, Db, Lifecycle
from api.lifecycle import Origin
from api.problems import Problem
from api.routes.linked import (
    browser_language,
    first_name,
    link_router,
    message_page,
    not_valid,
    opened,
    refused,
    render,
    try_again,
)
from api.ui.i18n import Translator
from core.clock import Clock
from core.tokens import TaskClaim, TokenError, manager_digest, read_task_token
from db import assignments
from workflows import checklists
from workflows.types import AssignmentState, Task

log = structlog.get_logger("api")

router = link_router("/tasks/{token}", "tasks")


@dataclass(frozen=True)
class Asked:
    """The task the link is for, as the read model has it."""

    claim: TaskClaim
    state: AssignmentState
    task: Task

    @property
    def t(self) -> Translator:
        return Translator(self.state.assignment.language)

    @property
    def title(self) -> str:
        task = self.task
        return checklists.title(task.task_id, self.t.language, task.title, task.titles)


async def _open(
    token: str, request: Request, pool: asyncpg.Pool, key: str, clock: Clock
) -> Asked | HTMLResponse:
    t = browser_language(request)
    try:
        claim = read_task_token(token, key, clock.now())
    except TokenError as exc:
        log.info("task link refused", reason=exc.reason)
        return refused(exc, t, "tasks")
    row = await assignments.get(pool, claim.assignment_id)
    state = AssignmentState.model_validate(row["state"]) if row else None
    task = next((x for x in state.tasks if x.task_id == claim.task_id), None) if state else None
    if state is None or task is None:
        log.warning("task link for an unknown task", assignment_id=claim.assignment_id)
        return not_valid(t, "tasks")
    asked = Asked(claim, state, task)
    manager = state.assignment.manager
    if manager_digest(manager.email) != claim.manager:
        return message_page(
            403, asked.t, asked.t("tasks.foreign_title"),
            asked.t("tasks.foreign_body", manager=manager.name),
        )  # fmt: skip
    if task.done:
        return _done_already(asked)
    return asked


def _done_already(asked: Asked) -> HTMLResponse:
    t = asked.t
    return message_page(409, t, t("tasks.already_title"), t("tasks.already_body", task=asked.title))


def _form(asked: Asked) -> HTMLResponse:
    t, a = asked.t, asked.state.assignment
    return render(
        200,
        "tasks/done.html.j2",
        t,
        title=t("tasks.title", task=asked.title),
        manager_first_name=first_name(a.manager.name),
        freelancer=a.freelancer.name,
        role=a.role,
        team=a.team,
        due=t.date(asked.task.due, weekday=True) if asked.task.due else None,
    )


@router.get("/tasks/{token}", response_class=HTMLResponse)
async def open_page(
    token: str, request: Request, pool: Db, settings: AppSettings, clock: AppClock
) -> HTMLResponse:
    found = await opened(
        request, "tasks", lambda: _open(token, request, pool, settings.signing_key, clock)
    )
    return found if isinstance(found, HTMLResponse) else _form(found)


@router.post("/tasks/{token}", response_class=HTMLResponse)
async def mark_done(
    token: str,
    request: Request,
    pool: Db,
    settings: AppSettings,
    clock: AppClock,
    lifecycle: Lifecycle,
) -> HTMLResponse:
    found = await opened(
        request, "tasks", lambda: _open(token, request, pool, settings.signing_key, clock)
    )
    if isinstance(found, HTMLResponse):
        return found
    asked, a = found, found.state.assignment
    origin = Origin(f"manager:{a.manager.name}", update_id=f"task:{asked.claim.token_id}")
    try:
        await lifecycle.complete_task(a.assignment_id, asked.task.task_id, origin)
    except Problem as exc:
        if exc.status == 409:
            return _done_already(asked)
        log.warning("task not marked done", assignment_id=a.assignment_id, status=exc.status)
        return try_again(asked.t, "tasks")
    log.info("task marked done from the mail", assignment_id=a.assignment_id)
    t = asked.t
    return message_page(
        200, t, t("tasks.done_title", name=first_name(a.manager.name)),
        t("tasks.done_body", task=asked.title, first_name=first_name(a.freelancer.name)),
        t("tasks.done_thanks"),
    )  # fmt: skip


@router.api_route("/tasks/{rest:path}", methods=["GET", "POST"], response_class=HTMLResponse)
async def mangled_link(request: Request) -> HTMLResponse:
    """A link cut or extended on its way: say so kindly."""
    return not_valid(browser_language(request), "tasks")
