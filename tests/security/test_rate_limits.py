"""Per-visitor limits keyed on the client address (the right-most X-Forwarded-For hop the proxy adds),
not on the session hash a visitor can rotate for free; uploads and clones charged to the fallback budget."""

from __future__ import annotations

import time

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from playground import visitors
from tests.conftest import speech_wav

A, B = "203.0.113.5", "203.0.113.6"


pytestmark = pytest.mark.usefixtures("fresh_limits")  # tests/security/conftest.py


def visitor(url: str, forwarded_for: str | None) -> Client:
    return Client(url, verbose=False, headers={"X-Forwarded-For": forwarded_for} if forwarded_for else None)


def models(client: Client):
    return client.predict("", "sk-visitor", api_name="/openai_models")


def test_rotating_sessions_does_not_lift_the_rate_limit(hosted_app, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CLIENT_RATE", "3")
    for _ in range(3):
        models(visitor(hosted_app, A))  # three fresh sessions, one address
    for forwarded in (A, f"198.51.100.1, {A}", f"10.0.0.1, 1.2.3.4, {A}"):  # forged hops to the left do not count
        with pytest.raises(AppError) as info:
            models(visitor(hosted_app, forwarded))
        text = str(info.value)
        assert "Slow down" in text and "Try again in" in text and "Traceback" not in text
    models(visitor(hosted_app, B))  # another address is not affected
    assert httpx.get(hosted_app + "config", timeout=1.0).status_code == 200  # the app still answers at once


def test_one_address_has_a_bounded_number_of_calls_in_flight(hosted_app, sandbox, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CLIENT_CONCURRENCY", "1")
    sandbox.set_latency("openai_compat", first_byte_s=3.0)
    slow = visitor(hosted_app, A).submit("", "sk-visitor", api_name="/openai_models")
    deadline = time.monotonic() + 10
    while not visitors.LIMITER.in_flight and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(AppError, match="Slow down: 1 of your calls are still running"):
        models(visitor(hosted_app, A))
    sandbox.set_latency("openai_compat")
    models(visitor(hosted_app, B))
    slow.result(timeout=30)


def test_the_global_budget_bounds_everyone(hosted_app, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_GLOBAL_RATE", "2")
    models(visitor(hosted_app, A))
    models(visitor(hosted_app, B))
    with pytest.raises(AppError, match="The demo is busy"):
        models(visitor(hosted_app, "203.0.113.7"))


def test_fallback_caps_follow_the_address_not_the_session(hosted_app, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_SERVER_KEYS", "fallback")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-owner-key")
    monkeypatch.setenv("PLAYGROUND_FALLBACK_CLIENT_CHARS", "10")
    kwargs = dict(text="Hello.")  # the endpoint's defaults: gpt-4o-mini-tts, alloy, no key of the visitor's
    visitor(hosted_app, A).predict(**kwargs, api_name="/openai_speak")
    with pytest.raises(AppError, match="your address may send 10 characters"):
        visitor(hosted_app, A).predict(**kwargs, api_name="/openai_speak")  # a fresh session, same address
    visitor(hosted_app, B).predict(**kwargs, api_name="/openai_speak")


def test_uploads_are_charged_to_the_fallback_budget(hosted_app, monkeypatch, tmp_path):
    monkeypatch.setenv("PLAYGROUND_SERVER_KEYS", "fallback")
    monkeypatch.setenv("SILICONFLOW_API_KEY", "sk-owner-key")
    monkeypatch.setenv("PLAYGROUND_FALLBACK_UPLOAD_CHARS", "1500")
    sample = tmp_path / "s.wav"
    sample.write_bytes(speech_wav())
    args = (handle_file(str(sample)), "v", "Hello there.", "FunAudioLLM/CosyVoice2-0.5B", "multipart", True, "")
    client = visitor(hosted_app, A)
    client.predict(*args, api_name="/siliconflow_upload")  # 1500 of the session's 2000
    with pytest.raises(AppError, match="Demo limit: this session may send 2,000 characters"):
        client.predict(*args, api_name="/siliconflow_upload")


def test_the_client_address_comes_from_the_trusted_hop(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    assert visitors.client_address("6.6.6.6, 203.0.113.5", "10.0.0.2") == "203.0.113.5"
    monkeypatch.setenv("PLAYGROUND_TRUSTED_PROXIES", "2")
    assert visitors.client_address("6.6.6.6, 203.0.113.5, 10.1.1.1", "10.0.0.2") == "203.0.113.5"
    monkeypatch.setenv("PLAYGROUND_TRUSTED_PROXIES", "0")
    assert visitors.client_address("6.6.6.6", "10.0.0.2") == "10.0.0.2"
    monkeypatch.setenv("PLAYGROUND_TRUSTED_PROXIES", "1")
    assert visitors.client_address("2001:db8:1:2:aaaa::1", None) == visitors.client_address(
        "2001:db8:1:2:bbbb::9", None
    )
    assert visitors.client_address(None, "127.0.0.1") == "127.0.0.1"  # no proxy hop: the peer
