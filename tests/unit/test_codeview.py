"""View code: snippets from captured requests (no network here: the replays are integration tests)."""

from __future__ import annotations

import ast
import base64

import httpx
import pytest
import respx

from playground import codeview
from playground.http import CapturedRequest, capture_requests

URL = "https://api.example.test/v1/audio/speech"


def _speak(**kw) -> CapturedRequest:
    base = dict(
        provider_id="siliconflow",
        method="POST",
        url=URL,
        headers={"content-type": "application/json"},
        auth=True,
        idempotent=True,
        json={
            "model": "m",
            "input": "It's fine",
            "voice": "m:alex",
            "response_format": "wav",
            "stream": False,
            "speed": 1.0,
        },
    )
    base.update(kw)
    return CapturedRequest(**base)


def test_curl_and_python_read_the_key_from_the_environment_and_save_the_audio():
    req = _speak()
    curl = codeview.to_curl([req])
    assert "Authorization: Bearer $SILICONFLOW_API_KEY" in curl
    assert "'\\''" in curl  # the apostrophe in the text is shell-quoted
    assert "-o 'speech_1.wav'" in curl and "--fail-with-body" in curl
    assert '{"model":"m","input":"It' in curl  # compact JSON, as httpx sends it
    py = codeview.to_python([req])
    ast.parse(py)
    assert "os.environ['SILICONFLOW_API_KEY']" in py and "speech_1.wav" in py
    assert '"stream": False' in py and '"speed": 1.0' in py


def test_no_key_header_when_the_request_had_none_and_json_answers_are_printed():
    req = CapturedRequest("zhipu", "GET", "https://cdn.example.test/preview.wav?sig=1", {}, auth=False, idempotent=True)
    assert "Authorization" not in codeview.to_curl([req]) and "Authorization" not in codeview.to_python([req])
    assert "print(response.text)" in codeview.to_python([req])


def test_multipart_fields_and_files_become_form_parts():
    req = CapturedRequest(
        "siliconflow",
        "POST",
        "https://x.test/v1/uploads/audio/voice",
        {},
        auth=True,
        idempotent=False,
        data={"model": "m", "customName": "me", "text": "@not a file"},
        files=[("file", "mine.mp3", b"ID3abc", "audio/mpeg")],
    )
    curl = codeview.to_curl([req])
    assert "--form-string 'text=@not a file'" in curl  # never read as a file by curl
    assert "-F 'file=@mine.mp3;type=audio/mpeg'" in curl
    py = codeview.to_python([req])
    ast.parse(py)
    assert "open('mine.mp3', 'rb')" in py
    assert codeview.attachments([req]) == {"mine.mp3": b"ID3abc"}


def test_data_uris_are_read_from_files_not_pasted():
    audio = b"RIFF....WAVEdata"
    uri = "data:audio/wav;base64," + base64.b64encode(audio).decode()
    req = _speak(json={"model": "m", "input": "hi", "references": [{"audio": uri, "text": "ref"}]})
    curl, py = codeview.to_curl([req]), codeview.to_python([req])
    assert uri not in curl and uri not in py
    assert "base64 -w0 'audio.wav'" in curl and "data_uri('audio.wav', 'audio/wav')" in py
    ast.parse(py)
    assert codeview.attachments([req]) == {"audio.wav": audio}


@respx.mock
async def test_the_transport_records_what_it_sends_without_the_key():
    from playground.config import Secret, Target
    from playground.http import Transport

    respx.post("https://api.example.test/v1/files").mock(return_value=httpx.Response(200, json={"id": "f1"}))
    transport = Transport("zhipu", "Zhipu", lambda s, b, c: (None, None))
    target = Target("zhipu", "https://api.example.test/v1", Secret("sk-canary-0123456789abcdef"), sandbox=False)
    with capture_requests() as reqs:
        await transport.request(
            target,
            "POST",
            "/files",
            idempotent=False,
            data={"purpose": "voice-clone-input"},
            files={"file": ("a.wav", b"RIFF", "audio/wav")},
            params={"x": "1"},
        )
    [req] = reqs
    assert req.url == "https://api.example.test/v1/files?x=1" and req.auth and not req.idempotent
    assert "authorization" not in {k.lower() for k in req.headers}
    assert req.data == {"purpose": "voice-clone-input"} and req.files == [("file", "a.wav", b"RIFF", "audio/wav")]
    text = codeview.to_curl(reqs) + codeview.to_python(reqs)
    assert "canary" not in text and "$ZHIPU_API_KEY" in text


def test_session_log_keeps_the_chain_and_starts_over_after_a_speak():
    log = codeview.SessionLog()
    upload = CapturedRequest(
        "zhipu",
        "POST",
        "https://x/files",
        {},
        True,
        idempotent=False,
        files=[("file", "a.wav", b"x" * 1000, "audio/wav")],
    )
    clone = CapturedRequest("zhipu", "POST", "https://x/voice/clone", {}, True, idempotent=False, json={"a": 1})
    speak = CapturedRequest("zhipu", "POST", "https://x/audio/speech", {}, True, idempotent=True, json={"b": 2})
    listing = CapturedRequest("zhipu", "GET", "https://x/voice/list", {}, True, idempotent=True)
    for event, req in [("e1", upload), ("e2", clone), ("e2b", listing), ("e3", speak)]:
        log.add("s1", event, req)
    chain = log.chain("s1", "zhipu")
    assert [r.url.rsplit("/", 1)[-1] for r in chain] == ["files", "clone", "speech"]
    assert chain[0].files[0][2] == b""  # the log keeps no audio bytes
    assert log.chain("s2", "zhipu") == []
    log.add("s1", "e4", upload)  # a new upload after a speak: a new chain
    assert [r.url for r in log.chain("s1", "zhipu")] == ["https://x/files"]
    log.clear("s1", "zhipu")
    assert log.chain("s1", "zhipu") == []


@pytest.mark.parametrize("reqs", [[]])
def test_empty_runs_say_so(reqs):
    assert codeview.to_curl(reqs).startswith("# Run an operation first")


def test_elevenlabs_snippets_send_xi_api_key_and_repeat_the_files_parts():
    tts = CapturedRequest(
        "elevenlabs",
        "POST",
        "https://api.elevenlabs.io/v1/text-to-speech/abc?output_format=pcm_24000",
        {"content-type": "application/json"},
        auth=True,
        idempotent=True,
        json={"text": "Hi", "model_id": "eleven_multilingual_v2"},
        auth_header="xi-api-key",
    )
    clone = CapturedRequest(
        "elevenlabs",
        "POST",
        "https://api.elevenlabs.io/v1/voices/add",
        {},
        auth=True,
        idempotent=False,
        data={"name": "Me", "remove_background_noise": "false"},
        files=[("files", "a.wav", b"RIFF1", "audio/wav"), ("files", "b.wav", b"RIFF2", "audio/wav")],
        auth_header="xi-api-key",
    )
    curl = codeview.to_curl([clone, tts])
    assert "xi-api-key: $ELEVENLABS_API_KEY" in curl and "Bearer" not in curl
    assert "-F 'files=@a.wav;type=audio/wav'" in curl and "-F 'files=@b.wav;type=audio/wav'" in curl
    assert "-o 'speech_2.pcm'" in curl
    py = codeview.to_python([clone, tts])
    ast.parse(py)
    assert "\"xi-api-key\": os.environ['ELEVENLABS_API_KEY']" in py and "Bearer" not in py
    assert "files=[('files', ('a.wav'" in py and "('files', ('b.wav'" in py


def test_a_sandbox_run_is_written_against_the_public_base_url(monkeypatch):
    """Never the sandbox's random local port: the provider's public base URL, read from its variable,
    with a comment that the run itself went to the sandbox."""
    from playground import config, presets

    monkeypatch.setitem(config._sandbox_urls, "siliconflow", "http://127.0.0.1:49885/siliconflow/v1")
    req = CapturedRequest(
        "siliconflow",
        "POST",
        "http://127.0.0.1:49885/siliconflow/v1/audio/speech",
        {},
        auth=True,
        idempotent=True,
        json={"model": "m", "input": "hi", "voice": "v"},
    )
    public = presets.load("siliconflow")["default_base_url"].rstrip("/")
    curl, py = codeview.to_curl([req]), codeview.to_python([req])
    for text in (curl, py):
        assert "127.0.0.1" not in text and "49885" not in text
        assert "built-in sandbox" in text and public in text
    assert f"\"${{SILICONFLOW_BASE_URL:-{public}}}\"'/audio/speech'" in curl
    assert f"base_url = os.environ.get('SILICONFLOW_BASE_URL', '{public}')" in py
    assert "base_url + '/audio/speech'" in py and "os.environ['SILICONFLOW_API_KEY']" in py
    assert "# 1. POST /v1/audio/speech" in curl and "/siliconflow/v1" not in curl + py
