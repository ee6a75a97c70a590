"""The policies file (LIFECYCLE_POLICIES): the example the repository ships writes out the
built-in `standard` with every key the engine reads; a file the engine cannot follow is refused
at start with the file, the table and the key; a version changes with any value."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.policies import KEYS, STANDARD, PolicyError, load
from core.settings import Settings
from workflows.types import Policy

EXAMPLE = Path(__file__).resolve().parents[2] / "policies.example.toml"


def test_the_example_writes_out_the_standard_policy_with_every_key() -> None:
    book = load(EXAMPLE)
    assert book[STANDARD] == Policy()
    text = EXAMPLE.read_text()
    assert all(f"\n{key} = " in text or f"\n[[standard.{key}]]" in text for key in KEYS)
    assert book.choose(None, "Support") == "short-contracts"
    assert book.choose(None, "Payroll") == STANDARD
    assert book.choose("standard", "Support") == STANDARD
    with pytest.raises(KeyError, match="unknown policy 'long'; the policies are: short"):
        book.choose("long", "Support")


def test_without_a_file_standard_is_built_in() -> None:
    book = load(None)
    assert book.names == [STANDARD] and book[STANDARD] == Policy()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[fast]\ncheckin_days = 7\n", "[fast] unknown key 'checkin_days'"),
        ('[fast]\ncheckin_every_days = "7"\n', "[fast] checkin_every_days: Input should be"),
        ("[fast]\ncheckin_every_days = 0\n", "[fast] checkin_every_days must be at least 1"),
        ("[fast]\nsend_hour = 25\n", "[fast] send_hour must be 0..23"),
        ("[fast]\nrenewal_lead_days = -1\n", "renewal_lead_days must not be negative"),
        ('[teams]\nSupport = "fast"\n', "[teams] 'Support' names policy 'fast'"),
        ("[teams]\nSupport = 3\n", "[teams] 'Support' must name a policy"),
        ('[fast]\nmails_off = ["welcome"]\n', "[fast] mails_off: 'welcome' cannot be turned off"),
        ('[fast]\nmails_off = "checkin"\n', "[fast] mails_off: Input should be a valid list"),
        ("fast = 3\n", "'fast' must be a table"),
        (
            '[fast]\n[[fast.onboarding_tasks]]\nid = "laptop"\n',
            "[fast] onboarding_tasks[0] 'laptop' is not a task the engine knows: give its title",
        ),
        (
            '[fast]\n[[fast.onboarding_tasks]]\nid = "laptop"\ntitle = { en = "Laptop" }\n',
            "onboarding_tasks[0] 'laptop' title lacks nl, fr",
        ),
        (
            '[fast]\n[[fast.offboarding_tasks]]\nid = "exit-conversation"\nowner = "boss"\n',
            "[fast] offboarding_tasks[0].owner: Input should be 'manager', 'buddy', 'hr' or",
        ),
        (
            '[fast]\n[[fast.offboarding_tasks]]\nid = "exit-conversation"\ndue = 3\n',
            "offboarding_tasks[0] unknown key 'due' (a task's keys are: id, owner, due_days",
        ),
        (
            '[fast]\n[[fast.offboarding_tasks]]\nid = "exit-conversation"\ndue_days = -2\n',
            "due_days must be 0..90 (farewell tasks are given on the last day), got -2",
        ),
        (
            '[fast]\n[[fast.onboarding_tasks]]\nid = "intro"\n[[fast.offboarding_tasks]]\n'
            'id = "intro"\n',
            "offboarding_tasks[0]: id 'intro' is used twice",
        ),
        ("[fast]\ntask_escalation_after_days = 1\n", "task_escalation_after_days must come after"),
        ("[fast]\ntask_reminder_after_days = 0\n", "task_reminder_after_days must be at least 1"),
        ("[fast\n", "not valid TOML"),
    ],
)
def test_a_file_the_engine_cannot_follow_is_refused(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "policies.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        load(path)
    assert str(path) in str(info.value) and words in str(info.value), info.value
    with pytest.raises(ValueError, match="policies"):  # and the settings refuse it at start
        Settings(policies=path, _env_file=None)  # type: ignore[call-arg]


def test_a_version_changes_with_any_value(tmp_path: Path) -> None:
    path = tmp_path / "policies.toml"
    path.write_text("[fast]\ncheckin_every_days = 14\n")
    first = load(path).version("fast")
    assert load(path).version("fast") == first
    path.write_text("# the same values, written otherwise\n[fast]\ncheckin_every_days   = 14\n")
    assert load(path).version("fast") == first
    path.write_text("[fast]\ncheckin_every_days = 15\n")
    assert load(path).version("fast") != first
    assert load(path).version(STANDARD) == load(None).version(STANDARD)
