"""A manager decides the renewal from the mail, in a real browser against the real stack: the
link in the renewal request the SMTP server received opens a page that asks for confirmation
(and, on a phone, reads as well as on a desk); the confirmation renews; the freelancer's outcome
mail arrives; the operator UI shows the manager, by name, as the one who decided; the link,
opened again, says the decision has been taken."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from playwright.sync_api import expect

from api.ui.i18n import Translator
from tests.factories import FREELANCER, MANAGER
from tests.peers.smtp import Received
from tests.ui.conftest import Stack, check_accessibility, screenshot, sign_in


def text(received: Received) -> str:
    part = received.message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_manager_renews_from_the_link_in_the_mail(stack: Stack, new_context) -> None:
    assignment_id = f"DECIDE-{uuid.uuid4().hex[:8].upper()}"
    stack.create(assignment_id, start=-60, end=20, language="en")
    stack.wait_for(assignment_id, lambda a: a["pending_decision"] is not None)
    request = stack.received(assignment_id, "renewal_request")
    assert request.recipients == [MANAGER.email]
    found = re.search(r"https?://\S+(/decide/[A-Za-z0-9_.-]+)", text(request))
    assert found, text(request)
    link = found.group(1)

    phone = new_context(viewport={"width": 360, "height": 780}, is_mobile=True)
    page = phone.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Does the assignment of Sam Peeters go on?"
    )
    screenshot(page, "decide-phone")
    check_accessibility(page, "decide (360 px)")
    assert stack.assignment(assignment_id)["pending_decision"] is not None  # opening: nothing

    # Renew, three months on from the last day, with a word for the freelancer.
    end = date.fromisoformat(stack.assignment(assignment_id)["end_date"])
    new_end = end + timedelta(days=91)
    page.get_by_role("radio", name="Renew").check()
    page.get_by_label("New last day (to renew)").fill(new_end.isoformat())
    page.get_by_label("A word for Sam").fill("Great quarter, let's go on.")
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Lea")
    day = Translator("en").date(new_end, weekday=True)
    expect(page.get_by_text(f"Renewed until {day}.")).to_be_visible()
    check_accessibility(page, "decide (done)")

    renewed = stack.wait_for(assignment_id, lambda a: a["term"] == 2)
    assert renewed["end_date"] == new_end.isoformat()
    # The freelancer hears it, with the manager's word.
    outcome = stack.received(assignment_id, "renewal_outcome")
    assert outcome.recipients[0] == FREELANCER.email
    assert "Great quarter, let's go on." in text(outcome)

    # The operator sees who decided: the manager, by name.
    operator = sign_in(
        new_context(), stack.keys["operator"], next_path=f"/assignments/{assignment_id}"
    )
    entry = operator.get_by_role("listitem").filter(has_text=f"renewed until {new_end.isoformat()}")
    expect(entry).to_contain_text(f"{MANAGER.name} (manager)")

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This decision has been taken")
