"""The Today page in a real browser, against the real stack: assignments made through the API
(and a leaver's exit feedback through the form of the mail) show up in the right sections.

Other tests share the database, so what a section must hold is checked on that section shown in
full (`/?all=<section>`); the page as an operator first sees it is screenshotted and checked
with axe-core.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import Stack, check_accessibility, screenshot, sign_in


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def person(name: str) -> dict[str, str]:
    first = unicodedata.normalize("NFKD", name.split()[0].lower()).encode("ascii", "ignore")
    return {"name": name, "email": f"{first.decode()}@example.org"}


def renewal_due(stack: Stack, assignment_id: str, name: str, *, end: int, **more: Any) -> dict:
    """Started two months ago and ends in `end` days (< 30): its renewal review is open."""
    stack.create(assignment_id, start=-60, end=end, freelancer=person(name), **more)
    return stack.wait_for(assignment_id, lambda a: a["pending_decision"] is not None)


def decide(stack: Stack, assignment_id: str, decision: str, **more: Any) -> dict:
    with stack.api("operator") as http:
        response = http.post(
            f"/v1/assignments/{assignment_id}/renewal-decision",
            json={"decision": decision, **more},
        )
    assert response.status_code == 200, response.text
    return response.json()


def leaver_with_feedback(
    stack: Stack,
    new_context: Any,
    assignment_id: str,
    name: str,
    *,
    felt_part: str,
    rating: int = 5,
    stay_in_touch: bool = True,
    **more: Any,
) -> dict:
    """Ends today (terminated), then answers the exit-feedback form linked in the mail it got."""
    zone = stack.afternoon_zone()
    stack.create(assignment_id, start=-120, end=40, freelancer=person(name), timezone=zone, **more)
    with stack.api("contracting") as http:
        response = http.post(
            f"/v1/assignments/{assignment_id}/termination",
            json={
                "effective_date": stack.today_in(zone).isoformat(),
                "reason": "the project is done",
            },
        )
    assert response.status_code == 200, response.text
    stack.wait_for(assignment_id, lambda a: a["phase"] == "offboarding")
    mail = stack.mail_text(assignment_id, "exit_feedback")
    link = re.search(r"/feedback/[A-Za-z0-9_.-]+", mail)
    assert link, mail

    form = new_context().new_page()
    form.goto(link.group(0))
    form.locator(f"input[name=rating][value='{rating}']").check()
    form.locator("textarea[name=felt_part]").fill(felt_part)
    form.locator("input[name=come_back][value=yes]").check()
    if stay_in_touch:
        form.locator("input[name=stay_in_touch]").check()
    form.locator("button[type=submit]").click()
    expect(form.locator("h1")).to_contain_text("Thank you")
    return stack.wait_for(assignment_id, lambda a: True)


def open_section(page: Any, section: str) -> Any:
    """The section shown in full, whatever else the shared database holds."""
    page.goto(f"/?all={section}#{section}")
    return page.locator(f"section#{section}")


def test_today_shows_decisions_arrivals_leavers_and_late_tasks(
    stack: Stack, new_context: Any
) -> None:
    renew = unique("TODAY-RENEW")
    renewal_due(stack, renew, "Noor Jacobs", end=12, team="Finance", role="Controller")
    ready = unique("TODAY-READY")
    stack.create(ready, start=3, end=120, freelancer=person("Amélie Laurent"), team="Care")
    planned = unique("TODAY-PLANNED")
    stack.create(planned, start=10, end=200, freelancer=person("Jonas Wouters"), team="IT")
    leaving = unique("TODAY-LEAVING")
    renewal_due(stack, leaving, "Sofie Claes", end=6, team="Marketing")
    decide(stack, leaving, "end", note="The campaign is over; thank you!")
    left = unique("TODAY-LEFT")
    leaver_with_feedback(
        stack,
        new_context,
        left,
        "Pieter Hermans",
        felt_part="Being invited to the Friday demo from the first week.",
        team="Tax",
    )
    # Access is granted at once for a start within the week.
    stack.wait_for(
        ready, lambda a: a["access"] and all(x["status"] == "granted" for x in a["access"])
    )

    page = sign_in(new_context(), stack.keys["operator"], next_path="/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Today")
    for title in (
        "Renewal decisions due",
        "Tasks past due",
        "Starting in the next 14 days",
        "Leaving in the next 30 days",
    ):
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    screenshot(page, "today")
    check_accessibility(page, "today")

    # Renewal decisions: soonest first, each a link to its decision.
    renewals = open_section(page, "renewals")
    noor = renewals.locator("li.person-row", has_text="Noor Jacobs")
    expect(noor).to_contain_text("Decide by")
    expect(noor).to_contain_text("Asked of Lea Janssens")
    expect(noor.get_by_role("link", name="Noor Jacobs")).to_have_attribute(
        "href", f"/assignments/{renew}#decision"
    )
    dues = [
        datetime.fromisoformat(a["pending_decision"]["due"])
        for a in _listed(stack, renewals, "/assignments/")
        if a["pending_decision"]
    ]
    assert dues == sorted(dues), "soonest first"
    # The one decided is no longer waiting.
    expect(renewals.locator("li.person-row", has_text="Sofie Claes")).to_have_count(0)

    # Late tasks: Noor's onboarding tasks were due on her first day, two months ago.
    tasks = open_section(page, "tasks")
    late = tasks.locator("li.person-row", has_text="Noor Jacobs")
    expect(late).to_contain_text("60 days late")
    expect(late.locator(".late-tasks li")).to_have_count(3)
    expect(late).to_contain_text("and 2 more tasks")

    # Arrivals: access granted a week ahead, or planned for then.
    starting = open_section(page, "starting")
    expect(starting.locator("li.person-row", has_text="Amélie Laurent")).to_contain_text(
        "Access ready"
    )
    jonas = starting.locator("li.person-row", has_text="Jonas Wouters")
    expect(jonas).to_contain_text("in 10 days")
    expect(jonas).to_contain_text("Access from")
    expect(starting.locator("li.person-row", has_text="Noor Jacobs")).to_have_count(0)

    # Leavers: whether their exit feedback came in.
    leavers = open_section(page, "leaving")
    sofie = leavers.locator("li.person-row", has_text="Sofie Claes")
    expect(sofie).to_contain_text("in 6 days")
    expect(sofie).to_contain_text("Feedback asked on the last day")
    pieter = leavers.locator("li.person-row", has_text="Pieter Hermans")
    expect(pieter).to_contain_text("Feedback received")
    expect(leavers.locator("li.person-row", has_text="Jonas Wouters")).to_have_count(0)

    # From Today to the decision.
    page.goto("/")
    open_section(page, "renewals").get_by_role("link", name="Noor Jacobs").click()
    expect(page).to_have_url(re.compile(rf"/assignments/{renew}#decision$"))
    expect(page.locator("#decision").get_by_role("heading", name="Renew or end?")).to_be_visible()


def test_today_in_dutch_on_a_phone(stack: Stack, new_context: Any) -> None:
    renewal_due(stack, unique("TODAY-NL"), "Lotte Peeters", end=15, team="Finance")
    context = new_context(
        locale="nl-BE",
        extra_http_headers={"Accept-Language": "nl-BE,nl;q=0.9"},
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    page = sign_in_nl(context, stack.keys["viewer"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Vandaag")
    expect(
        page.get_by_role("heading", level=2, name="Verlengingen om te beslissen")
    ).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    screenshot(page, "today-phone-nl")
    check_accessibility(page, "today (nl, phone)")


def sign_in_nl(context: Any, key: str) -> Any:
    page = context.new_page()
    page.goto("/signin")
    page.locator("input[name=api_key]").fill(key)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def _listed(stack: Stack, section: Any, prefix: str) -> list[dict]:
    """The assignments a section links to, in its order, as the API shows them."""
    hrefs = section.locator("a.person-row__name").evaluate_all("els => els.map(e => e.pathname)")
    return [stack.assignment(h.removeprefix(prefix)) for h in hrefs]
