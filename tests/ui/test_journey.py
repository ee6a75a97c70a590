"""The operator's journey in a real browser, against the real stack: sign in, find an assignment,
decide its renewal, complete a task; what a viewer sees; forged and refused posts.

Every page built here is screenshotted (test-artifacts/screenshots/) and checked with axe-core.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import expect

from db import feedback
from tests.ui.conftest import Stack, check_accessibility, screenshot, sign_in

# What happened and the next few planned steps (later ones, shown or not depending on the moment,
# are in a list of their own behind a disclosure).
TIMELINE = "ol.timeline:not(.timeline--later)"


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def _renewal_due(stack: Stack, prefix: str, **overrides: Any) -> dict[str, Any]:
    """An assignment whose renewal review is due at once: it ends 20 days from today."""
    assignment_id = _id(prefix)
    stack.create(assignment_id, start=-60, end=20, **overrides)
    return stack.wait_for(assignment_id, lambda a: a["pending_decision"] is not None)


def test_operator_finds_an_assignment_decides_its_renewal_and_completes_a_task(
    stack: Stack, new_context: Any
) -> None:
    a = _renewal_due(
        stack, "UI-RENEW", freelancer={"name": "Ilse Vermeulen", "email": "ilse@example.org"}
    )
    assignment_id = a["assignment_id"]
    context = new_context()

    # Sign in (an unsigned visitor is sent to the sign-in page, and back afterwards).
    page = context.new_page()
    page.goto("/assignments")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fassignments$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "01-signin")
    check_accessibility(page, "sign-in")
    page.get_by_label("API key").fill(stack.keys["operator"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/assignments$"))
    expect(page.get_by_role("banner")).to_contain_text("ui-operator")

    # Find it by a part of the freelancer's name.
    page.get_by_label("Name or assignment id").fill("vermeulen")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"q=vermeulen"))
    row = page.locator("li.row", has_text=assignment_id)
    expect(row).to_contain_text("Ilse Vermeulen")
    expect(row).to_contain_text("Renewal review")
    expect(row).to_contain_text("Decision due")
    screenshot(page, "02-assignments")
    check_accessibility(page, "assignments list")

    # Open it: the renewal decision waits at #decision.
    row.get_by_role("link", name="Ilse Vermeulen").click()
    expect(page).to_have_url(re.compile(rf"/assignments/{assignment_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ilse Vermeulen")
    expect(page.locator(".page-head .badge")).to_have_text("Renewal review")
    decision = page.locator("#decision")
    expect(decision.get_by_role("heading", name="Renew or end?")).to_be_visible()
    timeline = page.locator(TIMELINE)
    expect(timeline).to_contain_text("Renewal decision asked of the manager")
    expect(timeline.locator(".tl--planned").first).to_contain_text("planned")
    expect(page.get_by_role("link", name=re.compile("Temporal Web UI"))).to_have_attribute(
        "href", re.compile(rf"/workflows/assignment-{assignment_id}/")
    )
    screenshot(page, "03-assignment-renewal-due")
    check_accessibility(page, "assignment page (renewal due)")

    # Decide: renew for three more months, with a word for the freelancer.
    new_end = date.fromisoformat(a["end_date"]) + timedelta(days=90)
    decision.get_by_label("Renew").check()
    decision.get_by_label("New last day").fill(new_end.isoformat())
    decision.get_by_label("A word for Ilse").fill("We would love to keep you on the team.")
    decision.get_by_role("button", name="Send the decision").click()

    expect(page).to_have_url(re.compile(rf"/assignments/{assignment_id}#main$"))
    expect(page.get_by_role("status").filter(has_text="Renewed")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("Active")
    expect(page.locator(".page-head")).to_contain_text("Term 2")
    expect(page.locator("section.decision")).to_have_count(0)
    renewal = timeline.locator("li.tl", has_text="Renewal decided")
    expect(renewal).to_contain_text(f"Renewed until {new_end.isoformat()}")
    expect(renewal).to_contain_text("ui-operator (operator)")
    expect(page.locator(".facts")).to_contain_text(f"{new_end.day} ")
    after = stack.assignment(assignment_id)
    assert after["phase"] == "active" and after["end_date"] == new_end.isoformat()

    # Each open task says whose it is and by when; those due on the first day are late.
    tasks = page.locator("#tasks")
    start = date.fromisoformat(a["start_date"])
    rituals = tasks.locator("li.task", has_text="team's rituals")
    expect(rituals).to_contain_text(f"Buddy: Jo Maes · due {start:%a} {start.day} {start:%b}")
    expect(rituals.locator(".chip--late")).to_have_text("Late")
    expect(tasks.locator("li.task", has_text="Plan the kick-off")).to_contain_text(
        "Manager: Lea Janssens"
    )

    # Complete a task.
    first_open = tasks.locator("li.task:not(.task--done)").first
    title = (first_open.locator(".task__title").text_content() or "").split(": ", 1)[-1]
    first_open.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status").filter(has_text="Task marked done.")).to_be_visible()
    done = tasks.locator("li.task--done", has_text=title)
    expect(done).to_contain_text("Done")
    expect(tasks).to_contain_text("1 of 4 done")
    expect(timeline.locator("li.tl", has_text="Task done")).to_contain_text(title)
    assert sum(t["done"] for t in stack.assignment(assignment_id)["tasks"]) == 1
    screenshot(page, "04-assignment-renewed")
    check_accessibility(page, "assignment page (after the decision)")

    # The mail that told the freelancer is in the outbox.
    expect(page.locator(".mail").first).to_contain_text("ilse@example.org")


def test_a_viewer_sees_no_actions_and_the_server_refuses_them(
    stack: Stack, new_context: Any
) -> None:
    a = _renewal_due(stack, "UI-VIEW")
    assignment_id = a["assignment_id"]
    page = sign_in(new_context(), stack.keys["viewer"], next_path=f"/assignments/{assignment_id}")

    expect(page).to_have_url(re.compile(rf"/assignments/{assignment_id}$"))
    expect(page.locator("#decision")).to_contain_text("An operator decides this renewal")
    expect(page.get_by_role("button", name="Send the decision")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Mark done"))).to_have_count(0)
    expect(page.get_by_role("heading", name="Contract changes")).to_have_count(0)
    screenshot(page, "05-assignment-viewer")
    check_accessibility(page, "assignment page (viewer)")

    # Even with the session's own CSRF token, the server refuses a viewer's action.
    token = page.locator("form[action='/signout'] input[name=csrf]").get_attribute("value")
    refused = page.request.post(
        f"/assignments/{assignment_id}/decision",
        form={"csrf": token or "", "decision": "end"},
        max_redirects=0,
    )
    assert refused.status == 403
    assert "may not do this" in refused.text()
    assert stack.assignment(assignment_id)["pending_decision"] is not None


def test_a_forged_form_post_is_refused(stack: Stack, new_context: Any) -> None:
    a = _renewal_due(stack, "UI-CSRF")
    assignment_id = a["assignment_id"]
    context = new_context()
    page = sign_in(context, stack.keys["operator"], next_path=f"/assignments/{assignment_id}")
    expect(page.get_by_role("button", name="Send the decision")).to_be_visible()

    # The operator's own cookie, but a token that is not the session's (or none at all).
    for form in ({"csrf": "forged", "decision": "end"}, {"decision": "end"}):
        forged = page.request.post(
            f"/assignments/{assignment_id}/decision", form=form, max_redirects=0
        )
        assert forged.status == 403, form
        assert "could not be verified" in forged.text()

    # A page on another site that posts to ours: the session cookie (SameSite=Lax) stays home.
    attacker = context.new_page()
    attacker.set_content(
        f"""<form method="post" action="{stack.url}/assignments/{assignment_id}/decision">
        <input name="csrf" value="guessed"><input name="decision" value="end">
        <button>Win a prize</button></form>"""
    )
    with attacker.expect_navigation():
        attacker.get_by_role("button", name="Win a prize").click()
    expect(attacker.get_by_role("heading", name="Not allowed")).to_be_visible()
    screenshot(attacker, "06-forged-post-refused")
    check_accessibility(attacker, "403 page")
    assert stack.assignment(assignment_id)["pending_decision"] is not None


def test_a_refused_change_shows_its_reason(stack: Stack, new_context: Any) -> None:
    assignment_id = _id("UI-REFUSE")
    created = stack.create(assignment_id, start=-10, end=80)
    end = date.fromisoformat(created["end_date"])
    page = sign_in(new_context(), stack.keys["admin"], next_path=f"/assignments/{assignment_id}")

    changes = page.locator("#changes")
    changes.get_by_text("Extend the contract").click()
    changes.get_by_label("New last day").fill((end - timedelta(days=5)).isoformat())
    changes.get_by_label("Reason").first.fill("more work")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        changes.get_by_role("button", name="Extend", exact=True).click()
    assert answer.value.status == 409
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was changed")
    expect(alert).to_contain_text(f"must be after the current end date {end.isoformat()}")
    expect(changes.get_by_label("Reason").first).to_have_value("more work")
    screenshot(page, "07-assignment-refused")
    check_accessibility(page, "assignment page (refused change)")

    # A date the form itself can judge: an early end in the past is refused on its field.
    page.goto(f"/assignments/{assignment_id}")
    changes.get_by_text("End it early").click()
    terminate = changes.locator("form[action*='/termination']")
    terminate.get_by_label("Effective date").fill((stack.today - timedelta(days=3)).isoformat())
    terminate.get_by_label("Reason").fill("budget")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        terminate.get_by_role("button", name="End the assignment early").click()
    assert answer.value.status == 422
    expect(terminate.locator(".field__error")).to_contain_text("must be today")
    assert stack.assignment(assignment_id)["end_date"] == end.isoformat()


def test_an_admin_cancels_an_assignment_before_it_starts(stack: Stack, new_context: Any) -> None:
    assignment_id = _id("UI-CANCEL")
    stack.create(assignment_id, start=30, end=120)
    page = sign_in(new_context(), stack.keys["admin"], next_path=f"/assignments/{assignment_id}")
    expect(page.locator(".page-head .badge")).to_have_text("Scheduled")
    changes = page.locator("#changes")
    changes.get_by_text("Cancel before the start").click()
    changes.locator("form[action*='/cancellation']").get_by_label("Reason").fill(
        "the project was postponed"
    )
    changes.get_by_role("button", name="Cancel the assignment").click()
    expect(page.get_by_role("status").filter(has_text="cancelled")).to_be_visible()
    expect(page.locator(".page-head .badge")).to_have_text("Cancelled")
    expect(page.locator(TIMELINE)).to_contain_text("The project was postponed")
    expect(page.locator("#changes")).to_have_count(0)
    assert stack.assignment(assignment_id)["phase"] == "cancelled"


def test_an_early_end_leads_to_a_warm_farewell_and_its_feedback_is_shown(
    stack: Stack, new_context: Any
) -> None:
    assignment_id = _id("UI-LEAVE")
    zone = stack.afternoon_zone()  # where an end effective today starts offboarding at once
    stack.create(
        assignment_id,
        start=-90,
        end=60,
        freelancer={"name": "Noor El Amrani", "email": "noor@example.org"},
        timezone=zone,
    )
    page = sign_in(new_context(), stack.keys["admin"], next_path=f"/assignments/{assignment_id}")
    changes = page.locator("#changes")
    changes.get_by_text("End it early").click()
    terminate = changes.locator("form[action*='/termination']")
    terminate.get_by_label("Effective date").fill(stack.today_in(zone).isoformat())
    terminate.get_by_label("Reason").fill("the project ends sooner")
    terminate.get_by_role("button", name="End the assignment early").click()
    expect(page.get_by_role("status").filter(has_text="early end is recorded")).to_be_visible()
    stack.wait_for(assignment_id, lambda a: a["phase"] == "offboarding")

    # The freelancer answers the exit-feedback form (stored as the form stores it).
    stack.run(
        feedback.insert(
            stack.pool,
            assignment_id=assignment_id,
            token_id=f"token-{assignment_id}",
            rating=4,
            answers={
                "felt_part": "The Friday demo, and a buddy who took time for me.",
                "not_part": "A week without wiki access.",
                "come_back": "yes",
                "stay_in_touch": True,
                "language": "en",
                "term": 1,
            },
            submitted_at=stack.now(),
        )
    )
    page.reload()
    expect(page.locator(".page-head .badge")).to_have_text("Offboarding")
    tasks = page.locator("#tasks")
    expect(tasks.locator(".tasks-group").first.get_by_role("heading")).to_have_text("Farewell")
    expect(tasks).to_contain_text("Plan the knowledge transfer with the team")
    said = page.get_by_role("region", name="What they told us when leaving")
    expect(said).to_contain_text("4 out of 5")
    expect(said).to_contain_text("The Friday demo, and a buddy who took time for me.")
    expect(said).to_contain_text("Wants to stay in touch")
    expect(page.locator(TIMELINE)).to_contain_text("the project ends sooner")
    screenshot(page, "11-assignment-farewell")
    check_accessibility(page, "assignment page (offboarding, feedback)")
