"""DNS rebinding: locally the app answers only to local Host headers; hosted mode answers to any."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.conftest import hosted_app_url


def get(url: str, host: str | None) -> httpx.Response:
    headers = {"Host": host} if host is not None else {}
    return httpx.get(url, headers=headers, timeout=30, trust_env=False)


def test_a_rebound_host_name_is_refused_locally(app_url):
    port = urlsplit(app_url).port
    for host in (
        "attacker.example",
        f"attacker.example:{port}",
        f"127.0.0.1.attacker.example:{port}",
        "localhost.attacker.example",
        "rebind.localhost.example",
    ):
        for path in ("", "config", "gradio_api/info"):
            answer = get(app_url + path, host)
            assert answer.status_code == 421, (host, path)
            assert "PLAYGROUND_ALLOWED_HOSTS" in answer.text and "attacker" not in answer.text
            assert "Traceback" not in answer.text


def test_local_names_are_served(app_url):
    port = urlsplit(app_url).port
    for host in (
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        "localhost",
        f"[::1]:{port}",
        f"LOCALHOST:{port}",
        f"192.168.1.20:{port}",
    ):  # an address, not a name: rebinding needs a name
        assert get(app_url + "config", host).status_code == 200, host


def test_the_api_is_refused_too(app_url):
    answer = httpx.post(
        app_url + "gradio_api/queue/join",
        headers={"Host": "attacker.example"},
        json={"data": [], "fn_index": 0, "session_hash": "x"},
        timeout=30,
        trust_env=False,
    )
    assert answer.status_code == 421


def test_allowed_hosts_setting(app_url, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_ALLOWED_HOSTS", "voice.lan, studio.example")
    assert get(app_url + "config", "voice.lan:7860").status_code == 200
    assert get(app_url + "config", "studio.example").status_code == 200
    assert get(app_url + "config", "attacker.example").status_code == 421
    monkeypatch.setenv("PLAYGROUND_ALLOWED_HOSTS", "*")
    assert get(app_url + "config", "attacker.example").status_code == 200


def test_the_configured_server_name_is_served(app_url, monkeypatch):
    monkeypatch.setenv("GRADIO_SERVER_NAME", "myhost.local")
    assert get(app_url + "config", "myhost.local:7860").status_code == 200


def test_hosted_mode_answers_to_its_public_names(sandbox):
    with hosted_app_url(sandbox) as url:
        assert get(url + "config", "someone.hf.space").status_code == 200
