"""Fish Audio adapter over real HTTP against the sandbox on loopback: create a model from several
samples and wait until it is trained, speech in every format and rate with a model id or inline
references (msgpack), the `model` header, streaming, list/delete, speech recognition, each error."""

from __future__ import annotations

import base64

import msgpack
import pytest

from playground import config, errors, providers
from playground.audio import VoiceSample, decode, sniff_format
from playground.providers.asr import TranscribeRequest
from playground.providers.fishaudio import FishClone, FishReference, FishSpeech
from tests.conftest import speech_wav, tone_wav

FA = "fishaudio"
PUBLIC = "7f92f8afb8ec43bf81429cc1c9199cb1"


@pytest.fixture
def fa(sandbox, monkeypatch):
    adapter = providers.get(FA)
    monkeypatch.setattr(adapter, "poll_interval_s", 0.01)
    return adapter


@pytest.fixture(scope="module")
def sample():
    return VoiceSample(speech_wav(seconds_min=6.0), filename="me.wav")


def calls(sandbox, suffix: str, method: str | None = None) -> list[dict]:
    return [r for r in sandbox.requests(FA) if r["path"].endswith(suffix) and (method is None or r["method"] == method)]


def body_of(record) -> bytes:
    return base64.b64decode(record["body_b64"])


async def new_model(fa, sample, **kw):
    return await fa.clone_voice(FishClone(samples=[sample, sample], title=kw.pop("title", "mine"), **kw))


# -- clone ---------------------------------------------------------------------------------------------
async def test_clone_sends_every_sample_and_waits_until_the_model_is_trained(fa, sandbox, sample):
    result = await new_model(fa, sample, texts=["Hello there one.", "Hello there two."], tags=["a", "b"])
    assert len(result.voice_id) == 32 and result.extra["state"] == "trained" and result.extra["samples_sent"] == 2
    raw = body_of(calls(sandbox, "/model", "POST")[-1])
    assert raw.count(b'name="voices"') == 2 and raw.count(sample.data) == 2
    assert raw.count(b'name="texts"') == 2 and raw.count(b'name="tags"') == 2
    assert b'name="visibility"\r\n\r\nprivate\r\n' in raw and b'name="type"\r\n\r\ntts\r\n' in raw
    polls = calls(sandbox, f"/model/{result.voice_id}", "GET")
    assert len(polls) == 2  # training, then trained
    speech = await fa.speak(FishSpeech(text="In my new voice.", reference_id=result.voice_id, format="wav"))
    assert decode(speech.audio.data).duration_seconds > 0.5


@pytest.mark.parametrize("fmt", ["m4a", "ogg", "webm"])
async def test_other_sample_formats_are_converted_to_wav_and_noted(fa, sandbox, sample, fmt):
    result = await fa.clone_voice(FishClone(samples=[sample.converted(fmt)], title="conv"))
    assert any("to wav" in n for n in result.notes)
    raw = body_of(calls(sandbox, "/model", "POST")[-1])
    assert b"Content-Type: audio/wav" in raw and b'filename="me.wav"' in raw


async def test_a_short_total_only_warns(fa):
    result = await fa.clone_voice(FishClone(samples=[VoiceSample(speech_wav("Hi there."))], title="short"))
    assert result.extra["state"] == "trained" and "recommends at least 10 s" in result.notes[0]


async def test_a_model_that_stays_in_training_is_a_clear_bounded_error(fa, sandbox, sample, monkeypatch):
    monkeypatch.setattr(fa, "poll_max_s", 0.2)
    sandbox.add_fault(FA, "clone", "stuck_training")
    with pytest.raises(errors.ProviderTimeoutError) as exc:
        await new_model(fa, sample)
    text = exc.value.user_message()
    assert "still training" in text and "is not trained yet" in text
    model_id = calls(sandbox, "/model", "POST")[-1]  # the id is in the message, so the user can delete it
    stuck = [v for v in await fa.list_voices() if v.id in text]
    assert stuck and stuck[0].extra["state"] == "training" and model_id
    with pytest.raises(errors.BadRequestError) as refused:
        await fa.speak(FishSpeech(text="Hi.", reference_id=stuck[0].id))
    assert "not trained yet" in refused.value.user_message()
    await fa.delete_voice(stuck[0].id)


async def test_a_model_whose_training_fails_is_a_server_error(fa, sandbox, sample):
    sandbox.add_fault(FA, "clone", "train_failed")
    with pytest.raises(errors.ServerError) as exc:
        await new_model(fa, sample)
    assert "training of model" in exc.value.user_message()


async def test_not_waiting_returns_the_fresh_model_as_created(fa, sandbox, sample):
    result = await new_model(fa, sample, wait=False)
    assert result.extra["state"] == "created" and not calls(sandbox, f"/model/{result.voice_id}")


# -- speech --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fmt, rate, sniffed",
    [
        ("mp3", 44100, "mp3"),
        ("mp3", 32000, "mp3"),
        ("wav", 8000, "wav"),
        ("wav", 24000, "wav"),
        ("pcm", 16000, None),
        ("opus", 48000, "opus"),
    ],
)
async def test_every_format_and_rate_comes_back_as_real_audio(fa, fmt, rate, sniffed):
    result = await fa.speak(
        FishSpeech(text="Testing one two three.", reference_id=PUBLIC, format=fmt, sample_rate=rate)
    )
    assert sniff_format(result.audio.data) == sniffed and result.audio.format == fmt
    seg = decode(result.audio.playable())
    assert seg.frame_rate == rate and seg.duration_seconds > 0.5


async def test_the_model_header_is_always_sent_and_nothing_is_billed_as_the_fallback(fa, sandbox):
    for model in ("s1", "s2-pro", "s2.1-pro-free"):
        await fa.speak(FishSpeech(text="Hi.", model=model, reference_id=PUBLIC))
    await fa.speak(FishSpeech(text="Hi.", reference_id=PUBLIC))
    headers = [r["headers"].get("model") for r in calls(sandbox, "/v1/tts")]
    assert headers == ["s1", "s2-pro", "s2.1-pro-free", "s2-pro"]
    billed = sandbox.state.scoped("fish_billed_models", config.SANDBOX_KEY)
    assert "s2.1-pro" not in billed


async def test_inline_references_go_as_msgpack_with_raw_bytes(fa, sandbox, sample):
    ref = FishReference(sample, "Hello there, this is my voice sample for cloning.")
    result = await fa.speak(FishSpeech(text="Zero-shot.", references=[ref], format="wav"))
    rec = calls(sandbox, "/v1/tts")[-1]
    assert rec["headers"]["content-type"] == "application/msgpack"
    doc = msgpack.unpackb(body_of(rec))
    assert doc["references"] == [{"audio": sample.data, "text": ref.text}] and "reference_id" not in doc
    assert result.request_fields["references"] == "1 clip(s)"
    plain = await fa.speak(FishSpeech(text="Zero-shot.", reference_id=PUBLIC, format="wav"))
    assert calls(sandbox, "/v1/tts")[-1]["headers"]["content-type"] == "application/json"
    assert plain.audio.data != result.audio.data  # the reference changes the voice


async def test_streaming_delivers_chunks_that_add_up_to_the_take(fa):
    chunks: list[bytes] = []
    result = await fa.speak(
        FishSpeech(
            text="A longer sentence so that the audio has several chunks in it.",
            reference_id=PUBLIC,
            format="pcm",
            sample_rate=44100,
        ),
        on_chunk=chunks.append,
    )
    assert len(chunks) > 3 and b"".join(chunks) == result.audio.data


async def test_speed_and_volume_change_the_audio(fa):
    base = await fa.speak(FishSpeech(text="Testing one two three four.", reference_id=PUBLIC, format="pcm"))
    fast = await fa.speak(FishSpeech(text="Testing one two three four.", reference_id=PUBLIC, format="pcm", speed=2.0))
    quiet = await fa.speak(
        FishSpeech(text="Testing one two three four.", reference_id=PUBLIC, format="pcm", volume=-12.0)
    )
    assert len(fast.audio.data) < len(base.audio.data) * 0.75
    assert decode(quiet.audio.playable()).max < decode(base.audio.playable()).max


async def test_an_unknown_model_id_is_the_providers_400(fa):
    with pytest.raises(errors.BadRequestError) as exc:
        await fa.speak(FishSpeech(text="Hi.", reference_id="0" * 32))
    assert exc.value.status == 400 and "not found" in exc.value.user_message()


async def test_bad_values_are_refused_before_sending(fa, sandbox):
    for kw in (
        {"format": "flac"},
        {"format": "mp3", "sample_rate": 16000},
        {"temperature": 1.5},
        {"chunk_length": 50},
        {"speed": 3.0},
        {"latency": "fastest"},
        {"model": "gpt-4o"},
        {"text": " "},
    ):
        with pytest.raises(errors.InputError):
            await fa.speak(FishSpeech(**{"text": "Hi.", "reference_id": PUBLIC, **kw}))
    assert not calls(sandbox, "/v1/tts")


# -- models and ASR --------------------------------------------------------------------------------------
async def test_list_pages_through_own_models_and_delete_removes_one(fa, sandbox, sample, monkeypatch):
    monkeypatch.setitem(fa.spec["list"], "page_size", 2)
    made = [await new_model(fa, sample, title=f"page-{i}") for i in range(3)]
    mine = await fa.list_voices()
    assert {m.voice_id for m in made} <= {v.id for v in mine} and all(v.kind == "cloned" for v in mine)
    queries = [r["query"] for r in calls(sandbox, "/model", "GET")]
    assert all("self=true" in q for q in queries) and len(queries) >= 2 and "page_number=2" in queries[1]
    library = await fa.list_voices(library=True)
    assert PUBLIC in {v.id for v in library} and "self" not in calls(sandbox, "/model", "GET")[-1]["query"]
    for m in made:
        assert m.voice_id in await fa.delete_voice(m.voice_id)
    assert not {m.voice_id for m in made} & {v.id for v in await fa.list_voices()}
    with pytest.raises(errors.NotFoundError):
        await fa.delete_voice(made[0].voice_id)
    with pytest.raises(errors.PermissionDeniedError):
        await fa.delete_voice(PUBLIC)


async def test_transcribe_sends_the_audio_part_and_reads_text(fa, sandbox, sample):
    result = await fa.transcribe(TranscribeRequest(sample))
    assert result.text.startswith("[sandbox transcript") and result.model == "transcribe-1"
    raw = body_of(calls(sandbox, "/v1/asr")[-1])
    assert b'name="audio"; filename="clip.wav"' in raw and b'name="ignore_timestamps"\r\n\r\ntrue' in raw
    with pytest.raises(errors.AudioInputError) as short:
        await fa.transcribe(TranscribeRequest(VoiceSample(tone_wav(0.5))))
    assert "at least 1 s" in short.value.user_message()


# -- errors ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind, cls, fix",
    [
        ("401", errors.AuthenticationError, "FISHAUDIO_API_KEY"),
        ("402", errors.QuotaError, "top it up"),
        ("403", errors.PermissionDeniedError, "not visible"),
        ("404", errors.NotFoundError, "No such model"),
        ("429", errors.RateLimitError, "Wait"),
        ("503", errors.OverloadedError, "overloaded"),
    ],
)
async def test_error_bodies_are_typed_with_the_fix(fa, sandbox, kind, cls, fix):
    sandbox.add_fault(FA, "speech", kind, count=5, retry_after=0)
    with pytest.raises(cls) as exc:
        await fa.speak(FishSpeech(text="Hi.", reference_id=PUBLIC))
    assert fix in exc.value.user_message() and exc.value.status == int(kind)


async def test_the_key_never_appears_and_a_wrong_one_is_refused(sandbox, monkeypatch):
    from playground.sandbox.control import SandboxState
    from playground.sandbox.server import SandboxServer

    server = SandboxServer(SandboxState(valid_keys={"right-key"})).start()
    try:
        monkeypatch.setenv("FISHAUDIO_BASE_URL", server.base_url(FA))
        with pytest.raises(errors.AuthenticationError) as exc:
            await providers.get(FA).list_voices(api_key="sk-canary-fish-0123456789abcdef")
        assert "0123456789abcdef" not in exc.value.user_message() and "Invalid API key" in exc.value.user_message()
    finally:
        server.stop()
