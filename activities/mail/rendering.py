"""Rendering: the Jinja environment, the template of each kind and language, its blocks, and the
HTML alternative made from the text.

Templates
    `activities/templates/mail/{language}/{kind}.txt.j2`, one per `MailKind` and language (`en`,
    `nl`, `fr`). A template defines two blocks, `subject` and `body` (plain text; whitespace in
    the subject is collapsed to single spaces); the invitations (`welcome`,
    `team_event_invitation`, `development`) also define `event_summary` and `event_description`
    for the calendar event. A missing translation falls back to English, and the mail is then in
    English throughout (dates and `Content-Language` included). What templates see is built in
    `context`.

HTML
    One shared layout, `mail/layout.html.j2`, filled with the text body: blank-line separated
    paragraphs become `<p>`, runs of lines starting with `- ` become `<ul>`, and URLs become
    links. Every value is escaped. Text and HTML therefore always say the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

LANGUAGES = ("en", "nl", "fr")
FALLBACK_LANGUAGE = "en"
TEMPLATES = Path(__file__).parents[1] / "templates"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
    )


def template_name(kind: str, language: str) -> str:
    return f"mail/{language}/{kind}.txt.j2"


def normalize_language(language: str | None) -> str:
    """`nl-BE` → `nl`; anything unknown → English."""
    code = re.split(r"[-_]", (language or "").strip().lower())[0]
    return code if code in LANGUAGES else FALLBACK_LANGUAGE


def template_language(kind: str, language: str) -> str:
    """The language the kind's mail is written in: `language`, or English without a translation."""
    return _template(kind, language)[1]


def _template(kind: str, language: str) -> tuple[jinja2.Template, str]:
    """The kind's template in the language, or in English when there is no translation."""
    env = _environment()
    try:
        return env.get_template(template_name(kind, language)), language
    except jinja2.TemplateNotFound:
        return env.get_template(template_name(kind, FALLBACK_LANGUAGE)), FALLBACK_LANGUAGE


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
    template, language = _template(kind, language)
    ctx = template.new_context(dict(context, language=language))
    subject = " ".join(_block(template, "subject", ctx).split())
    text = _tidy_text(_block(template, "body", ctx))
    layout = _environment().get_template("mail/layout.html.j2")
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
