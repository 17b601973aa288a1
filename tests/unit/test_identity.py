"""The visitor cookie (playground/identity.py): random, signed, holds nothing else, cannot be chosen."""

from __future__ import annotations

import pytest

from playground import identity


@pytest.fixture(autouse=True)
def _secret(monkeypatch, tmp_path):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PLAYGROUND_VISITOR_SECRET", raising=False)
    identity.forget_secret()
    yield
    identity.forget_secret()


def test_a_new_visitor_is_random_and_verifies():
    a, value_a = identity.new_cookie_value()
    b, _ = identity.new_cookie_value()
    assert a != b and len(a) == 32
    assert identity.verify(value_a) == a
    assert identity.visitor_of(f"x=1; {identity.COOKIE}={value_a}; vcp-lang=zh-CN") == a


@pytest.mark.parametrize(
    "value",
    [None, "", "garbage", "a" * 32 + "." + "0" * 32, "A" * 65, "../../etc/passwd", "é" * 65],
)
def test_a_made_up_or_altered_value_is_nobody(value):
    assert identity.verify(value) is None


def test_an_altered_id_or_signature_is_nobody():
    visitor, value = identity.new_cookie_value()
    other = ("0" if visitor[0] != "0" else "1") + visitor[1:]
    assert identity.verify(other + value[32:]) is None
    assert identity.verify(value[:-1] + ("0" if value[-1] != "0" else "1")) is None


def test_the_secret_survives_a_restart_and_the_setting_wins(monkeypatch, tmp_path):
    _, value = identity.new_cookie_value()
    identity.forget_secret()  # a restart: the secret file in the data folder is read again
    assert identity.verify(value) is not None
    assert (tmp_path / identity.SECRET_FILE).stat().st_mode & 0o077 == 0
    monkeypatch.setenv("PLAYGROUND_VISITOR_SECRET", "the owner's own")
    identity.forget_secret()
    assert identity.verify(value) is None


def test_cookie_attributes_local_and_hosted():
    _, value = identity.new_cookie_value()
    local = identity.set_cookie_header(value, secure=False)
    hosted = identity.set_cookie_header(value, secure=True)
    assert "HttpOnly" in local and "SameSite=Lax" in local and "Secure" not in local
    assert all(a in hosted for a in ("HttpOnly", "SameSite=None", "Secure", "Partitioned"))
    assert "Max-Age" not in hosted and "Expires" not in hosted  # a session cookie
