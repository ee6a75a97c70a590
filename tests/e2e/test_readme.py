"""Every command the README shows works as shown.

The README's code blocks are read as a newcomer reads them: each line that starts with `curl`,
`lifecycle` or `.venv/bin/lifecycle` (with its continuation lines) is a command, and the `# ...`
comment lines under it are the answer it shows: `# 201 {...}` is an HTTP status and the fields a
reader should see (`...` stands for the rest), anything else is what the command prints (`...`
again for the rest). Each command runs, in README order, against a real `lifecycle dev` started
for this test, with the README's `$KEY` set to the admin key dev printed; only the venv and the
API's port are those of this run. `lifecycle dev` itself is not run again from the README (a
second one would find its ports taken): this test and tests/e2e/test_cli.py start it.

The deployment clock starts on a Monday morning before the README's example dates, so the
example's onboarding (2026-12-28) is still ahead whenever the test runs.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.dev import BIN, ROOT, clean_env, dev_running, free_port

README = ROOT / "README.md"
README_API = "127.0.0.1:8000"
CLOCK_START = "2026-12-07T10:00:00+01:00"
COMMANDS = ("curl", "lifecycle", ".venv/bin/lifecycle")
PAIR = re.compile(r'"([\w-]+)":\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)')


@dataclass
class Shown:
    line: int  # where the command starts in the README
    command: str
    answer: str = ""


def _complete(command: str) -> bool:
    if command.endswith("\\"):
        return False
    try:
        shlex.split(command)
    except ValueError:  # a quote still open: the command goes on on the next line
        return False
    return True


def shown_commands(text: str) -> list[Shown]:
    """The README's commands with the answers shown under them, in order."""
    found: list[Shown] = []
    lines = text.splitlines()
    in_block, current, last, start = False, "", None, 0
    for number, line in enumerate(lines, start=1):
        if line.startswith("```"):
            in_block, current, last = not in_block, "", None
            continue
        if not in_block:
            continue
        if current:  # a command that goes on
            current += "\n" + line
            if _complete(current):
                last = _keep(found, current, start)
                current = ""
            continue
        stripped = line.strip()
        if stripped.startswith("#"):
            if last is not None:
                last.answer = (last.answer + " " + stripped.lstrip("#").strip()).strip()
            continue
        last = None
        if not stripped or stripped.split()[0] not in COMMANDS:
            continue
        start = number
        if _complete(stripped):
            last = _keep(found, stripped, start)
        else:
            current = stripped
    return found


def _keep(found: list[Shown], command: str, line: int) -> Shown | None:
    words = command.split()
    if words[0].endswith("lifecycle") and words[1:2] == ["dev"]:
        return None  # the stack the commands run against (see the module's docstring)
    shown = Shown(line, command)
    found.append(shown)
    return shown


def pairs(value: Any) -> list[tuple[str, Any]]:
    """Every (field, scalar value) at any depth of a JSON value."""
    if isinstance(value, dict):
        return [
            p
            for k, v in value.items()
            for p in ([(k, v)] if not isinstance(v, dict | list) else pairs(v))
        ]
    if isinstance(value, list):
        return [p for item in value for p in pairs(item)]
    return []


def check_http_answer(shown: Shown, output: str) -> None:
    status_shown, fields = shown.answer.split(" ", 1)
    body, _, status = output.rpartition("\n")
    where = f"README line {shown.line}: {shown.command.splitlines()[0]}"
    assert status == status_shown, f"{where}: status {status}, not {status_shown}: {body[:500]}"
    got = pairs(json.loads(body))
    for field, raw in PAIR.findall(fields):
        if raw == '"..."':
            assert any(k == field for k, _ in got), f"{where}: no {field} in {body[:500]}"
            continue
        assert (field, json.loads(raw)) in got, f"{where}: no {field}={raw} in {body[:800]}"


def check_printed(shown: Shown, output: str) -> None:
    pattern = ".*".join(re.escape(part) for part in shown.answer.split("..."))
    assert re.fullmatch(pattern, output.strip(), re.S), (
        f"README line {shown.line}: {shown.command} printed {output!r}, not {shown.answer!r}"
    )


def run(shown: Shown, env: dict[str, str], port: int, cwd: Path) -> str:
    command = shown.command.replace(README_API, f"127.0.0.1:{port}")
    command = re.sub(r"^\.venv/bin/", f"{BIN}/", command)
    is_http = command.startswith("curl")
    if is_http:
        command += " -w '\\n%{http_code}'"
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f"README line {shown.line}: exit {result.returncode}:\n" + (result.stderr[-2000:])
    )
    assert "Traceback" not in result.stderr
    return result.stdout


def test_the_readme_finds_its_commands_and_answers() -> None:
    shown = shown_commands(README.read_text(encoding="utf-8"))
    commands = [s.command.split()[0:3] for s in shown]
    assert ["curl", "-s", "-X"] in commands
    assert [".venv/bin/lifecycle", "keys", "create"] in commands
    assert [".venv/bin/lifecycle", "migrate"] in commands
    assert all(s.answer for s in shown), [s.command for s in shown if not s.answer]


def test_every_command_the_readme_shows_works_as_shown(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = free_port()
    env = {
        "LIFECYCLE_HTTP_PORT": str(port),
        "LIFECYCLE_DEV_TEMPORAL_PORT": str(free_port()),
        "LIFECYCLE_DEV_UI_PORT": str(free_port()),
        "LIFECYCLE_CLOCK_START": CLOCK_START,
    }
    shown = shown_commands(README.read_text(encoding="utf-8"))
    with dev_running(home, tmp_path / "dev", env) as dev:
        banner = dev.wait_ready(time.monotonic() + 90)
        # What a reader has in their shell: the key they copied, and no setting at all (the
        # commands find the dev stack through LIFECYCLE_HOME, here this test's home).
        shell = clean_env(KEY=banner["Admin key"], LIFECYCLE_HOME=str(home))
        workdir = tmp_path / "reader"
        workdir.mkdir()
        for command in shown:
            output = run(command, shell, port, workdir)
            if re.match(r"\d{3} ", command.answer):
                check_http_answer(command, output)
            else:
                check_printed(command, output)
        assert dev.stop(time.monotonic() + 30) == 0, dev.stderr[-3000:]
    assert not (home / "dev.json").exists()  # the record goes with the stack


def test_without_settings_and_without_dev_the_error_says_both_ways_out(tmp_path: Path) -> None:
    result = subprocess.run(
        [f"{BIN}/lifecycle", "keys", "create", "--name", "hr", "--role", "operator"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    line = result.stderr.strip()
    assert line.startswith("lifecycle: error: LIFECYCLE_DATABASE_URL is not set"), line
    assert "start `lifecycle dev`" in line and "\n" not in line


def test_ci_runs_the_test_command_the_readme_gives() -> None:
    readme = README.read_text(encoding="utf-8")
    given = re.findall(r"^    \$ (.*pytest.*)$", readme, re.M)
    assert given, "the README names no test command"
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    extract = re.search(r'^TEST_COMMAND="\$\((.*)\)"$', script, re.M)
    assert extract, ".ci/run does not read its test command from the README"
    found = subprocess.run(
        ["bash", "-c", extract.group(1)], cwd=ROOT, capture_output=True, text=True, timeout=10
    )
    assert found.stdout.strip() == given[0]
    assert 'bash -c "$TEST_COMMAND"' in script
