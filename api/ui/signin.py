"""Signing in with an API key, signing out, and the language switcher.

    GET  /signin             the form (a signed-in visitor goes on to `next`)
    POST /signin             an API key of a person (viewer, operator, admin) → session cookie
    POST /signout            ends the session
    GET  /language/{code}    remembers the language (cookie `lang`) and goes back

A contracting key is refused with a clear message: it belongs to a system, not a person.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.auth import MAX_KEY_LENGTH, KeyStore, actor_of
from api.ui import session as sessions
from api.ui.i18n import LANG_COOKIE, LANGUAGES
from api.ui.pages import (
    UI_ROLES,
    AnyForm,
    AnyPage,
    FormPost,
    Page,
    clear_session_cookie,
    local_path,
    record,
)
from core.settings import Settings

router = APIRouter(include_in_schema=False)

LANG_COOKIE_AGE = 365 * 24 * 3600


def _form(source: Page | FormPost, *, status: int = 200, error: str | None = None) -> Response:
    """The sign-in form; `next` (where to go once signed in) kept from the query or the post."""
    if isinstance(source, FormPost):
        page, next_path = source.page, local_path(source.fields.get("next"))
    else:
        page, next_path = source, local_path(source.request.query_params.get("next"))
    return page.render(
        "ui/signin.html",
        status=status,
        refresh=False,
        error=error,
        next_path=next_path,
        oidc=page.settings.oidc_enabled,
    )


@router.get("/signin")
async def signin_form(page: AnyPage) -> Response:
    if page.session is not None and page.session.signed_in:
        return page.redirect(local_path(page.request.query_params.get("next")))
    return _form(page)


@router.post("/signin")
async def signin(form: AnyForm) -> Response:
    page = form.page
    plain = form.fields.get("api_key", "").strip()
    if not plain:
        return _form(form, status=422, error="signin_error_empty")
    store: KeyStore = page.request.app.state.keys
    key = await store.find(plain) if len(plain) <= MAX_KEY_LENGTH else None
    if key is None:
        return _form(form, status=401, error="signin_error_unknown")
    if key.role not in UI_ROLES:
        return _form(form, status=403, error="signin_error_contracting")
    # A fresh session, and with it a fresh CSRF token: one seen before sign-in is worth nothing.
    page.new_session = sessions.new_session(key_id=key.id, role=key.role, name=key.name)
    await record(page, actor_of(key), "sign_in", method="api_key")
    return page.redirect(local_path(form.fields.get("next")))


@router.post("/signout")
async def signout(form: AnyForm) -> Response:
    page = form.page
    if page.session is not None and page.session.signed_in:
        await record(page, page.actor, "sign_out")
    page.new_session = None
    response = page.redirect("/signin", flash="signed_out")
    clear_session_cookie(response, page.settings)
    return response


@router.get("/language/{code}")
async def switch_language(code: str, request: Request) -> Response:
    settings: Settings = request.app.state.settings
    response = RedirectResponse(local_path(request.query_params.get("next")), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=LANG_COOKIE_AGE,
            path="/",
            samesite="lax",
            secure=settings.public_url.lower().startswith("https://"),
        )
    return response
