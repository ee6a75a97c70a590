"""Signing in with the company's identity: OpenID Connect, the authorization code flow with PKCE
(RFC 7636, S256), for the operator UI. API keys stay for `lifecycle dev` and for machines.

    GET /signin/oidc?next=/path   to the provider, with a state, a nonce and a code challenge
    GET /signin/oidc/callback     back from it: the code exchanged, the ID token verified, the
                                  person's role found, a session made

The provider is found by discovery (`<issuer>/.well-known/openid-configuration`, whose `issuer`
must be the configured one); its keys (JWKS) are cached, and fetched again when an ID token names
a key not seen yet (the provider rotated its keys).

What the browser carries between the two requests rides in a signed cookie of its own
(`lifecycle_oidc`: ten minutes, HttpOnly, SameSite=Lax, since the way back is a top-level GET from
the provider): the state, the nonce, the PKCE verifier and where to go next. It is used once.

The callback makes no session, and says why on a calm page, for: a state that is not the cookie's
(a forged or replayed callback, or one begun in another browser), an error from the provider, a
code the provider will not exchange, an ID token not signed by the provider's keys, for another
client or issuer, expired, or with another nonce, and a person whose roles claim
(`LIFECYCLE_OIDC_ROLES_CLAIM`) maps to no role of the engine (`LIFECYCLE_OIDC_ROLE_MAP`) and who
manages no assignment. A person who manages assignments signs in as `manager` without any group:
they see and act on those assignments only (db.scope). HR whose values name teams
(`LIFECYCLE_OIDC_TEAM_MAP`) see those teams only.

Authlib makes the PKCE pair and the tokens; joserfc (Authlib's JOSE library) verifies the ID
token. Never log a code, a token or a claim.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import structlog
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from api.ui import session as sessions
from api.ui.pages import AnyPage, Page, PageError, local_path, record
from core.settings import OIDC_ROLES, Settings
from db import assignments

log = structlog.get_logger("api")

router = APIRouter(include_in_schema=False)

COOKIE = "lifecycle_oidc"
LOGIN_LIFETIME = 600  # seconds from leaving for the provider to coming back
CALLBACK = "/signin/oidc/callback"
SCOPE = "openid email profile"
DISCOVERY_TTL = 3600.0  # seconds the provider's configuration and keys are trusted
HTTP_TIMEOUT = 10.0
LEEWAY = 60  # seconds of clock difference tolerated on the ID token's times
_PURPOSE = b"assignment-lifecycle/oidc-login/v1\x00"
_RANK = {role: rank for rank, role in enumerate(OIDC_ROLES)}  # viewer < manager < … < admin


class SignInRefused(Exception):
    """The provider's answer makes no session; `reason` names the page's text."""

    def __init__(self, reason: str, status: int = 400, **values: Any) -> None:
        super().__init__(reason)
        self.reason, self.status, self.values = reason, status, values


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    role: str
    teams: tuple[str, ...] | None = None  # HR of these teams only


def claim_values(claims: dict[str, Any], settings: Settings) -> list[str]:
    """The roles claim's values (a list, or one value)."""
    raw = claims.get(settings.oidc_roles_claim)
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return [v for v in values if isinstance(v, str)]


def role_of(claims: dict[str, Any], settings: Settings) -> str | None:
    """The highest role the roles claim's values map to (`hr=operator`), a value that is a role's
    name being that role; None when none does."""
    roles = set()
    for value in claim_values(claims, settings):
        role = settings.oidc_role_map.get(value) or (value if value in _RANK else None)
        if role:
            roles.add(role)
    return max(roles, key=_RANK.__getitem__) if roles else None


def teams_of(claims: dict[str, Any], settings: Settings) -> tuple[str, ...] | None:
    """The teams the roles claim's values name (`LIFECYCLE_OIDC_TEAM_MAP`); None: every team."""
    mapped = settings.oidc_team_map
    teams = sorted({mapped[v] for v in claim_values(claims, settings) if v in mapped})
    return tuple(teams) if teams else None


@dataclass
class Provider:
    """The configured OpenID provider: its configuration and keys, fetched when first needed."""

    settings: Settings
    _metadata: dict[str, Any] | None = None
    _keys: KeySet | None = None
    _fetched_at: float = 0.0

    @property
    def issuer(self) -> str:
        return self.settings.oidc_issuer or ""

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None or time.monotonic() - self._fetched_at > DISCOVERY_TTL:
            found = await self._get_json(f"{self.issuer}/.well-known/openid-configuration")
            if str(found.get("issuer", "")).rstrip("/") != self.issuer:
                log.error("openid provider names another issuer", issuer=found.get("issuer"))
                raise SignInRefused("oidc_unreachable", 502)
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(found.get(name), str):
                    raise SignInRefused("oidc_unreachable", 502)
            self._metadata, self._keys, self._fetched_at = found, None, time.monotonic()
        return self._metadata

    async def keys(self, *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            metadata = await self.metadata()
            try:
                self._keys = KeySet.import_key_set(await self._get_json(metadata["jwks_uri"]))  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError):
                raise SignInRefused("oidc_unreachable", 502) from None
        return self._keys

    async def authorization_url(self, state: str, nonce: str, verifier: str) -> str:
        metadata = await self.metadata()
        query = {
            "response_type": "code",
            "client_id": self.settings.oidc_client_id or "",
            "redirect_uri": redirect_uri(self.settings),
            "scope": SCOPE,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        endpoint = metadata["authorization_endpoint"]
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"

    async def exchange(self, code: str, verifier: str) -> dict[str, Any]:
        """The tokens for the code (the client authenticates with its secret, if it has one)."""
        metadata = await self.metadata()
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri(self.settings),
            "code_verifier": verifier,
        }
        client_id, secret = self.settings.oidc_client_id or "", self.settings.oidc_client_secret
        auth = httpx.BasicAuth(client_id, secret) if secret else None
        if auth is None:
            data["client_id"] = client_id
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, auth=auth) as http:
                answer = await http.post(metadata["token_endpoint"], data=data)
        except httpx.HTTPError:
            raise SignInRefused("oidc_unreachable", 502) from None
        if answer.status_code != 200:
            log.warning("openid provider refused the code", status=answer.status_code)
            raise SignInRefused("oidc_failed_token")
        tokens = answer.json()
        if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
            raise SignInRefused("oidc_failed_token")
        return tokens

    async def verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, times and nonce hold."""
        algorithms = (await self.metadata()).get("id_token_signing_alg_values_supported")
        allowed = [a for a in algorithms or ["RS256"] if isinstance(a, str) and a != "none"]
        try:
            try:
                token = jwt.decode(id_token, await self.keys(), algorithms=allowed)
            except (JoseError, ValueError) as exc:
                if "key" not in str(exc).lower():
                    raise
                token = jwt.decode(id_token, await self.keys(refresh=True), algorithms=allowed)
            jwt.JWTClaimsRegistry(
                leeway=LEEWAY,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.settings.oidc_client_id or ""},
                sub={"essential": True},
                exp={"essential": True},
            ).validate(token.claims)
        except (JoseError, ValueError) as exc:
            log.warning("id token refused", reason=type(exc).__name__)
            raise SignInRefused("oidc_failed_token") from None
        claims = dict(token.claims)
        sent = claims.get("nonce")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, nonce):
            log.warning("id token refused", reason="nonce")
            raise SignInRefused("oidc_failed_token")
        return claims

    async def userinfo(self, access_token: str | None, subject: str) -> dict[str, Any]:
        """The person's claims from the userinfo endpoint, when the ID token lacks the roles
        claim (providers that keep groups out of the ID token); nothing when there is none."""
        endpoint = (await self.metadata()).get("userinfo_endpoint")
        if not access_token or not isinstance(endpoint, str):
            return {}
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
                answer = await http.get(
                    endpoint, headers={"Authorization": f"Bearer {access_token}"}
                )
            found = answer.json() if answer.status_code == 200 else {}
        except (httpx.HTTPError, ValueError):
            return {}
        return found if isinstance(found, dict) and found.get("sub") == subject else {}

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
                answer = await http.get(url)
            found = answer.json() if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            found = None
        if not isinstance(found, dict):
            log.warning("openid provider not reachable", status="no configuration")
            raise SignInRefused("oidc_unreachable", 502)
        return found


def redirect_uri(settings: Settings) -> str:
    return f"{settings.public_url.rstrip('/')}{CALLBACK}"


def provider_of(page: Page) -> Provider:
    if not page.settings.oidc_enabled:
        raise PageError(404, "oidc_failed_title", "oidc_off")
    state = page.request.app.state
    if getattr(state, "oidc", None) is None:
        state.oidc = Provider(page.settings)
    provider: Provider = state.oidc
    return provider


def _refused(exc: SignInRefused) -> PageError:
    return PageError(exc.status, "oidc_failed_title", exc.reason, **exc.values)


async def person_of(provider: Provider, code: str, verifier: str, nonce: str, pool: Any) -> Person:
    tokens = await provider.exchange(code, verifier)
    claims = await provider.verified_claims(tokens["id_token"], nonce)
    settings = provider.settings
    if settings.oidc_roles_claim not in claims:
        claims |= await provider.userinfo(tokens.get("access_token"), claims["sub"])
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused("oidc_no_email", 403)
    role = role_of(claims, settings)
    if role is None and await assignments.manages(pool, email):
        role = "manager"  # no group of the engine's, but the manager of assignments: those
    if role is None:
        log.info("oidc sign-in without a role", claim=settings.oidc_roles_claim)
        raise SignInRefused("oidc_no_role", 403, email=email)
    name = str(claims.get("name") or claims.get("preferred_username") or email)[:200]
    teams = teams_of(claims, settings) if role in ("viewer", "operator") else None
    return Person(email=email, name=name, role=role, teams=teams)


# ------------------------------------------------------------------------------- routes


@router.get("/signin/oidc")
async def start(page: AnyPage) -> Response:
    provider = provider_of(page)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    try:
        target = await provider.authorization_url(state, nonce, verifier)
    except SignInRefused as exc:
        if exc.reason in ("oidc_no_role", "oidc_failed_token", "oidc_failed_state"):
            who = f"oidc:{exc.values.get('email') or 'unknown'}"
            await record(page, who, "sign_in_refused", reason=exc.reason.removeprefix("oidc_"))
        raise _refused(exc) from None
    next_path = local_path(page.request.query_params.get("next"))
    login = {"s": state, "n": nonce, "v": verifier, "p": next_path}
    login["x"] = int(time.time()) + LOGIN_LIFETIME  # type: ignore[assignment]
    response = page.respond(RedirectResponse(target, status_code=303))  # to the provider
    response.set_cookie(
        COOKIE,
        sessions.seal(_PURPOSE, login, page.settings.signing_key),
        **sessions.cookie_options(page.settings.public_url, LOGIN_LIFETIME),
    )
    return response


@router.get(CALLBACK)
async def callback(page: AnyPage) -> Response:
    provider = provider_of(page)
    query = page.request.query_params
    login = sessions.unseal(_PURPOSE, page.request.cookies.get(COOKIE), page.settings.signing_key)
    try:
        if query.get("error"):  # the provider said no (it makes no session, whatever the state)
            log.info("openid provider did not sign in", error=(query.get("error") or "")[:40])
            raise SignInRefused("oidc_failed_provider")
        if not login or not isinstance(login.get("x"), int) or login["x"] <= time.time():
            raise SignInRefused("oidc_failed_state")
        if not hmac.compare_digest(str(login.get("s", "")), query.get("state", "")):
            log.warning("oidc callback refused", reason="state")
            raise SignInRefused("oidc_failed_state")
        code = query.get("code")
        if not code:
            raise SignInRefused("oidc_failed_provider")
        pool = page.request.app.state.pool
        person = await person_of(provider, code, str(login["v"]), str(login["n"]), pool)
    except SignInRefused as exc:
        if exc.reason in ("oidc_no_role", "oidc_failed_token", "oidc_failed_state"):
            who = f"oidc:{exc.values.get('email') or 'unknown'}"
            await record(page, who, "sign_in_refused", reason=exc.reason.removeprefix("oidc_"))
        raise _refused(exc) from None
    # A fresh session, and with it a fresh CSRF token.
    page.new_session = sessions.new_session(
        email=person.email, name=person.name, role=person.role, teams=person.teams
    )
    log.info("signed in with the company's identity", role=person.role)
    await record(page, f"{person.role}:{person.name}", "sign_in", method="oidc")
    response = page.redirect(local_path(str(login.get("p") or "/")))
    response.delete_cookie(COOKIE, path="/")
    return response
