"""Rendering: the template of each kind, its blocks in the mail's language, and the HTML
alternative made from the text.

Templates
    `activities/mail/templates/{kind}.txt.j2`, one per `MailKind`, for every language: it lays
    out the mail and says its words by key (`_("mail.welcome.subject", team=team, …)`), and the
    words are the catalogue's (`locale/<language>/LC_MESSAGES/mail.po`, read by `core.i18n`). A
    template defines two blocks, `subject` and `body` (plain text; whitespace in the subject is
    collapsed to single spaces); the invitations (`welcome`, `team_event_invitation`,
    `development`) also define `event_summary` and `event_description` for the calendar event.
    A mail is in its language when the catalogue translates every message of its template, else
    in English throughout (dates and `Content-Language` included), never half and half. What
    templates see is built in `context`.

HTML
    One shared layout, `layout.html.j2`, filled with the text body: blank-line separated
    paragraphs become `<p>`, runs of lines starting with `- ` become `<ul>`, and URLs become
    links. Every value is escaped. Text and HTML therefore always say the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup, escape

from core import i18n

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

TEMPLATES = Path(__file__).parent / "templates"
_LOADER = jinja2.FileSystemLoader(TEMPLATES)
_AUTOESCAPE = jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False)


def _environment(language: str) -> jinja2.Environment:
    return i18n.environment(_LOADER, autoescape=_AUTOESCAPE, language=language)


def template_name(kind: str) -> str:
    return f"{kind}.txt.j2"


def normalize_language(language: str | None) -> str:
    """`nl-BE` → `nl`; anything unknown → English."""
    return i18n.known(re.split(r"[-_]", (language or "").strip().lower())[0])


@cache
def template_keys(kind: str) -> frozenset[str]:
    """The msgids the kind's template says, whatever its branches (`_` and `ngettext`)."""
    env = _environment(i18n.FALLBACK)
    source, _, _ = _LOADER.get_source(env, template_name(kind))
    return frozenset(
        message if isinstance(message, str) else message[0]
        for _, _, message in env.extract_translations(source)  # type: ignore[attr-defined]
    )


def template_language(kind: str, language: str) -> str:
    """The language the kind's mail is written in: `language` when its catalogue translates every
    message of the kind's template, else English."""
    language = i18n.known(language)
    catalogue = i18n.catalogue(language)
    if all(_translated(catalogue, key) for key in template_keys(kind)):
        return language
    return i18n.FALLBACK


def _translated(catalogue: Catalog, key: str) -> bool:
    message = catalogue.get(key)
    if message is None:
        return False
    forms = message.string if isinstance(message.string, tuple | list) else [message.string]
    return all(forms)


@dataclass
class Rendered:
    language: str
    subject: str
    text: str
    html: str
    event_summary: str = ""
    event_description: str = ""


def _block(template: jinja2.Template, name: str, ctx: jinja2.runtime.Context) -> str:
    render = template.blocks.get(name)
    return "".join(render(ctx)) if render is not None else ""


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render(kind: str, context: dict[str, Any], language: str) -> Rendered:
    """Renders the kind's template with the context; see the module docstring for the blocks."""
    language = template_language(kind, language)
    env = _environment(language)
    template = env.get_template(template_name(kind))
    ctx = template.new_context(dict(context, language=language))
    subject = " ".join(_block(template, "subject", ctx).split())
    text = _tidy_text(_block(template, "body", ctx))
    if context.get("me_url"):  # to the freelancer: their own page, under every mail
        footer = i18n.gettext(language, "mail.footer.me")
        text = f"{text.rstrip()}\n\n{footer}\n{context['me_url']}\n"
    layout = env.get_template("layout.html.j2")
    html = layout.render(language=language, subject=subject, blocks=text_to_blocks(text))
    return Rendered(
        language=language,
        subject=subject,
        text=text,
        html=html,
        event_summary=" ".join(_block(template, "event_summary", ctx).split()),
        event_description=_block(template, "event_description", ctx).strip(),
    )


_URL = re.compile(r"https?://[^\s<>\"']+")


def _linkify(text: str) -> Markup:
    out: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group().rstrip(".,;:!?)")
        out.append(escape(text[position : match.start()]))
        out.append(
            Markup(
                '<a href="{0}" style="color:#0b57d0; text-decoration:underline;">{0}</a>'
            ).format(url)
        )
        position = match.start() + len(url)
    out.append(escape(text[position:]))
    return Markup("").join(out)


@dataclass
class HtmlBlock:
    kind: str  # "p" or "ul"
    lines: list[Markup]


def text_to_blocks(text: str) -> list[HtmlBlock]:
    """The text body as HTML blocks: paragraphs (lines kept as line breaks) and bullet lists."""
    blocks: list[HtmlBlock] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        current: HtmlBlock | None = None
        for line in paragraph.splitlines():
            kind, content = ("ul", line[2:]) if line.startswith("- ") else ("p", line)
            if current is None or current.kind != kind:
                current = HtmlBlock(kind, [])
                blocks.append(current)
            current.lines.append(_linkify(content.strip()))
    return blocks
