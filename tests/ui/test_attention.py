"""The Today page's "needs attention" card in a real browser: a cancellation's revocation held by
the guard shows there with who and why; a viewer sees it without the buttons, an admin releases
it from the card and the access closes. The reconciliation's line offers an admin to check now.

The guard (LIFECYCLE_REVOKE_GUARD, 25 within an hour, the stack's default) is brought to its
threshold by 25 claims written straight into its table, removed afterwards so that the other
tests' early ends go ahead.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import Stack, check_accessibility, screenshot, sign_in

FILL = "GUARD-FILL-"


@pytest.fixture
def guard_at_threshold(stack: Stack) -> Iterator[None]:
    threshold = stack.settings.revoke_guard
    stack.sql(
        "INSERT INTO revocation_claim (assignment_id, reason, status)"
        " SELECT $1 || g, 'cancelled', 'allowed' FROM generate_series(1, $2) g",
        FILL,
        threshold,
    )
    try:
        yield
    finally:
        stack.sql("DELETE FROM revocation_claim WHERE assignment_id LIKE $1", FILL + "%")


def test_a_held_revocation_is_released_from_the_card(
    stack: Stack, new_context: Any, guard_at_threshold: None
) -> None:
    assignment_id = f"HELD-{uuid.uuid4().hex[:8].upper()}"
    stack.create(
        assignment_id, start=3, end=90, freelancer={"name": "Wout Maes", "email": "wout@ex.org"}
    )
    granted = stack.wait_for(
        assignment_id, lambda a: a["access"] and all(x["status"] == "granted" for x in a["access"])
    )
    assert {x["tool"] for x in granted["access"]} == {"chat", "wiki"}
    with stack.api("contracting") as http:
        answer = http.post(
            f"/v1/assignments/{assignment_id}/cancellation", json={"reason": "budget cut"}
        )
    assert answer.status_code == 200, answer.text
    stack.wait_for(assignment_id, lambda a: a["phase"] == "cancelled")

    def held() -> list[dict]:
        with stack.api("viewer") as http:
            items = http.get("/v1/attention").json()
        return [i for i in items if i["assignment_id"] == assignment_id]

    deadline = time.monotonic() + 60
    while not (found := held()):
        assert time.monotonic() < deadline, "the hold never reached the attention list"
        time.sleep(0.2)
    assert found[0]["kind"] == "revocation_held" and "cancelled" in found[0]["detail"], found
    # Held: the contract is cancelled, the access still open.
    assert {x["status"] for x in stack.assignment(assignment_id)["access"]} == {"granted"}

    viewer = sign_in(new_context(), stack.keys["viewer"], next_path="/")
    card = viewer.locator("section#attention")
    row = card.locator("li", has_text="Wout Maes")
    expect(row).to_contain_text("Revocation held by the guard")
    expect(row).to_contain_text("early end")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(viewer.get_by_role("button", name="Check access now")).to_have_count(0)

    admin = sign_in(new_context(), stack.keys["admin"], next_path="/")
    row = admin.locator("section#attention li", has_text="Wout Maes")
    expect(row.get_by_role("button", name="Release the revocation")).to_be_visible()
    expect(row.get_by_role("button", name="Reject: keep the access")).to_be_visible()
    expect(admin.get_by_role("button", name="Check access now")).to_be_visible()
    screenshot(admin, "today-attention")
    check_accessibility(admin, "today-attention")

    row.get_by_role("button", name="Release the revocation").click()
    expect(admin.locator(".flash")).to_contain_text("Released: the access is being revoked.")
    stack.wait_for(
        assignment_id, lambda a: {x["status"] for x in a["access"]} == {"revoked"}, within=60
    )
    admin.reload()
    expect(admin.locator("section#attention li", has_text="Wout Maes")).to_have_count(0)
