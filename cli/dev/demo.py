"""`lifecycle dev --demo`: example assignments on a fast clock, and a manager who decides their
renewals. The demo is only an HTTP client of the API, with the admin key, like any other."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import structlog

from cli.errors import CliError, one_line

if TYPE_CHECKING:
    import httpx

log = structlog.get_logger("lifecycle.cli")

DEMO_CLOCK_SPEED = 8640  # a day of assignment time every 10 s
DEMO_POLL_SECONDS = 3.0

# The demo's assignments: when they start and end (days from the demo clock's first day, a
# Monday) and what their manager decides at each renewal review (one entry per term; the last one
# repeats). At x8640 a day passes every 10 s: DEMO-0003's renewal decision is asked at once,
# DEMO-0001's onboarding comes on Tuesday (about 10 s), DEMO-0002's renewal decision on Thursday
# (30 s), DEMO-0003's offboarding on Friday (40 s).
DEMO_PLAN: tuple[dict[str, Any], ...] = (
    {
        "assignment_id": "DEMO-0001",
        "story": "starts next week; the manager renews once, then ends it",
        "start": 8,
        "end": 45,
        "decisions": ("renew", "end"),
        "freelancer": ("Sam Peeters", "sam.peeters@example.org"),
        "manager": ("Lea Janssens", "lea.janssens@client.example"),
        "team": "Payroll",
        "role": "Payroll consultant",
    },
    {
        "assignment_id": "DEMO-0002",
        "story": "active; the manager decides to end it",
        "start": -5,
        "end": 33,
        "decisions": ("end",),
        "freelancer": ("Noor El Amrani", "noor.elamrani@example.org"),
        "manager": ("Tom Wouters", "tom.wouters@client.example"),
        "team": "Data",
        "role": "Data engineer",
    },
    {
        "assignment_id": "DEMO-0003",
        "story": "ends on Friday; the manager never answers",
        "start": -40,
        "end": 4,
        "decisions": ("never",),
        "freelancer": ("Ilse Vermeulen", "ilse.vermeulen@example.org"),
        "manager": ("Bram De Smet", "bram.desmet@client.example"),
        "team": "Web",
        "role": "Frontend developer",
    },
)
DEMO_TIMEZONE = "Europe/Brussels"
DEMO_START_TIME = dt_time(8, 30)  # local, on the Monday of the week dev first starts the demo


def demo_start(real_now: datetime) -> datetime:
    """Where a new demo's clock begins: Monday of this week at 08:30 in Brussels, so the first
    morning's mails go out within seconds and the week's steps within the first minute."""
    zone = ZoneInfo(DEMO_TIMEZONE)
    today = real_now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, DEMO_START_TIME, tzinfo=zone)


def demo_assignments(today: date, tools: Sequence[str]) -> list[dict[str, Any]]:
    """The create bodies of the demo, dated from `today` (the deployment's clock)."""
    bodies = []
    for plan in DEMO_PLAN:
        (f_name, f_email), (m_name, m_email) = plan["freelancer"], plan["manager"]
        bodies.append(
            {
                "assignment_id": plan["assignment_id"],
                "freelancer": {"name": f_name, "email": f_email},
                "manager": {"name": m_name, "email": m_email},
                "team": plan["team"],
                "role": plan["role"],
                "purpose": f"Demo assignment: {plan['story']}.",
                "start_date": (today + timedelta(days=plan["start"])).isoformat(),
                "end_date": (today + timedelta(days=plan["end"])).isoformat(),
                "tools": list(tools[:2]),
                "timezone": DEMO_TIMEZONE,
                "language": "en",
                "hr_contact": {"name": "An Claes", "email": "hr@client.example"},
            }
        )
    return bodies


class Demo:
    """Seeds the demo's assignments through the API, then plays their managers."""

    def __init__(self, api_url: str, admin_key: str, home: Path, tools: Sequence[str]) -> None:
        self.api_url = api_url
        self.headers = {"Authorization": f"Bearer {admin_key}"}
        self.saved = home / "demo.json"
        self.tools = tools
        self._manager: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Creates the assignments (again: a second start repeats the same requests), then
        starts the manager."""
        import httpx

        try:
            async with self._client() as http:
                await self._post_assignments(http)
        except httpx.HTTPError as exc:
            raise CliError(f"the demo could not reach the API: {one_line(exc)}") from None
        self._manager = asyncio.create_task(self._manage(), name="demo-manager")

    async def stop(self) -> None:
        if self._manager is not None:
            self._manager.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._manager

    def _client(self) -> httpx.AsyncClient:
        import httpx

        return httpx.AsyncClient(base_url=self.api_url, headers=self.headers, timeout=30)

    async def _post_assignments(self, http: httpx.AsyncClient) -> None:
        for body in await self._bodies(http):
            response = await http.post("/v1/assignments", json=body)
            if response.status_code in (200, 201):
                log.info(
                    "dev.demo_assignment",
                    assignment_id=body["assignment_id"],
                    created=response.status_code == 201,
                )
            else:
                log.warning(
                    "dev.demo_assignment_refused",
                    assignment_id=body["assignment_id"],
                    status=response.status_code,
                    detail=response.text[:300],
                )

    async def _bodies(self, http: httpx.AsyncClient) -> list[dict[str, Any]]:
        """The seeded bodies: those of the first demo start (kept in the home, so a second start
        repeats the same requests and gets 200), else new ones dated from the API's today."""
        if self.saved.exists():
            with contextlib.suppress(OSError, ValueError):
                saved = json.loads(self.saved.read_text(encoding="utf-8"))
                if isinstance(saved, list) and saved:
                    return saved
        response = await http.get("/v1/clock", params={"timezone": DEMO_TIMEZONE})
        if response.status_code != 200:
            raise CliError(f"the demo could not read GET /v1/clock: {response.status_code}")
        today = date.fromisoformat(response.json()["today"])
        bodies = demo_assignments(today, self.tools)
        self.saved.write_text(json.dumps(bodies, indent=2) + "\n", encoding="utf-8")
        return bodies

    async def _manage(self) -> None:
        """Plays the managers: decides renewals as DEMO_PLAN says when they come up."""
        import httpx

        decisions = {a["assignment_id"]: a["decisions"] for a in DEMO_PLAN}
        decided: set[tuple[str, int]] = set()
        async with self._client() as http:
            while True:
                try:
                    await self._decide_pending(http, decisions, decided)
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    log.warning("dev.demo_manager_failed", error=one_line(exc))
                await asyncio.sleep(DEMO_POLL_SECONDS)

    async def _decide_pending(
        self,
        http: httpx.AsyncClient,
        decisions: dict[str, Sequence[str]],
        decided: set[tuple[str, int]],
    ) -> None:
        response = await http.get("/v1/assignments", params={"phase": "renewal_review"})
        if response.status_code != 200:
            return
        for item in response.json()["items"]:
            assignment_id, term = item["assignment_id"], int(item.get("term", 1))
            plan = decisions.get(assignment_id, ())
            if (assignment_id, term) in decided or not plan:
                continue
            decision = plan[min(term, len(plan)) - 1]
            if decision == "never":
                continue
            answer = await http.post(
                f"/v1/assignments/{assignment_id}/renewal-decision",
                json=_decision_body(decision, item),
            )
            if answer.status_code < 300 or answer.status_code == 409:
                decided.add((assignment_id, term))
            log.info(
                "dev.demo_decision",
                assignment_id=assignment_id,
                term=term,
                decision=decision,
                status=answer.status_code,
            )


def _decision_body(decision: str, item: dict[str, Any]) -> dict[str, Any]:
    """What the demo's manager answers: a renewal runs 60 more days."""
    body: dict[str, Any] = {"decision": decision, "note": f"demo manager: {decision}"}
    if decision == "renew":
        end = date.fromisoformat(item["end_date"])
        body["new_end_date"] = (end + timedelta(days=60)).isoformat()
    return body
