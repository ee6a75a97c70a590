"""A real OpenID provider on loopback (oidc-provider-mock: discovery, JWKS, authorization code
with PKCE, signed ID tokens), an API process that signs people in through it, and a browser that
is httpx carrying the cookies, answering the provider's consent form the way a person does (a
POST naming the subject). The fixtures are the API tests' (tests/api/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from api.ui import session as sessions
from core.settings import Settings

CLIENT_ID = "lifecycle-ui"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    import oidc_provider_mock  # here, not at import: its imports warn of what Authlib deprecates

    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
async def oidc_app(settings: Settings, pool: Any, temporal_env: Any, provider: str, app: FastAPI):
    """The API process with sign-in through the provider (the other tests' app has none)."""
    with_oidc = settings.model_copy(
        update={
            "oidc_issuer": provider,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": "the-client-secret",
            "oidc_roles_claim": "groups",
            "oidc_role_map": {"hr-admins": "admin", "hr": "operator", "staff": "viewer"},
            "oidc_team_map": {"hr-payroll": "Payroll"},
            "public_url": "http://testserver",
        }
    )
    application = create_app(with_oidc, pool=pool, temporal=temporal_env.client)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def browser(oidc_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=oidc_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def person(provider: str, sub: str, **claims: Any) -> None:
    """What the provider knows of `sub` (its claims in the ID token)."""
    answer = httpx.put(f"{provider}/users/{quote(sub)}", json=claims)
    assert answer.status_code == 204, answer.text


async def leave_for_provider(browser: httpx.AsyncClient, next_path: str = "/assignments") -> str:
    """Starts a sign-in; the provider's authorization URL the browser is sent to."""
    answer = await browser.get(f"/signin/oidc?next={quote(next_path)}")
    assert answer.status_code == 303, answer.text
    assert signed_in(browser) is None  # no session yet
    return answer.headers["location"]


def consent(authorization_url: str, sub: str) -> str:
    """The person answers the provider's form; the URL it sends the browser back to."""
    answer = httpx.post(authorization_url, data={"sub": sub})
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]


def deny(authorization_url: str) -> str:
    """The person declines on the provider's form; where the browser is sent back to."""
    return str(httpx.post(authorization_url, data={"action": "deny"}).headers["location"])


def local(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))


def signed_in(browser: httpx.AsyncClient) -> sessions.Session | None:
    """The session the browser's cookie holds, if it is a signed-in one."""
    app = browser._transport.app  # type: ignore[attr-defined]
    found = sessions.decode(browser.cookies.get(sessions.COOKIE), app.state.settings.signing_key)
    return found if found is not None and found.signed_in else None


def with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query[name] = [value]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
