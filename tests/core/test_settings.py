"""The sign-in settings as an operator writes them in the environment: maps read from one line,
a mistake refused with what is wrong before anything starts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(**values, _env_file=None)  # type: ignore[arg-type]


def test_the_maps_are_read_from_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIFECYCLE_OIDC_ISSUER", "https://login.client.example/realms/hr/")
    monkeypatch.setenv("LIFECYCLE_OIDC_CLIENT_ID", "lifecycle")
    monkeypatch.setenv("LIFECYCLE_OIDC_ROLE_MAP", "hr-admins=admin, hr = operator,managers=manager")
    monkeypatch.setenv("LIFECYCLE_OIDC_TEAM_MAP", "hr-payroll=Payroll,hr-it=IT")

    found = settings()

    assert found.oidc_enabled and found.oidc_issuer == "https://login.client.example/realms/hr"
    assert found.oidc_role_map == {"hr-admins": "admin", "hr": "operator", "managers": "manager"}
    assert found.oidc_team_map == {"hr-payroll": "Payroll", "hr-it": "IT"}
    assert found.oidc_roles_claim == "roles"
    assert not settings().model_copy(update={"oidc_issuer": None}).oidc_enabled


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"oidc_role_map": "hr=boss"}, "the role one of viewer, manager, operator, admin"),
        ({"oidc_role_map": "hr"}, "each entry is <claim value>=<role>"),
        ({"oidc_team_map": "hr-payroll="}, "each entry is <claim value>=<team>"),
        ({"oidc_issuer": "login.client.example"}, "must be the provider's issuer URL"),
        ({"oidc_issuer": "https://login.client.example"}, "set LIFECYCLE_OIDC_CLIENT_ID too"),
    ],
)
def test_a_mistake_is_refused_with_what_is_wrong(values: dict, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        settings(**values)
