"""Signing in with the company's identity in a real browser: the sign-in page's button leads to
a real OpenID provider on loopback (oidc-provider-mock), whose form the person answers; back on
the operator UI they are signed in by name with the role their group gives; signing out ends it.
The page of a person the engine gives no role says so."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import expect

from tests.ui.conftest import Stack, check_accessibility, screenshot


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    import oidc_provider_mock  # here, not at import: its imports warn of what Authlib deprecates

    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def oidc_url(stack: Stack, provider: str) -> Iterator[str]:
    """An API process of the stack that signs people in through the provider."""

    def settings(url: str) -> Any:
        return stack.settings.model_copy(
            update={
                "public_url": url,
                "oidc_issuer": provider,
                "oidc_client_id": "lifecycle-ui",
                "oidc_client_secret": "ui-test-client-secret",
                "oidc_roles_claim": "groups",
                "oidc_role_map": {"hr": "operator", "hr-admins": "admin"},
            }
        )

    url, stop = stack.serve(settings)
    try:
        yield url
    finally:
        stop()


def person(provider: str, sub: str, **claims: Any) -> None:
    answer = httpx.put(f"{provider}/users/{quote(sub)}", json=claims)
    assert answer.status_code == 204, answer.text


def test_hr_signs_in_with_the_company_account_and_out(new_context, provider, oidc_url) -> None:
    person(provider, "an.claes", email="an.claes@client.example", name="An Claes", groups=["hr"])
    page = new_context(base_url=oidc_url).new_page()
    page.goto("/assignments")  # not signed in: to the sign-in page
    check_accessibility(page, "sign-in (company account)")
    screenshot(page, "signin-oidc")

    page.get_by_role("link", name="Sign in with your company account").click()
    page.get_by_placeholder("sub").fill("an.claes")
    page.get_by_role("button", name="Authorize").click()

    expect(page).to_have_url(f"{oidc_url}/assignments")
    expect(page.get_by_text("An Claes").first).to_be_visible()
    expect(page.get_by_text("Operator").first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{oidc_url}/signin")
    page.goto("/assignments")
    expect(page).to_have_url(f"{oidc_url}/signin?next=%2Fassignments")


def test_a_person_without_a_role_reads_why(new_context, provider, oidc_url) -> None:
    person(provider, "sales", email="sales@client.example", name="Sal Es", groups=["sales"])
    page = new_context(base_url=oidc_url).new_page()
    page.goto("/signin")
    page.get_by_role("link", name="Sign in with your company account").click()
    page.get_by_placeholder("sub").fill("sales")
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in did not succeed")
    expect(page.get_by_text("sales@client.example")).to_be_visible()
    check_accessibility(page, "sign-in refused (no role)")
