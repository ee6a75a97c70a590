"""What the tests of the pages behind a mailed link share (/feedback/{token}, /decide/{token}):
the page's headers and style, its form as a screen reader finds it, and the API calls around it."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from typing import Any

import httpx

HTML = "text/html"


async def create(http: httpx.AsyncClient, auth: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/v1/assignments", json=body, headers=auth("contracting"))
    assert response.status_code == 201, response.text
    return response.json()


async def assignment(http: httpx.AsyncClient, auth: Any, assignment_id: str) -> dict[str, Any]:
    response = await http.get(f"/v1/assignments/{assignment_id}", headers=auth("viewer"))
    assert response.status_code == 200, response.text
    return response.json()


def assert_page(response: httpx.Response, status: int, *texts: str) -> str:
    """An HTML page with the status, the texts, and the headers every feedback page has."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(HTML)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    # The only style allowed is the page's own, by its hash.
    style = re.search(r"<style>(.*?)</style>", response.text, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert "Traceback" not in response.text
    for text in texts:
        assert text in response.text
    return response.text


class FormParser(HTMLParser):
    """The form's controls, their labels and fieldsets, as a screen reader would find them."""

    def __init__(self) -> None:
        super().__init__()
        self.labelled: set[str] = set()
        self.controls: dict[str, dict[str, str | None]] = {}
        self.legends = 0
        self.fieldsets = 0
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "label" and a.get("for"):
            self.labelled.add(str(a["for"]))
        elif tag in ("input", "textarea") and a.get("type") != "hidden":
            self.controls[str(a.get("id"))] = a
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1


def parse(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    return parser


async def timeline(http: httpx.AsyncClient, auth: Any, assignment_id: str) -> list[dict]:
    response = await http.get(f"/v1/assignments/{assignment_id}/timeline", headers=auth("viewer"))
    assert response.status_code == 200, response.text
    return response.json()
