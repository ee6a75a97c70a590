"""The proof that the suite passes whatever the hour it runs at.

The UI journey and the API's end-to-end tests run again, each time in a pytest of their own,
with the deployment clock started at an instant chosen to break code that reads the wall clock or
the UTC date: a Monday at 01:30 in Brussels (still Sunday in UTC), a Saturday at 23:30, and the
last Sunday of March two minutes before the clocks go forward (the run crosses the change).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clock import START_ENV

ROOT = Path(__file__).resolve().parent.parent
INSTANTS = {
    "monday-01:30": "2027-03-08T01:30:00+01:00",
    "saturday-23:30": "2027-03-13T23:30:00+01:00",
    "clocks-go-forward": "2027-03-28T01:58:00+01:00",
}
END_TO_END = [
    "tests/ui/test_journey.py",
    "tests/api/test_assignments.py",
    "tests/api/test_events.py",
    "tests/api/test_feedback.py",
    "tests/e2e/test_whole_story.py",
]


@pytest.mark.slow
@pytest.mark.parametrize("instant", INSTANTS.values(), ids=INSTANTS.keys())
def test_the_end_to_end_tests_pass_at(instant: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *END_TO_END],
        cwd=ROOT,
        env={**os.environ, START_ENV: instant},
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, (
        f"at {instant}:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    )
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
