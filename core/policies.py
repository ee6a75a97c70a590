"""Named policies (the contract's section 6, "Policies"), read from the file LIFECYCLE_POLICIES
names: each top-level table of the TOML file is a policy, by name, with the keys of
`workflows.types.Policy` (lead times in days, the rhythm of check-ins and development
conversations, the renewal's request, reminder and escalation, the hour mails go out); a
`[teams]` table chooses a policy by team. `standard` is built in (the contract's defaults); the
file may write it out (`policies.example.toml` does, with every key) or change it.

Each policy's version is the digest of its values: the timeline says which version applied, and a
changed one reaches the running assignments that follow it (`api.lifecycle.Lifecycle
.apply_policies`)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from core import i18n
from workflows.types import Policy, TaskSpec

STANDARD = "standard"
TEAMS = "teams"
KEYS = tuple(Policy.model_fields)
TASK_KEYS = tuple(TaskSpec.model_fields)


class PolicyError(ValueError):
    """A policies file the engine cannot follow; the message names the file, table and key."""


def version_of(policy: Policy) -> str:
    canonical = json.dumps(policy.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class PolicyBook:
    """The policies by name, and the policy of each team that has one of its own."""

    policies: dict[str, Policy] = field(default_factory=lambda: {STANDARD: Policy()})
    teams: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return sorted(self.policies)

    def __getitem__(self, name: str) -> Policy:
        return self.policies[name]

    def version(self, name: str) -> str:
        return version_of(self.policies[name])

    def choose(self, requested: str | None, team: str) -> str:
        """The policy an assignment follows: the one it names, else its team's, else
        `standard`; KeyError (with the reason) for a name the book does not have."""
        name = requested or self.teams.get(team, STANDARD)
        if name not in self.policies:
            raise KeyError(f"unknown policy {name!r}; the policies are: {', '.join(self.names)}")
        return name


def load(path: Path | None) -> PolicyBook:
    """The book of the file at `path` (None: `standard` alone); PolicyError when it cannot be
    read or followed."""
    if path is None:
        return PolicyBook()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None
    policies = {STANDARD: Policy()}
    teams: dict[str, str] = {}
    for name, table in data.items():
        if not isinstance(table, dict):
            raise PolicyError(f"{path}: {name!r} must be a table ([{name}])")
        if name == TEAMS:
            teams = _teams(path, table)
        else:
            policies[name] = _policy(path, name, table)
    for team, name in teams.items():
        if name not in policies:
            raise PolicyError(
                f"{path}: [teams] {team!r} names policy {name!r}, which the file does not"
                f" define (it has: {', '.join(sorted(policies))})"
            )
    return PolicyBook(policies, teams)


def _policy(path: Path, name: str, table: dict[str, object]) -> Policy:
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise PolicyError(
            f"{path}: [{name}] unknown key {unknown[0]!r} (the keys are: {', '.join(KEYS)})"
        )
    for list_name in ("onboarding_tasks", "offboarding_tasks"):
        tasks = table.get(list_name)
        for index, task in enumerate(tasks if isinstance(tasks, list) else []):
            extra = sorted(set(task) - set(TASK_KEYS)) if isinstance(task, dict) else []
            if extra:
                raise PolicyError(
                    f"{path}: [{name}] {list_name}[{index}] unknown key {extra[0]!r} (a task's"
                    f" keys are: {', '.join(TASK_KEYS)})"
                )
    try:
        policy = Policy.model_validate(table, strict=True)
        policy.check()
    except ValidationError as exc:
        first = exc.errors()[0]
        key = "".join(
            f"[{x}]" if isinstance(x, int) else f".{x}" if i else str(x)
            for i, x in enumerate(first["loc"])
        )
        raise PolicyError(f"{path}: [{name}] {key}: {first['msg']}") from None
    except ValueError as exc:
        raise PolicyError(f"{path}: [{name}] {exc}") from None
    for list_name in ("onboarding_tasks", "offboarding_tasks"):
        for index, spec in enumerate(getattr(policy, list_name)):
            _check_titles(path, f"[{name}] {list_name}[{index}] {spec.id!r}", spec)
    return policy


def _check_titles(path: Path, where: str, spec: TaskSpec) -> None:
    """A task of the catalogue's may go without a title; any other brings one in every language
    the engine speaks (and none it does not)."""
    languages = set(i18n.LANGUAGES)
    if not spec.title:
        if all(i18n.catalogue(language).get(f"checklist.{spec.id}") for language in languages):
            return
        raise PolicyError(
            f"{path}: {where} is not a task the engine knows: give its title in"
            f' {", ".join(i18n.LANGUAGES)} (title = {{ en = "…", … }})'
        )
    missing = [language for language in i18n.LANGUAGES if language not in spec.title]
    unknown = sorted(set(spec.title) - languages)
    if missing or unknown:
        problem = f"lacks {', '.join(missing)}" if missing else f"has {', '.join(unknown)}"
        raise PolicyError(
            f"{path}: {where} title {problem} (the languages are: {', '.join(i18n.LANGUAGES)})"
        )


def _teams(path: Path, table: dict[str, object]) -> dict[str, str]:
    for team, name in table.items():
        if not isinstance(name, str):
            raise PolicyError(f"{path}: [teams] {team!r} must name a policy (a string)")
    return {team: str(name) for team, name in table.items()}
