"""One client address, read one way at every door: only a valid IP address in the trusted hop counts
(text there falls back to the connection's address), several X-Forwarded-For lines are one list for
page events and the gateway alike, and addresses rotated within one network share that network's
part of the global budget."""

from __future__ import annotations

import httpx
import pytest

from playground import visitors

A, B = "203.0.113.5", "198.51.100.6"
TOKEN = "addr-token"
SPEECH = {"model": "siliconflow/FunAudioLLM/CosyVoice2-0.5B", "voice": "alex", "input": "Hi."}


pytestmark = pytest.mark.usefixtures("fresh_limits")  # tests/security/conftest.py


def page_event(url: str, forwarded: list[str]) -> str:
    """openai_models as a page event over Gradio's call route; the answer's SSE text."""
    headers = [("X-Forwarded-For", line) for line in forwarded]
    posted = httpx.post(url + "gradio_api/call/openai_models", json={"data": ["", "sk-visitor"]}, headers=headers)
    assert posted.status_code == 200, posted.text
    return httpx.get(url + f"gradio_api/call/openai_models/{posted.json()['event_id']}", timeout=30).text


def gateway(url: str, forwarded: list[str]) -> httpx.Response:
    headers = [("X-Forwarded-For", line) for line in forwarded]
    headers += [("Authorization", f"Bearer {TOKEN}"), ("X-SiliconFlow-Key", "sk-caller")]
    return httpx.post(url + "v1/audio/speech", json=SPEECH, headers=headers, timeout=30)


def test_text_in_the_header_is_not_an_identity(hosted_app, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CLIENT_RATE", "2")
    assert "event: complete" in page_event(hosted_app, ["garbage-1"])
    assert "event: complete" in page_event(hosted_app, ["garbage-2"])
    refused = page_event(hosted_app, ["garbage-3"])  # the same peer address: its rate is used up
    assert "event: error" in refused and "Slow down" in refused
    assert "Slow down" in page_event(hosted_app, ["127.0.0.1"])  # it was the peer's all along
    assert "event: complete" in page_event(hosted_app, [A])  # a real address is someone else


def test_several_header_lines_are_read_alike_by_page_events_and_the_gateway(hosted_app, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CLIENT_RATE", "1")
    assert "event: complete" in page_event(hosted_app, ["6.6.6.6", A])  # A's one call
    refused = gateway(hosted_app, ["7.7.7.7", A])  # the same client through the other door
    assert refused.status_code == 429, refused.text
    assert "Slow down" in page_event(hosted_app, [f"8.8.8.8, {A}"])  # one line or two: the same list
    assert gateway(hosted_app, ["6.6.6.6", B]).status_code == 200  # another client is not affected
    # text in the trusted hop: the peer's own (fresh) share, never the hop written before it
    assert "event: complete" in page_event(hosted_app, [A, "garbage"])


def test_rotating_addresses_in_one_network_cannot_empty_the_global_budget(hosted_app, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_GLOBAL_RATE", "8")
    monkeypatch.setenv("PLAYGROUND_NETWORK_SHARE", "0.25")  # two calls per network
    monkeypatch.setenv("PLAYGROUND_CLIENT_RATE", "2")  # (a network may always use one address's rate)
    answers = [page_event(hosted_app, [f"2001:db8:1:{n:x}::1"]) for n in range(6)]  # six /64s of one /48
    assert sum("event: complete" in a for a in answers) == 2
    assert all("your network has made 2 calls" in a for a in answers[2:])
    answers = [page_event(hosted_app, [f"192.0.2.{n}"]) for n in range(1, 5)]  # one IPv4 /24
    assert sum("event: complete" in a for a in answers) == 2
    assert "event: complete" in page_event(hosted_app, [B])  # an innocent address still gets through


def test_the_address_rule(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")  # one trusted proxy
    assert visitors.client_address("garbage-1", "10.0.0.2") == "10.0.0.2"
    assert visitors.client_address(["1.1.1.1", "203.0.113.5"], None) == visitors.client_address(
        "1.1.1.1, 203.0.113.5", None
    )
    assert visitors.client_address("[2001:db8::1]", None) == "2001:db8::/64"
    assert visitors.client_address("::ffff:203.0.113.5", None) == "203.0.113.5"
    assert visitors.client_address("999.1.1.1", "not-an-ip") == "unknown"
    assert visitors.network_of("2001:db8:1:2::/64") == "2001:db8:1::/48"
    assert visitors.network_of("192.0.2.77") == "192.0.2.0/24"
    raw = [(b"x-forwarded-for", b"1.1.1.1"), (b"host", b"x"), (b"x-forwarded-for", b"203.0.113.5")]
    assert visitors.client_from_headers(raw, None) == "203.0.113.5"
