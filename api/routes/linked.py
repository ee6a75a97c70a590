"""What the pages behind a mailed link share (`/feedback/{token}`, `/decide/{token}`): no sign-in,
the link is the credential. Each answer is an HTML page in the person's language, with
`Cache-Control: no-store`, no referrer, and a CSP that allows nothing but the page's own inline
style and posting back to itself; forms are read with the standard library."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import asyncpg
import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from api.ui.i18n import Translator, negotiate
from core import i18n
from core.tokens import TokenError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PAGES = TEMPLATES / "feedback"  # the layout, the message page and the style the pages share
LOADER = jinja2.FileSystemLoader(TEMPLATES)  # one object: core.i18n keeps an environment per loader
T = TypeVar("T")
MAX_FIELDS = 20  # a real form sends a handful; anything far above is not our form
# Storage that did not answer: the person is asked to try again, the link still works.
UNAVAILABLE = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


def link_router(path: str, tag: str) -> APIRouter:
    """The router of the pages at `path` (`/feedback/{token}`): the path is the credential, so
    what the request middleware logs is the route's template."""

    def out_of_logs(request: Request) -> None:
        request.scope["path"] = path

    return APIRouter(tags=[tag], include_in_schema=False, dependencies=[Depends(out_of_logs)])


def browser_language(request: Request) -> Translator:
    """The language of a page that knows no assignment yet: the browser's."""
    return Translator(negotiate(request.headers.get("accept-language")))


def refused(exc: TokenError, t: Translator, kind: str) -> HTMLResponse:
    """A link that cannot be used: expired (410), else not valid (404), in the words of
    `kind`'s catalogue (`<kind>.expired_title` …)."""
    if exc.reason == "expired":
        return message_page(410, t, t(f"{kind}.expired_title"), t(f"{kind}.expired_body"))
    return not_valid(t, kind)


def not_valid(t: Translator, kind: str) -> HTMLResponse:
    return message_page(404, t, t(f"{kind}.invalid_title"), t(f"{kind}.invalid_body"))


def try_again(t: Translator, kind: str) -> HTMLResponse:
    """503: the engine or its storage did not answer; nothing was done, the link still works."""
    response = message_page(503, t, t(f"{kind}.unavailable_title"), t(f"{kind}.unavailable_body"))
    response.headers["Retry-After"] = "30"
    return response


async def opened(
    request: Request, kind: str, open_link: Callable[[], Awaitable[T | HTMLResponse]]
) -> T | HTMLResponse:
    """What `open_link` finds behind the link (or its page of refusal); 503 when the storage
    does not answer."""
    try:
        return await open_link()
    except UNAVAILABLE:
        return try_again(browser_language(request), kind)


def first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else name


@cache
def _style() -> tuple[Markup, str]:
    """The pages' CSS (inlined) and its CSP hash source, so no other style can apply."""
    css = (PAGES / "feedback.css").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return Markup(css), f"'sha256-{digest}'"


def headers() -> dict[str, str]:
    _, style_source = _style()
    return {
        "Cache-Control": "no-store",
        "Content-Security-Policy": (
            f"default-src 'none'; style-src {style_source}; img-src 'none'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex, nofollow",
    }


def render(status: int, template: str, t: Translator, **context: Any) -> HTMLResponse:
    """`template` (a path under api/templates) in `t`'s language."""
    css, _ = _style()
    env = i18n.environment(LOADER, autoescape=True, language=t.language)
    html = env.get_template(template).render(lang=t.language, t=t, css=css, **context)
    return HTMLResponse(html, status_code=status, headers=headers())


def message_page(
    status: int, t: Translator, title: str, *paragraphs: str, signature: str | None = None
) -> HTMLResponse:
    """A page that only says something: link not valid, expired, already used, thank you."""
    return render(
        status,
        "feedback/message.html.j2",
        t,
        title=title,
        paragraphs=list(paragraphs),
        signature=signature,
    )


def form_fields(body: bytes, content_type: str | None) -> dict[str, str]:
    """The submitted form (first value of each name); empty for anything but a URL-encoded one.

    Parsed here with the standard library rather than FastAPI's `Form()`, which needs the
    python-multipart package (not a dependency) and would answer mistakes with JSON, not the
    form again."""
    if (content_type or "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return {}
    try:
        pairs = parse_qsl(
            body.decode("ascii", errors="replace"),
            keep_blank_values=True,
            max_num_fields=MAX_FIELDS,
            errors="replace",
        )
    except ValueError:  # more fields than any version of this form has
        return {}
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields
