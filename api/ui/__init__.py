"""The operator UI: server-rendered pages (Jinja2) for people, served by the API process.

    /signin, /signout, /language/{code}   api/ui/signin.py
    /signin/oidc, /signin/oidc/callback   api/ui/oidc.py         (the company's identity)
    /                                     api/ui/today.py        (the Today page)
    /assignments, /assignments/{id}       api/ui/assignments.py
    POST /assignments/{id}/…              api/ui/actions.py      (decisions, tasks, changes)
    /engagement                           api/ui/engagement.py   (the dashboard)
    /audit                                api/ui/audit.py        (the audit trail, admins)
    /keys, POST /keys/{id}/revoke         api/ui/keys.py         (API keys, admins)
    /static/…                             api/static/ (CSS, small scripts)

What every page shares (session, CSRF, language, the base layout) is in api/ui/pages.py; the
words are in the gettext catalogues of locale/ (en, nl, fr). No front-end build step: plain CSS
and small scripts, and every page works without them.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.ui import (
    actions,
    assignments,
    attention,
    audit,
    engagement,
    keys,
    oidc,
    pages,
    signin,
    today,
)

ROUTERS = (
    signin.router,
    oidc.router,
    today.router,
    attention.router,
    assignments.router,
    actions.router,
    engagement.router,
    audit.router,
    keys.router,
)


def install(app: FastAPI) -> None:
    """Mounts the static files and includes the UI's routes (none of them is in the OpenAPI
    document)."""
    pages.install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
