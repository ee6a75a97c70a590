"""The operator UI around the journey: languages and a phone's width, the list's filters, order
and "show more", signing out, a revoked key, a contracting key, and the demo clock."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from api.ui import assignments as ui_assignments
from api.ui import pages as ui_pages
from db import api_keys
from tests.ui.conftest import Stack, check_accessibility, screenshot, sign_in


def _team() -> str:
    return f"Team {uuid.uuid4().hex[:6]}"


def test_languages_follow_the_browser_and_the_switcher_and_fit_a_phone(
    stack: Stack, new_context: Any
) -> None:
    assignment_id = f"UI-LANG-{uuid.uuid4().hex[:8].upper()}"
    stack.create(assignment_id, start=-30, end=120, team="Données")

    # The browser asks for French first.
    context = new_context(locale="fr-BE", viewport={"width": 360, "height": 800})
    page = context.new_page()
    page.goto("/signin?next=/assignments")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    page.get_by_label("Clé d'API").fill(stack.keys["operator"])
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("navigation", name="Menu principal")).to_contain_text("Missions")

    # The switcher: Dutch, remembered for the next pages.
    page.goto(f"/assignments/{assignment_id}")
    page.get_by_role("navigation", name="Langue").get_by_role("link", name="NL").click()
    expect(page).to_have_url(re.compile(rf"/assignments/{assignment_id}$"))
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name="Tijdlijn")).to_be_visible()
    end = date.fromisoformat(stack.assignment(assignment_id)["end_date"])
    months = ["jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt."]
    months += ["nov.", "dec."]
    expect(page.locator(".facts")).to_contain_text(f"{end.day} {months[end.month - 1]} {end.year}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px screen"
    screenshot(page, "08-assignment-phone-nl")
    check_accessibility(page, "assignment page (phone, nl)")

    page.goto("/assignments")
    expect(page.get_by_role("heading", name="Opdrachten", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "09-assignments-phone-nl")
    check_accessibility(page, "assignments list (phone, nl)")


def test_the_list_filters_orders_and_shows_more(
    stack: Stack, new_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui_assignments, "PAGE_SIZE", 2)  # the server runs in this process
    team = _team()
    ids = []
    for n, (start, end) in enumerate([(30, 200), (40, 100), (-10, 150)]):
        assignment_id = f"UI-LIST-{uuid.uuid4().hex[:6].upper()}-{n}"
        stack.create(assignment_id, start=start, end=end, team=team)
        ids.append(assignment_id)
    page = sign_in(new_context(), stack.keys["viewer"], next_path="/assignments")

    page.get_by_text("More filters").click()
    page.get_by_label("Team").fill(team)
    page.get_by_label("Order").select_option("end-asc")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("#assignment-rows > li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(ids[1])  # ends first
    expect(rows.nth(1)).to_contain_text(ids[2])

    # "Show more" appends the next page in place.
    page.get_by_role("link", name="Show more").click()
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text(ids[0])
    expect(page.get_by_role("link", name="Show more")).to_have_count(0)
    expect(page.locator("#shown-count")).to_have_text("3 shown")

    # Phase: only the one that started.
    page.get_by_label("Phase").select_option("active")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(ids[2])
    expect(rows.first).to_contain_text("Active")

    # Nothing found: said calmly, with a way back.
    page.goto(f"/assignments?team={team}&ending_before=2000-01-01")
    expect(page.get_by_text("No assignment matches these filters.")).to_be_visible()
    page.goto("/assignments?cursor=not-a-cursor")
    expect(page.get_by_role("status")).to_contain_text("That page link no longer fits")


def test_signing_out_and_a_revoked_key_end_the_session(stack: Stack, new_context: Any) -> None:
    name = f"ui-leaver-{uuid.uuid4().hex[:6]}"
    key = stack.run(api_keys.create(stack.pool, name, "operator"))
    context = new_context()
    page = sign_in(context, key, next_path="/assignments")
    cookie = next(c for c in context.cookies() if c["name"] == "lifecycle_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert key not in cookie["value"]

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    page.goto("/assignments")
    expect(page).to_have_url(re.compile(r"/signin\?next="))

    page = sign_in(context, key, next_path="/assignments")
    expect(page.get_by_role("heading", name="Assignments", exact=True)).to_be_visible()
    stack.sql("UPDATE api_key SET revoked_at = now() WHERE name = $1", name)
    page.reload()
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    expect(page.get_by_role("status")).to_contain_text("Your session has ended")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("contracting", "This is a contracting system's key"),
        ("lc_not-a-key", "This key is unknown or has been revoked."),
    ],
)
def test_keys_that_may_not_sign_in_are_told_why(
    stack: Stack, new_context: Any, key: str, message: str
) -> None:
    page = sign_in(new_context(), stack.keys.get(key, key))
    expect(page).to_have_url(re.compile(r"/signin"))
    expect(page.get_by_role("alert")).to_contain_text(message)
    expect(page.get_by_label("API key")).to_have_attribute("aria-invalid", "true")


def test_a_compressed_clock_shows_its_banner_and_pages_refresh_themselves(
    stack: Stack, new_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No refresh while the page is checked; then every 2 s (the server runs in this process).
    monkeypatch.setattr(ui_pages, "REFRESH_SECONDS", 3600)
    url, stop = stack.serve(stack.settings.model_copy(update={"clock_speed": 8640.0}))
    try:
        page = sign_in(new_context(base_url=url), stack.keys["operator"], next_path="/assignments")
        banner = page.get_by_role("note")
        expect(banner).to_contain_text("Demo clock")
        expect(banner).to_contain_text("8,640\u00d7 faster")
        expect(banner).to_contain_text("a day every 10 s")
        expect(page.locator("body")).to_have_attribute("data-refresh", "3600")
        screenshot(page, "10-assignments-demo-clock")
        check_accessibility(page, "assignments list (demo clock)")

        monkeypatch.setattr(ui_pages, "REFRESH_SECONDS", 2)
        with page.expect_navigation():
            page.goto("/assignments")
        page.evaluate("window.__notReloaded = true")
        with page.expect_navigation(timeout=8000):
            pass  # the page reloads itself
        assert page.evaluate("window.__notReloaded") is None

        # Not while someone is typing.
        page.get_by_label("Name or assignment id").fill("Pay")
        page.evaluate("window.__notReloaded = true")
        page.wait_for_timeout(4500)
        assert page.evaluate("window.__notReloaded") is True
    finally:
        stop()
