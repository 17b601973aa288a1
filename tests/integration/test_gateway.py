"""The OpenAI-compatible gateway (/v1/audio/speech, /v1/models, /v1/audio/voices) driven by the official
`openai` SDK against the app on loopback: every provider, byte-exact pass-through (checked against the
sandbox's own answer to the very request it logged), SSE, conversions, OpenAI error shapes, takes in
History, library voices by name, and the hosted rules (token, caller keys only, no shared libraries)."""

from __future__ import annotations

import base64
import json
import time

import httpx
import openai
import pytest
from gradio_client import Client, handle_file

from playground.audio import sniff_format
from playground.library import default_store
from playground.sandbox.control import fingerprint  # the sandbox log keeps a fingerprint of non-sandbox keys
from tests.conftest import hosted_app_url, speech_wav

CASES = [  # gateway model, voice, a format the provider returns itself
    ("siliconflow/FunAudioLLM/CosyVoice2-0.5B", "alex", "mp3"),
    ("minimax/speech-02-hd", "English_Graceful_Lady", "mp3"),
    ("zhipu/glm-tts", "tongtong", "pcm"),
    ("openai_compat/tts-1", "alloy", "mp3"),
]
CANARY = "sk-owner-canary-gateway-4d1e9b"


@pytest.fixture(scope="module")
def oa(app_url):
    return openai.OpenAI(base_url=app_url + "v1", api_key="unused-locally", max_retries=0)


def replayed(sandbox, pid: str) -> bytes:
    """The audio the sandbox answers to the last speech request it logged, sent again as it was."""
    entry = [
        r
        for r in sandbox.requests(pid)
        if r["method"] == "POST" and ("speech" in r["path"] or r["path"].endswith("t2a_v2"))
    ][-1]
    url = sandbox.url + entry["path"] + (f"?{entry['query']}" if entry["query"] else "")
    headers = {k: v for k, v in entry["headers"].items() if k.lower() in ("authorization", "content-type", "accept")}
    raw = httpx.post(url, content=base64.b64decode(entry["body_b64"]), headers=headers, timeout=60).content
    if pid == "minimax":  # SSE frames: hex audio in data.audio of the status-1 frames
        frames = [json.loads(line[5:]) for line in raw.decode().splitlines() if line.startswith("data:")]
        return b"".join(
            bytes.fromhex(f["data"]["audio"])
            for f in frames
            if isinstance(f.get("data"), dict) and f["data"].get("status") == 1
        )
    if pid == "zhipu":  # SSE chat chunks: base64 PCM in choices[0].delta.content
        frames = [
            json.loads(line[5:])
            for line in raw.decode().splitlines()
            if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]")
        ]
        return b"".join(
            base64.b64decode(f["choices"][0]["delta"].get("content") or "") for f in frames if f.get("choices")
        )
    if raw.startswith(b"data:"):  # OpenAI SSE: base64 audio in speech.audio.delta events
        events = [json.loads(line[5:]) for line in raw.decode().splitlines() if line.startswith("data:")]
        return b"".join(base64.b64decode(e["audio"]) for e in events if e["type"] == "speech.audio.delta")
    return raw


def takes_of(handler: str = "api_speech") -> list[dict]:
    return [dict(r) for r in default_store().execute("SELECT * FROM takes WHERE handler=? ORDER BY id", (handler,))]


def wait_for(predicate, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


# -- listing -----------------------------------------------------------------------------------------
def test_models_list_every_provider_model_from_the_presets(oa):
    ids = {m.id for m in oa.models.list().data}
    assert {
        "siliconflow/FunAudioLLM/CosyVoice2-0.5B",
        "minimax/speech-02-hd",
        "zhipu/glm-tts",
        "openai_compat/tts-1",
    } <= ids


def test_voices_lists_system_voices_per_model(app_url):
    doc = httpx.get(app_url + "v1/audio/voices", params={"model": "zhipu/glm-tts"}).json()
    assert doc["object"] == "list" and "tongtong" in {v["id"] for v in doc["data"] if v["kind"] == "system"}
    assert httpx.get(app_url + "v1/audio/voices", params={"model": "nope/x"}).status_code == 404


# -- speech --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model,voice,fmt", CASES, ids=[c[0].split("/")[0] for c in CASES])
def test_speech_reaches_the_caller_byte_exact_and_lands_in_history(oa, sandbox, model, voice, fmt):
    before = len(takes_of())
    text = f"Byte exact through the gateway, {model.split('/')[0]}."
    got = oa.audio.speech.create(model=model, voice=voice, input=text, response_format=fmt)
    assert got.response.headers.get("x-playground-converted") is None
    assert got.content == replayed(sandbox, model.split("/")[0])
    takes = wait_for(lambda: takes_of()[before:])
    assert takes[-1]["text"] == text and takes[-1]["provider"] == model.split("/")[0]
    assert json.loads(takes[-1]["params"])["model"] == model


def test_streaming_response_passes_chunks_as_they_arrive(oa, sandbox):
    sandbox.set_latency("siliconflow", first_byte_s=0.0, chunk_delay_s=0.02)
    kwargs = dict(
        model="siliconflow/FunAudioLLM/CosyVoice2-0.5B",
        voice="alex",
        input="Streaming through the gateway, chunk by chunk, as the provider sends them.",
    )
    with oa.audio.speech.with_streaming_response.create(**kwargs) as resp:
        chunks = [c for c in resp.iter_bytes() if c]
    assert len(chunks) > 1 and sniff_format(chunks[0]) == "mp3"
    assert b"".join(chunks) == replayed(sandbox, "siliconflow")


def test_sse_stream_has_delta_and_done_events(oa, sandbox):
    with oa.audio.speech.with_streaming_response.create(
        model="openai_compat/gpt-4o-mini-tts", voice="alloy", input="Server-sent events.", stream_format="sse"
    ) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        events = [json.loads(line[5:]) for line in resp.iter_lines() if line.startswith("data:")]
    assert [e["type"] for e in events[:-1]] == ["speech.audio.delta"] * (len(events) - 1)
    assert events[-1]["type"] == "speech.audio.done" and "usage" in events[-1]
    audio = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert audio == replayed(sandbox, "openai_compat")


def test_sse_works_for_a_provider_without_sse(oa):
    with oa.audio.speech.with_streaming_response.create(
        model="zhipu/glm-tts", voice="tongtong", input="SSE from pcm.", response_format="pcm", stream_format="sse"
    ) as resp:
        events = [json.loads(line[5:]) for line in resp.iter_lines() if line.startswith("data:")]
    assert events[-1]["type"] == "speech.audio.done" and len(events) > 1


@pytest.mark.parametrize(
    "model,voice,fmt,magic",
    [
        ("zhipu/glm-tts", "tongtong", "mp3", "mp3"),
        ("minimax/speech-02-hd", "English_Graceful_Lady", "opus", "opus"),
        ("siliconflow/FunAudioLLM/CosyVoice2-0.5B", "alex", "aac", "aac"),
        ("zhipu/glm-tts", "tongtong", "flac", "flac"),
    ],
)
def test_formats_the_provider_lacks_are_converted_and_said_so(oa, model, voice, fmt, magic):
    got = oa.audio.speech.create(model=model, voice=voice, input="Converted for you.", response_format=fmt)
    assert got.response.headers["x-playground-converted"].endswith(f"->{fmt}")
    assert sniff_format(got.content) == magic


# -- errors ----------------------------------------------------------------------------------------------
def test_errors_use_openai_shapes_and_keep_the_provider_code(oa, sandbox, app_url):
    with pytest.raises(openai.NotFoundError) as exc:
        oa.audio.speech.create(model="nope/x", voice="alloy", input="x")
    assert exc.value.body["type"] == "invalid_request_error" and exc.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as exc:
        oa.audio.speech.create(model="zhipu/glm-tts", voice="tongtong", input="x" * 2000)
    assert "1,024" in exc.value.body["message"]
    sandbox.add_fault("siliconflow", "speech", "429", retry_after=60)
    with pytest.raises(openai.RateLimitError) as exc:
        oa.audio.speech.create(model="siliconflow/FunAudioLLM/CosyVoice2-0.5B", voice="alex", input="x")
    assert "HTTP 429" in exc.value.body["message"] and exc.value.response.headers["retry-after"] == "60"
    sandbox.add_fault("openai_compat", "speech", "error_200")
    with pytest.raises(openai.APIStatusError) as exc:
        oa.audio.speech.create(model="openai_compat/tts-1", voice="alloy", input="x")
    assert exc.value.status_code == 502 and "bad_response" in exc.value.body["message"]
    resp = httpx.post(
        app_url + "v1/audio/speech",
        json={"model": "zhipu/glm-tts", "voice": "tongtong", "input": "x", "colour": "blue"},
    )
    assert resp.status_code == 400 and resp.json()["error"]["param"] == "colour"


def test_a_stream_cut_mid_body_cuts_the_callers_body_too(oa, sandbox):
    """After the first bytes the status is sent: a provider failure then ends the connection without
    the final chunk, so no client takes a partial file for a whole one (and no take is recorded)."""
    before = len(takes_of())
    sandbox.add_fault("siliconflow", "speech", "cut_stream", cut_after_bytes=6000)
    with (
        pytest.raises(Exception) as exc,  # the SDK's own httpx raises: an incomplete chunked body
        oa.audio.speech.with_streaming_response.create(
            model="siliconflow/FunAudioLLM/CosyVoice2-0.5B",
            voice="alex",
            input="A long sentence so that the answer is longer than the cut, " * 4,
        ) as resp,
    ):
        for _ in resp.iter_bytes():
            pass
    assert "incomplete" in str(exc.value) or isinstance(exc.value, openai.APIConnectionError)
    time.sleep(0.3)
    assert len(takes_of()) == before


def test_bearer_token_when_set(app_url, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_API_TOKEN", "tok-123")
    bad = openai.OpenAI(base_url=app_url + "v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    good = openai.OpenAI(base_url=app_url + "v1", api_key="tok-123", max_retries=0)
    assert good.audio.speech.create(model="zhipu/glm-tts", voice="tongtong", input="ok", response_format="pcm").content


# -- a voice cloned through the app, spoken by its library name ----------------------------------------
def upload(client, path, name: str, api_key: str = "") -> str:
    params = {
        p["parameter_name"]
        for p in client.view_api(return_format="dict", print_info=False)["named_endpoints"]["/siliconflow_upload"][
            "parameters"
        ]
    }
    values = dict(
        audio=handle_file(str(path)),
        name=name,
        transcript="Hello there, this is my voice sample for cloning.",
        model="FunAudioLLM/CosyVoice2-0.5B",
        send_as="multipart",
        consent=True,
        api_key=api_key,
    )
    uri, _ = client.predict(**{k: v for k, v in values.items() if k in params}, api_name="/siliconflow_upload")
    return uri


def test_voice_cloned_in_the_app_speaks_by_its_library_name(client, oa, sandbox, speech_file, app_url):
    uri = upload(client, speech_file, "gateway-voice")
    got = oa.audio.speech.create(
        model="siliconflow/FunAudioLLM/CosyVoice2-0.5B",
        voice="gateway-voice",
        input="My cloned voice through the OpenAI SDK.",
    )
    sent = json.loads(base64.b64decode(sandbox.requests("siliconflow")[-1]["body_b64"]))
    assert sent["voice"] == uri and got.content == replayed(sandbox, "siliconflow")
    listed = httpx.get(app_url + "v1/audio/voices", params={"model": "siliconflow/FunAudioLLM/CosyVoice2-0.5B"}).json()
    assert {"id": uri, "name": "gateway-voice", "kind": "library"}.items() <= next(
        v for v in listed["data"] if v["id"] == uri
    ).items()


# -- hosted ------------------------------------------------------------------------------------------------
def test_hosted_gateway_needs_a_token_and_the_callers_own_keys(sandbox, tmp_path, monkeypatch):
    sample = tmp_path / "s.wav"
    sample.write_bytes(speech_wav())
    with hosted_app_url(sandbox) as url:
        speech = dict(model="siliconflow/FunAudioLLM/CosyVoice2-0.5B", voice="alex", input="Hosted call.")
        resp = httpx.post(url + "v1/audio/speech", json=speech)
        assert resp.status_code == 503 and resp.json()["error"]["code"] == "api_disabled"
        monkeypatch.setenv("PLAYGROUND_API_TOKEN", "hosted-token")
        monkeypatch.setenv("SILICONFLOW_API_KEY", CANARY)
        monkeypatch.setenv("PLAYGROUND_SERVER_KEYS", "fallback")  # even then, never for API callers
        no_token = httpx.post(url + "v1/audio/speech", json=speech)
        assert no_token.status_code == 401 and no_token.json()["error"]["code"] == "missing_api_token"
        wrong = openai.OpenAI(base_url=url + "v1", api_key="not-the-token", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            wrong.audio.speech.create(**speech)
        sdk = openai.OpenAI(base_url=url + "v1", api_key="hosted-token", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as exc:
            sdk.audio.speech.create(**speech)
        assert exc.value.body["code"] == "missing_provider_key" and "X-Siliconflow-Key" in exc.value.body["message"]
        sandbox.reset()
        a = {"X-SiliconFlow-Key": "sk-caller-a"}
        assert sdk.audio.speech.create(**speech, extra_headers=a).content
        seen = json.dumps(sandbox.requests())
        assert fingerprint("sk-caller-a") in seen and CANARY not in seen and fingerprint(CANARY) not in seen
        # a voice caller A cloned in the page is A's alone
        uri = upload(Client(url, verbose=False), sample, "hosted-voice", api_key="sk-caller-a")
        model = "siliconflow/FunAudioLLM/CosyVoice2-0.5B"
        mine = sdk.get("/audio/voices", cast_to=object, options={"params": {"model": model}, "headers": a})
        theirs = sdk.get(
            "/audio/voices",
            cast_to=object,
            options={"params": {"model": model}, "headers": {"X-Provider-Key": "sk-caller-b"}},
        )
        # hosted, a voice cloned in the page belongs to that browser session (library scopes), so neither
        # API caller lists it; what matters here is that B never sees A's
        assert uri not in {v["id"] for v in theirs["data"]} and uri not in {v["id"] for v in mine["data"]}
        sandbox.reset()
        with pytest.raises(openai.APIStatusError):  # by name, B's call cannot reach A's voice
            sdk.audio.speech.create(
                model=model, voice="hosted-voice", input="Not yours.", extra_headers={"X-Provider-Key": "sk-caller-b"}
            )
        assert uri not in json.dumps(sandbox.requests()) and CANARY not in json.dumps(sandbox.requests())
        assert fingerprint(CANARY) not in json.dumps(sandbox.requests())
