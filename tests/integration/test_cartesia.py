"""Cartesia adapter over real HTTP against the sandbox on loopback: clone from one clip, speech in
every container/encoding/rate as bytes and as SSE (wav asked as raw and wrapped), generation_config,
the Cartesia-Version setting (voice specifier, clone fields, error format), list/delete, STT, errors."""

from __future__ import annotations

import base64
import json
import struct

import pytest

from playground import errors, providers
from playground.audio import VoiceSample, decode, sniff_format
from playground.providers.asr import TranscribeRequest
from playground.providers.cartesia import CartesiaClone, CartesiaSpeech
from tests.conftest import speech_wav, tone_wav

CA = "cartesia"
PUBLIC = "694f9389-aac1-45b6-b726-9d9369183238"


@pytest.fixture
def ca(sandbox):
    return providers.get(CA)


@pytest.fixture(scope="module")
def clip():
    return VoiceSample(speech_wav(seconds_min=6.0), filename="me.wav")


def calls(sandbox, suffix: str, method: str | None = None) -> list[dict]:
    return [r for r in sandbox.requests(CA) if r["path"].endswith(suffix) and (method is None or r["method"] == method)]


def body_of(record) -> bytes:
    return base64.b64decode(record["body_b64"])


# -- clone --------------------------------------------------------------------------------------------
async def test_clone_sends_one_clip_and_the_2025_fields(ca, sandbox, clip):
    result = await ca.clone_voice(
        CartesiaClone(sample=clip, name="mine", language="de", enhance=False, description="d")
    )
    assert len(result.voice_id) == 36 and result.extra["language"] == "de" and result.extra["is_public"] is False
    rec = calls(sandbox, "/voices/clone")[-1]
    raw = body_of(rec)
    assert raw.count(b'name="clip"') == 1 and clip.data in raw and b'name="enhance"\r\n\r\nfalse' in raw
    assert rec["headers"]["cartesia-version"] == "2025-04-16" and rec["headers"]["authorization"].startswith("Bearer ")
    speech = await ca.speak(CartesiaSpeech(text="In my voice.", voice=result.voice_id, language="de"))
    assert decode(speech.audio.data).duration_seconds > 0.3


async def test_a_clip_outside_3_to_10_s_is_refused_before_sending(ca, sandbox):
    for seconds in (1.0, 12.0):
        with pytest.raises(errors.AudioInputError):
            await ca.clone_voice(CartesiaClone(sample=VoiceSample(tone_wav(seconds)), name="x"))
    assert not calls(sandbox, "/voices/clone")


async def test_version_2026_sends_accent_and_a_bare_voice_id(ca, sandbox, clip, monkeypatch):
    monkeypatch.setenv("CARTESIA_VERSION", "2026-03-01")
    result = await ca.clone_voice(CartesiaClone(sample=clip, name="accented", accent="southern-us", enhance=True))
    raw = body_of(calls(sandbox, "/voices/clone")[-1])
    assert b'name="accent"\r\n\r\nsouthern-us' in raw and b'name="enhance"' not in raw  # gone in 2026
    assert result.extra["access"] == "private"
    await ca.speak(CartesiaSpeech(text="Hi.", voice=result.voice_id))
    sent = json.loads(body_of(calls(sandbox, "/tts/bytes")[-1]))
    assert sent["voice"] == result.voice_id
    assert calls(sandbox, "/tts/bytes")[-1]["headers"]["cartesia-version"] == "2026-03-01"
    monkeypatch.setenv("CARTESIA_VERSION", "2025-04-16")
    with pytest.raises(errors.InputError):
        await ca.clone_voice(CartesiaClone(sample=clip, name="x", accent="southern-us"))


async def test_an_old_or_unknown_version_is_refused_with_the_fix(ca, monkeypatch):
    for version in ("2024-06-10", "2030-01-01"):
        monkeypatch.setenv("CARTESIA_VERSION", version)
        with pytest.raises(errors.InputError) as exc:
            await ca.list_voices()
        assert "2025-04-16" in exc.value.user_message()


# -- speech ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "container, encoding, rate, sniffed, fmt",
    [
        ("wav", "pcm_s16le", 44100, "wav", "wav"),
        ("wav", "pcm_f32le", 22050, "wav", "wav"),
        ("wav", "pcm_mulaw", 8000, "wav", "wav"),
        ("raw", "pcm_s16le", 24000, None, "pcm"),
        ("raw", "pcm_f32le", 16000, "wav", "wav"),
        ("raw", "pcm_alaw", 8000, "wav", "wav"),
        ("mp3", None, 48000, "mp3", "mp3"),
    ],
)
async def test_every_container_and_encoding_is_real_audio_at_the_rate(ca, container, encoding, rate, sniffed, fmt):
    result = await ca.speak(
        CartesiaSpeech(
            text="Testing one two three.", voice=PUBLIC, container=container, encoding=encoding, sample_rate=rate
        )
    )
    assert (result.audio.format == fmt and sniff_format(result.audio.playable()) == sniffed) or fmt == "pcm"
    seg = decode(result.audio.playable())
    assert seg.frame_rate == rate and seg.duration_seconds > 0.5


async def test_f32_and_s16_bytes_say_the_same_thing(ca):
    s16 = await ca.speak(CartesiaSpeech(text="Same words.", voice=PUBLIC, container="raw", sample_rate=16000))
    f32 = await ca.speak(
        CartesiaSpeech(text="Same words.", voice=PUBLIC, container="raw", encoding="pcm_f32le", sample_rate=16000)
    )
    assert len(f32.audio.data) - 44 == 2 * len(s16.audio.data)
    floats = struct.unpack(f"<{(len(f32.audio.data) - 44) // 4}f", f32.audio.data[44:])
    assert max(abs(v) for v in floats) <= 1.0


async def test_a_streamed_wav_is_asked_as_raw_and_wrapped(ca, sandbox):
    chunks: list[bytes] = []
    streamed = await ca.speak(
        CartesiaSpeech(
            text="A longer sentence so that the stream has several events.",
            voice=PUBLIC,
            container="wav",
            sample_rate=24000,
            stream=True,
        ),
        on_chunk=chunks.append,
    )
    sent = json.loads(body_of(calls(sandbox, "/tts/sse")[-1]))
    assert sent["output_format"] == {"container": "raw", "sample_rate": 24000, "encoding": "pcm_s16le"}
    assert len(chunks) > 3 and streamed.audio.format == "wav"
    assert streamed.audio.data[44:] == b"".join(chunks)
    whole = await ca.speak(
        CartesiaSpeech(
            text="A longer sentence so that the stream has several events.",
            voice=PUBLIC,
            container="raw",
            sample_rate=24000,
        )
    )
    assert whole.audio.data == b"".join(chunks)  # the same audio as the bytes endpoint


async def test_timestamps_are_counted_and_mp3_cannot_stream(ca, sandbox):
    result = await ca.speak(
        CartesiaSpeech(text="One two three.", voice=PUBLIC, container="raw", stream=True, add_timestamps=True)
    )
    assert result.request_fields["timestamps (received)"] == 1
    with pytest.raises(errors.InputError):
        await ca.speak(CartesiaSpeech(text="Hi.", voice=PUBLIC, container="mp3", stream=True))


async def test_generation_config_changes_the_audio_and_needs_sonic_3(ca, sandbox):
    base = await ca.speak(CartesiaSpeech(text="Testing one two three four.", voice=PUBLIC, container="raw"))
    fast = await ca.speak(
        CartesiaSpeech(
            text="Testing one two three four.", voice=PUBLIC, container="raw", gen_speed=1.5, emotion="excited"
        )
    )
    quiet = await ca.speak(
        CartesiaSpeech(text="Testing one two three four.", voice=PUBLIC, container="raw", gen_volume=0.5)
    )
    slow = await ca.speak(
        CartesiaSpeech(text="Testing one two three four.", voice=PUBLIC, container="raw", model="sonic-2", speed="slow")
    )
    assert len(fast.audio.data) < len(base.audio.data) * 0.8 < len(slow.audio.data)
    assert decode(quiet.audio.playable()).max < decode(base.audio.playable()).max
    assert json.loads(body_of(calls(sandbox, "/tts/bytes")[1]))["generation_config"] == {
        "speed": 1.5,
        "emotion": "excited",
    }
    with pytest.raises(errors.InputError):
        await ca.speak(CartesiaSpeech(text="Hi.", voice=PUBLIC, model="sonic-2", emotion="happy"))


async def test_an_unknown_voice_is_the_providers_404_in_text_or_json(ca, monkeypatch):
    ghost = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(errors.NotFoundError) as exc:
        await ca.speak(CartesiaSpeech(text="Hi.", voice=ghost))
    assert f"Not Found: voice {ghost} not found" in exc.value.user_message()  # plain text before 2026-03-01
    monkeypatch.setenv("CARTESIA_VERSION", "2026-08-14")
    with pytest.raises(errors.NotFoundError) as exc:
        await ca.speak(CartesiaSpeech(text="Hi.", voice=ghost))
    assert exc.value.code == "not_found" and exc.value.request_id  # JSON from 2026-03-01


# -- voices and STT -----------------------------------------------------------------------------------------
async def test_list_pages_with_starting_after_and_delete(ca, sandbox, clip, monkeypatch):
    monkeypatch.setitem(ca.spec["list"], "limit", 2)
    made = [await ca.clone_voice(CartesiaClone(sample=clip, name=f"page-{i}")) for i in range(3)]
    mine = await ca.list_voices()
    assert {m.voice_id for m in made} <= {v.id for v in mine} and all(v.kind == "cloned" for v in mine)
    queries = [r["query"] for r in calls(sandbox, "/voices", "GET")]
    assert all("is_owner=true" in q for q in queries) and "starting_after=" in queries[1]
    library = await ca.list_voices(library=True)
    assert PUBLIC in {v.id for v in library}
    for m in made:
        await ca.delete_voice(m.voice_id)
    assert calls(sandbox, made[0].voice_id, "DELETE")[-1]["status"] == 204
    assert not {m.voice_id for m in made} & {v.id for v in await ca.list_voices()}
    with pytest.raises(errors.NotFoundError):
        await ca.delete_voice(made[0].voice_id)
    with pytest.raises(errors.PermissionDeniedError):
        await ca.delete_voice(PUBLIC)


async def test_stt_sends_file_model_and_language(ca, sandbox, clip):
    result = await ca.transcribe(TranscribeRequest(clip))
    assert (
        result.text.startswith("[sandbox transcript") and result.model == "ink-whisper" and result.extra["request_id"]
    )
    raw = body_of(calls(sandbox, "/stt")[-1])
    assert b'name="model"\r\n\r\nink-whisper' in raw and b'name="language"\r\n\r\nen' in raw
    assert b'name="file"; filename="clip.wav"' in raw


# -- errors ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["2025-04-16", "2026-03-01"])
@pytest.mark.parametrize(
    "kind, cls, fix",
    [
        ("401", errors.AuthenticationError, "CARTESIA_API_KEY"),
        ("402", errors.QuotaError, "credits"),
        ("403", errors.PermissionDeniedError, "paid plan"),
        ("429", errors.RateLimitError, "wait"),
        ("503", errors.OverloadedError, "overloaded"),
    ],
)
async def test_errors_in_both_formats_are_typed(ca, sandbox, monkeypatch, version, kind, cls, fix):
    monkeypatch.setenv("CARTESIA_VERSION", version)
    sandbox.add_fault(CA, "speech", kind, count=5, retry_after=0)
    with pytest.raises(cls) as exc:
        await ca.speak(CartesiaSpeech(text="Hi.", voice=PUBLIC))
    text = exc.value.user_message()
    assert fix in text and exc.value.status == int(kind)
    if version == "2026-03-01" and kind == "429":
        assert exc.value.code == "concurrency_limited"


async def test_a_cut_stream_is_interrupted_not_a_take(ca, sandbox):
    sandbox.add_fault(CA, "speech", "cut_stream", cut_after_bytes=10)
    with pytest.raises(errors.StreamInterruptedError):
        await ca.speak(CartesiaSpeech(text="Hi there.", voice=PUBLIC, container="raw", stream=True))


@pytest.mark.parametrize("version, code", [("2025-04-16", 500), ("2026-03-01", 429)])
async def test_an_error_event_inside_the_stream_is_typed_in_both_shapes(ca, sandbox, monkeypatch, version, code):
    monkeypatch.setenv("CARTESIA_VERSION", version)
    sandbox.add_fault(CA, "speech", "error_200", code=code)
    chunks: list[bytes] = []
    with pytest.raises(errors.ProviderError) as exc:
        await ca.speak(
            CartesiaSpeech(text="Hi there.", voice=PUBLIC, container="raw", stream=True), on_chunk=chunks.append
        )
    assert isinstance(exc.value, errors.RateLimitError if code == 429 else errors.ServerError)
    assert "failed mid-stream" in exc.value.user_message() and exc.value.status == code and chunks
    assert (exc.value.code == "internal_error") == (version == "2026-03-01")
