"""The engagement dashboard in a real browser, against the real stack: renewals decided and exit
feedback given through the API and the feedback form show up in its numbers and charts, every
chart is an SVG image with a title, a description and its numbers in a table, and access seen
after an end turns the page red.

Other tests share the database, so the page's numbers are compared with db.engagement's answer at
the same moment rather than with constants.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from playwright.sync_api import expect

from db.engagement import engagement
from tests.ui.conftest import Stack, check_accessibility, screenshot, sign_in
from tests.ui.test_today import decide, leaver_with_feedback, renewal_due, unique

CHART_TITLES = (
    "How early freelancers hear whether they stay",
    "How leavers rated their time",
    "Would they come back?",
)


def _numbers(page: Any, title: str) -> dict[str, str]:
    """The table of numbers under the chart of the section titled `title`."""
    section = page.locator("section", has=page.get_by_role("heading", level=2, name=title))
    section.get_by_text("Show the numbers").click()
    rows = section.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    return {
        (row.locator("th").text_content() or "").strip(): (
            row.locator("td").text_content() or ""
        ).strip()
        for row in rows.all()
    }


def test_the_dashboard_counts_what_happened_and_draws_it(stack: Stack, new_context: Any) -> None:
    early = unique("ENG-EARLY")
    renewal_due(stack, early, "Emma Maes", end=25, team="Data")
    decide(stack, early, "renew", new_end_date=(stack.today + timedelta(days=120)).isoformat())
    late = unique("ENG-LATE")
    renewal_due(stack, late, "Lars Wouters", end=8, team="Data")
    decide(stack, late, "end")
    said = f"Lunch with the team on my first day ({uuid_tag(early)})."
    leaver_with_feedback(
        stack, new_context, unique("ENG-LEFT"), "Ruben Declercq", felt_part=said, team="Payroll"
    )

    page = sign_in(new_context(), stack.keys["viewer"], next_path="/engagement")
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagement")
    screenshot(page, "engagement")
    check_accessibility(page, "engagement")
    expected = stack.run(engagement(stack.pool, stack.today, now=stack.now()))

    # Every chart: an SVG image named by its title, described in words.
    charts = page.locator("svg[role=img]")
    titles = charts.locator("title").all_text_contents()
    for title in CHART_TITLES:
        assert title in titles, titles
    for chart in charts.all():
        title_id, desc_id = (chart.get_attribute("aria-labelledby") or "").split()
        assert chart.locator(f"title#{title_id}").text_content()
        assert re.search(r"\d", chart.locator(f"desc#{desc_id}").text_content() or "")

    # The renewal notice: Emma heard 25 days ahead, Lars 8; the table says what the data says.
    notice = _numbers(page, "How early freelancers hear whether they stay")
    assert notice["21–27 days"] == str(expected.notice.distribution.buckets[3].count)  # noqa: RUF001
    assert notice["7–13 days"] == str(expected.notice.distribution.buckets[1].count)  # noqa: RUF001
    assert int(notice["21–27 days"]) >= 1 and int(notice["7–13 days"]) >= 1  # noqa: RUF001
    median = expected.notice.distribution.median
    assert median is not None
    expect(page.locator("figcaption").first).to_contain_text(f"Median: {round(median)}")

    # Tiles: the exit feedback's response and nobody with access after the end.
    tile = page.locator("#tile-feedback")
    expect(tile).to_contain_text(
        f"{expected.feedback.part} of {expected.feedback.total} leavers told us how it was"
    )
    after_end = page.locator("#tile-after_end")
    expect(after_end).to_contain_text(str(expected.access_after_end))
    if expected.access_after_end == 0:
        expect(after_end).to_have_class(re.compile(r"\btile--good\b"))
        expect(after_end).to_contain_text("every leaver's access was closed on time")

    # What the leaver said, without a name; and the alumnus by first name and team.
    felt = page.locator("section", has=page.get_by_role("heading", name="What made them feel"))
    expect(felt.locator("blockquote", has_text=said)).to_be_visible()
    expect(felt).not_to_contain_text("Ruben")
    ratings = _numbers(page, "How leavers rated their time")
    assert ratings["5 stars"] == str(expected.ratings[5])
    alumni = page.locator("section", has=page.get_by_role("heading", name="Alumni who want"))
    expect(alumni.locator("li", has_text="Ruben").first).to_contain_text("Payroll")
    expect(page.locator("#tile-alumni")).to_contain_text(str(expected.alumni))
    check_accessibility(page, "engagement (the numbers unfolded)")


def test_access_seen_after_an_end_turns_red(stack: Stack, new_context: Any) -> None:
    # Sorts first among the examples the page lists.
    assignment_id = unique("0-ENG-AFTER")
    stack.create(assignment_id, start=20, end=100)
    with stack.api("contracting") as http:
        response = http.post(
            f"/v1/assignments/{assignment_id}/cancellation", json={"reason": "not needed"}
        )
    assert response.status_code == 200, response.text
    stack.wait_for(assignment_id, lambda a: a["phase"] == "cancelled")
    # A provider that kept the account open although the ledger says the assignment ended.
    stack.sql(
        "INSERT INTO access_grant (assignment_id, tool, status, since)"
        " VALUES ($1, 'chat', 'granted', now())",
        assignment_id,
    )
    try:
        page = sign_in(new_context(), stack.keys["operator"], next_path="/engagement")
        tile = page.locator("#tile-after_end")
        expect(tile).to_have_class(re.compile(r"\btile--bad\b"))
        expect(tile).to_contain_text("This must be zero")
        listed = page.locator("#after-end li", has_text=assignment_id)
        expect(listed).to_contain_text("still granted although it has ended")
        expect(listed.get_by_role("link")).to_have_attribute(
            "href", f"/assignments/{assignment_id}"
        )
        # The red is not the only cue: the words say it, and so does the mark.
        color = tile.locator(".tile__value").evaluate("e => getComputedStyle(e).color")
        assert color == "rgb(164, 38, 28)", color
        screenshot(page, "engagement-access-after-end")
        check_accessibility(page, "engagement (access after an end)")
    finally:
        stack.sql(
            "UPDATE access_grant SET status = 'revoked' WHERE assignment_id = $1", assignment_id
        )


def test_the_dashboard_in_french_on_a_phone(stack: Stack, new_context: Any) -> None:
    context = new_context(
        locale="fr-BE",
        extra_http_headers={"Accept-Language": "fr-BE,fr;q=0.9"},
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    page = context.new_page()
    page.goto("/signin?next=/engagement")
    page.locator("input[name=api_key]").fill(stack.keys["viewer"])
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagement")
    expect(page.get_by_role("heading", name="Reviendraient-ils ?")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    screenshot(page, "engagement-phone-fr")
    check_accessibility(page, "engagement (fr, phone)")


def uuid_tag(assignment_id: str) -> str:
    return assignment_id.rsplit("-", 1)[-1].lower()
