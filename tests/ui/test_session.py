"""The UI's session cookie and flash: signed, expiring, never readable as something else."""

from __future__ import annotations

import time

from api.ui import session as sessions
from api.ui.pages import local_path

KEY = "test-signing-key"


def test_a_session_round_trips_and_carries_no_key() -> None:
    made = sessions.new_session(key_id=7, role="operator", name="Lea")
    cookie = sessions.encode(made, KEY)
    found = sessions.decode(cookie, KEY)
    assert found == made and found.signed_in
    assert made.expires_at - time.time() > 11.9 * 3600  # wall clock ok: sessions last real hours


def test_an_anonymous_session_only_holds_a_csrf_token() -> None:
    made = sessions.new_session()
    found = sessions.decode(sessions.encode(made, KEY), KEY)
    assert found is not None and not found.signed_in and found.csrf == made.csrf


def test_tampered_foreign_or_expired_cookies_are_nothing() -> None:
    cookie = sessions.encode(sessions.new_session(key_id=1, role="viewer", name="V"), KEY)
    _, signature = cookie.split(".")
    forged_payload = sessions._b64(b'{"c":"x","x":9999999999,"k":2,"r":"admin","n":"A"}')
    assert sessions.decode(f"{forged_payload}.{signature}", KEY) is None
    assert sessions.decode(cookie, "another-key") is None
    assert sessions.decode(cookie + "A", KEY) is None
    assert sessions.decode("", KEY) is None
    assert sessions.decode("a.b.c", KEY) is None
    assert sessions.decode("x" * 5000, KEY) is None
    # wall clock ok: a session expires in real time, not on the deployment's clock
    past = int(time.time()) - 1  # wall clock ok
    expired = sessions.Session(csrf="c", expires_at=past, key_id=1, role="viewer")
    assert sessions.decode(sessions.encode(expired, KEY), KEY) is None
    # A flash is signed for another purpose: it never passes for a session, nor the reverse.
    assert sessions.decode(sessions.encode_flash("signed_out", KEY), KEY) is None
    assert sessions.decode_flash(cookie, KEY) is None
    assert sessions.decode_flash(sessions.encode_flash("signed_out", KEY), KEY) == "signed_out"


def test_csrf_tokens_are_compared_exactly() -> None:
    made = sessions.new_session(key_id=1, role="operator", name="O")
    assert sessions.csrf_matches(made, made.csrf)
    assert not sessions.csrf_matches(made, made.csrf[:-1])
    assert not sessions.csrf_matches(made, "")
    assert not sessions.csrf_matches(made, None)
    assert not sessions.csrf_matches(None, made.csrf)
    assert not sessions.csrf_matches(made, "é" * 43)


def test_cookies_are_secure_behind_https_only() -> None:
    assert sessions.cookie_options("https://hr.example", 60)["secure"] is True
    plain = sessions.cookie_options("http://127.0.0.1:8000", 60)
    assert plain["secure"] is False and plain["httponly"] and plain["samesite"] == "lax"


def test_only_paths_of_this_site_are_followed() -> None:
    assert local_path("/assignments?q=x") == "/assignments?q=x"
    for bad in ("https://evil.example", "//evil.example", "/\\evil.example", "evil", None, "/a\nb"):
        assert local_path(bad) == "/"
