"""Named policies (LIFECYCLE_POLICIES): an assignment follows the policy it names, else its
team's, else `standard`; an unknown name is a 422. A policy changed while 100 assignments run
reaches them when the API next starts: their next check-in follows the new rhythm, and their
timeline names the version that applies. Real Temporal, real PostgreSQL, the API in-process.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from api.main import create_app
from core.policies import load
from core.settings import Settings
from tests.api.conftest import DEPLOYMENT, create_body, eventually

RUNNING = 100
SHORT = """
[short-contracts]
checkin_every_days = {every}
renewal_lead_days = 45
reminder_lead_days = 35
escalation_lead_days = 28

[teams]
"Support" = "short-contracts"
"""


def with_policies(settings: Settings, path: Path) -> Settings:
    values = settings.model_dump(exclude={"policies"})
    return Settings(**values, policies=path, _env_file=None)  # type: ignore[call-arg]


@asynccontextmanager
async def api_started(settings: Settings, app_of: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The API started anew with `settings` (its lifespan tells the running assignments)."""
    app = create_app(settings, pool=app_of.state.pool, temporal=app_of.state.temporal)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def next_checkin(http: httpx.AsyncClient, auth: Any, assignment_id: str) -> date | None:
    found = (await http.get(f"/v1/assignments/{assignment_id}", headers=auth("viewer"))).json()
    step = found["next_transition"]
    if step is None or step["kind"] != "checkin":
        return None
    return date.fromisoformat(step["at"][:10])


async def test_a_changed_policy_reaches_the_running_assignments(
    app: Any, settings: Settings, auth: Any, tmp_path: Path
) -> None:
    path = tmp_path / "policies.toml"
    path.write_text(SHORT.format(every=20))
    first = with_policies(settings, path)
    today = DEPLOYMENT.today()
    run = uuid.uuid4().hex[:6].upper()
    ids = [f"POL-{run}-{i:03d}" for i in range(RUNNING)]
    async with api_started(first, app) as http:
        gate = asyncio.Semaphore(10)

        async def create(assignment_id: str) -> None:
            body = create_body(assignment_id, team="Support")
            body["start_date"] = (today - timedelta(days=10)).isoformat()
            body["end_date"] = (today + timedelta(days=150)).isoformat()
            async with gate:
                answer = await http.post("/v1/assignments", json=body, headers=auth("contracting"))
            assert answer.status_code == 201, answer.text
            assert answer.json()["policy"] == "short-contracts"  # its team's

        await asyncio.gather(*(create(i) for i in ids))
        # Every 20 days from the start: the next check-in is 10 days ahead (or the Friday before).
        for assignment_id in ids[:5]:
            checkin = await eventually(lambda a=assignment_id: next_checkin(http, auth, a))
            assert checkin >= today + timedelta(days=8), checkin

        named = create_body(f"POL-{run}-NAMED", team="Support", policy="standard")
        answer = await http.post("/v1/assignments", json=named, headers=auth("contracting"))
        assert answer.status_code == 201 and answer.json()["policy"] == "standard"
        unknown = await http.post(
            "/v1/assignments",
            json=create_body(f"POL-{run}-X", policy="long-contracts"),
            headers=auth("contracting"),
        )
        assert unknown.status_code == 422
        assert "unknown policy 'long-contracts'" in unknown.json()["errors"][0]["message"]
        assert unknown.json()["errors"][0]["field"] == "policy"

    # A week's rhythm now: the API starts again, and every one of the 100 follows it.
    path.write_text(SHORT.format(every=7))
    second = with_policies(settings, path)
    version = load(path).version("short-contracts")
    async with api_started(second, app) as http:

        async def follows(assignment_id: str) -> bool:
            checkin = await next_checkin(http, auth, assignment_id)
            return checkin is not None and checkin <= today + timedelta(days=4)

        async def all_follow() -> bool:
            return all(await asyncio.gather(*(follows(i) for i in ids)))

        assert await eventually(all_follow, within=90)
        timeline = (
            await http.get(f"/v1/assignments/{ids[0]}/timeline", headers=auth("viewer"))
        ).json()
        summaries = [e["summary"] for e in timeline]
        assert f"Policy short-contracts (version {version}) applies to the steps ahead" in summaries

        async def told() -> dict[str, Any] | None:
            found = (await http.get("/v1/policies", headers=auth("viewer"))).json()
            short = next(p for p in found["policies"] if p["name"] == "short-contracts")
            return found if short["told"] is not None and short["version"] == version else None

        listed = await eventually(told, within=30)
        short = next(p for p in listed["policies"] if p["name"] == "short-contracts")
        assert short["told"] >= RUNNING and short["values"]["checkin_every_days"] == 7
        assert listed["teams"] == {"Support": "short-contracts"}
        assert {p["name"] for p in listed["policies"]} == {"standard", "short-contracts"}
