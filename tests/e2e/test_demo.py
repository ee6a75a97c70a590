"""`lifecycle dev --demo` as a newcomer sees it: within its first minute, an onboarding, a renewal
decision asked of a manager and an offboarding happen on their own."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.dev import dev_running, free_port

FIRST_MINUTE = 60.0  # seconds after the banner


@pytest.mark.slow
def test_the_demo_shows_onboarding_a_renewal_asked_and_an_offboarding_in_a_minute(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {
        "LIFECYCLE_HTTP_PORT": str(port),
        "LIFECYCLE_DEV_TEMPORAL_PORT": str(free_port()),
        "LIFECYCLE_DEV_UI_PORT": str(free_port()),
    }
    api = f"http://127.0.0.1:{port}"
    with dev_running(tmp_path / "home", tmp_path / "dev", env, "--demo") as dev:
        banner = dev.wait_ready(time.monotonic() + 90)
        ready = time.monotonic()
        auth = {"Authorization": f"Bearer {banner['Admin key']}"}
        assert "DEMO-0001" in dev.stdout

        # The demo's clock begins on a Monday morning in Brussels, a day every 10 s.
        clock = httpx.get(f"{api}/v1/clock", headers=auth, timeout=10).json()
        start = datetime.fromisoformat(clock["start"]).astimezone(ZoneInfo("Europe/Brussels"))
        assert (start.weekday(), start.hour, start.minute) == (0, 8, 30)
        assert clock["speed"] == 8640

        seen: dict[str, set[str]] = {}
        wanted = {"onboarding", "renewal_request", "offboarding"}
        while time.monotonic() - ready < FIRST_MINUTE:
            for assignment_id in ("DEMO-0001", "DEMO-0002", "DEMO-0003"):
                answer = httpx.get(
                    f"{api}/v1/assignments/{assignment_id}/timeline", headers=auth, timeout=10
                )
                if answer.status_code == 200:
                    seen[assignment_id] = {e["kind"] for e in answer.json() if not e["planned"]}
            if wanted <= set().union(*seen.values()):
                break
            time.sleep(1)
        happened = set().union(*seen.values())
        assert wanted <= happened, (seen, dev.stderr[-3000:])
        assert "onboarding" in seen["DEMO-0001"]
        assert "renewal_request" in seen["DEMO-0003"]
        assert "offboarding" in seen["DEMO-0003"]

        # Mails went out with them (kept in the outbox: the demo has no SMTP server).
        page = httpx.get(f"{api}/v1/assignments/DEMO-0001", headers=auth, timeout=10).json()
        assert page["phase"] in ("onboarding", "active")
        assert dev.stop(time.monotonic() + 30) == 0, dev.stderr[-3000:]
