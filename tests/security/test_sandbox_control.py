"""The sandbox's control routes are unreachable without the per-process token; its request log keeps
no key that is not a sandbox key; a path cannot be steered out of the base URL."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from playground import errors, providers
from playground.config import Secret, Target
from playground.providers.openai_compat import OpenAISpeech
from playground.sandbox.control import CONTROL_HEADER, fingerprint

REAL_KEY = "sk-proj-REALKEY-0123456789abcdefghijklmnop"


def test_control_routes_need_the_token(sandbox):
    with httpx.Client(base_url=sandbox.url, timeout=30, trust_env=False) as http:
        for method, path in (
            ("GET", "/_sandbox/requests"),
            ("GET", "/_sandbox/stats"),
            ("DELETE", "/_sandbox/faults"),
            ("POST", "/_sandbox/faults"),
            ("POST", "/_sandbox/latency"),
            ("DELETE", "/_sandbox/requests"),
        ):
            for headers in ({}, {CONTROL_HEADER: "guess"}, {CONTROL_HEADER: ""}):
                answer = http.request(method, path, headers=headers, json={"provider": "x", "kind": "hang"})
                assert answer.status_code == 404, (method, path, headers)
        assert http.get("/_sandbox/stats", headers=sandbox.control_headers()).status_code == 200
    assert not sandbox.state.faults  # nothing was injected by the guesses


def test_each_sandbox_has_its_own_token():
    from playground.sandbox.control import SandboxState

    assert SandboxState().control_token != SandboxState().control_token


async def test_a_real_key_typed_next_to_the_sandbox_gateway_is_not_logged(sandbox):
    oa = providers.get("openai_compat")
    await oa.speak(OpenAISpeech(text="Hello.", model="tts-1"), api_key=REAL_KEY, base_url=oa.sandbox_gateway_url())
    records = sandbox.requests("openai_compat")
    assert records and not any(REAL_KEY in repr(r) or REAL_KEY[8:28] in repr(r) for r in records)
    assert records[-1]["headers"]["authorization"] == f"Bearer {fingerprint(REAL_KEY)}"
    await oa.speak(OpenAISpeech(text="Hello.", model="tts-1"), base_url=oa.sandbox_gateway_url())  # the sandbox key
    assert sandbox.requests("openai_compat")[-1]["headers"]["authorization"].startswith("Bearer sandbox-key")


async def test_other_key_headers_are_redacted_too(sandbox):
    async with httpx.AsyncClient(timeout=30, trust_env=False) as http:
        await http.get(
            sandbox.base_url("openai_compat") + "/models",
            headers={"Authorization": "Bearer sandbox-key", "xi-api-key": REAL_KEY, "x-api-key": REAL_KEY},
        )
    record = sandbox.requests("openai_compat")[-1]
    assert REAL_KEY not in repr(record) and record["headers"]["xi-api-key"] == fingerprint(REAL_KEY)


async def test_a_path_cannot_leave_the_base_url(sandbox):
    transport = providers.get("siliconflow").transport
    target = Target("siliconflow", sandbox.base_url("siliconflow"), Secret("sandbox-key"), sandbox=True)
    for path in ("/../../_sandbox/requests", "/audio/../../../_sandbox/stats", "/%2e%2e/%2e%2e/_sandbox/stats"):
        with pytest.raises(errors.PlaygroundError) as info:
            await transport.request(target, "GET", path, idempotent=True)
        assert "_sandbox" not in info.value.user_message() or isinstance(info.value, errors.NotFoundError)
    oa = providers.get("openai_compat")
    for url in (oa.sandbox_root() + "/v1/../../_sandbox", oa.sandbox_root() + "/v1/x?", oa.sandbox_root() + "/v1#"):
        with pytest.raises(errors.InputError):
            oa.target("k", url)


async def test_the_apps_own_sandbox_keeps_no_request_log():
    """app.py starts its sandbox with keep_log=False: nothing a visitor sends is held there."""
    import inspect

    import app
    from playground.sandbox.control import SandboxState
    from playground.sandbox.server import SandboxServer

    assert "SandboxState(keep_log=False)" in inspect.getsource(app.main)
    server = SandboxServer(SandboxState(keep_log=False)).start()
    try:
        async with httpx.AsyncClient(timeout=30, trust_env=False) as http:
            answer = await http.post(
                server.base_url("openai_compat") + "/audio/speech",
                headers={"Authorization": f"Bearer {REAL_KEY}"},
                json={"model": "tts-1", "input": "my private text", "voice": "alloy"},
            )
        assert answer.status_code == 200
        # the counter drops when the ASGI call returns, which may come just after the client has the body
        for _ in range(500):
            if not server.state.in_flight["openai_compat"]:
                break
            await asyncio.sleep(0.01)
        assert server.requests() == [] and not server.state.in_flight["openai_compat"]
    finally:
        server.stop()
