"""Access never outlives the contract, whatever the mail server or the IdP is doing.

- The mail server answers 451 from before the end date until after it: every leaver's account is
  closed at the IdP on time, and once the server is back each gets the exit-feedback mail once.
- The IdP answers 503 across the end date: the attention list shows the overdue revocation, HR
  and the admins are told once, and access closes within a minute of the IdP's return; a leaver
  who gave feedback meanwhile is completed then, not at the moment of completion days later.
- During either outage, a contract change is answered in well under two seconds.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import pytest

from tests.clock import TIMEZONE
from tests.effects.conftest import ADMIN_EMAIL, HR_EMAIL, Stack, eventually

pytestmark = pytest.mark.slow

LEAVERS = 3


def revocation_due(stack: Stack, end_in_days: int) -> datetime:
    """The end of the last day: local midnight after the end date."""
    day = stack.today() + timedelta(days=end_in_days + 1)
    return datetime.combine(day, clock_time(0), tzinfo=ZoneInfo(TIMEZONE))


async def change_latency(stack: Stack, assignment_id: str, days: int) -> float:
    """Seconds to answer an extension of the assignment (the API and the workflow, no effect)."""
    end = (await stack.assignment(assignment_id))["end_date"]
    new_end = datetime.fromisoformat(end).date() + timedelta(days=days)
    started = time.perf_counter()
    answer = await stack.api.post(
        f"/v1/assignments/{assignment_id}/extensions", json={"new_end_date": new_end.isoformat()}
    )
    took = time.perf_counter() - started
    assert answer.status_code == 200, answer.text
    return took


async def closed_at_idp(stack: Stack, assignment_id: str) -> bool:
    active, groups = await stack.scim_user(assignment_id)
    return active is False and not groups


async def test_a_mail_outage_across_the_end_holds_no_access_open(stack: Stack) -> None:
    # Three leavers whose last day is the day after tomorrow, and one who stays.
    leavers = [await stack.create("LEAVE-MAIL", start=-20, end=2) for _ in range(LEAVERS)]
    stayer = await stack.create("STAY-MAIL", start=-20, end=80)
    for assignment_id in [*leavers, stayer]:
        await eventually(lambda a=assignment_id: stack.scim_user(a), lambda u: u[0] is True,
                         f"{assignment_id} active at the IdP")  # fmt: skip
    stack.smtp.refuse_rcpt = "451 4.3.0 Mail server temporarily unavailable"
    try:
        latency = await change_latency(stack, stayer, 30)
        assert latency < 2, latency

        # By the end of the last day (plus the lane's moment), every account is closed.
        due = revocation_due(stack, 2)
        late: list[float] = []
        for assignment_id in leavers:
            await eventually(
                lambda a=assignment_id: closed_at_idp(stack, a),
                bool,
                f"{assignment_id} closed at the IdP during the mail outage",
            )
            late.append(max(0.0, (stack.now() - due).total_seconds() / 3600))
        assert stack.now() < due + timedelta(days=1), "closed later than end + 1 day"
        assert not any(stack.mails("exit_feedback", a) for a in leavers)  # still refused
    finally:
        stack.smtp.refuse_rcpt = None

    # The outage over, every leaver gets the exit-feedback mail, once.
    for assignment_id in leavers:
        await eventually(
            lambda a=assignment_id: _count(stack, "exit_feedback", a),
            lambda n: n >= 1,
            f"the exit-feedback mail of {assignment_id}",
            within=90,
        )
    assert all(len(stack.mails("exit_feedback", a)) == 1 for a in leavers)
    ids = [r.message["Message-ID"] for r in stack.smtp.received]
    assert len(ids) == len(set(ids)), "a mail was sent twice"
    stack.note(
        "mail outage",
        {
            "leavers": LEAVERS,
            "closed late (hours of assignment time after the end of the last day)": late,
            "closed late (count)": sum(1 for hours in late if hours > 6),
            "update latency during the outage (s)": round(latency, 3),
        },
    )


FEEDBACK = {"rating": "4", "felt_part": "The demos.", "not_part": "The badge.",
            "come_back": "yes", "stay_in_touch": "yes"}  # fmt: skip


def feedback_token(stack: Stack, assignment_id: str) -> str:
    """The token of the feedback link in the leaver's exit-feedback mail."""
    mail = stack.mails("exit_feedback", assignment_id)
    assert mail, f"no exit-feedback mail for {assignment_id}"
    text = mail[0].message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"/feedback/([A-Za-z0-9_.-]+)", text)
    assert found, text
    return found.group(1)


async def _count(stack: Stack, kind: str, assignment_id: str) -> int:
    return len(stack.mails(kind, assignment_id))


async def test_an_idp_outage_is_seen_told_once_and_closes_on_recovery(stack: Stack) -> None:
    leavers = [await stack.create("LEAVE-IDP", start=-20, end=1) for _ in range(2)]
    stayer = await stack.create("STAY-IDP", start=-20, end=80)
    for assignment_id in [*leavers, stayer]:
        await eventually(lambda a=assignment_id: stack.scim_user(a), lambda u: u[0] is True,
                         f"{assignment_id} active at the IdP")  # fmt: skip
    stack.scim.faults.unavailable = 1.0
    try:
        latency = await change_latency(stack, stayer, 30)
        assert latency < 2, latency

        # The revocations are overdue: on the attention list, first, and counted in /metrics.
        async def overdue() -> set[str]:
            items = (await stack.api.get("/v1/attention")).json()
            return {i["assignment_id"] for i in items if i["kind"] == "access_overdue"}

        await eventually(overdue, lambda found: set(leavers) <= found, "overdue revocations", 120)
        first = (await stack.api.get("/v1/attention")).json()[0]
        assert first["kind"] == "access_overdue" and "503" in first["detail"]
        metrics = (await stack.api.get("/metrics")).text
        assert any(
            line.startswith("lifecycle_access_overdue ") and float(line.split()[1]) >= 2
            for line in metrics.splitlines()
        ), metrics
        for assignment_id in leavers:
            told = await eventually(
                lambda a=assignment_id: _count(stack, "access_overdue", a),
                lambda n: n >= 1,
                f"HR told of {assignment_id}",
            )
            assert told == 1
            mail = stack.mails("access_overdue", assignment_id)[0]
            assert HR_EMAIL in mail.recipients and ADMIN_EMAIL in mail.recipients
        assert not any([await closed_at_idp(stack, a) for a in leavers])
        # The first leaver answers the exit feedback while the IdP is still down.
        given = await stack.api.post(f"/feedback/{feedback_token(stack, leavers[0])}",
                                     data=FEEDBACK, follow_redirects=True)  # fmt: skip
        assert given.status_code == 200, given.text
        assert (await stack.assignment(leavers[0]))["phase"] == "offboarding"  # access still open
    finally:
        stack.scim.faults.unavailable = 0.0
    recovered = time.monotonic()

    for assignment_id in leavers:
        await eventually(
            lambda a=assignment_id: closed_at_idp(stack, a), bool, f"{assignment_id} closed", 60
        )
    after_recovery = time.monotonic() - recovered
    assert after_recovery < 60
    # Feedback in and access closed: the first leaver is done at once, the other waits for the
    # moment of completion (two weeks after the end).
    await eventually(lambda: stack.assignment(leavers[0]), lambda a: a["phase"] == "completed",
                     "the first leaver completed", 30)  # fmt: skip
    assert stack.now() < revocation_due(stack, 1) + timedelta(days=12)
    assert (await stack.assignment(leavers[1]))["phase"] == "offboarding"
    await eventually(
        lambda: stack.api.get("/v1/attention"),
        lambda r: not {i["assignment_id"] for i in r.json()} & set(leavers),
        "the attention list cleared",
    )
    assert all(len(stack.mails("access_overdue", a)) == 1 for a in leavers)  # told once only
    stack.note(
        "IdP outage",
        {
            "leavers": len(leavers),
            "closed after the IdP's recovery (s)": round(after_recovery, 1),
            "update latency during the outage (s)": round(latency, 3),
        },
    )
