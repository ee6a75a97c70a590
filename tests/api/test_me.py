"""The freelancer's own page (/me/{token}) as the freelancer meets it: the link in the welcome
mail, the purpose, the days and the people; where the renewal stands, before and after the
manager decides; another person's link shows nothing. Real dev server, worker and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from api.ui.i18n import Translator
from core.tokens import make_personal_token
from tests.api.conftest import create_body, eventually
from tests.api.pages import assert_page, assignment, create
from tests.clock import DEPLOYMENT, TIMEZONE
from tests.factories import FREELANCER


async def link_in(pool, assignment_id: str, kind: str) -> str:
    query = "SELECT body_text FROM mail_message WHERE assignment_id = $1 AND kind = $2"

    async def written() -> str | None:
        return await pool.fetchval(query, assignment_id, kind)

    text = await eventually(written, within=30)
    found = re.search(r"https?://\S+/me/\S+", text)
    assert found, text
    return urlsplit(found.group(0)).path


async def test_the_welcome_mail_leads_to_the_freelancers_own_page(http, auth, unique_id, pool):
    today = DEPLOYMENT.today(TIMEZONE)
    body = create_body(
        unique_id, language="en", timezone=TIMEZONE,
        start_date=(today + timedelta(days=3)).isoformat(),
        end_date=(today + timedelta(days=120)).isoformat(),
    )  # fmt: skip
    await create(http, auth, body)
    path = await link_in(pool, unique_id, "welcome")

    page = assert_page(
        await http.get(path), 200, "Sam, your assignment with Payroll", "Why it matters"
    )
    t = Translator("en")
    assert f"First day: {t.date(today + timedelta(days=3), weekday=True)}" in page
    assert body["purpose"].strip().splitlines()[0] in page
    assert 'href="mailto:lea@client.example"' in page  # the manager, to reach
    assert "is asked whether the assignment goes on" in page
    # Mails to others carry no such link: the manager's checklist names no /me/.
    query = "SELECT body_text FROM mail_message WHERE assignment_id = $1 AND kind = $2"
    checklist = await pool.fetchval(query, unique_id, "manager_checklist")
    assert "/me/" not in checklist


async def test_the_renewal_is_told_as_it_stands_then_as_decided(
    http, auth, unique_id, pool, settings
):
    today = DEPLOYMENT.today(TIMEZONE)
    body = create_body(
        unique_id, language="nl", timezone=TIMEZONE,
        start_date=(today - timedelta(days=60)).isoformat(),
        end_date=(today + timedelta(days=20)).isoformat(),
    )  # fmt: skip
    await create(http, auth, body)

    async def in_review() -> bool:
        return (await assignment(http, auth, unique_id))["pending_decision"] is not None

    await eventually(in_review, within=30)
    token = make_personal_token(
        unique_id, 1, FREELANCER.email, settings.signing_key, DEPLOYMENT.now() + timedelta(days=30)
    )
    assert_page(await http.get(f"/me/{token}"), 200, "Je manager Lea Janssens moet beslissen tegen")

    new_end = date.fromisoformat(body["end_date"]) + timedelta(days=90)
    decided = await http.post(
        f"/v1/assignments/{unique_id}/renewal-decision",
        json={"decision": "renew", "new_end_date": new_end.isoformat()}, headers=auth("operator"),
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    page = assert_page(await http.get(f"/me/{token}"), 200, "Verlengd: je nieuwe laatste dag is")
    assert Translator("nl").date(new_end, weekday=True) in page
    # The outcome mail to the freelancer carries the same kind of link.
    assert (await link_in(pool, unique_id, "renewal_outcome")).startswith("/me/")


async def test_another_persons_forged_or_expired_link_shows_nothing(
    http, auth, unique_id, settings
):
    await create(http, auth, create_body(unique_id, language="en"))
    key, later = settings.signing_key, DEPLOYMENT.now() + timedelta(days=30)
    someone_else = make_personal_token(unique_id, 1, "other@example.org", key, later)
    forged = make_personal_token(unique_id, 1, FREELANCER.email, "not-our-key", later)
    for bad in (someone_else, forged, "garbage", f"{someone_else}/x"):
        page = assert_page(await http.get(f"/me/{bad}"), 404, "This link does not work")
        assert "Payroll" not in page and "Sam" not in page
    expired = make_personal_token(
        unique_id, 1, FREELANCER.email, key, DEPLOYMENT.now() - timedelta(seconds=1)
    )
    assert_page(await http.get(f"/me/{expired}"), 410, "This link has expired")


def test_every_text_of_the_page_exists_in_every_language() -> None:
    from core.i18n import LANGUAGES, catalogue

    keys = {
        lang: {m.id for m in catalogue(lang) if str(m.id).startswith("me.")} for lang in LANGUAGES
    }
    assert keys["en"] and keys["nl"] == keys["en"] and keys["fr"] == keys["en"]
