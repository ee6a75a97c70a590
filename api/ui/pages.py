"""What every page of the operator UI shares: who is signed in, in which language, CSRF, and
rendering a template of `api/templates/ui/` inside the base layout.

A route asks for one of these dependencies:

    page: SignedInPage      a GET of a signed-in page (else a redirect to /signin?next=…)
    form: SignedInForm      a POST: signed in, and the form's CSRF token checked (else 403 page)
    page: AnyPage           no sign-in needed (the sign-in page itself)

and answers with `page.render("ui/x.html", key=value, ...)`. Templates get `t` (words and dates
in the page's language), `session`, `csrf`, `clock` (the demo clock banner), `flash`, `nav` and
`can(action)`; everything passed to `render` on top.

Refusals are exceptions turned into pages by `install_handlers`: `SignInRequired` (303 to the
sign-in page) and `PageError` (an error page with its status: 403, 404, …).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, quote

import jinja2
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import PERMISSIONS, Action, actor_of
from api.ui import session as sessions
from api.ui.i18n import LANG_COOKIE, LANGUAGE_NAMES, LANGUAGES, Translator, language_of
from api.ui.session import Session
from core import i18n
from core.clock import Clock
from core.settings import Settings
from db import api_keys, audit
from db.api_keys import ApiKey
from db.scope import EVERYTHING, Scope

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LOADER = jinja2.FileSystemLoader(TEMPLATES)  # one object: core.i18n keeps an environment per loader
STATIC = Path(__file__).resolve().parent.parent / "static"
# Roles that may sign in to the UI: people. A contracting key belongs to a system.
UI_ROLES = frozenset({"viewer", "operator", "admin"})  # the roles of keys that may sign in
REFRESH_SECONDS = 10  # how often pages refresh themselves at a compressed clock
MAX_FORM_FIELDS = 50

_R = TypeVar("_R", bound=Response)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@cache
def static_url(name: str) -> str:
    """`/static/<name>?v=<hash of its content>`: cached for long, fresh after each change."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site (no scheme, no host, no `//`), else `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 0x20 for c in target):
        return default
    return target


# ------------------------------------------------------------------------------ refusals


class SignInRequired(Exception):
    def __init__(self, next_path: str = "/", message: str | None = None) -> None:
        super().__init__("sign in required")
        self.next_path = next_path
        self.message = message


class PageError(Exception):
    """An error page: `title` and `body` are catalogue keys, `values` fill the body's
    placeholders."""

    def __init__(self, status: int, title: str, body: str, **values: Any) -> None:
        super().__init__(f"{status} {title}")
        self.status = status
        self.title = title
        self.body = body
        self.values = values


# ---------------------------------------------------------------------------------- pages


@dataclass
class Page:
    request: Request
    settings: Settings
    clock: Clock
    session: Session | None  # a signed-in session, or an anonymous one (sign-in form)
    language: str
    new_session: Session | None = None  # to be set as the cookie with the response
    flash: str | None = None
    t: Translator = field(init=False)

    def __post_init__(self) -> None:
        self.t = Translator(self.language)

    @property
    def role(self) -> str | None:
        return self.session.role if self.session else None

    @property
    def actor(self) -> str:
        """The signed-in person as the actor of a change: `<role>:<name>`, the name of their key
        or, signed in with the company's identity, their own."""
        s = self.session
        assert s is not None and s.signed_in
        if s.key_id is None:
            return f"{s.role}:{s.name or s.email}"
        return actor_of(ApiKey(id=s.key_id, name=s.name or "", role=s.role or ""))

    @property
    def scope(self) -> Scope:
        """The assignments this person may see and act on (db.scope): a key sees every one."""
        s = self.session
        if s is None or s.email is None or s.role == "admin":
            return EVERYTHING
        if s.role == "manager":
            return Scope(manager=s.email)
        return Scope(teams=frozenset(s.teams)) if s.teams is not None else EVERYTHING

    def can(self, action: Action | str) -> bool:
        return Action(action) in PERMISSIONS.get(self.role or "", frozenset())

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise PageError(
                403, "forbidden_title", "forbidden_role", role=self.t(f"role_{self.role}")
            )

    @property
    def csrf(self) -> str:
        current = self.new_session or self.session
        return current.csrf if current else ""

    def context(self) -> dict[str, Any]:
        clock = None
        if self.clock.speed > 1:
            clock = {
                "date": self.t.date(self.clock.today(), weekday=True),
                "speed": self.t.number(self.clock.speed),
                "seconds": self.t.number(round(86400 / self.clock.speed, 1)),
            }
        path = self.request.url.path
        query = self.request.url.query
        here = path + (f"?{query}" if query else "")
        return {
            "t": self.t,
            "static": static_url,
            "lang": self.language,
            "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            "here": here,
            "here_quoted": quote(here, safe=""),
            "path": path,
            "session": self.session if self.session and self.session.signed_in else None,
            "csrf": self.csrf,
            "can": self.can,
            "everything": self.scope.everything,  # every assignment in scope (db.scope)
            "administers": self.can(Action.ADMINISTER),
            "clock": clock,
            "flash": self.flash,
            "refresh_seconds": REFRESH_SECONDS if clock else None,
            "nav": None,  # which item of the main navigation is this page (today, …)
        }

    def render(
        self, template: str, *, status: int = 200, refresh: bool = True, **values: Any
    ) -> HTMLResponse:
        """The template in the page's language. `refresh=False`: this page never refreshes
        itself (at a compressed clock, pages do unless a form on them is being edited)."""
        context = self.context()
        if not refresh:
            context["refresh_seconds"] = None
        context.update(values)
        if "here" in values:  # a page re-rendered by a POST names the page it shows
            context["here_quoted"] = quote(values["here"], safe="")
        env = i18n.environment(LOADER, autoescape=True, language=self.language)
        html = env.get_template(template).render(context)
        return self.respond(HTMLResponse(html, status_code=status))

    def redirect(self, target: str, *, flash: str | None = None) -> RedirectResponse:
        """303 to a path of this site, with an optional flash (a catalogue key) for the next
        page."""
        response = RedirectResponse(local_path(target), status_code=303)
        if flash:
            response.set_cookie(
                sessions.FLASH_COOKIE,
                sessions.encode_flash(flash, self.settings.signing_key),
                **sessions.cookie_options(self.settings.public_url, sessions.FLASH_LIFETIME),
            )
        return self.respond(response)

    def respond(self, response: _R) -> _R:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if self.new_session is not None:
            set_session_cookie(response, self.new_session, self.settings)
        if self.flash is not None:
            response.delete_cookie(sessions.FLASH_COOKIE, path="/")
        return response


def set_session_cookie(response: Response, session: Session, settings: Settings) -> None:
    max_age = max(0, session.expires_at - int(time.time()))
    response.set_cookie(
        sessions.COOKIE,
        sessions.encode(session, settings.signing_key),
        **sessions.cookie_options(settings.public_url, max_age),
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        sessions.COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.public_url.lower().startswith("https://"),
    )


async def record(page: Page, actor: str, action: str, **detail: Any) -> None:
    """An entry of the audit trail (db.audit) for what a person did in the UI."""
    await audit.append(page.request.app.state.pool, page.clock.now(), actor, action, detail=detail)


# --------------------------------------------------------------------------- dependencies


async def _current(request: Request) -> tuple[Settings, Clock, Session | None, str]:
    settings: Settings = request.app.state.settings
    clock: Clock = request.app.state.clock
    language = language_of(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    found = sessions.decode(request.cookies.get(sessions.COOKIE), settings.signing_key)
    if found is not None and found.email is not None and not settings.oidc_enabled:
        found = None  # signed in with the company's identity, which no longer signs anyone in
    if found is not None and found.key_id is not None:
        key = await api_keys.get_active(request.app.state.pool, found.key_id)
        if key is None or key.role not in UI_ROLES:
            found = None  # revoked since: the session ends with its key
        else:
            found = Session(
                csrf=found.csrf,
                expires_at=found.expires_at,
                key_id=key.id,
                role=key.role,
                name=key.name,
            )
    return settings, clock, found, language


def _flash(request: Request, settings: Settings) -> str | None:
    return sessions.decode_flash(request.cookies.get(sessions.FLASH_COOKIE), settings.signing_key)


async def any_page(request: Request) -> Page:
    """A page for anyone: an anonymous session (with a CSRF token for the sign-in form) is made
    when there is none."""
    settings, clock, found, language = await _current(request)
    page = Page(request, settings, clock, found, language, flash=_flash(request, settings))
    if found is None:
        page.new_session = sessions.new_session()
    return page


async def signed_in_page(request: Request) -> Page:
    settings, clock, found, language = await _current(request)
    if found is None or not found.signed_in:
        had_cookie = sessions.COOKIE in request.cookies
        raise SignInRequired(
            _here(request), message="session_ended" if had_cookie and found is None else None
        )
    return Page(request, settings, clock, found, language, flash=_flash(request, settings))


@dataclass
class FormPost:
    page: Page
    fields: dict[str, str]

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()


async def read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form's fields (the first value of each); empty for anything else."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    body = await request.body()
    try:
        pairs = parse_qsl(
            body.decode("utf-8", errors="replace"),
            keep_blank_values=True,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError:
        return {}
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value.replace("\x00", ""))
    return fields


async def signed_in_form(request: Request) -> FormPost:
    """A POST of a signed-in form whose CSRF token matches the session's; a 403 page else."""
    settings, clock, found, language = await _current(request)
    fields = await read_form(request)
    if found is None or not found.signed_in:
        raise PageError(403, "forbidden_title", "forbidden_no_session")
    if not sessions.csrf_matches(found, fields.get("csrf")):
        raise PageError(403, "forbidden_title", "forbidden_csrf")
    return FormPost(Page(request, settings, clock, found, language), fields)


async def any_form(request: Request) -> FormPost:
    """A POST whose CSRF token matches the (possibly anonymous) session's: the sign-in form."""
    settings, clock, found, language = await _current(request)
    fields = await read_form(request)
    anonymous = sessions.decode(request.cookies.get(sessions.COOKIE), settings.signing_key)
    if not sessions.csrf_matches(found or anonymous, fields.get("csrf")):
        raise PageError(403, "forbidden_title", "forbidden_csrf")
    return FormPost(Page(request, settings, clock, found or anonymous, language), fields)


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


AnyPage = Annotated[Page, Depends(any_page)]
SignedInPage = Annotated[Page, Depends(signed_in_page)]
SignedInForm = Annotated[FormPost, Depends(signed_in_form)]
AnyForm = Annotated[FormPost, Depends(any_form)]


# ------------------------------------------------------------------------------- handlers


def install_handlers(app: FastAPI) -> None:
    async def sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        target = "/signin"
        if exc.next_path and exc.next_path != "/":
            target += f"?next={quote(exc.next_path, safe='')}"
        response = RedirectResponse(target, status_code=303)
        if exc.message:
            settings: Settings = request.app.state.settings
            response.set_cookie(
                sessions.FLASH_COOKIE,
                sessions.encode_flash(exc.message, settings.signing_key),
                **sessions.cookie_options(settings.public_url, sessions.FLASH_LIFETIME),
            )
            clear_session_cookie(response, settings)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    async def page_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageError)
        settings, clock, found, language = await _current(request)
        page = Page(request, settings, clock, found, language)
        # After a refused POST, the language switcher comes back to a page, not to the POST.
        here = {} if request.method == "GET" else {"here": "/"}
        return page.render(
            "ui/error.html",
            status=exc.status,
            refresh=False,
            title=page.t(exc.title),
            message=page.t(exc.body, **exc.values),
            **here,
        )

    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(PageError, page_error)
