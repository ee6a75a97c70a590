"""The operator UI's session: a signed cookie made when an API key signs in.

    lifecycle_session = <payload>.<signature>

`payload` is base64url (no padding) of compact JSON:

    {"k": key id, "r": role, "n": key name, "x": expiry (unix seconds), "c": CSRF token}

or, for a person signed in with the company's identity (api/ui/oidc.py), `"e"` (their e-mail),
`"n"` (their name) and, for HR of some teams, `"t"` (the teams) instead of `"k"`. `k`, `e`, `r`
and `n` are absent before sign-in (the sign-in form needs a CSRF token too). The
signature is HMAC-SHA256 over the payload part under `settings.signing_key` and a purpose label,
so nothing signed for another purpose with the same key (a feedback link) passes for a session.

The cookie is HttpOnly, SameSite=Lax, Path=/, and Secure when the public URL is https. It lasts
12 hours of real time (not of the deployment clock). The key is never in it: the server checks
on every request that the key id is still active (api/ui/pages.py), so revoking the key ends the
session.

CSRF: every form carries the session's token in a hidden `csrf` field; every POST compares it
with the cookie's in constant time. A new token is made at sign-in (and at sign-out), so a token
seen before signing in is worth nothing after.

Flash messages ride in a second signed cookie (`lifecycle_flash`) for one redirect.

Standard library only; never log a cookie or a token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

COOKIE = "lifecycle_session"
FLASH_COOKIE = "lifecycle_flash"
LIFETIME = 12 * 3600  # seconds
FLASH_LIFETIME = 120  # seconds
ANONYMOUS_LIFETIME = 2 * 3600  # a sign-in form left open for two hours still works
_MAX_LENGTH = 2048
_SESSION_PURPOSE = b"assignment-lifecycle/ui-session/v1\x00"
_FLASH_PURPOSE = b"assignment-lifecycle/ui-flash/v1\x00"


@dataclass(frozen=True)
class Session:
    csrf: str
    expires_at: int
    key_id: int | None = None
    role: str | None = None
    name: str | None = None
    email: str | None = None  # signed in with the company's identity (OpenID Connect)
    teams: tuple[str, ...] | None = None  # HR of these teams only (db.scope)

    @property
    def signed_in(self) -> bool:
        return self.key_id is not None or self.email is not None


def new_session(
    *,
    key_id: int | None = None,
    role: str | None = None,
    name: str | None = None,
    email: str | None = None,
    teams: tuple[str, ...] | None = None,
) -> Session:
    signed_in = key_id is not None or email is not None
    return Session(
        csrf=secrets.token_urlsafe(32),
        expires_at=int(time.time()) + (LIFETIME if signed_in else ANONYMOUS_LIFETIME),
        key_id=key_id,
        role=role,
        name=name,
        email=email,
        teams=teams,
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(purpose: bytes, payload: str, key: str) -> str:
    mac = hmac.new(key.encode("utf-8"), purpose + payload.encode("ascii"), hashlib.sha256)
    return _b64(mac.digest())


def seal(purpose: bytes, data: dict[str, Any], key: str) -> str:
    """`data` signed for `purpose` (a label of its own per kind of cookie)."""
    payload = _b64(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return f"{payload}.{_sign(purpose, payload, key)}"


def unseal(purpose: bytes, value: str | None, key: str) -> dict[str, Any] | None:
    """What `seal` signed for `purpose`; None for anything else."""
    if not value or len(value) > _MAX_LENGTH or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(signature, _sign(purpose, payload, key)):
        return None
    try:
        data = json.loads(_unb64(payload))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def encode(session: Session, key: str) -> str:
    data: dict[str, Any] = {"c": session.csrf, "x": session.expires_at}
    if session.key_id is not None:
        data.update(k=session.key_id, r=session.role, n=session.name)
    elif session.email is not None:
        data.update(e=session.email, r=session.role, n=session.name)
        if session.teams is not None:
            data["t"] = list(session.teams)
    return seal(_SESSION_PURPOSE, data, key)


def decode(value: str | None, key: str, *, now: float | None = None) -> Session | None:
    """The session of a genuine, unexpired cookie; None for anything else."""
    data = unseal(_SESSION_PURPOSE, value, key)
    if data is None:
        return None
    csrf, expires_at = data.get("c"), data.get("x")
    if not isinstance(csrf, str) or not csrf or not isinstance(expires_at, int):
        return None
    if expires_at <= (time.time() if now is None else now):
        return None
    key_id, email = data.get("k"), data.get("e")
    if key_id is not None and not isinstance(key_id, int):
        return None
    if email is not None and (not isinstance(email, str) or not email or key_id is not None):
        return None
    teams = data.get("t")
    if teams is not None and (
        not isinstance(teams, list) or not all(isinstance(x, str) for x in teams)
    ):
        return None
    return Session(
        csrf=csrf,
        expires_at=expires_at,
        key_id=key_id,
        role=str(data.get("r") or "") or None,
        name=str(data.get("n") or "") or None,
        email=email,
        teams=tuple(teams) if teams is not None else None,
    )


def csrf_matches(session: Session | None, sent: str | None) -> bool:
    if session is None or not sent:
        return False
    return hmac.compare_digest(session.csrf.encode("ascii"), sent.encode("utf-8", "replace"))


def encode_flash(message: str, key: str) -> str:
    """A message key of the catalogue (never free text) for the page after a redirect."""
    return seal(_FLASH_PURPOSE, {"m": message, "x": int(time.time()) + FLASH_LIFETIME}, key)


def decode_flash(value: str | None, key: str) -> str | None:
    data = unseal(_FLASH_PURPOSE, value, key)
    if data is None or not isinstance(data.get("x"), int) or data["x"] <= time.time():
        return None
    message = data.get("m")
    return message if isinstance(message, str) else None


def cookie_options(public_url: str, max_age: int) -> dict[str, Any]:
    return {
        "max_age": max_age,
        "path": "/",
        "httponly": True,
        "samesite": "lax",
        "secure": public_url.lower().startswith("https://"),
    }
