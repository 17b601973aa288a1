"""Cartesia adapter, unit level: the version setting, checks before sending, request bodies per
version, both error formats, the SSE parser and WAV wrapping, with the network faked by respx."""

from __future__ import annotations

import base64
import io
import json
import wave

import httpx
import pytest
import respx

from playground import config, errors, providers
from playground.audio import decode
from playground.providers.cartesia import CartesiaSpeech
from playground.providers.cartesia_wire import parse_error, wrap

BASE = "https://cartesia.test"
KEY = "sk_car_canary-0123456789abcdef"
VOICE = "694f9389-aac1-45b6-b726-9d9369183238"


@pytest.fixture
def ca(monkeypatch):
    monkeypatch.setenv("CARTESIA_BASE_URL", BASE)
    monkeypatch.delenv("CARTESIA_VERSION", raising=False)
    monkeypatch.setattr(config, "RETRY_BASE_S", 0.0)
    return providers.get("cartesia")


def sse(*events, error_line: bool = False) -> bytes:
    out = b""
    for e in events:
        prefix = "event: error\n" if error_line and e.get("type") == "error" else ""
        out += f"{prefix}data: {json.dumps(e)}\n\n".encode()
    return out


def chunk(pcm: bytes) -> dict:
    return {"type": "chunk", "data": base64.b64encode(pcm).decode(), "done": False, "status_code": 206}


DONE = {"type": "done", "done": True, "status_code": 206}


# -- the version setting -------------------------------------------------------------------------------
def test_the_version_comes_from_the_request_then_env_then_presets(ca, monkeypatch):
    assert ca.version() == "2025-04-16"
    monkeypatch.setenv("CARTESIA_VERSION", "2026-08-14")
    assert ca.version() == "2026-08-14" and ca.version("2026-03-01") == "2026-03-01"
    with pytest.raises(errors.InputError) as exc:
        ca.version("2024-11-13")
    assert "X-API-Key" in exc.value.user_message()


def test_the_voice_specifier_follows_the_version(ca):
    old = ca.speech_body(ca.check_speak(CartesiaSpeech(text="Hi", voice=VOICE)))
    new = ca.speech_body(ca.check_speak(CartesiaSpeech(text="Hi", voice=VOICE, version="2026-03-01")))
    assert old["voice"] == {"mode": "id", "id": VOICE} and new["voice"] == VOICE


def test_defaults_and_output_format_objects(ca):
    body = ca.speech_body(ca.check_speak(CartesiaSpeech(text=" Hi ", voice=VOICE)))
    assert body == {
        "model_id": "sonic-3",
        "transcript": "Hi",
        "voice": {"mode": "id", "id": VOICE},
        "output_format": {"container": "wav", "sample_rate": 44100, "encoding": "pcm_s16le"},
        "language": "en",
    }
    mp3 = ca.speech_body(ca.check_speak(CartesiaSpeech(text="Hi", voice=VOICE, container="mp3")))
    assert mp3["output_format"] == {"container": "mp3", "sample_rate": 44100, "bit_rate": 128000}
    streamed = ca.speech_body(ca.check_speak(CartesiaSpeech(text="Hi", voice=VOICE, stream=True, add_timestamps=True)))
    assert streamed["output_format"]["container"] == "raw" and streamed["add_timestamps"] is True


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(text=""), "empty"),
        (dict(text="x" * 5001), "5,000"),
        (dict(text="Hi", voice=""), "Choose a voice"),
        (dict(text="Hi", model="sonic-9"), "model"),
        (dict(text="Hi", language="xx"), "language"),
        (dict(text="Hi", container="ogg"), "container"),
        (dict(text="Hi", encoding="pcm_s24le"), "encoding"),
        (dict(text="Hi", sample_rate=11025), "sample_rate"),
        (dict(text="Hi", container="mp3", bit_rate=128), "bit_rate"),
        (dict(text="Hi", container="mp3", stream=True), "raw PCM only"),
        (dict(text="Hi", gen_speed=1.6), "Speed"),
        (dict(text="Hi", gen_volume=0.4), "Volume"),
        (dict(text="Hi", emotion="bored"), "emotion"),
        (dict(text="Hi", speed="turbo"), "speed"),
        (dict(text="Hi", model="sonic-2", gen_speed=1.0), "generation_config"),
    ],
)
@respx.mock(assert_all_called=False)
async def test_speech_is_refused_before_sending(ca, kwargs, fragment):
    route = respx.post(f"{BASE}/tts/bytes")
    with pytest.raises(errors.InputError) as exc:
        await ca.speak(CartesiaSpeech(**{"voice": VOICE, **kwargs}), api_key=KEY)
    assert fragment in exc.value.user_message() and not route.called


# -- errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, expected",
    [
        (
            b'{"error_code":"concurrency_limited","title":"Too many concurrent requests","message":"Over the limit.",'
            b'"request_id":"550e8400-e29b-41d4-a716-446655440000"}',
            ("concurrency_limited", "Too many concurrent requests: Over the limit."),
        ),
        (b'{"error_code":null,"title":"Bad Request","message":"x"}', (None, "Bad Request: x")),
        (b"Bad Request: transcript is required", (None, "Bad Request: transcript is required")),
        (b"", (None, None)),
    ],
)
def test_both_error_formats_are_parsed(body, expected):
    assert parse_error(400, body, "") == expected


@pytest.mark.parametrize(
    "status, body, cls, fragment",
    [
        (401, b"Unauthorized: Invalid API key.", errors.AuthenticationError, "CARTESIA_API_KEY"),
        (
            402,
            b'{"error_code":"x","title":"Payment Required","message":"no credits","request_id":"r-1"}',
            errors.QuotaError,
            "top up",
        ),
        (
            429,
            b'{"error_code":"concurrency_limited","title":"T","message":"m","request_id":"r-2"}',
            errors.RateLimitError,
            "each HTTP request is one context",
        ),
        (500, b"Internal Server Error: boom", errors.ServerError, "boom"),
    ],
)
@respx.mock
async def test_statuses_are_typed_with_the_request_id_and_no_key(ca, status, body, cls, fragment):
    respx.post(f"{BASE}/tts/bytes").mock(return_value=httpx.Response(status, content=body))
    with pytest.raises(cls) as exc:
        await ca.speak(CartesiaSpeech(text="Hi", voice=VOICE), api_key=KEY)
    text = exc.value.user_message()
    assert fragment in text and KEY not in text
    if b"request_id" in body:
        assert exc.value.request_id in text


@respx.mock
async def test_the_headers_go_on_every_call(ca):
    route = respx.get(f"{BASE}/voices").mock(return_value=httpx.Response(200, json={"data": [], "has_more": False}))
    await ca.list_voices(api_key=KEY)
    request = route.calls.last.request
    assert request.headers["cartesia-version"] == "2025-04-16" and request.headers["authorization"] == f"Bearer {KEY}"


# -- the stream ----------------------------------------------------------------------------------------------
@respx.mock
async def test_sse_chunks_are_decoded_emitted_and_wrapped(ca):
    pcm = bytes(range(256)) * 10
    respx.post(f"{BASE}/tts/sse").mock(
        return_value=httpx.Response(
            200,
            content=b": comment\n\n"
            + sse(chunk(pcm[:1000]), {"type": "timestamps", "done": False}, chunk(pcm[1000:]), DONE)
            + b"data: ignored\n\n",
            headers={"content-type": "text/event-stream"},
        )
    )
    got: list[bytes] = []
    result = await ca.speak(
        CartesiaSpeech(text="Hi", voice=VOICE, stream=True, sample_rate=16000), api_key=KEY, on_chunk=got.append
    )
    assert got == [pcm[:1000], pcm[1000:]] and result.audio.format == "wav"
    with wave.open(io.BytesIO(result.audio.data)) as w:
        assert (w.getframerate(), w.getsampwidth(), w.readframes(10**6)) == (16000, 2, pcm)


@pytest.mark.parametrize(
    "content, cls",
    [
        (sse(chunk(b"\0\1" * 100)), errors.StreamInterruptedError),  # no done event: cut
        (sse(DONE), errors.StreamInterruptedError),  # no audio
        (b"data: not json\n\n", errors.StreamInterruptedError),
        (sse({"type": "chunk", "data": "***", "done": False}), errors.StreamInterruptedError),
        (
            sse(
                chunk(b"\0\1" * 10),
                {
                    "type": "error",
                    "done": True,
                    "status_code": 429,
                    "error_code": "concurrency_limited",
                    "title": "T",
                    "message": "busy",
                    "request_id": "r",
                },
                error_line=True,
            ),
            errors.RateLimitError,
        ),
        (sse({"type": "error", "error": "bad voice", "status_code": 400, "done": True}), errors.BadRequestError),
    ],
)
@respx.mock
async def test_broken_or_failing_streams_are_typed(ca, content, cls):
    respx.post(f"{BASE}/tts/sse").mock(
        return_value=httpx.Response(200, content=content, headers={"content-type": "text/event-stream"})
    )
    with pytest.raises(cls):
        await ca.speak(CartesiaSpeech(text="Hi", voice=VOICE, stream=True), api_key=KEY)


@respx.mock
async def test_bytes_that_are_not_the_asked_container_are_invalid(ca):
    respx.post(f"{BASE}/tts/bytes").mock(
        return_value=httpx.Response(200, content=b"ID3" + b"\0" * 100, headers={"content-type": "audio/wav"})
    )
    with pytest.raises(errors.InvalidResponseError):
        await ca.speak(CartesiaSpeech(text="Hi", voice=VOICE), api_key=KEY)


@pytest.mark.parametrize("encoding, width", [("pcm_s16le", 2), ("pcm_f32le", 4), ("pcm_mulaw", 1), ("pcm_alaw", 1)])
def test_wrapped_pcm_of_every_encoding_decodes(encoding, width):
    import struct

    samples = [int(8000 * ((i % 40) - 20) / 20) for i in range(8000)]
    pcm16 = struct.pack(f"<{len(samples)}h", *samples)
    raw = {
        "pcm_s16le": pcm16,
        "pcm_f32le": struct.pack(f"<{len(samples)}f", *(s / 32768 for s in samples)),
        "pcm_mulaw": bytes([0x7F] * len(samples)),
        "pcm_alaw": bytes([0x55] * len(samples)),
    }[encoding]
    data = wrap(raw + b"\0" * (width - 1 if width > 1 else 0), 8000, encoding)
    seg = decode(data)
    assert seg.frame_rate == 8000 and abs(seg.duration_seconds - 1.0) < 0.01


# -- what the tab builder uses (presets ui) ------------------------------------------------------------------
def test_the_ui_declarations_name_real_request_fields_and_presets(ca):
    from dataclasses import fields as dc_fields

    from playground.providers.cartesia import CartesiaClone

    ui = ca.spec["ui"]["operations"]
    speak = {f.name for f in dc_fields(CartesiaSpeech)}
    clone = {f.name for f in dc_fields(CartesiaClone)}
    assert {f.get("to", f["name"]) for f in ui["speak"]["fields"]} <= speak
    assert {f.get("to", f["name"]) for f in ui["clone"]["fields"]} - {"consent"} <= clone
    for op in ui.values():
        for f in op["fields"]:
            for key, path in f.items():
                if key.endswith("_from"):
                    node = ca.spec
                    for part in path.split("."):
                        node = node[int(part)] if isinstance(node, list) else node[part]
            if "call" in f.get("visible_when", {}):
                assert callable(getattr(ca, f["visible_when"]["call"]))


def test_from_fields_drops_what_the_form_hides(ca):
    req = CartesiaSpeech.from_fields(
        {
            "text": "Hi",
            "voice": VOICE,
            "model": "sonic-2",
            "gen_speed": 1.0,
            "gen_volume": 1.0,
            "emotion": None,
            "container": "mp3",
            "encoding": "pcm_s16le",
            "bit_rate": 64000,
            "stream": False,
            "add_timestamps": True,
            "speed": None,
        }
    )
    body = ca.speech_body(ca.check_speak(req))
    assert "generation_config" not in body and body["output_format"] == {
        "container": "mp3",
        "sample_rate": 44100,
        "bit_rate": 64000,
    }
    live = ca.live_options(ca.check_speak(CartesiaSpeech.from_fields({"text": "Hi", "voice": VOICE, "stream": True})))
    assert live == {"live": True, "fmt": "pcm", "sample_rate": 44100, "channels": 1}


@pytest.mark.parametrize(
    "head",
    [
        b"<\x02\xe9\x02S\x04y\x05",  # the Arena's failing English take: its first sample is 0x023C ("<")
        b"{\x00\x10\x00",  # 0x007B: "{"
        b"\xff\xfb\x10\x00",  # -1025: reads as an MPEG frame sync
    ],
)
@respx.mock
async def test_raw_pcm_whose_first_bytes_look_like_something_else_is_audio(ca, head):
    """Headerless PCM is any byte pattern: only a text body or a whole container's signature is not audio."""
    pcm = head + bytes(range(256)) * 40
    respx.post(f"{BASE}/tts/sse").mock(
        return_value=httpx.Response(200, content=sse(chunk(pcm), DONE), headers={"content-type": "text/event-stream"})
    )
    result = await ca.speak(CartesiaSpeech(text="Hi", voice=VOICE, stream=True, sample_rate=16000), api_key=KEY)
    with wave.open(io.BytesIO(result.audio.data)) as w:
        assert w.readframes(10**6) == pcm


@respx.mock
async def test_a_text_body_in_place_of_raw_pcm_is_invalid(ca):
    respx.post(f"{BASE}/tts/sse").mock(
        return_value=httpx.Response(
            200,
            content=sse(chunk(b'{"error": "not audio at all, just a json text body here"}' * 4), DONE),
            headers={"content-type": "text/event-stream"},
        )
    )
    with pytest.raises(errors.InvalidResponseError):
        await ca.speak(CartesiaSpeech(text="Hi", voice=VOICE, stream=True, sample_rate=16000), api_key=KEY)
