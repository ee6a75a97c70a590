"""The whole story with every effect switched on: `lifecycle dev` (the real Temporal dev server,
an embedded PostgreSQL, a worker and the API as real processes) against a real SMTP server
(aiosmtpd), a real SCIM 2.0 server (scim2-server) and a receiver of the signed notifications.

One assignment goes from its signature through a renewal to its last day, its exit feedback and
completion, on a clock where two days pass every second; what is checked is what each peer
received: every mail once, the account granted then closed, every event once.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.activities.scim_peer import Directory, ScimServer
from tests.clock import TIMEZONE, clock_start
from tests.e2e.dev import dev_running, free_port
from tests.factories import create_body
from tests.peers.notify_receiver import Delivery, receiver_running
from tests.peers.smtp import Sink, smtp_server

SPEED = 172800  # two days of assignment time each second
TOOLS = ["chat", "wiki", "payroll-suite"]
FREELANCER, MANAGER, BUDDY = "sam@example.org", "lea@client.example", "jo@client.example"


def story_body(assignment_id: str, today: date) -> dict[str, Any]:
    """The tests' assignment (tests/factories.py), whose people's addresses are FREELANCER,
    MANAGER and BUDDY above and whose tools are TOOLS, from 8 days after today to 20."""
    return create_body(assignment_id, today + timedelta(days=8), today + timedelta(days=20))


class Api:
    def __init__(self, url: str, key: str) -> None:
        self.http = httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        )

    def assignment(self, assignment_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/v1/assignments/{assignment_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def wait_for(self, assignment_id: str, what: str, check: Any, within: float = 60) -> dict:
        deadline = time.monotonic() + within
        while True:
            found = self.assignment(assignment_id)
            if check(found):
                return found
            assert time.monotonic() < deadline, f"never saw {what}: {found}"
            time.sleep(0.1)

    def decide(self, assignment_id: str, **body: Any) -> dict[str, Any]:
        answer = self.http.post(f"/v1/assignments/{assignment_id}/renewal-decision", json=body)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def kind_of(message_id: str) -> str:
    """The mail's kind and term, from its Message-ID (`<kind[.occurrence].tN...@domain>`)."""
    match = re.match(r"<([a-z_]+)\.(?:.*\.)?(t\d+)\.", message_id)
    assert match, message_id
    return f"{match.group(1)}.{match.group(2)}"


@pytest.mark.slow
def test_signature_to_completion_with_a_renewal_at_every_real_peer(tmp_path: Path) -> None:
    assignment_id = f"STORY-{secrets.token_hex(4).upper()}"
    notify_secret = "whsec_" + "c3Rvcnktc2VjcmV0LWZvci10aGUtd2hvbGUtc3Rvcnk="
    sink, deliveries = Sink(), list[Delivery]()
    scim = ScimServer("story-token")
    scim.start()
    try:
        with (
            smtp_server(sink) as smtp_url,
            receiver_running(notify_secret, deliveries) as notify_url,
        ):
            port = free_port()
            env = {
                "LIFECYCLE_HTTP_PORT": str(port),
                "LIFECYCLE_DEV_TEMPORAL_PORT": str(free_port()),
                "LIFECYCLE_DEV_UI_PORT": str(free_port()),
                "LIFECYCLE_CLOCK_START": clock_start().isoformat(),
                "LIFECYCLE_CLOCK_SPEED": str(SPEED),
                "LIFECYCLE_SMTP_URL": smtp_url,
                "LIFECYCLE_SCIM_URL": scim.url("story"),
                "LIFECYCLE_SCIM_TOKEN": scim.token,
                "LIFECYCLE_NOTIFY_URL": notify_url,
                "LIFECYCLE_NOTIFY_SECRET": notify_secret,
                "LIFECYCLE_TOOLS": ",".join(TOOLS),
            }
            with dev_running(tmp_path / "home", tmp_path / "dev", env) as dev:
                banner = dev.wait_ready(time.monotonic() + 90)
                api = Api(f"http://127.0.0.1:{port}", banner["Admin key"])
                live(api, assignment_id, sink)
                delivered(deliveries, assignment_id, "completed")
                assert dev.stop(time.monotonic() + 30) == 0, dev.stderr[-3000:]
        asyncio.run(account_closed(scim, assignment_id))
    finally:
        scim.stop()
    every_mail_once(sink)
    every_event_once(deliveries, assignment_id)


def live(api: Api, assignment_id: str, sink: Sink) -> None:
    """Plays the contracting system, the manager and the freelancer through the API and mail."""
    today = date.fromisoformat(
        api.http.get("/v1/clock", params={"timezone": TIMEZONE}).json()["today"]
    )
    created = api.http.post("/v1/assignments", json=story_body(assignment_id, today))
    assert created.status_code == 201, created.text

    # Term 1: onboarding, the first day, then the renewal decision asked of the manager.
    due = api.wait_for(assignment_id, "the first renewal review", lambda a: a["pending_decision"])
    assert {a["tool"]: a["status"] for a in due["access"]} == dict.fromkeys(TOOLS, "granted")
    new_end = date.fromisoformat(due["end_date"]) + timedelta(days=15)
    renewed = api.decide(assignment_id, decision="renew", new_end_date=new_end.isoformat())
    assert renewed["term"] == 2 and renewed["end_date"] == new_end.isoformat()

    # Term 2: asked again, and this time the manager ends it.
    api.wait_for(
        assignment_id, "the second review", lambda a: a["term"] == 2 and a["pending_decision"]
    )
    api.decide(assignment_id, decision="end", note="The migration is done: thank you!")

    # The last day: the exit-feedback link arrives by mail; the freelancer answers it.
    api.wait_for(assignment_id, "offboarding", lambda a: a["phase"] == "offboarding")
    link = feedback_link(sink)
    answered = httpx.post(
        link,
        data={
            "rating": "5",
            "felt_part": "The Friday demo, and Jo on day one.",
            "not_part": "Nothing I can think of.",
            "come_back": "yes",
            "stay_in_touch": "yes",
        },
        timeout=30,
    )
    assert answered.status_code == 200, answered.text
    done = api.wait_for(assignment_id, "completion", lambda a: a["phase"] == "completed")
    assert {a["status"] for a in done["access"]} == {"revoked"}


def delivered(deliveries: list[Delivery], assignment_id: str, phase: str) -> None:
    """Waits until the receiver has the event of the assignment's move to `phase` (events are
    delivered on their own, after the change)."""
    deadline = time.monotonic() + 30
    while not any(
        d.event["data"].get("assignment_id") == assignment_id
        and d.event["data"].get("phase") == phase
        for d in list(deliveries)
    ):
        assert time.monotonic() < deadline, f"the {phase} event never arrived"
        time.sleep(0.1)


def feedback_link(sink: Sink, within: float = 30) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for received in sink.received:
            if received.message["Message-ID"].startswith("<exit_feedback."):
                body = received.message.get_body(preferencelist=("plain",))
                assert body is not None
                found = re.search(r"http://\S+/feedback/[A-Za-z0-9_.-]+", body.get_content())
                assert found, body.get_content()
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError("no exit-feedback mail arrived")


async def account_closed(scim: ScimServer, assignment_id: str) -> None:
    directory = Directory(scim.url("story"), scim.token)
    try:
        users = await directory.users(assignment_id)
        assert len(users) == 1, users  # created once, never twice
        assert users[0]["active"] is False
        assert users[0]["userName"] == FREELANCER
        assert await directory.groups_of(users[0]["id"]) == set()
        assert {g["displayName"] for g in await directory.groups()} >= set(TOOLS)
    finally:
        await directory.aclose()


def every_mail_once(sink: Sink) -> None:
    ids = [r.message["Message-ID"] for r in sink.received]
    assert len(ids) == len(set(ids)), Counter(ids).most_common(3)  # nothing sent twice
    kinds = Counter(kind_of(i) for i in ids)
    for expected in (
        "manager_checklist.t1",
        "welcome.t1",
        "buddy_introduction.t1",
        "team_event_invitation.t1",
        "first_day.t1",
        "renewal_request.t1",
        "renewal_outcome.t1",
        "renewal_request.t2",
        "renewal_outcome.t2",
        "offboarding_checklist.t2",
        "exit_feedback.t2",
        "alumni_invitation.t2",
    ):
        assert kinds[expected] >= 1, (expected, sorted(kinds))
    to = {kind_of(r.message["Message-ID"]): set(r.recipients) for r in sink.received}
    assert FREELANCER in to["welcome.t1"] and FREELANCER in to["renewal_outcome.t2"]
    assert MANAGER in to["renewal_request.t2"] and BUDDY in to["buddy_introduction.t1"]


def every_event_once(deliveries: list[Delivery], assignment_id: str) -> None:
    ids = [d.webhook_id for d in deliveries]
    assert len(ids) == len(set(ids)), Counter(ids).most_common(3)
    ours = sorted(
        (d.event for d in deliveries if d.event["data"].get("assignment_id") == assignment_id),
        key=lambda e: e["time"],
    )
    phases = [e["data"]["phase"] for e in ours if e["type"] == "lifecycle.phase_changed"]
    assert phases == [
        "scheduled",
        "onboarding",
        "active",
        "renewal_review",
        "active",
        "renewal_review",
        "active",
        "offboarding",
        "completed",
    ], phases
    decisions = [e["data"]["decision"] for e in ours if e["type"] == "lifecycle.renewal_decided"]
    assert decisions == ["renew", "end"]
    access = [e for e in ours if e["type"] == "lifecycle.access_changed"]
    assert [{x["status"] for x in e["data"]["access"]} for e in access] == [
        {"granted"},
        {"revoked"},
    ]
    assert [e["type"] for e in ours].count("lifecycle.feedback_received") == 1
