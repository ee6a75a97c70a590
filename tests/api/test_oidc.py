"""Signing in to the operator UI with the company's identity, against a real OpenID provider on
loopback (oidc-provider-mock: discovery, JWKS, authorization code with PKCE, signed ID tokens):
sign-in and sign-out, a role from a group, an unknown person refused, a tampered state or nonce
refused. The provider, the browser and the consent are tests/api/oidc.py's."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from api.main import create_app
from tests.api.oidc import (
    CLIENT_ID,
    consent,
    deny,
    leave_for_provider,
    local,
    person,
    signed_in,
    with_param,
)


async def test_the_sign_in_page_offers_the_company_account(browser):
    page = await browser.get("/signin?next=/engagement")

    assert page.status_code == 200
    assert "Sign in with your company account" in page.text
    assert 'href="/signin/oidc?next=/engagement"' in page.text


async def test_a_person_signs_in_with_a_role_from_a_group_and_out_again(browser, provider):
    person(provider, "an.claes", email="an.claes@client.example", name="An Claes", groups=["hr"])
    authorization = await leave_for_provider(browser, "/assignments")
    sent = parse_qs(urlsplit(authorization).query)
    assert authorization.startswith(f"{provider}/")
    assert sent["client_id"] == [CLIENT_ID] and sent["code_challenge_method"] == ["S256"]
    assert sent["redirect_uri"] == ["http://testserver/signin/oidc/callback"]
    assert {"state", "nonce", "code_challenge"} <= set(sent)

    back = await browser.get(local(consent(authorization, "an.claes")))

    assert back.status_code == 303 and back.headers["location"] == "/assignments"
    found = signed_in(browser)
    assert found is not None
    assert (found.email, found.name, found.role) == (
        "an.claes@client.example",
        "An Claes",
        "operator",
    )
    listing = await browser.get("/assignments")
    assert listing.status_code == 200 and "An Claes" in listing.text and "Operator" in listing.text

    # The flow's cookie is used once: the same callback again makes no second session.
    again = await browser.get(local(back.request.url.raw_path.decode()))
    assert again.status_code == 400

    csrf = found.csrf
    out = await browser.post("/signout", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert (await browser.get("/assignments")).status_code == 303  # signed out: to the sign-in


async def test_the_highest_mapped_role_wins_and_a_roles_name_is_that_role(browser, provider):
    person(provider, "lea", email="lea@client.example", name="Lea", groups=["staff", "hr-admins"])
    await browser.get(local(consent(await leave_for_provider(browser), "lea")))
    admin = signed_in(browser)
    assert admin is not None and admin.role == "admin"

    browser.cookies.clear()
    person(provider, "jo", email="jo@client.example", name="Jo", groups="viewer")  # one value
    await browser.get(local(consent(await leave_for_provider(browser), "jo")))
    viewer = signed_in(browser)
    assert viewer is not None and viewer.role == "viewer"


async def test_a_person_without_a_role_is_refused(browser, provider):
    person(provider, "guest", email="guest@elsewhere.example", name="Guest", groups=["sales"])
    back = await browser.get(local(consent(await leave_for_provider(browser), "guest")))
    assert back.status_code == 403
    assert "has no role in the assignment lifecycle engine" in back.text
    assert "guest@elsewhere.example" in back.text
    assert signed_in(browser) is None
    # Someone the provider knows nothing of (no claims but the address): refused the same way.
    back = await browser.get(local(consent(await leave_for_provider(browser), "nobody@x.example")))
    assert back.status_code == 403
    assert (await browser.get("/assignments")).status_code == 303


async def test_a_tampered_state_is_refused(browser, provider):
    person(provider, "an", email="an@client.example", name="An", groups=["hr"])
    callback = consent(await leave_for_provider(browser), "an")

    forged = with_param(callback, "state", "not-the-state-we-sent")
    answer = await browser.get(local(forged))

    assert answer.status_code == 400 and "cannot be matched" in answer.text
    # A callback without the flow's cookie (begun in another browser) is refused too.
    browser.cookies.clear()
    assert (await browser.get(local(callback))).status_code == 400
    assert (await browser.get("/assignments")).status_code == 303


async def test_a_tampered_nonce_is_refused(browser, provider):
    """The nonce changed on the way to the provider: the ID token carries another one."""
    person(provider, "an", email="an@client.example", name="An", groups=["hr"])
    authorization = await leave_for_provider(browser)

    callback = consent(with_param(authorization, "nonce", "a-nonce-of-the-attacker"), "an")
    answer = await browser.get(local(callback))

    assert answer.status_code == 400 and "could not be verified" in answer.text
    assert (await browser.get("/assignments")).status_code == 303


async def test_a_provider_that_says_no_and_one_out_of_reach(browser, provider, oidc_app):
    authorization = await leave_for_provider(browser)
    answer = await browser.get(local(deny(authorization)))
    assert answer.status_code == 400 and "did not sign you in" in answer.text

    settings = oidc_app.state.settings
    unreachable = settings.model_copy(update={"oidc_issuer": "http://127.0.0.1:9"})
    elsewhere = create_app(unreachable, pool=oidc_app.state.pool, temporal=oidc_app.state.temporal)
    transport = httpx.ASGITransport(app=elsewhere)
    async with (
        elsewhere.router.lifespan_context(elsewhere),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as other,
    ):
        down = await other.get("/signin/oidc")
    assert down.status_code == 502 and "cannot be reached just now" in down.text


async def test_without_a_provider_there_is_no_company_sign_in(http):
    page = await http.get("/signin")
    assert "company account" not in page.text
    assert (await http.get("/signin/oidc")).status_code == 404
