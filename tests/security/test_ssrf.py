"""SSRF: a typed base URL or a provider's link never reaches an internal address, in any notation;
nothing comes back; open and closed ports look the same; the connection goes to the address that
was checked; answers are capped in size and in total time."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from playground import config, errors, netguard, providers
from playground.config import Secret, Target
from playground.http import Transport
from playground.providers.openai_compat import OpenAISpeech
from tests.conftest import hosted_app_url
from tests.security.conftest import SECRET, closed_port

REFUSED = netguard.REFUSED


@pytest.fixture(scope="module")
def hosted(sandbox):
    with hosted_app_url(sandbox) as url:
        yield url


def typed_urls(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/v1",
        f"http://localhost:{port}/v1",
        f"http://2130706433:{port}/v1",
        f"http://0177.0.0.1:{port}/v1",
        f"http://0x7f.1:{port}/v1",
        f"http://127.1:{port}/v1",
        f"http://[::1]:{port}/v1",
        f"http://[::ffff:127.0.0.1]:{port}/v1",
        f"http://0.0.0.0:{port}/v1",
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00:ec2::254]/latest",
        "http://10.0.0.1/v1",
        "http://100.64.0.1/v1",
        "http://[64:ff9b::7f00:1]/v1",
        "http://224.0.0.1/v1",
    ]


def test_typed_base_urls_to_internal_addresses_are_refused(hosted, internal):
    client = Client(hosted, verbose=False)
    for url in typed_urls(internal.port):
        with pytest.raises(AppError) as info:
            client.predict(url, "sk-any", api_name="/openai_models")
        text = str(info.value)
        assert REFUSED in text and "Traceback" not in text, (url, text)
        assert SECRET not in text
        with pytest.raises(AppError) as info:
            client.predict("Hi.", "tts-1", "alloy", "", "pcm", 1.0, "audio", url, "sk-any", api_name="/openai_speak")
        assert REFUSED in str(info.value) and SECRET not in str(info.value)
    assert internal.requests == []  # nothing internal was contacted


def test_path_steering_tricks_are_refused(hosted, internal):
    client = Client(hosted, verbose=False)
    for url in (
        f"http://127.0.0.1:{internal.port}/secret?",
        f"http://127.0.0.1:{internal.port}/secret#",
        f"https://api.openai.com@127.0.0.1:{internal.port}/v1",
        "https://api.openai.com/v1/../../admin",
        "https://api.openai.com/v1/%2e%2e/admin",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
    ):
        with pytest.raises(AppError) as info:
            client.predict(url, "sk-any", api_name="/openai_models")
        text = str(info.value)
        assert ("not a plain http(s) base URL" in text or REFUSED in text) and SECRET not in text, (url, text)
    assert internal.requests == []


def test_open_and_closed_ports_look_the_same(hosted, internal):
    client = Client(hosted, verbose=False)
    answers = []
    for port in (internal.port, closed_port()):
        with pytest.raises(AppError) as info:
            client.predict(f"http://127.0.0.1:{port}/v1", "sk-any", api_name="/openai_models")
        answers.append(str(info.value).replace(str(port), "PORT"))
    assert answers[0] == answers[1]
    assert internal.requests == []


def test_a_host_name_that_resolves_inside_is_refused_at_connect(hosted, internal, monkeypatch):
    async def resolver(host, port):
        return ["203.0.113.9", "127.0.0.1"] if host == "rebind.example" else await netguard._getaddrinfo(host, port)

    monkeypatch.setattr(netguard, "resolve", resolver)  # one public and one internal answer: refused
    with pytest.raises(AppError, match="only public http"):
        Client(hosted, verbose=False).predict(
            f"http://rebind.example:{internal.port}/v1", "sk-any", api_name="/openai_models"
        )
    assert internal.requests == []


async def test_the_connection_is_pinned_to_the_checked_address(internal, monkeypatch):
    """One lookup per connection; the socket goes to the address checked; Host keeps the name."""
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])  # a second lookup would get another answer
    looked_up = []

    async def resolver(host, port):
        looked_up.append(host)
        return next(answers)

    monkeypatch.setattr(netguard, "resolve", resolver)
    policy = netguard.Policy(frozenset({("127.0.0.1", internal.port)}))
    transport = Transport("openai_compat", "OpenAI-compatible", lambda *a: (None, None))
    response = await transport.client(policy).get(f"http://pinned.example:{internal.port}/x")
    assert response.status_code == 200 and looked_up == ["pinned.example"]
    assert internal.requests[0][1]["Host"] == f"pinned.example:{internal.port}"


@pytest.mark.parametrize("link", ["internal", "metadata"])
async def test_provider_links_are_checked_in_local_mode_too(sandbox, internal, link, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MODE", "local")
    url = f"{internal.url}/audio.mp3" if link == "internal" else "http://169.254.169.254/latest/audio.mp3"
    mm, zp = providers.get("minimax"), providers.get("zhipu")
    with pytest.raises(errors.TargetRefusedError) as info:
        await mm.download(config.resolve_target("minimax"), url)
    assert info.value.user_message().startswith(REFUSED)
    with pytest.raises(errors.TargetRefusedError):
        await zp.fetch_preview(url, api_key_target=config.resolve_target("zhipu"))
    assert internal.requests == []


async def test_sandbox_links_still_work_when_the_target_is_the_sandbox(sandbox):
    mm = providers.get("minimax")
    target = config.resolve_target("minimax")
    assert target.sandbox
    with pytest.raises(errors.ProviderError) as info:  # reaches the sandbox (which has no such file)
        await mm.download(target, target.base_url + "/no-such-file.mp3")
    assert not isinstance(info.value, errors.TargetRefusedError)


async def test_redirects_are_not_followed(internal, monkeypatch):
    """A public-looking server answering 302 to an internal address: the redirect is an answer, not followed."""
    monkeypatch.setenv("PLAYGROUND_MODE", "local")
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import RedirectResponse

    from playground.sandbox.server import free_port

    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def redirect(path: str):
        return RedirectResponse(internal.url + "/latest", status_code=302)

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        with pytest.raises(errors.ProviderError):
            await providers.get("openai_compat").speak(
                OpenAISpeech(text="Hi."), api_key="sk-any", base_url=f"http://127.0.0.1:{port}/v1"
            )
    finally:
        server.should_exit = True
        await task
    assert internal.requests == []


async def test_a_slow_drip_answer_is_cut_at_the_call_time_cap(internal, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MODE", "local")
    monkeypatch.setattr(config, "CALL_TIMEOUT_S", 1.0)
    oa = providers.get("openai_compat")
    start = time.monotonic()
    with pytest.raises(errors.ProviderTimeoutError) as info:
        await oa.speak(OpenAISpeech(text="Hi."), api_key="sk-any", base_url=f"{internal.url}/drip/v1")
    assert "within 1 s" in info.value.user_message()
    assert time.monotonic() - start < 20  # not the 30 s the drip would last


async def test_an_endless_answer_is_cut_at_the_size_cap(internal, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MODE", "local")
    monkeypatch.setattr(config, "MAX_RESPONSE_MB", 1)
    oa = providers.get("openai_compat")
    with pytest.raises(errors.InvalidResponseError) as info:
        await oa.speak(OpenAISpeech(text="Hi."), api_key="sk-any", base_url=f"{internal.url}/flood/v1")
    assert "larger than 1 MB" in info.value.user_message() and "PLAYGROUND_MAX_RESPONSE_MB" in info.value.user_message()


def test_the_app_answers_while_a_slow_drip_call_runs(internal, sandbox, monkeypatch):
    """An operator-allowed slow upstream holds one call; a trivial request is still answered at once."""
    monkeypatch.setenv("PLAYGROUND_ALLOW_PRIVATE_TARGETS", internal.url)
    with hosted_app_url(sandbox) as url:
        import os

        os.environ["OPENAI_BASE_URL"] = f"{internal.url}/drip/v1"
        os.environ["PLAYGROUND_ALLOW_PRIVATE_TARGETS"] = f"{sandbox.url},{internal.url}"
        client = Client(url, verbose=False)
        job = client.submit("Hi.", "tts-1", "alloy", "", "mp3", 1.0, "audio", "", "sk-any", api_name="/openai_speak")
        deadline = time.monotonic() + 10
        while not any(p.startswith("/drip") for p, _ in internal.requests) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(p.startswith("/drip") for p, _ in internal.requests)
        answer = httpx.get(url + "config", timeout=1.0)  # a trivial request while the drip runs
        assert answer.status_code == 200
        job.cancel()


def test_pcm_means_audio_not_text():
    from playground.audio import looks_like_text

    assert looks_like_text(b'{"data": [{"id": "secret"}]}')
    assert looks_like_text(b"<html><body>console</body></html>")
    assert looks_like_text(b"root:x:0:0:root:/root:/bin/bash\n" * 10)
    assert not looks_like_text(bytes(4096))  # silence
    assert not looks_like_text(bytes(range(256)) * 8)


async def test_a_text_body_is_not_a_pcm_take(sandbox, monkeypatch):
    oa = providers.get("openai_compat")
    target = Target("openai_compat", "https://gateway.example/v1", Secret("k"), sandbox=False)
    with pytest.raises(errors.InvalidResponseError):
        oa._check_audio(b"user=admin password=hunter2 token=abcdef\n" * 20, "pcm", target)


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def test_an_endless_answer_through_the_app_keeps_memory_bounded(internal, sandbox, monkeypatch):
    """256 MB offered by an (operator-allowed) upstream: the call stops at the cap, memory stays near idle."""
    import threading

    with hosted_app_url(sandbox) as url:
        import os

        os.environ["OPENAI_BASE_URL"] = f"{internal.url}/flood/v1"
        os.environ["PLAYGROUND_ALLOW_PRIVATE_TARGETS"] = f"{sandbox.url},{internal.url}"
        idle, peak, done = _rss_mb(), [0.0], threading.Event()

        def watch():
            while not done.is_set():
                peak[0] = max(peak[0], _rss_mb())
                time.sleep(0.05)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            with pytest.raises(AppError) as info:
                Client(url, verbose=False).predict(
                    "Hi.", "tts-1", "alloy", "", "mp3", 1.0, "audio", "", "sk-any", api_name="/openai_speak"
                )
        finally:
            done.set()
            watcher.join()
        assert "larger than 64 MB" in str(info.value) and "Traceback" not in str(info.value)
        assert peak[0] - idle < 300


async def test_a_compressed_answer_is_capped_after_decoding(internal, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MODE", "local")
    monkeypatch.setattr(config, "MAX_RESPONSE_MB", 1)
    transport = providers.get("openai_compat").transport
    target = Target("openai_compat", internal.url, Secret("k"), sandbox=False)
    with pytest.raises(errors.InvalidResponseError) as info:  # 50 MB of zeros in ~50 KB of gzip
        await transport.request(target, "GET", "/bomb", idempotent=True)
    assert "larger than 1 MB" in info.value.user_message()
    _response, body = await transport.request(target, "GET", "/gzip", idempotent=True)  # a small one still decodes
    assert body == b"\xff\xf3" + bytes(4094)


@pytest.mark.parametrize(
    "address, public",
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("2002:808:808::1", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("::127.0.0.1", False),
        ("2002:7f00:1::1", False),
        ("64:ff9b::7f00:1", False),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),
        ("100.64.1.1", False),
        ("169.254.169.254", False),
        ("fd00:ec2::254", False),
        ("fe80::1%eth0", False),
        ("224.0.0.1", False),
        ("ff02::1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("fc00::1", False),
        ("not-an-address", False),
    ],
)
def test_address_classes(address, public):
    assert netguard.is_public(address) is public
