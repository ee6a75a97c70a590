"""The manager's renewal decision at /decide/{token}, as a manager meets it: the link from the
renewal request opens a page that decides nothing; its confirmation decides once, in the
manager's name; a forged, expired, foreign, reused or overtaken link gets a calm page with the
reason. Real dev server, worker and PostgreSQL; the link is the one the mail was written with."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from api.ui.i18n import Translator
from core.tokens import make_decision_token, make_feedback_token, read_decision_token
from db import assignments
from tests.api.conftest import create_body, eventually
from tests.api.pages import assert_page, assignment, create, parse, timeline
from tests.clock import DEPLOYMENT, TIMEZONE
from tests.factories import MANAGER
from workflows.types import MAX_TERM_DAYS

pytestmark = pytest.mark.slow

LINK_WORDS = {
    "en": ["Does the assignment of Sam Peeters go on?", "Confirm the decision", "Renew"],
    "nl": ["Loopt de opdracht van Sam Peeters door?", "Bevestig de beslissing", "Verlengen"],
    "fr": ["La mission de Sam Peeters continue-t-elle ?", "Confirmer la décision", "Renouveler"],
}


async def in_review(
    http: httpx.AsyncClient, auth: Any, pool: asyncpg.Pool, assignment_id: str, **overrides: Any
) -> str:
    """An assignment whose renewal is asked at once (its last day is 20 days away), and the
    path of the link its renewal request was written with."""
    today = DEPLOYMENT.today(TIMEZONE)
    body = create_body(
        assignment_id,
        timezone=TIMEZONE,
        start_date=(today - timedelta(days=60)).isoformat(),
        end_date=(today + timedelta(days=20)).isoformat(),
        **overrides,
    )
    await create(http, auth, body)
    return await mailed_link(pool, assignment_id)


async def mailed_link(pool: asyncpg.Pool, assignment_id: str, kind: str = "renewal_request") -> str:
    query = "SELECT body_text FROM mail_message WHERE assignment_id = $1 AND kind = $2"

    async def written() -> str | None:
        return await pool.fetchval(query, assignment_id, kind)

    text = await eventually(written, within=30)
    url = next(word for word in text.split() if "/decide/" in word)
    return urlsplit(url).path


async def read_model(pool: asyncpg.Pool, assignment_id: str) -> dict[str, Any]:
    row = await assignments.get(pool, assignment_id)
    assert row is not None
    return dict(row["state"])


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


def renew(day: date, note: str | None = None) -> dict[str, str]:
    form = {"decision": "renew", "new_end_date": day.isoformat()}
    return form | ({"note": note} if note is not None else {})


# ------------------------------------------------------------------------------- open


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
async def test_the_mailed_link_opens_a_page_that_decides_nothing(
    http, auth, settings, unique_id, pool, language
):
    path = await in_review(http, auth, pool, unique_id, language=language)
    claim = read_decision_token(token_of(path), settings.signing_key, DEPLOYMENT.now())
    assert claim.assignment_id == unique_id and claim.term == 1

    # A mail scanner opens the link, twice: the page, and nothing decided.
    for _ in range(2):
        html = assert_page(await http.get(path), 200, *LINK_WORDS[language])
    form = parse(html)
    assert form.lang == language
    assert set(form.controls) == {"decision-renew", "decision-end", "new_end_date", "note"}
    assert set(form.controls) <= form.labelled
    assert form.fieldsets == form.legends == 1
    # Proposed: a term as long as this one (81 days), after the current last day.
    a = await assignment(http, auth, unique_id)
    end = date.fromisoformat(a["end_date"])
    assert form.controls["new_end_date"]["value"] == (end + timedelta(days=81)).isoformat()
    assert a["phase"] == "renewal_review" and a["pending_decision"] is not None
    assert not any(e["kind"] == "renewal" for e in await timeline(http, auth, unique_id))


# ------------------------------------------------------------------------------- decide


async def test_confirming_renews_once_in_the_managers_name(
    http, auth, settings, unique_id, pool, caplog
):
    caplog.set_level(logging.INFO)
    path = await in_review(http, auth, pool, unique_id, language="en")
    end = date.fromisoformat((await assignment(http, auth, unique_id))["end_date"])
    new_end = end + timedelta(days=92)

    response = await http.post(path, data=renew(new_end, "Great quarter, let's go on."))

    day = Translator("en").date(new_end, weekday=True)
    assert_page(response, 200, "Thank you, Lea", f"Renewed until {day}. Sam hears it now.")
    a = await assignment(http, auth, unique_id)
    assert a["end_date"] == new_end.isoformat() and a["term"] == 2
    decided = [e for e in await timeline(http, auth, unique_id) if e["kind"] == "renewal"]
    assert len(decided) == 1
    assert decided[0]["actor"] == f"manager:{MANAGER.name}"
    assert "Great quarter" in decided[0]["summary"]

    # The link is used up: posting or opening it again says so, and changes nothing.
    assert_page(await http.post(path, data=renew(new_end + timedelta(days=7))), 409,
                "This decision has been taken")  # fmt: skip
    assert_page(await http.get(path), 409, "This decision has been taken")
    assert (await assignment(http, auth, unique_id))["end_date"] == new_end.isoformat()
    # The link never reaches the logs: the request line names the route.
    assert "renewal decided from the mail" in caplog.text
    assert "'path': '/decide/{token}'" in caplog.text
    assert token_of(path).split(".")[1] not in caplog.text


async def test_ending_from_the_link_ends_on_the_last_day(http, auth, unique_id, pool):
    path = await in_review(http, auth, pool, unique_id, language="nl")
    end = (await assignment(http, auth, unique_id))["end_date"]

    response = await http.post(path, data={"decision": "end", "new_end_date": "", "note": ""})

    assert_page(response, 200, "Dank je, Lea")
    a = await assignment(http, auth, unique_id)
    assert a["end_date"] == end and a["term"] == 1 and a["pending_decision"] is None
    (decided,) = [e for e in await timeline(http, auth, unique_id) if e["kind"] == "renewal"]
    assert decided["actor"] == f"manager:{MANAGER.name}" and "ends on" in decided["summary"]


async def test_racing_confirmations_decide_once(http, auth, unique_id, pool):
    path = await in_review(http, auth, pool, unique_id, language="en")
    end = date.fromisoformat((await assignment(http, auth, unique_id))["end_date"])
    dates = [end + timedelta(days=30 * n) for n in range(1, 6)]

    responses = await asyncio.gather(*(http.post(path, data=renew(day)) for day in dates))

    assert {r.status_code for r in responses} <= {200, 409}
    a = await assignment(http, auth, unique_id)
    assert date.fromisoformat(a["end_date"]) in dates and a["term"] == 2
    assert len([e for e in await timeline(http, auth, unique_id) if e["kind"] == "renewal"]) == 1
    # Every page that says "done" names the one decision taken.
    new_end = date.fromisoformat(a["end_date"])
    day = Translator("en").date(new_end, weekday=True)
    assert all(day in r.text for r in responses if r.status_code == 200)
    # One Update (the link's id): one entry on the audit trail, in the manager's name.
    trail = await http.get("/v1/audit", params={"assignment_id": unique_id}, headers=auth("admin"))
    decisions = [e for e in trail.json() if e["action"] == "decide_renewal"]
    assert [e["actor"] for e in decisions] == [f"manager:{MANAGER.name}"]


# ------------------------------------------------------------------------------- mistakes


async def test_mistakes_show_the_form_again_and_keep_the_link(http, auth, unique_id, pool):
    path = await in_review(http, auth, pool, unique_id, language="en")
    end = date.fromisoformat((await assignment(http, auth, unique_id))["end_date"])

    nothing = await http.post(path, data={"note": "<b>hm</b>"})
    html = assert_page(nothing, 422, "Choose to renew or to end.")
    assert "&lt;b&gt;hm&lt;/b&gt;</textarea>" in html
    assert_page(await http.post(path, data=renew(end)), 422, "must come after")
    assert_page(await http.post(path, data={"decision": "renew", "new_end_date": "soon"}), 422,
                "Give the new last day as a date.")  # fmt: skip
    assert_page(await http.post(path, data=renew(end + timedelta(days=30), "x" * 2001)), 422,
                "At most 2000 characters.")  # fmt: skip
    too_long = renew(end + timedelta(days=2000))
    latest = Translator("en").date(DEPLOYMENT.today(TIMEZONE) + timedelta(days=MAX_TERM_DAYS))
    assert_page(await http.post(path, data=too_long), 422, f"can be {latest} at the latest")
    assert_page(await http.post(path, json=renew(end + timedelta(days=30))), 422)  # not a form
    assert (await assignment(http, auth, unique_id))["pending_decision"] is not None

    assert_page(await http.post(path, data=renew(end + timedelta(days=30))), 200, "Thank you, Lea")


# ------------------------------------------------------------------------------- refused


async def test_a_forged_mangled_or_other_purpose_link_is_404(http, auth, settings, unique_id, pool):
    path = await in_review(http, auth, pool, unique_id, language="en")
    token = token_of(path)
    payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    due = DEPLOYMENT.now() + timedelta(days=10)
    other_key = make_decision_token(unique_id, 1, DEPLOYMENT.now(), MANAGER.email, "nope", due)
    feedback = make_feedback_token(unique_id, 1, settings.signing_key, due)  # another purpose
    for bad in (f"{payload}.{flipped}", other_key, feedback, "not-a-token", token + "x"):
        assert_page(await http.get(f"/decide/{bad}"), 404, "This link does not work")
        assert_page(await http.post(f"/decide/{bad}", data=renew(date(2030, 1, 1))), 404)
    assert_page(await http.get(f"{path}/extra"), 404, "This link does not work")
    dutch = await http.get("/decide/x", headers={"Accept-Language": "nl-BE,en;q=0.5"})
    assert_page(dutch, 404, "Deze link werkt niet")
    assert (await assignment(http, auth, unique_id))["pending_decision"] is not None


async def test_a_link_for_another_manager_expired_or_of_an_unknown_assignment(
    http, auth, settings, unique_id, pool
):
    await in_review(http, auth, pool, unique_id, language="en")
    state = await read_model(pool, unique_id)
    asked = datetime.fromisoformat(state["pending_decision"]["requested_at"])
    key, now = settings.signing_key, DEPLOYMENT.now()

    def link(email: str = MANAGER.email, *, expires: timedelta = timedelta(days=5), **kw: Any):
        made = {"assignment_id": unique_id, "term": 1, "asked": asked} | kw
        token = make_decision_token(
            made["assignment_id"], made["term"], made["asked"], email, key, now + expires
        )
        return f"/decide/{token}"

    foreign = link("someone.else@client.example")
    assert_page(await http.get(foreign), 403, "This link is not yours", "Lea Janssens decides now")
    assert_page(await http.post(foreign, data={"decision": "end"}), 403)
    expired = link(expires=-timedelta(seconds=1))
    assert_page(await http.get(expired), 410, "This link has expired")
    assert_page(await http.post(expired, data={"decision": "end"}), 410)
    older = link(asked=asked - timedelta(days=90))  # a decision asked before, not this one
    assert_page(await http.post(older, data={"decision": "end"}), 409)
    unknown = link(assignment_id=f"{unique_id}-NOPE")
    assert_page(await http.get(unknown), 404, "This link does not work")
    assert (await assignment(http, auth, unique_id))["pending_decision"] is not None


async def test_a_decision_taken_in_the_ui_or_api_ends_the_link(http, auth, unique_id, pool):
    path = await in_review(http, auth, pool, unique_id, language="fr")
    decided = await http.post(
        f"/v1/assignments/{unique_id}/renewal-decision",
        json={"decision": "end"},
        headers=auth("operator"),
    )
    assert decided.status_code == 200, decided.text

    assert_page(await http.get(path), 409, "Cette décision a déjà été prise")
    assert_page(await http.post(path, data=renew(date(2031, 1, 1))), 409)
    a = await assignment(http, auth, unique_id)
    assert a["term"] == 1 and a["pending_decision"] is None


async def test_storage_out_of_reach_asks_to_try_again(http, auth, unique_id, pool, monkeypatch):
    path = await in_review(http, auth, pool, unique_id, language="en")

    async def down(*args: Any, **kwargs: Any) -> Any:
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")

    monkeypatch.setattr(assignments, "get", down)
    response = await http.post(path, data={"decision": "end"})
    monkeypatch.undo()

    assert_page(response, 503, "Please try again in a moment", "The link still works.")
    assert response.headers["retry-after"] == "30"
    assert_page(await http.post(path, data={"decision": "end"}), 200, "Thank you, Lea")


def test_every_text_of_the_page_exists_in_every_language() -> None:
    from core.i18n import LANGUAGES, catalogue

    keys = {
        language: {m.id for m in catalogue(language) if str(m.id).startswith("decide.")}
        for language in LANGUAGES
    }
    assert keys["en"]
    assert keys["nl"] == keys["en"] and keys["fr"] == keys["en"]
