"""ElevenLabs adapter over real HTTP against the sandbox on loopback: clone (with the pre-flight),
speech in every output format (whole and streamed), voice settings that change the sound, voices
listed page by page and deleted, Scribe transcripts, and the account traps (401 quota_exceeded,
400 voice_limit_reached, the free plan, plan-gated formats) reached for real, not injected."""

from __future__ import annotations

import base64
import uuid

import pytest

from playground import compare, errors, providers
from playground.audio import VoiceSample, decode, sniff_format
from playground.providers.asr import TranscribeRequest
from playground.providers.elevenlabs import ElevenLabsClone, ElevenLabsSpeech
from tests.conftest import speech_wav

EL = "elevenlabs"
VOICE = "JBFqnCBsd6RMkjVDRZzb"


@pytest.fixture
def el(sandbox):
    return providers.get(EL)


@pytest.fixture(scope="module")
def samples():
    return [
        VoiceSample(speech_wav(seconds_min=3.0), filename="one.wav"),
        VoiceSample(speech_wav("A second recording, read a little differently.", seconds_min=3.0), filename="two.wav"),
    ]


@pytest.fixture
def account(sandbox, monkeypatch):
    """A fresh key of its own (typed, so the call takes the 'real' path to the sandbox) and its account."""
    monkeypatch.setenv("ELEVENLABS_BASE_URL", sandbox.base_url(EL))
    key = f"acct-{uuid.uuid4().hex}"

    def set_account(**fields):
        sandbox.state.scoped("elevenlabs_account", key).update(fields)
        return key

    return set_account


def calls(sandbox, suffix: str, method: str | None = None) -> list[dict]:
    return [r for r in sandbox.requests(EL) if r["path"].endswith(suffix) and (method is None or r["method"] == method)]


# -- clone -> list -> speak -> delete ---------------------------------------------------------------------
async def test_a_clone_lives_until_it_is_deleted(el, sandbox, samples):
    up = await el.clone_voice(ElevenLabsClone(samples=samples, name="Round trip", labels={"language": "en"}))
    assert len(up.voice_id) == 20 and up.voice_id.isalnum() and up.extra["files"] == 2
    assert calls(sandbox, "/v1/user/subscription") and calls(sandbox, "/v1/voices/add")
    mine = await el.list_voices(voice_type="personal")
    assert up.voice_id in {v.id for v in mine} and all(v.kind == "cloned" for v in mine)
    take = await el.speak(ElevenLabsSpeech(text="Spoken in my cloned voice.", voice_id=up.voice_id))
    assert decode(take.audio.data).duration_seconds > 0.5
    assert await el.delete_voice(up.voice_id) == f"deleted {up.voice_id}"
    assert up.voice_id not in {v.id for v in await el.list_voices(voice_type="personal")}
    with pytest.raises(errors.NotFoundError) as caught:
        await el.delete_voice(up.voice_id)
    assert caught.value.code == "voice_not_found" and caught.value.status == 400
    with pytest.raises(errors.NotFoundError):
        await el.speak(ElevenLabsSpeech(text="Gone.", voice_id=up.voice_id))


async def test_list_pages_through_next_page_token(el, sandbox, monkeypatch):
    monkeypatch.setitem(el.spec["voices"], "default_page_size", 2)
    voices = await el.list_voices(category="premade")
    assert len(voices) == len(el.spec["system_voices"]) and all(v.kind == "system" for v in voices)
    pages = calls(sandbox, "/v2/voices")
    assert len(pages) == 3 and "next_page_token=" in pages[-1]["query"] and "page_size=2" in pages[0]["query"]


# -- speech: every format, real audio at the requested rate -----------------------------------------------
def _formats():
    from playground import presets

    spec = presets.load(EL)
    return [(f, False) for f in spec["output_formats"] + spec["non_stream_formats"]] + [
        (f, True) for f in ("mp3_22050_32", "pcm_16000", "opus_48000_32", "ulaw_8000", "alaw_8000", "wav_44100")
    ]


@pytest.mark.parametrize("fmt, stream", _formats(), ids=[f"{f}{'-stream' if s else ''}" for f, s in _formats()])
async def test_every_output_format_is_real_audio_at_its_rate(el, sandbox, fmt, stream):
    chunks = []
    result = await el.speak(
        ElevenLabsSpeech(text="Every format plays.", output_format=fmt, stream=stream), on_chunk=chunks.append
    )
    codec, rate = fmt.split("_")[0], int(fmt.split("_")[1])
    sent = calls(sandbox, "/stream" if stream else VOICE)[-1]
    wire = fmt.replace("wav_", "pcm_") if stream else fmt
    assert sent["query"] == f"output_format={wire}"
    assert result.audio.format == codec and result.audio.sample_rate == rate
    if codec in ("pcm", "ulaw", "alaw"):
        assert (
            sniff_format(result.audio.data) in (None, "mp3", "aac") and sniff_format(result.audio.playable()) == "wav"
        )
    else:
        assert sniff_format(result.audio.data) == {"mp3": "mp3", "wav": "wav", "opus": "opus"}[codec]
    seg = decode(result.audio.playable())
    assert seg.frame_rate == rate and seg.duration_seconds > 0.5
    if stream and codec != "wav":
        assert b"".join(chunks) == result.audio.data and len(chunks) > 1


async def test_voice_settings_and_model_change_what_is_sent_and_heard(el, sandbox):
    slow = await el.speak(
        ElevenLabsSpeech(
            text="The same sentence at two speeds.",
            speed=0.7,
            stability=0.2,
            similarity_boost=0.9,
            style=0.3,
            use_speaker_boost=False,
            seed=42,
            output_format="pcm_16000",
        )
    )
    fast = await el.speak(
        ElevenLabsSpeech(
            text="The same sentence at two speeds.",
            speed=1.2,
            output_format="pcm_16000",
            model_id="eleven_flash_v2_5",
            language_code="en",
        )
    )
    assert len(slow.audio.data) > len(fast.audio.data) * 1.3
    import json

    first, second = (json.loads(base64.b64decode(r["body_b64"])) for r in calls(sandbox, VOICE)[-2:])
    assert (
        first["voice_settings"]
        == {"stability": 0.2, "similarity_boost": 0.9, "style": 0.3, "use_speaker_boost": False, "speed": 0.7}
        and first["seed"] == 42
    )
    assert second == {
        "text": "The same sentence at two speeds.",
        "model_id": "eleven_flash_v2_5",
        "voice_settings": {"speed": 1.2},
        "language_code": "en",
    }


# -- the account traps, reached for real -------------------------------------------------------------------
async def test_quota_exhaustion_is_a_401_quota_error_not_a_bad_key(el, sandbox, account):
    key = account(character_limit=40, character_count=0)
    text = "Thirty characters of text ok."  # 29 characters
    await el.speak(ElevenLabsSpeech(text=text), api_key=key)
    with pytest.raises(errors.QuotaError) as caught:
        await el.speak(ElevenLabsSpeech(text=text), api_key=key)
    exc = caught.value
    assert exc.status == 401 and exc.code == "quota_exceeded" and "11 credits remaining" in exc.user_message()
    assert not isinstance(exc, errors.AuthenticationError) and len(calls(sandbox, VOICE)) == 2  # not retried
    await el.speak(ElevenLabsSpeech(text="Half price text.", model_id="eleven_flash_v2_5"), api_key=key)  # 8 credits


async def test_full_voice_slots_are_refused_before_uploading(el, sandbox, account, samples):
    key = account(voice_limit=1)
    first = await el.clone_voice(ElevenLabsClone(samples=samples[:1], name="Only slot"), api_key=key)
    with pytest.raises(errors.QuotaError) as caught:
        await el.clone_voice(ElevenLabsClone(samples=samples[:1], name="One too many"), api_key=key)
    assert "1 / 1" in caught.value.user_message() and "delete" in caught.value.user_message().lower()
    assert len(calls(sandbox, "/v1/voices/add")) == 1
    with pytest.raises(errors.QuotaError) as caught:  # without the pre-flight: the API's own 400
        await el.clone_voice(ElevenLabsClone(samples=samples[:1], name="No check", preflight=False), api_key=key)
    assert caught.value.status == 400 and caught.value.code == "voice_limit_reached"
    assert "(1 / 1)" in caught.value.user_message()
    await el.delete_voice(first.voice_id, api_key=key)
    await el.clone_voice(ElevenLabsClone(samples=samples[:1], name="Slot freed"), api_key=key)


async def test_the_free_plan_cannot_clone_and_gated_formats_need_the_plan(el, sandbox, account, samples):
    key = account(tier="free", can_use_instant_voice_cloning=False)
    with pytest.raises(errors.PermissionDeniedError) as caught:
        await el.clone_voice(ElevenLabsClone(samples=samples[:1], name="Free"), api_key=key)
    assert "paid plan" in caught.value.user_message() and not calls(sandbox, "/v1/voices/add")
    with pytest.raises(errors.PermissionDeniedError) as caught:
        await el.clone_voice(ElevenLabsClone(samples=samples[:1], name="Free", preflight=False), api_key=key)
    assert caught.value.status == 403
    for fmt in ("pcm_44100", "wav_44100", "mp3_44100_192"):
        with pytest.raises(errors.PermissionDeniedError):
            await el.speak(ElevenLabsSpeech(text="Hi.", output_format=fmt), api_key=key)
    await el.speak(ElevenLabsSpeech(text="Hi.", output_format="pcm_24000"), api_key=key)


# -- transcripts and compare ---------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["scribe_v2", "scribe_v1"])
async def test_scribe_transcribes_with_model_id(el, sandbox, samples, model):
    result = await el.transcribe(TranscribeRequest(samples[0], model=model))
    assert result.text.startswith("[sandbox transcript") and result.model == model
    assert result.extra["language_code"] == "eng"
    raw = base64.b64decode(calls(sandbox, "/v1/speech-to-text")[-1]["body_b64"])
    assert f'name="model_id"\r\n\r\n{model}\r\n'.encode() in raw and b'name="file"; filename="clip.wav"' in raw


async def test_elevenlabs_takes_part_in_compare(sandbox):
    pairs = [compare.Pair.parse(f"{EL}|{VOICE}"), compare.Pair.parse(f"{EL}|{VOICE}|eleven_flash_v2_5")]
    cells = await compare.compare(["Compared side by side."], pairs)
    assert all(c.ok for c in cells), [c.error for c in cells]
    chars = len("Compared side by side.")
    assert cells[0].figures.cost == pytest.approx(100.0 * chars / 1e6)  # multilingual v2: $0.10 / 1K (3P)
    assert cells[1].figures.cost == pytest.approx(50.0 * chars / 1e6)  # flash v2.5: $0.05 / 1K (3P)
    assert any(key.startswith(f"{EL}|") for _, key in compare.system_pairs())
    assert compare.input_limit(EL) == 10000 and compare.input_limit(EL, "eleven_v3") == 3000


async def test_long_text_is_split_at_the_models_own_limit(sandbox):
    from playground import longtext

    assert longtext.segment_limit(EL) == 10000 and longtext.segment_limit(EL, model="eleven_flash_v2_5") == 40000
    text = "This sentence is here to make the text long. " * 80  # 3,680 characters: over v3's 3,000
    long = await longtext.speak_long(compare.Pair(EL, VOICE, "eleven_v3"), text)
    assert len(long.segments) == 2 and all(len(s) <= 3000 for s in long.segments)
    assert long.stitched.duration_s > 10
