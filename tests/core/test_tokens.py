"""Link tokens (exit feedback, a manager's renewal decision): what the pages behind them can
trust, and that nothing else gets through."""

from __future__ import annotations

import base64
import json
import random
import string
from datetime import UTC, datetime, timedelta

import pytest

from core.tokens import (
    DecisionClaim,
    FeedbackClaim,
    TokenError,
    make_decision_token,
    make_feedback_token,
    manager_digest,
    read_decision_token,
    read_feedback_token,
)

KEY = "test-signing-key"
NOW = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)
EXPIRES = datetime(2027, 5, 1, 0, 0, tzinfo=UTC)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def reason(token: object, key: str = KEY, now: datetime = NOW) -> str:
    with pytest.raises(TokenError) as caught:
        read_feedback_token(token, key, now)  # type: ignore[arg-type]
    return caught.value.reason


def test_round_trip() -> None:
    token = make_feedback_token("ACME-2026-0042", 2, KEY, EXPIRES)
    claim = read_feedback_token(token, KEY, NOW)
    assert claim == FeedbackClaim(
        assignment_id="ACME-2026-0042", term=2, expires_at=EXPIRES, token_id=claim.token_id
    )
    assert len(claim.token_id) == 64 and int(claim.token_id, 16) >= 0


def test_token_is_compact_and_url_safe() -> None:
    token = make_feedback_token("ACME-2026-0042", 1, KEY, EXPIRES)
    assert len(token) < 120
    assert set(token) <= set(string.ascii_letters + string.digits + "-_.")


def test_same_inputs_give_the_same_token_and_id() -> None:
    """The exit mail and its reminder carry the very same link."""
    first = make_feedback_token("A-1", 1, KEY, EXPIRES)
    assert make_feedback_token("A-1", 1, KEY, EXPIRES) == first
    other = make_feedback_token("A-1", 2, KEY, EXPIRES)
    assert (
        read_feedback_token(first, KEY, NOW).token_id
        != read_feedback_token(other, KEY, NOW).token_id
    )


def test_expiry_in_another_timezone_is_the_same_moment() -> None:
    from zoneinfo import ZoneInfo

    local = EXPIRES.astimezone(ZoneInfo("Europe/Brussels"))
    claim = read_feedback_token(make_feedback_token("A-1", 1, KEY, local), KEY, NOW)
    assert claim.expires_at == EXPIRES


def test_expired() -> None:
    token = make_feedback_token("A-1", 1, KEY, EXPIRES)
    assert read_feedback_token(token, KEY, EXPIRES - timedelta(seconds=1)).term == 1
    assert reason(token, now=EXPIRES) == "expired"
    assert reason(token, now=EXPIRES + timedelta(days=400)) == "expired"


def test_wrong_key_is_forged() -> None:
    token = make_feedback_token("A-1", 1, KEY, EXPIRES)
    assert reason(token, key="another-key") == "forged"


def test_tampered_payload_is_forged() -> None:
    token = make_feedback_token("A-1", 1, KEY, EXPIRES)
    _, signature = token.split(".")
    for claims in (
        {"a": "A-2", "t": 1, "x": int(EXPIRES.timestamp())},
        {"a": "A-1", "t": 2, "x": int(EXPIRES.timestamp())},
        {"a": "A-1", "t": 1, "x": int(EXPIRES.timestamp()) + 86400 * 365},
    ):
        payload = b64(json.dumps(claims, separators=(",", ":")).encode())
        assert reason(f"{payload}.{signature}") == "forged"


def test_tampered_signature_is_forged() -> None:
    token = make_feedback_token("A-1", 1, KEY, EXPIRES)
    payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "="))
    raw[0] ^= 1
    assert reason(f"{payload}.{b64(bytes(raw))}") == "forged"


def test_expired_forgery_is_forged_not_expired() -> None:
    """A forger learns nothing from the reason: the signature is checked before the claims."""
    token = make_feedback_token("A-1", 1, "other", EXPIRES)
    assert reason(token, now=EXPIRES + timedelta(days=1)) == "forged"


def test_non_canonical_spelling_is_refused() -> None:
    """The last base64 character carries unused bits; another spelling is not a second token."""
    token = make_feedback_token("A-1", 1, KEY, EXPIRES)
    payload, signature = token.split(".")
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    last = alphabet.index(signature[-1])
    variant = signature[:-1] + alphabet[last ^ 1]  # 43 chars: the low 2 bits are padding
    assert reason(f"{payload}.{variant}") == "malformed"
    assert reason(f"{payload}.{signature}=") == "malformed"


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "..",
        "abc",
        "abc.",
        ".abc",
        "a.b.c",
        "!!!.???",
        "a" * 5000,
        "a" * 100 + "." + "b" * 43,
        "eyJhIjoiQS0xIn0.",
        "eyJhIjoiQS0xIn0=.abc",
        "e30." + "A" * 43,  # {} signed with nothing
        "€uro.signature",
        "\x00.\x00",
        " " + "abc.def",
        "abc.def\n",
        "%2E.%2E",
        None,
        123,
        b"abc.def",
    ],
)
def test_garbage_is_a_token_error(token: object) -> None:
    assert reason(token) in {"malformed", "forged"}


def test_garbage_of_many_shapes_raises_only_token_error() -> None:
    rng = random.Random(20270104)
    genuine = make_feedback_token("ACME-2026-0042", 1, KEY, EXPIRES)
    alphabet = string.printable + "éß€\u200b\x00"
    for _ in range(3000):
        shape = rng.randrange(4)
        if shape == 0:
            token = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 120)))
        elif shape == 1:  # right alphabet, random parts
            parts = [
                "".join(rng.choice(string.ascii_letters + "-_") for _ in range(rng.randrange(60)))
                for _ in range(rng.randrange(1, 4))
            ]
            token = ".".join(parts)
        elif shape == 2:  # a mutation of a genuine token
            chars = list(genuine)
            for _ in range(rng.randrange(1, 4)):
                chars[rng.randrange(len(chars))] = rng.choice(string.ascii_letters + "-_.=")
            token = "".join(chars)
            if token == genuine:
                continue
        else:  # validly signed but odd payloads can only come from the key; still never crash
            payload = b64(rng.choice([b"[]", b"null", b'{"a":1}', b"\xff\xfe", b"{" * 500]))
            token = f"{payload}.{b64(rng.randbytes(32))}"
        with pytest.raises(TokenError):
            read_feedback_token(token, KEY, NOW)


def test_odd_claims_under_the_real_key_are_malformed() -> None:
    """Even a payload signed with the key must have the expected shape."""
    import hashlib
    import hmac

    from core import tokens

    for claims in (
        b"[]",
        b'{"a":"A-1","t":1}',
        b'{"a":"A-1","t":true,"x":1}',
        b'{"a":"","t":1,"x":1}',
        b'{"a":"A-1","t":0,"x":1}',
        b'{"a":"A-1","t":1,"x":1e400}',
        b'{"a":"A-1","t":1,"x":99999999999999999999}',
        b"\xff",
    ):
        payload = b64(claims)
        signature = hmac.new(
            KEY.encode(), tokens._PURPOSE + payload.encode(), hashlib.sha256
        ).digest()
        assert reason(f"{payload}.{b64(signature)}") == "malformed"


def test_make_refuses_unusable_input() -> None:
    with pytest.raises(ValueError):
        make_feedback_token("A-1", 1, "", EXPIRES)
    with pytest.raises(ValueError):
        make_feedback_token("A-1", 1, KEY, EXPIRES.replace(tzinfo=None))
    with pytest.raises(ValueError):
        make_feedback_token("", 1, KEY, EXPIRES)
    with pytest.raises(ValueError):
        make_feedback_token("A-1", 0, KEY, EXPIRES)


# ------------------------------------------------------------------------------- decision links

ASKED = datetime(2027, 3, 31, 7, 0, 12, 345, tzinfo=UTC)


def test_a_decision_token_round_trips_bound_to_its_decision_and_manager() -> None:
    token = make_decision_token("ACME-2026-0042", 2, ASKED, " Lea@Client.example ", KEY, EXPIRES)
    claim = read_decision_token(token, KEY, NOW)
    assert claim == DecisionClaim(
        assignment_id="ACME-2026-0042",
        term=2,
        asked=int(ASKED.timestamp()),
        manager=manager_digest("lea@client.example"),
        expires_at=EXPIRES,
        token_id=claim.token_id,
    )
    # The address itself is not in the link, only a digest that does not change with its case.
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==")
    assert b"lea" not in payload.lower() and b"client" not in payload.lower()
    assert manager_digest("LEA@client.example") == manager_digest("lea@client.example")
    assert manager_digest("jo@client.example") != manager_digest("lea@client.example")


def test_a_decision_token_expires_at_the_deadline() -> None:
    token = make_decision_token("A-1", 1, ASKED, "lea@client.example", KEY, EXPIRES)
    with pytest.raises(TokenError) as caught:
        read_decision_token(token, KEY, EXPIRES)
    assert caught.value.reason == "expired"
    assert read_decision_token(token, KEY, EXPIRES - timedelta(seconds=1)).term == 1


def test_a_token_of_one_purpose_never_passes_for_the_other() -> None:
    """The same key signs both kinds, under different purpose labels."""
    feedback = make_feedback_token("A-1", 1, KEY, EXPIRES)
    decision = make_decision_token("A-1", 1, ASKED, "lea@client.example", KEY, EXPIRES)
    with pytest.raises(TokenError) as as_decision:
        read_decision_token(feedback, KEY, NOW)
    with pytest.raises(TokenError) as as_feedback:
        read_feedback_token(decision, KEY, NOW)
    assert as_decision.value.reason == as_feedback.value.reason == "forged"
    with pytest.raises(TokenError):
        read_decision_token(decision, "another-key", NOW)


def test_a_decision_token_with_odd_claims_is_malformed() -> None:
    import hashlib
    import hmac

    from core import tokens

    for claims in (
        {"a": "A-1", "t": 1, "x": 1999999999},  # without the decision's own claims
        {"a": "A-1", "t": 1, "r": "now", "m": "d", "x": 1999999999},
        {"a": "A-1", "t": 1, "r": True, "m": "d", "x": 1999999999},
        {"a": "A-1", "t": 1, "r": 1, "m": 5, "x": 1999999999},
    ):
        payload = b64(json.dumps(claims).encode())
        signature = hmac.new(
            KEY.encode(), tokens._DECISION + payload.encode(), hashlib.sha256
        ).digest()
        with pytest.raises(TokenError) as caught:
            read_decision_token(f"{payload}.{b64(signature)}", KEY, NOW)
        assert caught.value.reason == "malformed"
