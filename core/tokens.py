"""Signed, expiring tokens: the `{token}` of `/feedback/{token}` links (the exit feedback), of
`/decide/{token}` links (a manager's renewal decision) and of `/tasks/{token}` links (a manager's
"mark done" of one checklist task).

A token is two base64url parts (no padding) joined by a dot:

    <payload>.<signature>

where `payload` is compact JSON `{"a": assignment_id, "t": term, "x": expiry (unix seconds)}`
(a decision token adds `"r"`, the moment the decision was asked, and `"m"`, a digest of the
manager's address: bound to that decision and that manager, without the address in the link; a
task token adds `"k"`, the task's id, and `"m"`) and
`signature` is HMAC-SHA256 over the ASCII payload part, under the signing key and a purpose label
(so a signature made for something else with the same key never passes for a token of this
kind). Expiry is kept to the second; microseconds are dropped.

`FeedbackClaim.token_id` is the signature's hex digest: one id per token, for single-use checks
(the `feedback.token_id` column). Only tokens in canonical encoding are accepted, so two spellings
of the same signature cannot get past such a check as two tokens.

Standard library only; never log a token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

_PURPOSE = b"assignment-lifecycle/feedback/v1\x00"
_DECISION = b"assignment-lifecycle/decision/v1\x00"
_TASK = b"assignment-lifecycle/task/v1\x00"
_ME = b"assignment-lifecycle/me/v1\x00"
_PART = re.compile(r"[A-Za-z0-9_-]+")
_MAX_LENGTH = 1024  # far above any real token; refuses to decode megabytes of garbage
_SIGNATURE_BYTES = hashlib.sha256().digest_size

TokenErrorReason = Literal["malformed", "forged", "expired"]


class TokenError(Exception):
    """The token cannot be used; `reason` says why (`malformed`, `forged` or `expired`)."""

    def __init__(self, reason: TokenErrorReason) -> None:
        super().__init__(f"token {reason}")
        self.reason: TokenErrorReason = reason


@dataclass(frozen=True)
class FeedbackClaim:
    assignment_id: str
    term: int
    expires_at: datetime  # UTC
    token_id: str  # hex digest of the signature: stable, for single-use checks


def make_feedback_token(assignment_id: str, term: int, key: str, expires_at: datetime) -> str:
    """A token for the exit-feedback form of `assignment_id`'s `term`, valid until `expires_at`."""
    return _make(_PURPOSE, {}, assignment_id, term, key, expires_at)


def read_feedback_token(token: str, key: str, now: datetime) -> FeedbackClaim:
    """The claim of a genuine, unexpired token; raises `TokenError` and nothing else otherwise."""
    claims, expires_at, token_id = _read(_PURPOSE, (), token, key, now)
    return FeedbackClaim(
        assignment_id=claims["a"], term=claims["t"], expires_at=expires_at, token_id=token_id
    )


@dataclass(frozen=True)
class DecisionClaim:
    assignment_id: str
    term: int
    asked: int  # when the decision was asked (unix seconds): this decision, no other
    manager: str  # manager_digest() of the address it was sent to
    expires_at: datetime  # UTC: the decision's deadline
    token_id: str


def manager_digest(email: str) -> str:
    """What a decision link knows of its manager: a digest of the address, not the address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def make_decision_token(
    assignment_id: str,
    term: int,
    asked: datetime,
    manager_email: str,
    key: str,
    expires_at: datetime,
) -> str:
    """A link's token for the renewal decision of `assignment_id`'s `term` asked at `asked`, for
    the manager at `manager_email`, valid until the decision's deadline `expires_at`."""
    extra = {"r": int(asked.timestamp()), "m": manager_digest(manager_email)}
    return _make(_DECISION, extra, assignment_id, term, key, expires_at)


def read_decision_token(token: str, key: str, now: datetime) -> DecisionClaim:
    """The claim of a genuine, unexpired decision token; `TokenError` otherwise."""
    claims, expires_at, token_id = _read(_DECISION, ("r", "m"), token, key, now)
    asked, manager = claims["r"], claims["m"]
    if isinstance(asked, bool) or not isinstance(asked, int) or not isinstance(manager, str):
        raise TokenError("malformed")
    return DecisionClaim(
        assignment_id=claims["a"],
        term=claims["t"],
        asked=asked,
        manager=manager,
        expires_at=expires_at,
        token_id=token_id,
    )


@dataclass(frozen=True)
class TaskClaim:
    assignment_id: str
    term: int
    task_id: str
    manager: str  # manager_digest() of the address it was sent to
    expires_at: datetime
    token_id: str


def make_task_token(
    assignment_id: str, term: int, task_id: str, manager_email: str, key: str, expires_at: datetime
) -> str:
    """A link's token for marking `task_id` of `assignment_id` done, for the manager at
    `manager_email`, valid until `expires_at`."""
    if not task_id:
        raise ValueError("a task token needs the task's id")
    extra: dict[str, object] = {"k": task_id, "m": manager_digest(manager_email)}
    return _make(_TASK, extra, assignment_id, term, key, expires_at)


def read_task_token(token: str, key: str, now: datetime) -> TaskClaim:
    """The claim of a genuine, unexpired task token; `TokenError` otherwise."""
    claims, expires_at, token_id = _read(_TASK, ("k", "m"), token, key, now)
    task_id, manager = claims["k"], claims["m"]
    if not isinstance(task_id, str) or not task_id or not isinstance(manager, str):
        raise TokenError("malformed")
    return TaskClaim(
        assignment_id=claims["a"],
        term=claims["t"],
        task_id=task_id,
        manager=manager,
        expires_at=expires_at,
        token_id=token_id,
    )


@dataclass(frozen=True)
class PersonalClaim:
    assignment_id: str
    term: int
    person: str  # manager_digest() of the freelancer's address
    expires_at: datetime
    token_id: str


def make_personal_token(
    assignment_id: str, term: int, freelancer_email: str, key: str, expires_at: datetime
) -> str:
    """The freelancer's own link (`/me/{token}`) to where their assignment stands."""
    extra: dict[str, object] = {"m": manager_digest(freelancer_email)}
    return _make(_ME, extra, assignment_id, term, key, expires_at)


def read_personal_token(token: str, key: str, now: datetime) -> PersonalClaim:
    claims, expires_at, token_id = _read(_ME, ("m",), token, key, now)
    if not isinstance(claims["m"], str):
        raise TokenError("malformed")
    return PersonalClaim(claims["a"], claims["t"], claims["m"], expires_at, token_id)


def _make(
    purpose: bytes,
    extra: dict[str, object],
    assignment_id: str,
    term: int,
    key: str,
    expires_at: datetime,
) -> str:
    if not key:
        raise ValueError("the signing key is empty")
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    if not assignment_id or isinstance(term, bool) or not isinstance(term, int) or term < 1:
        raise ValueError("a token needs an assignment id and a term of at least 1")
    claims = {"a": assignment_id, "t": term, **extra, "x": int(expires_at.timestamp())}
    payload = _encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload}.{_encode(_sign(payload, key, purpose))}"


def _read(
    purpose: bytes, extra: tuple[str, ...], token: str, key: str, now: datetime
) -> tuple[dict, datetime, str]:
    if not key:
        raise ValueError("the signing key is empty")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(token, str) or len(token) > _MAX_LENGTH or token.count(".") != 1:
        raise TokenError("malformed")
    payload, signature_part = token.split(".")
    signature = _decode(signature_part)
    if len(signature) != _SIGNATURE_BYTES:
        raise TokenError("malformed")
    _decode(payload)  # a well-formed payload part, before the signature is even looked at
    if not hmac.compare_digest(signature, _sign(payload, key, purpose)):
        raise TokenError("forged")
    claims = _claims(_decode(payload), extra)
    expires_at = datetime.fromtimestamp(claims["x"], UTC)
    if now >= expires_at:
        raise TokenError("expired")
    return claims, expires_at, signature.hex()


def _sign(payload: str, key: str, purpose: bytes) -> bytes:
    return hmac.new(key.encode(), purpose + payload.encode("ascii"), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(part: str) -> bytes:
    """Strict base64url, no padding; anything else (or a non-canonical spelling) is malformed."""
    if not _PART.fullmatch(part) or len(part) % 4 == 1:
        raise TokenError("malformed")
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("malformed") from None
    if _encode(raw) != part:
        raise TokenError("malformed")
    return raw


def _claims(raw: bytes, extra: tuple[str, ...]) -> dict:
    try:
        claims = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise TokenError("malformed") from None
    if not isinstance(claims, dict) or set(claims) != {"a", "t", "x", *extra}:
        raise TokenError("malformed")
    assignment_id, term, expiry = claims["a"], claims["t"], claims["x"]
    if not isinstance(assignment_id, str) or not assignment_id:
        raise TokenError("malformed")
    for number in (term, expiry):
        if isinstance(number, bool) or not isinstance(number, int):
            raise TokenError("malformed")
    if term < 1:
        raise TokenError("malformed")
    try:
        datetime.fromtimestamp(expiry, UTC)
    except (OverflowError, OSError, ValueError):
        raise TokenError("malformed") from None
    return claims
