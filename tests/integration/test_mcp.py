"""The MCP server (launch(mcp_server=True)) driven by the `mcp` Python client over streamable HTTP on
loopback: exactly the deliberate tool set, speak returns a URL of the provider's bytes, clone from a URL
or a data URI lands in the library and speaks through the gateway by name, compare, keys in headers
only, hosted rules."""

from __future__ import annotations

import asyncio
import base64
import functools
import http.server
import json
import threading

import httpx
import openai
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from playground.audio import sniff_format
from playground.sandbox.control import fingerprint  # the sandbox log keeps a fingerprint of non-sandbox keys
from playground.ui.mcp_tools import TOOLS
from tests.conftest import hosted_app_url, speech_wav
from tests.integration.test_gateway import replayed


async def _session_call(url: str, headers: dict, calls: list[tuple[str, dict]]):
    async with (
        streamablehttp_client(url + "gradio_api/mcp/", headers=headers) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        out = [await session.list_tools()]
        for name, args in calls:
            out.append(await session.call_tool(name, args))
        return out


def mcp(url: str, *calls: tuple[str, dict], headers: dict | None = None):
    """(tool list, results...) of one MCP session."""
    return asyncio.run(_session_call(url, headers or {}, list(calls)))


def payload(result) -> dict | list:
    assert not result.isError, result.content[0].text
    return json.loads(result.content[0].text)


@pytest.fixture
def served_sample(tmp_path):
    """A voice sample on a loopback web server (a URL to clone from)."""
    (tmp_path / "voice.wav").write_bytes(speech_wav(seconds_min=11))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/voice.wav"
    server.shutdown()


def test_tools_are_the_deliberate_set_with_keys_out_of_the_arguments(app_url):
    (tools,) = mcp(app_url)
    assert {t.name for t in tools.tools} == set(TOOLS)
    for tool in tools.tools:
        assert len(tool.description) > 40
        assert not {"api_key", "authorization", "x_provider_key"} & set(tool.inputSchema.get("properties", {}))
    schema = httpx.get(app_url + "gradio_api/mcp/schema").json()
    speak = next(t for t in schema if t["name"] == "speak")
    assert "x-provider-key" in speak["meta"]["headers"]


def test_speak_returns_a_url_of_the_providers_bytes(app_url, sandbox):
    _, result = mcp(
        app_url, ("speak", {"text": "Hello from an agent.", "model": "openai_compat/tts-1", "voice": "alloy"})
    )
    doc = payload(result)
    audio = httpx.get(doc["audio_url"]).content
    assert doc["format"] == "mp3" and doc["converted"] is None
    assert audio == replayed(sandbox, "openai_compat")


def test_clone_from_a_url_then_speak_through_the_gateway_by_name(app_url, sandbox, served_sample):
    _, cloned, listed = mcp(
        app_url,
        (
            "clone_voice",
            {
                "model": "zhipu/glm-tts",
                "name": "agent-voice",
                "audio_url": served_sample,
                "transcript": "Hello there, this is my voice sample for cloning.",
                "consent": True,
            },
        ),
        ("list_voices", {"model": "zhipu/glm-tts"}),
    )
    voice_id = payload(cloned)["voice_id"]
    assert {"id": voice_id, "name": "agent-voice", "kind": "library"}.items() <= next(
        v for v in payload(listed)["voices"] if v["id"] == voice_id
    ).items()
    sdk = openai.OpenAI(base_url=app_url + "v1", api_key="unused", max_retries=0)
    got = sdk.audio.speech.create(
        model="zhipu/glm-tts", voice="agent-voice", input="An agent's clone.", response_format="pcm"
    )
    sent = json.loads(
        base64.b64decode([r for r in sandbox.requests("zhipu") if r["path"].endswith("/speech")][-1]["body_b64"])
    )
    assert sent["voice"] == voice_id and got.content == replayed(sandbox, "zhipu")


def test_clone_from_an_uploaded_file_as_a_data_uri(app_url):
    uri = "data:audio/wav;base64," + base64.b64encode(speech_wav(seconds_min=11)).decode()
    _, cloned, spoken, refused = mcp(
        app_url,
        ("clone_voice", {"model": "minimax/speech-02-hd", "name": "AgentVoiceOne", "audio_url": uri, "consent": True}),
        (
            "speak",
            {
                "text": "Spoken by my clone.",
                "model": "minimax/speech-02-hd",
                "voice": "AgentVoiceOne",
                "response_format": "wav",
            },
        ),
        ("clone_voice", {"model": "minimax/speech-02-hd", "name": "NoConsent1", "audio_url": uri}),
    )
    assert payload(cloned)["voice_id"] == "AgentVoiceOne"
    assert sniff_format(httpx.get(payload(spoken)["audio_url"]).content) == "wav"
    assert refused.isError and "right to clone" in refused.content[0].text


def test_compare_voices(app_url):
    _, result = mcp(
        app_url, ("compare_voices", {"text": "Compare us.", "pairs": ["zhipu|tongtong", "openai_compat|alloy"]})
    )
    cells = payload(result)
    assert [c["ok"] for c in cells] == [True, True]
    assert all(httpx.get(c["audio_url"]).status_code == 200 for c in cells)


def test_arena_score_when_scoring_is_installed(app_url):
    scoring = pytest.importorskip("playground.scoring")
    uri = "data:audio/wav;base64," + base64.b64encode(speech_wav()).decode()
    _, result = mcp(app_url, ("arena_score", {"reference_url": uri, "take_url": uri, "text": "Hello there."}))
    if result.isError and "NotImplementedError" in result.content[0].text:
        pytest.skip("playground.scoring is still a stub")
    assert "similarity" in payload(result) and scoring


def test_hosted_tools_take_the_callers_keys_from_headers_only(sandbox, monkeypatch, served_sample):
    with hosted_app_url(sandbox) as url:
        monkeypatch.setenv("PLAYGROUND_API_TOKEN", "mcp-token")
        monkeypatch.setenv("ZHIPU_API_KEY", "sk-owner-canary-mcp")
        auth = {"Authorization": "Bearer mcp-token"}
        speak = (
            "speak",
            {"text": "Hosted agent.", "model": "zhipu/glm-tts", "voice": "tongtong", "response_format": "pcm"},
        )
        _, no_token = mcp(url, speak)
        assert no_token.isError and "token" in no_token.content[0].text
        _, no_key = mcp(url, speak, headers=auth)
        assert no_key.isError and "X-Zhipu-Key" in no_key.content[0].text
        sandbox.reset()
        _, ok, private = mcp(
            url,
            speak,
            ("clone_voice", {"model": "zhipu/glm-tts", "name": "x", "audio_url": served_sample, "consent": True}),
            headers={**auth, "X-Zhipu-Key": "sk-agent-a"},
        )
        assert payload(ok)["sandbox"] is False
        assert private.isError and "private or local address" in private.content[0].text
        seen = json.dumps(sandbox.requests())
        assert fingerprint("sk-agent-a") in seen and "sk-owner-canary-mcp" not in seen
        assert fingerprint("sk-owner-canary-mcp") not in seen
