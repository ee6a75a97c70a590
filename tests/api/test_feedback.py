"""The exit-feedback form at /feedback/{token}, as a leaving freelancer meets it: open it, send
it, send it again, a forged, expired or mangled link, a form with mistakes. Real dev server,
worker and PostgreSQL; the links are made the way the exit mail makes them."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from api.problems import Problem
from core.settings import Settings
from core.tokens import make_feedback_token, read_feedback_token
from db import feedback
from tests.api.conftest import create_body, eventually
from tests.api.pages import assert_page, assignment, create, parse, timeline
from tests.clock import DEPLOYMENT

LABELS = {
    "en": ["What made you feel part of the team?", "What did not?", "Would you come back"],
    "nl": ["Waardoor voelde je je deel van het team?", "En waardoor niet?", "Zou je terugkomen"],
    "fr": ["faire partie de l&#39;équipe", "Et qu&#39;est-ce qui ne", "Reviendriez-vous"],
}


def link(settings: Settings, assignment_id: str, *, expires_in: timedelta = timedelta(days=30)):
    """A token as the exit mail makes it (valid for `expires_in` from now)."""
    expires_at = DEPLOYMENT.now() + expires_in
    return make_feedback_token(assignment_id, 1, settings.signing_key, expires_at)


def answers(**overrides: Any) -> dict[str, str]:
    form = {
        "rating": "4",
        "felt_part": "The Friday demo, and Jo who showed me around on day one.",
        "not_part": "The separate contractor badge.",
        "come_back": "yes",
        "stay_in_touch": "yes",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


async def offboarding_now(http: httpx.AsyncClient, auth: Any, assignment_id: str) -> None:
    """An assignment whose last day was yesterday: it goes straight to offboarding and its
    access is revoked at once, so only the feedback is left before it completes."""
    today = DEPLOYMENT.today("UTC")
    body = create_body(
        assignment_id,
        timezone="UTC",
        start_date=(today - timedelta(days=20)).isoformat(),
        end_date=(today - timedelta(days=1)).isoformat(),
    )
    await create(http, auth, body)

    async def waiting_for_feedback() -> bool:
        a = await assignment(http, auth, assignment_id)
        revoked = all(x["status"] == "revoked" for x in a["access"])
        planned = [t["kind"] for t in (await timeline(http, auth, assignment_id)) if t["planned"]]
        return a["phase"] == "offboarding" and revoked and "revoke_access" not in planned

    await eventually(waiting_for_feedback, within=60)


# ------------------------------------------------------------------------------- open


@pytest.mark.parametrize("language", ["en", "nl", "fr"])
async def test_open_greets_the_freelancer_with_an_accessible_form(
    http, auth, settings, unique_id, language
):
    await create(http, auth, create_body(unique_id, language=language))

    response = await http.get(f"/feedback/{link(settings, unique_id)}")

    html = assert_page(response, 200, "Sam", "Payroll", *LABELS[language])
    form = parse(html)
    assert form.lang == language
    # Every control has a label; the radio groups are fieldsets with a legend.
    assert set(form.controls) == {
        *(f"rating-{n}" for n in range(1, 6)),
        "felt_part",
        "not_part",
        "come_back-yes",
        "come_back-maybe",
        "come_back-no",
        "stay_in_touch",
    }
    assert set(form.controls) <= form.labelled
    assert form.fieldsets == form.legends == 3
    assert form.controls["felt_part"]["maxlength"] == "4000"
    assert '<form method="post"' in html


async def test_an_unknown_language_falls_back_to_english(http, auth, settings, unique_id, pool):
    await create(http, auth, create_body(unique_id, language="en"))
    # The read model as an older version may have left it: no language at all.
    await pool.execute(
        "UPDATE assignment SET state = state #- '{assignment,language}' WHERE assignment_id = $1",
        unique_id,
    )

    response = await http.get(f"/feedback/{link(settings, unique_id)}")

    assert_page(response, 200, "Hi Sam,", *LABELS["en"])


# ------------------------------------------------------------------------------- submit


async def test_submit_stores_the_answers_and_completes_the_assignment(
    http, auth, settings, unique_id, pool, caplog
):
    caplog.set_level(logging.INFO)
    await offboarding_now(http, auth, unique_id)
    token = link(settings, unique_id)
    assert_page(await http.get(f"/feedback/{token}"), 200)

    response = await http.post(f"/feedback/{token}", data=answers())

    assert_page(response, 200, "Bedankt, Sam!", "alumninetwerk", "Lea Janssens")
    stored = await feedback.get(pool, unique_id)
    assert stored is not None
    assert stored["rating"] == 4
    assert stored["answers"] == {
        "felt_part": "The Friday demo, and Jo who showed me around on day one.",
        "not_part": "The separate contractor badge.",
        "come_back": "yes",
        "stay_in_touch": True,
        "language": "nl",
        "term": 1,
    }

    async def completed() -> bool:
        return (await assignment(http, auth, unique_id))["phase"] == "completed"

    await eventually(completed, within=30)
    entries = await timeline(http, auth, unique_id)
    assert any(e["kind"] == "feedback" and e["actor"] == "freelancer" for e in entries)
    # Neither the link nor the answers reach the logs.
    logged = caplog.text
    assert "exit feedback received" in logged  # the log is captured here
    assert "'path': '/feedback/{token}'" in logged  # what the request line says instead
    assert token not in logged
    assert token.split(".")[1] not in logged
    assert "contractor badge" not in logged


async def test_answers_are_kept_when_the_workflow_no_longer_asks_for_them(
    http, auth, settings, unique_id, pool
):
    # Not offboarding (the assignment has not even started): the workflow refuses the update.
    await create(http, auth, create_body(unique_id, language="en"))
    token = link(settings, unique_id)

    response = await http.post(f"/feedback/{token}", data=answers(stay_in_touch=None))

    html = assert_page(response, 200, "Thank you, Sam!", "Payroll")
    assert "alumni network" not in html
    stored = await feedback.get(pool, unique_id)
    assert stored is not None and stored["answers"]["stay_in_touch"] is False
    assert (await assignment(http, auth, unique_id))["phase"] == "scheduled"


async def test_line_breaks_count_once_and_blank_optional_answers_are_fine(
    http, auth, settings, unique_id, pool
):
    await create(http, auth, create_body(unique_id, language="en"))
    # 4000 characters as the browser counts them; sent with CRLF line breaks.
    text = ("x" * 99 + "\n") * 40
    form = answers(felt_part=text.replace("\n", "\r\n"), not_part="", come_back="")

    response = await http.post(f"/feedback/{link(settings, unique_id)}", data=form)

    assert_page(response, 200, "Thank you, Sam!")
    stored = await feedback.get(pool, unique_id)
    assert stored is not None
    assert stored["answers"]["felt_part"] == text.strip()
    assert stored["answers"]["come_back"] is None


async def test_a_workflow_out_of_reach_is_told_when_the_form_is_sent_again(
    http, auth, settings, unique_id, pool, app, monkeypatch
):
    await offboarding_now(http, auth, unique_id)
    token = link(settings, unique_id)
    real_change = app.state.lifecycle.change
    told: list[Any] = []

    async def unreachable(*args: Any, **kwargs: Any) -> Any:
        told.append(args[2])
        raise Problem(503, "the lifecycle did not answer in time")

    monkeypatch.setattr(app.state.lifecycle, "change", unreachable)
    first = await http.post(f"/feedback/{token}", data=answers(rating="3"))

    assert_page(first, 200, "Bedankt, Sam!")  # the answers are safe: that is what counts
    assert [t.rating for t in told] == [3]
    assert (await assignment(http, auth, unique_id))["phase"] == "offboarding"

    # The freelancer sends the form again (a reload): the stored rating reaches the workflow.
    monkeypatch.setattr(app.state.lifecycle, "change", real_change)
    again = await http.post(f"/feedback/{token}", data=answers(rating="1"))

    assert_page(again, 409, "Bedankt, we hebben je antwoorden al")

    async def completed() -> bool:
        return (await assignment(http, auth, unique_id))["phase"] == "completed"

    await eventually(completed, within=30)
    stored = await feedback.get(pool, unique_id)
    assert stored is not None and stored["rating"] == 3


async def test_storage_out_of_reach_asks_to_try_again(
    http, auth, settings, unique_id, pool, monkeypatch
):
    await create(http, auth, create_body(unique_id, language="en"))
    token = link(settings, unique_id)

    async def down(*args: Any, **kwargs: Any) -> bool:
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")

    monkeypatch.setattr(feedback, "insert", down)
    response = await http.post(f"/feedback/{token}", data=answers())
    monkeypatch.undo()

    assert_page(response, 503, "Something went wrong on our side", "your link still works")
    assert await feedback.get(pool, unique_id) is None
    assert_page(await http.post(f"/feedback/{token}", data=answers()), 200, "Thank you, Sam!")


# ------------------------------------------------------------------------------- reuse


async def test_a_used_link_says_thank_you_with_409(http, auth, settings, unique_id, pool):
    await create(http, auth, create_body(unique_id, language="en"))
    token = link(settings, unique_id)
    first = await http.post(f"/feedback/{token}", data=answers(rating="5"))
    assert first.status_code == 200

    again = await http.post(f"/feedback/{token}", data=answers(rating="1"))
    reopened = await http.get(f"/feedback/{token}")
    # Another link for the same assignment (the reminder's, say) finds the answers too.
    other = link(settings, unique_id, expires_in=timedelta(days=20))
    assert other != token
    with_other = await http.post(f"/feedback/{other}", data=answers(rating="2"))

    for response in (again, reopened, with_other):
        assert_page(response, 409, "Thank you, we already have your answers")
    stored = await feedback.get(pool, unique_id)
    assert stored is not None and stored["rating"] == 5


async def test_two_racing_submissions_store_one_answer(http, auth, settings, unique_id, pool):
    await create(http, auth, create_body(unique_id, language="en"))
    token = link(settings, unique_id)

    responses = await asyncio.gather(
        *(http.post(f"/feedback/{token}", data=answers(rating=str(n))) for n in range(1, 6))
    )

    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
    stored = await feedback.get(pool, unique_id)
    winner = next(r for r in responses if r.status_code == 200)
    assert stored is not None
    assert responses.index(winner) + 1 == stored["rating"]


# ------------------------------------------------------------------------------- refused links


async def test_a_forged_or_malformed_link_is_404(http, auth, settings, unique_id, pool):
    await create(http, auth, create_body(unique_id, language="en"))
    token = link(settings, unique_id)
    payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    other_key = make_feedback_token(
        unique_id, 1, "not-our-key", DEPLOYMENT.now() + timedelta(days=30)
    )
    for bad in (f"{payload}.{flipped}", other_key, "not-a-token", token + "x", "a.b.c"):
        assert_page(await http.get(f"/feedback/{bad}"), 404, "This link is not valid")
        assert_page(
            await http.post(f"/feedback/{bad}", data=answers()), 404, "This link is not valid"
        )
    # A link cut or extended on its way to the browser gets the same page.
    assert_page(await http.get(f"/feedback/{token}/extra"), 404, "This link is not valid")
    assert_page(await http.get("/feedback/"), 404, "This link is not valid")
    # Not knowing the assignment, the page speaks the browser's language.
    dutch = await http.get("/feedback/not-a-token", headers={"Accept-Language": "nl-BE,en;q=0.5"})
    assert_page(dutch, 404, "Deze link is niet geldig")
    assert await feedback.get(pool, unique_id) is None


async def test_a_link_for_an_assignment_that_does_not_exist_is_404(http, settings, unique_id):
    response = await http.get(f"/feedback/{link(settings, unique_id)}")

    assert_page(response, 404, "This link is not valid")


async def test_an_expired_link_is_410(http, auth, settings, unique_id, pool, app):
    await create(http, auth, create_body(unique_id, language="fr"))
    token = link(settings, unique_id, expires_in=-timedelta(days=1))
    # Expired on the deployment's clock, which the app reads (assignment time).
    with pytest.raises(Exception, match="expired"):
        read_feedback_token(token, settings.signing_key, app.state.clock.now())

    assert_page(await http.get(f"/feedback/{token}"), 410, "This link has expired")
    assert_page(await http.post(f"/feedback/{token}", data=answers()), 410, "This link has expired")
    assert await feedback.get(pool, unique_id) is None


# ------------------------------------------------------------------------------- mistakes


async def test_an_invalid_rating_shows_the_form_again_with_what_was_typed(
    http, auth, settings, unique_id, pool
):
    await create(http, auth, create_body(unique_id, language="en"))
    token = link(settings, unique_id)
    form = answers(rating="7", felt_part="<b>Jo</b> & the demo", come_back="maybe")

    response = await http.post(f"/feedback/{token}", data=form)

    html = assert_page(response, 422, "Please check your answers", "Choose a rating from 1 to 5.")
    assert "&lt;b&gt;Jo&lt;/b&gt; &amp; the demo</textarea>" in html  # kept, and escaped
    assert "<b>Jo</b>" not in html
    controls = parse(html).controls
    assert "checked" in controls["come_back-maybe"]
    assert "checked" in controls["stay_in_touch"]
    assert all("checked" not in controls[f"rating-{n}"] for n in range(1, 6))
    assert controls["rating-1"].get("aria-invalid") == "true"
    assert await feedback.get(pool, unique_id) is None

    missing = await http.post(f"/feedback/{token}", data=answers(rating=None))
    assert_page(missing, 422, "Choose a rating from 1 to 5.")
    too_long = await http.post(f"/feedback/{token}", data=answers(not_part="y" * 4001))
    assert_page(too_long, 422, "Please keep this to 4000 characters or fewer (it has 4001).")
    odd_choice = await http.post(f"/feedback/{token}", data=answers(come_back="never"))
    assert_page(odd_choice, 422, "Choose yes, maybe or no.")
    not_a_form = await http.post(f"/feedback/{token}", json=answers())
    assert_page(not_a_form, 422, "Choose a rating from 1 to 5.")
    assert await feedback.get(pool, unique_id) is None

    # The mistakes did not use the link up.
    assert_page(await http.post(f"/feedback/{token}", data=answers()), 200, "Thank you, Sam!")


def test_every_text_of_the_pages_exists_in_every_language():
    from core.i18n import LANGUAGES, catalogue

    keys = {  # the page's words are the catalogues' feedback.* entries
        language: {m.id for m in catalogue(language) if str(m.id).startswith("feedback.")}
        for language in LANGUAGES
    }
    assert keys["en"]
    assert keys["nl"] == keys["en"]
    assert keys["fr"] == keys["en"]
