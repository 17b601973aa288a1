"""OpenAI-compatible provider against the sandbox over loopback (real HTTP): every field,
every format in both streaming modes, the strict seed-003 gateway without /models, error
bodies and faults, the named API endpoints, and parity with the official `openai` SDK."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from playground import config, errors, providers
from playground.audio import decode, sniff_format
from playground.providers.openai_compat import OpenAISpeech
from playground.sandbox.control import fingerprint
from playground.sandbox.server import SandboxServer

CANARY = "sk-canary-openai_compat-0123456789abcdef"
SNIFF = {"mp3": {"mp3"}, "opus": {"opus"}, "aac": {"aac"}, "flac": {"flac"}, "wav": {"wav"}, "pcm": {None}}
TEXT = "Hello from the speech sandbox."


@pytest.fixture
def oa(sandbox):
    return providers.get("openai_compat")


@pytest.fixture
def gateway(sandbox, oa):
    return oa.sandbox_gateway_url()


def last_speech(sandbox) -> dict:
    rec = [r for r in sandbox.requests("openai_compat") if r["path"].endswith("/audio/speech")][-1]
    return {**rec, "json": json.loads(base64.b64decode(rec["body_b64"]))}


def assert_plays(result, fmt: str, min_s: float = 0.5) -> float:
    assert sniff_format(result.audio.data) in SNIFF[fmt]
    playable = result.audio.playable()
    if fmt == "pcm":
        assert sniff_format(playable) == "wav"
    seg = decode(playable)
    assert len(seg) / 1000 > min_s
    return len(seg) / 1000


# -- every format in both streaming modes ------------------------------------------------------
@pytest.mark.parametrize("stream_format", ["audio", "sse"])
@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
async def test_every_format_decodes_in_both_streaming_modes(oa, sandbox, fmt, stream_format):
    chunks: list[bytes] = []
    result = await oa.speak(
        OpenAISpeech(text=TEXT, response_format=fmt, stream_format=stream_format), on_chunk=chunks.append
    )
    assert_plays(result, fmt)
    assert b"".join(chunks) == result.audio.data and result.chunks == len(chunks) >= 1
    assert result.sandbox and result.first_audio_s is not None
    if fmt == "pcm":
        seg = decode(result.audio.playable())
        assert (seg.frame_rate, seg.channels, seg.sample_width) == (24000, 1, 2)
    sent = last_speech(sandbox)
    assert sent["method"] == "POST" and sent["path"] == "/openai_compat/v1/audio/speech"
    assert sent["json"].get("response_format") == (None if fmt == "mp3" else fmt)
    assert sent["json"].get("stream_format") == (None if stream_format == "audio" else "sse")


async def test_a_long_text_streams_in_many_chunks(oa, sandbox):
    text = " ".join(["This sentence is repeated to make a longer recording."] * 6)
    for stream_format in ("audio", "sse"):
        chunks: list[bytes] = []
        result = await oa.speak(
            OpenAISpeech(text=text, response_format="wav", stream_format=stream_format), on_chunk=chunks.append
        )
        assert len(chunks) > 5 and b"".join(chunks) == result.audio.data


# -- every field ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "model", ["gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-12-15", "tts-1", "tts-1-hd", "gpt-4o-mini-tts-2025-03-20"]
)
async def test_every_model_including_a_typed_one(oa, sandbox, model):
    result = await oa.speak(OpenAISpeech(text=TEXT, model=model, instructions="Speak warmly."))
    assert_plays(result, "mp3")
    sent = last_speech(sandbox)["json"]
    assert sent["model"] == model
    assert ("instructions" in sent) == (not model.startswith("tts-1"))


async def test_every_voice_and_a_custom_voice(oa, sandbox):
    sizes = {}
    for voice in [*oa.voices(), "voice_1234"]:
        result = await oa.speak(OpenAISpeech(text="Hi there.", voice=voice, response_format="wav"))
        sent = last_speech(sandbox)["json"]["voice"]
        assert sent == ({"id": voice} if voice == "voice_1234" else voice)
        sizes[voice] = result.audio.data
    assert len(oa.voices()) == 13 and sizes["alloy"] != sizes["onyx"]  # voices differ audibly


async def test_speed_changes_the_duration_and_is_sent(oa, sandbox):
    slow = assert_plays(await oa.speak(OpenAISpeech(text=TEXT, speed=0.5, response_format="wav")), "wav")
    assert last_speech(sandbox)["json"]["speed"] == 0.5
    fast = assert_plays(await oa.speak(OpenAISpeech(text=TEXT, speed=4.0, response_format="wav")), "wav", 0.1)
    assert last_speech(sandbox)["json"]["speed"] == 4.0
    normal = assert_plays(await oa.speak(OpenAISpeech(text=TEXT, speed=1.0, response_format="wav")), "wav")
    assert "speed" not in last_speech(sandbox)["json"]
    assert slow > normal > fast


async def test_instructions_and_chinese_text(oa, sandbox):
    result = await oa.speak(
        OpenAISpeech(
            text=oa.spec["examples"]["zh"][0], voice="marin", instructions=oa.spec["instruction_examples"]["zh"][0]
        )
    )
    assert_plays(result, "mp3")
    sent = last_speech(sandbox)["json"]
    assert sent["input"] == oa.spec["examples"]["zh"][0] and sent["instructions"].startswith("用欢快")


async def test_legacy_model_drops_sse_and_instructions_with_notes(oa, sandbox):
    result = await oa.speak(OpenAISpeech(text=TEXT, model="tts-1", instructions="Loud", stream_format="sse"))
    assert_plays(result, "mp3")
    assert last_speech(sandbox)["json"] == {"model": "tts-1", "input": TEXT, "voice": "alloy"}
    assert len(result.notes) == 2


async def test_the_simulator_enforces_limits_the_adapter_also_checks(sandbox):
    import httpx

    url = sandbox.base_url("openai_compat") + "/audio/speech"
    headers = {"Authorization": "Bearer sandbox-key"}
    async with httpx.AsyncClient() as http:
        cases = [
            ({"model": "tts-1", "input": "x" * 4097, "voice": "alloy"}, "string_above_max_length"),
            ({"model": "tts-1", "input": "Hi", "voice": "alloy", "instructions": "x"}, "unsupported_parameter"),
            ({"model": "tts-1", "input": "Hi", "voice": "alloy", "stream_format": "sse"}, "unsupported_value"),
            ({"model": "tts-1", "input": "Hi", "voice": "alloy", "speed": 4.5}, "invalid_value"),
            ({"model": "tts-1", "input": "Hi"}, "missing_required_parameter"),
            ({"model": "tts-1", "input": "Hi", "voice": "alloy", "extra": 1}, "unknown_parameter"),
        ]
        for body, code in cases:
            resp = await http.post(url, json=body, headers=headers)
            assert resp.status_code == 400 and resp.json()["error"]["code"] == code


# -- the strict seed-003 gateway without /models ----------------------------------------------------
@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac"])
async def test_gateway_speaks_the_seed_contract(oa, sandbox, gateway, fmt):
    result = await oa.speak(
        OpenAISpeech(
            text=TEXT,
            model="tts-1-hd",
            voice="nova",
            response_format=fmt,
            speed=1.25,
            instructions="ignored",
            stream_format="sse",
        ),
        base_url=gateway,
    )
    assert_plays(result, fmt)
    sent = last_speech(sandbox)
    assert sent["path"] == "/openai_compat/gateway/v1/audio/speech"
    assert set(sent["json"]) <= {"model", "input", "voice", "response_format", "speed"}
    assert sent["headers"]["content-type"] == "application/json"


async def test_gateway_has_no_models_endpoint(oa, gateway):
    found = await oa.list_models(base_url=gateway)
    assert not found.has_endpoint and "404" in found.detail


async def test_official_sandbox_lists_models(oa):
    found = await oa.list_models()
    assert found.has_endpoint and {"tts-1", "gpt-4o-mini-tts"} <= set(found.speech_models)
    assert "gpt-4o-mini" in found.models and "gpt-4o-mini" not in found.speech_models


@pytest.mark.parametrize(
    "kwargs, cls, fragment",
    [
        (dict(response_format="wav"), errors.BadRequestError, "response_format"),
        (dict(voice="coral"), errors.BadRequestError, "Supported voices are alloy"),
        (dict(model="gpt-4o-mini-tts"), errors.NotFoundError, "no available channel"),
    ],
)
async def test_gateway_rejects_what_seed_003_does_not_list(oa, gateway, kwargs, cls, fragment):
    with pytest.raises(cls) as info:
        await oa.speak(OpenAISpeech(text=TEXT, **{"model": "tts-1", **kwargs}), base_url=gateway)
    assert fragment in info.value.user_message()


# -- errors and faults ---------------------------------------------------------------------------------
@pytest.fixture
def strict_keys(sandbox):
    sandbox.state.valid_keys = {config.SANDBOX_KEY}
    yield
    sandbox.state.valid_keys = None


@pytest.mark.parametrize("where, fragment", [("official", "Incorrect API key"), ("gateway", "Unauthorized")])
async def test_wrong_key_is_an_authentication_error_without_the_key(oa, gateway, strict_keys, where, fragment):
    base = gateway if where == "gateway" else oa.sandbox_root() + "/v1"
    with pytest.raises(errors.AuthenticationError) as info:
        await oa.speak(OpenAISpeech(text=TEXT), api_key=CANARY, base_url=base)
    message = info.value.user_message()
    assert fragment in message and CANARY not in message and "0123456789abcdef" not in message
    if where == "official":
        assert info.value.code == "invalid_api_key" and info.value.request_id.startswith("req_")


async def test_exhausted_quota(oa, sandbox):
    with pytest.raises(errors.QuotaError) as info:
        await oa.speak(OpenAISpeech(text=TEXT), api_key="sk-quota-exhausted-1", base_url=oa.sandbox_root() + "/v1")
    assert "exceeded your current quota" in info.value.user_message()


async def test_unknown_model_on_openai(oa):
    with pytest.raises(errors.NotFoundError) as info:
        await oa.speak(OpenAISpeech(text=TEXT, model="tts-9"))
    assert info.value.status == 404 and info.value.code == "model_not_found"


@pytest.mark.parametrize("op, base", [("speech", "official"), ("gateway.speech", "gateway")])
async def test_429_with_retry_after_is_retried_then_reported(oa, sandbox, gateway, op, base):
    url = gateway if base == "gateway" else None
    sandbox.add_fault("openai_compat", op, "429", count=1, retry_after=0.05)
    assert_plays(await oa.speak(OpenAISpeech(text=TEXT, model="tts-1"), base_url=url), "mp3")
    sandbox.add_fault("openai_compat", op, "429", count=5, retry_after=0.05)
    with pytest.raises(errors.RateLimitError) as info:
        await oa.speak(OpenAISpeech(text=TEXT, model="tts-1"), base_url=url)
    assert info.value.retry_after_s == 0.05


@pytest.mark.parametrize(
    "kind, cls, op, fragment",
    [
        ("500", errors.ServerError, "speech", "code server_error"),
        ("503", errors.OverloadedError, "speech", "overloaded"),
        ("504", errors.ProviderTimeoutError, "speech", "Gateway timeout"),
        ("503", errors.OverloadedError, "gateway.speech", "an HTML page: 503 Service Unavailable"),
        ("500", errors.ServerError, "gateway.speech", "an HTML page: 500 Internal Server Error"),
    ],
)
async def test_server_faults(oa, sandbox, gateway, kind, cls, op, fragment):
    sandbox.add_fault("openai_compat", op, kind, count=5)
    with pytest.raises(cls) as info:
        await oa.speak(OpenAISpeech(text=TEXT, model="tts-1"), base_url=gateway if op.startswith("gateway") else None)
    assert fragment.lower() in info.value.user_message().lower()


@pytest.mark.parametrize(
    "kind, op, fragment",
    [
        ("error_200", "speech", "application/json body instead of audio"),
        ("html_200", "speech", "text/html body instead of audio: an HTML page: API Gateway Console"),
        ("error_200", "gateway.speech", "text instead of mp3 audio"),  # JSON labelled audio/mpeg
        ("html_200", "gateway.speech", "text/html body"),
    ],
)
async def test_200_that_is_not_audio_is_an_invalid_response(oa, sandbox, gateway, kind, op, fragment):
    sandbox.add_fault("openai_compat", op, kind)
    with pytest.raises(errors.InvalidResponseError) as info:
        await oa.speak(OpenAISpeech(text=TEXT, model="tts-1"), base_url=gateway if op.startswith("gateway") else None)
    assert fragment in info.value.user_message()


async def test_models_endpoint_that_serves_html_counts_as_missing(oa, sandbox):
    sandbox.add_fault("openai_compat", "models", "html_200")
    found = await oa.list_models()
    assert not found.has_endpoint and "text/html" in found.detail


@pytest.mark.parametrize("stream_format", ["audio", "sse"])
async def test_cut_stream_is_interrupted(oa, sandbox, stream_format):
    sandbox.add_fault("openai_compat", "speech", "cut_stream", cut_after_bytes=3000)
    with pytest.raises(errors.StreamInterruptedError):
        await oa.speak(OpenAISpeech(text=TEXT * 3, response_format="wav", stream_format=stream_format))


async def test_slow_first_byte_beyond_the_read_timeout(oa, sandbox, monkeypatch):
    monkeypatch.setattr(config, "READ_TIMEOUT_S", 0.3)
    sandbox.add_fault("openai_compat", "speech", "slow_first_byte", delay_s=0.8)
    assert_plays(await oa.speak(OpenAISpeech(text=TEXT)), "mp3")  # retried: speech is idempotent
    sandbox.add_fault("openai_compat", "speech", "slow_first_byte", delay_s=0.8, count=5)
    with pytest.raises(errors.ProviderTimeoutError):
        await oa.speak(OpenAISpeech(text=TEXT))
    await drained(sandbox)


async def drained(sandbox, limit_s: float = 3.0) -> None:
    """Wait until the requests the client gave up on have finished on the server side,
    so they cannot land in the next test's request log."""
    import asyncio

    for _ in range(int(limit_s / 0.05)):
        if sandbox.state.in_flight["openai_compat"] == 0:
            return
        await asyncio.sleep(0.05)


async def test_unknown_path_on_openai_is_an_openai_404(sandbox):
    import httpx

    async with httpx.AsyncClient() as http:
        resp = await http.get(sandbox.base_url("openai_compat") + "/audio/nothing")
    assert resp.status_code == 404 and "Invalid URL" in resp.json()["error"]["message"]


# -- named API endpoints --------------------------------------------------------------------------------
def test_named_endpoints_speak_and_list(client, sandbox):
    names = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/openai_speak", "/openai_models"} <= set(names)
    audio, file, info, _live = client.predict(
        "Hello through the API.",
        "gpt-4o-mini-tts",
        "coral",
        "Cheerful",
        "pcm",
        1.5,
        "sse",
        "",
        "",
        api_name="/openai_speak",
    )
    data = Path(audio).read_bytes()
    assert sniff_format(data) == "wav" and decode(data).frame_rate == 24000
    assert file.endswith(".wav") and "openai_compat-coral-" in file and "SSE events" in info
    sent = last_speech(sandbox)["json"]
    assert sent["speed"] == 1.5 and sent["stream_format"] == "sse" and sent["instructions"] == "Cheerful"

    summary, models = client.predict("", "", api_name="/openai_models")
    assert "tts-1" in models and "Speech models" in summary
    gateway = providers.get("openai_compat").sandbox_gateway_url()
    summary, models = client.predict(gateway, "", api_name="/openai_models")
    assert models == [] and "no /models endpoint; type the model name" in summary.lower()


def test_named_endpoint_errors_are_readable_and_keyless(client, sandbox):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        client.predict(
            "Hi",
            "my-own-tts",
            "alloy",
            "",
            "mp3",
            1.0,
            "audio",
            "https://gateway.invalid/v1",
            "",
            api_name="/openai_speak",
        )
    assert "No key for the base URL" in str(info.value)
    sandbox.state.valid_keys = {config.SANDBOX_KEY}
    try:
        with pytest.raises(AppError) as info:
            client.predict(
                "Hi",
                "tts-1",
                "alloy",
                "",
                "mp3",
                1.0,
                "audio",
                providers.get("openai_compat").sandbox_gateway_url(),
                CANARY,
                api_name="/openai_speak",
            )
    finally:
        sandbox.state.valid_keys = None
    assert "Unauthorized" in str(info.value) and CANARY not in str(info.value)


# -- a separate server: the same requests as the official SDK --------------------------------------------
SDK_CASES = [
    dict(model="tts-1", voice="alloy"),
    dict(
        model="gpt-4o-mini-tts",
        voice="coral",
        instructions="Speak in a cheerful tone.",
        response_format="opus",
        speed=1.25,
    ),
    dict(model="gpt-4o-mini-tts", voice="cedar", response_format="pcm", stream_format="sse"),
    dict(model="tts-1-hd", voice="nova", response_format="flac", speed=0.5),
    dict(model="gpt-4o-mini-tts-2025-12-15", voice={"id": "voice_1234"}, response_format="wav"),
    dict(
        model="gpt-4o-mini-tts",
        voice="marin",
        response_format="aac",
        speed=4.0,
        stream_format="sse",
        instructions="用欢快的语气说",
    ),
]


@pytest.fixture
def separate():
    server = SandboxServer().start()
    yield server
    server.stop()


def sdk_speak(base_url: str, key: str, text: str, case: dict) -> bytes:
    from openai import OpenAI

    client = OpenAI(api_key=key, base_url=base_url, max_retries=0)
    with client.audio.speech.with_streaming_response.create(input=text, **case) as response:
        return response.read()


def comparable(record: dict) -> dict:
    body = base64.b64decode(record["body_b64"])
    return {
        "method": record["method"],
        "path": record["path"],
        "query": record["query"],
        "json": json.loads(body) if body else None,
        "authorization": record["headers"].get("authorization"),
        "content-type": record["headers"].get("content-type"),
    }


@pytest.mark.parametrize("case", SDK_CASES, ids=lambda c: f"{c['model']}-{c.get('response_format', 'mp3')}")
async def test_requests_match_the_official_sdk(separate, monkeypatch, case):
    import asyncio

    key = "sk-separate-openai_compat-0123456789abcdef"
    base = separate.base_url("openai_compat")
    monkeypatch.setenv("OPENAI_BASE_URL", base)
    monkeypatch.setenv("OPENAI_API_KEY", key)
    oa = providers.get("openai_compat")
    text = "The quick brown fox jumped over the lazy dog."
    voice = case["voice"]["id"] if isinstance(case["voice"], dict) else case["voice"]
    fields = {k: v for k, v in case.items() if k != "voice"}
    ours = await oa.speak(OpenAISpeech(text=text, voice=voice, **fields))
    assert not ours.sandbox
    sdk_bytes = await asyncio.to_thread(sdk_speak, base, key, text, case)
    recorded = [r for r in separate.requests("openai_compat")]
    assert len(recorded) == 2
    assert comparable(recorded[0]) == comparable(recorded[1])
    assert comparable(recorded[0])["authorization"] == f"Bearer {fingerprint(key)}"  # the log keeps no real key
    if case.get("stream_format") != "sse":  # the SDK returns the body as is: the same kind of audio
        assert sniff_format(sdk_bytes) == sniff_format(ours.audio.data)
        assert abs(len(sdk_bytes) - len(ours.audio.data)) < 64  # ogg serial numbers differ per encode


async def test_models_request_matches_the_official_sdk(separate, monkeypatch):
    import asyncio

    from openai import OpenAI

    key = "sk-separate-openai_compat-0123456789abcdef"
    base = separate.base_url("openai_compat")
    monkeypatch.setenv("OPENAI_BASE_URL", base)
    monkeypatch.setenv("OPENAI_API_KEY", key)
    found = await providers.get("openai_compat").list_models()
    sdk_ids = await asyncio.to_thread(lambda: [m.id for m in OpenAI(api_key=key, base_url=base).models.list()])
    assert found.models == sdk_ids
    ours, theirs = separate.requests("openai_compat")
    assert comparable(ours) == comparable(theirs)


async def test_typed_base_url_and_key_reach_a_separate_gateway(separate, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)  # must not be sent to a typed URL
    gateway = separate.url + "/openai_compat/gateway/v1"
    result = await providers.get("openai_compat").speak(
        OpenAISpeech(text=TEXT, model="tts-1", voice="echo", response_format="aac"),
        api_key="sk-fake-typed-gateway-key-0001",
        base_url=gateway,
    )
    assert_plays(result, "aac")
    (record,) = separate.requests("openai_compat")
    assert record["path"] == "/openai_compat/gateway/v1/audio/speech"
    assert record["headers"]["authorization"] == f"Bearer {fingerprint('sk-fake-typed-gateway-key-0001')}"
    assert json.loads(base64.b64decode(record["body_b64"])) == {
        "model": "tts-1",
        "input": TEXT,
        "voice": "echo",
        "response_format": "aac",
    }
