"""Which assignments a person may see and act on (object-level authorisation, OWASP API1).

- A manager signed in with the company's identity: the assignments they manage (found by their
  e-mail, case-insensitively).
- HR whose groups name teams (`LIFECYCLE_OIDC_TEAM_MAP`): the assignments of those teams.
- Everyone else (admins, HR of every team, API keys): every assignment.

Every read and every action of the operator UI asks the scope on the server: a list or a Today
section holds only what is in scope, and an assignment out of scope is "not found" (404), the
same answer as one that does not exist, so a scope reveals nothing of what lies beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    manager: str | None = None  # the e-mail of the manager whose assignments these are
    teams: frozenset[str] | None = None  # the teams, when not every team

    @property
    def everything(self) -> bool:
        return self.manager is None and self.teams is None

    def allows(self, manager_email: str, team: str) -> bool:
        if self.manager is not None and manager_email.lower() != self.manager.lower():
            return False
        return self.teams is None or team in self.teams

    def sql(self, first: int, alias: str = "") -> str:
        """A condition on `assignment` (as `alias`) with the parameters `$first` and
        `$first+1`, whose values are `args()`; true for every row when the scope is everything."""
        a, m, t = f"{alias}." if alias else "", first, first + 1
        return (
            f"(${m}::text IS NULL OR lower({a}manager_email) = lower(${m}::text))"
            f" AND (${t}::text[] IS NULL OR {a}team = ANY(${t}::text[]))"
        )

    def args(self) -> list[object]:
        return [self.manager, sorted(self.teams) if self.teams is not None else None]


EVERYTHING = Scope()
