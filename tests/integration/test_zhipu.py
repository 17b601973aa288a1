"""Zhipu adapter and named endpoints over real HTTP against the sandbox on loopback:
every operation, both model names, streaming in both encodings, pcm wrapping, each error family."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
from gradio_client import handle_file

from playground import config, errors, providers
from playground.audio import VoiceSample, decode, sniff_format
from playground.providers.zhipu import ZhipuClone, ZhipuSpeech, ZhipuUpload
from playground.sandbox.control import fingerprint
from tests.conftest import speech_wav, tone_wav

ZP = "zhipu"
CANARY = "sk-canary-zhipu-0123456789abcdef"


@pytest.fixture
def zp(sandbox):
    return providers.get(ZP)


@pytest.fixture(scope="module")
def sample():
    return VoiceSample(speech_wav(seconds_min=4.0), filename="me.wav")


def unique(prefix: str = "v") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def calls(sandbox, suffix: str) -> list[dict]:
    return [r for r in sandbox.requests(ZP) if r["path"].endswith(suffix)]


def body_of(record) -> bytes:
    return base64.b64decode(record["body_b64"])


async def new_clone(zp, sample, model="glm-tts-clone", **kw):
    up = await zp.upload_voice(ZhipuUpload(sample))
    return await zp.clone_voice(
        ZhipuClone(file_id=up.voice_id, voice_name=unique(), input="Hello preview.", model=model, **kw)
    )


# -- upload ---------------------------------------------------------------------------------------
async def test_upload_returns_a_string_file_id_and_sends_the_exact_sample(zp, sandbox, sample):
    result = await zp.upload_voice(ZhipuUpload(sample))
    assert isinstance(result.voice_id, str) and result.voice_id.startswith("file_")
    assert result.extra["purpose"] == "voice-clone-input" and result.extra["bytes"] == sample.size
    raw = body_of(calls(sandbox, "/paas/v4/files")[-1])
    assert b'name="purpose"\r\n\r\nvoice-clone-input\r\n' in raw and sample.data in raw


@pytest.mark.parametrize("fmt", ["m4a", "flac", "webm", "ogg"])
async def test_upload_converts_other_formats_to_mp3_and_says_so(zp, sandbox, sample, fmt):
    result = await zp.upload_voice(ZhipuUpload(sample.converted(fmt)))
    assert any("to mp3" in n for n in result.notes)
    raw = body_of(calls(sandbox, "/paas/v4/files")[-1])
    assert b"Content-Type: audio/mpeg" in raw and b'filename="me.mp3"' in raw


async def test_mp3_is_sent_as_is_and_a_short_sample_only_warns(zp, sample):
    mp3 = await zp.upload_voice(ZhipuUpload(VoiceSample(sample.converted("mp3").data)))
    assert not mp3.notes
    short = await zp.upload_voice(ZhipuUpload(VoiceSample(speech_wav("Hi there."))))
    assert short.voice_id.startswith("file_") and "recommends 3–30 s" in short.notes[0]


# -- clone -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["glm-tts-clone", "cogtts-clone"])
async def test_clone_with_both_model_names_returns_the_voice_and_a_playable_preview(zp, sandbox, sample, model):
    result = await new_clone(zp, sample, model=model, text="Hello there, this is my voice sample for cloning.")
    assert result.voice_id.startswith("voice_clone_") and result.model == model
    assert result.extra["file_purpose"] == "voice-clone-output" and result.extra["preview_file_id"].startswith("file_")
    preview = result.extra["preview"]
    assert preview.format == "wav" and decode(preview.playable()).duration_seconds > 0.3
    body = json.loads(body_of(calls(sandbox, "/voice/clone")[-1]))
    assert body["model"] == model and body["request_id"] == result.extra["request_id"]
    # the preview came from the voice list's download_url, not /files/{id}/content
    assert calls(sandbox, "/voice/list")[-1]["query"].endswith("voiceType=PRIVATE")
    assert calls(sandbox, ".wav") and not calls(sandbox, "/content")


async def test_the_preview_file_is_refused_by_files_content_like_the_docs_say(zp, sample):
    result = await new_clone(zp, sample)
    target = zp.target()
    with pytest.raises(errors.BadRequestError) as exc:
        await zp.transport.request(
            target, "GET", f"/paas/v4/files/{result.extra['preview_file_id']}/content", idempotent=True
        )
    assert exc.value.code == "1214" and "batch" in exc.value.provider_message


async def test_a_reused_request_id_is_refused_with_1231_and_the_fix(zp, sample):
    request_id = unique("req")
    await new_clone(zp, sample, request_id=request_id)
    with pytest.raises(errors.BadRequestError) as exc:
        await new_clone(zp, sample, request_id=request_id)
    assert exc.value.code == "1231" and "leave it empty" in exc.value.user_message()


async def test_a_taken_voice_name_is_refused(zp, sample):
    up = await zp.upload_voice(ZhipuUpload(sample))
    name = unique()
    await zp.clone_voice(ZhipuClone(file_id=up.voice_id, voice_name=name, input="Hi."))
    with pytest.raises(errors.BadRequestError) as exc:
        await zp.clone_voice(ZhipuClone(file_id=up.voice_id, voice_name=name, input="Hi."))
    assert exc.value.code == "1214" and "voice_name" in exc.value.user_message()


# -- speech ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "model, voice", [("glm-tts", "tongtong"), ("glm-tts", "luodo"), ("cogtts", "female"), ("cogtts", "xiaochen")]
)
async def test_speech_models_and_system_voices_as_wav(zp, model, voice):
    result = await zp.speak(ZhipuSpeech(text="你好，欢迎使用。", model=model, voice=voice, response_format="wav"))
    assert sniff_format(result.audio.data) == "wav" and result.audio.sample_rate == 24000
    assert decode(result.audio.data).duration_seconds > 0.5


async def test_pcm_is_the_default_and_is_wrapped_as_24k_16bit_mono_wav(zp, sandbox):
    result = await zp.speak(ZhipuSpeech(text="Testing one two three."))
    assert "response_format" in json.loads(body_of(calls(sandbox, "/audio/speech")[-1]))
    assert sniff_format(result.audio.data) is None and result.audio.format == "pcm"
    seg = decode(result.audio.playable())
    assert (seg.frame_rate, seg.sample_width, seg.channels) == (24000, 2, 1)
    assert abs(seg.duration_seconds - len(result.audio.data) / 48000) < 0.01


@pytest.mark.parametrize("encoding", ["base64", "hex"])
async def test_streaming_in_both_encodings_arrives_in_chunks_and_equals_the_whole(zp, sandbox, sample, encoding):
    clone = await new_clone(zp, sample)
    whole = await zp.speak(
        ZhipuSpeech(text="A longer sentence, so that the stream has several chunks.", voice=clone.voice_id)
    )
    chunks = []
    streamed = await zp.speak(
        ZhipuSpeech(
            text="A longer sentence, so that the stream has several chunks.",
            voice=clone.voice_id,
            stream=True,
            encode_format=encoding,
        ),
        on_chunk=chunks.append,
    )
    assert len(chunks) > 3 and b"".join(chunks) == streamed.audio.data == whole.audio.data
    assert streamed.audio.sample_rate == 24000 and sniff_format(streamed.audio.playable()) == "wav"
    rec = calls(sandbox, "/audio/speech")[-1]
    assert json.loads(body_of(rec))["encode_format"] == encoding


async def test_speed_volume_and_watermark_change_the_audio(zp):
    base = await zp.speak(ZhipuSpeech(text="Testing one two three four."))
    fast = await zp.speak(ZhipuSpeech(text="Testing one two three four.", speed=2.0))
    quiet = await zp.speak(ZhipuSpeech(text="Testing one two three four.", volume=0.2))
    plain = await zp.speak(ZhipuSpeech(text="Testing one two three four.", watermark_enabled=False))
    assert len(fast.audio.data) < len(base.audio.data) * 0.75
    assert decode(quiet.audio.playable()).max < decode(base.audio.playable()).max
    assert len(base.audio.data) - len(plain.audio.data) == int(0.2 * 24000) * 2  # the watermark beep


async def test_over_1024_characters_is_refused_before_sending(zp, sandbox):
    with pytest.raises(errors.InputError, match="at most 1,024"):
        await zp.speak(ZhipuSpeech(text="字" * 1025))
    with pytest.raises(errors.InputError, match="streams only pcm"):
        await zp.speak(ZhipuSpeech(text="Hi", response_format="wav", stream=True))
    assert not calls(sandbox, "/audio/speech")


# -- voices ------------------------------------------------------------------------------------------
async def test_list_filters_then_delete_removes_the_voice_and_its_preview_link(zp, sample):
    clone = await new_clone(zp, sample)
    private = await zp.list_voices(voice_type="PRIVATE")
    assert clone.voice_id in [v.id for v in private] and all(v.kind == "cloned" for v in private)
    official = await zp.list_voices(voice_type="OFFICIAL")
    assert {v.id for v in official} == {"tongtong", "chuichui", "xiaochen", "jam", "kazi", "douji", "luodo"}
    fuzzy = await zp.list_voices(voice_name=clone.name[2:].upper())
    assert [v.id for v in fuzzy] == [clone.voice_id]
    answer = await zp.delete_voice(clone.voice_id)
    assert clone.voice_id in answer
    assert clone.voice_id not in [v.id for v in await zp.list_voices()]
    with pytest.raises(errors.ProviderError):
        await zp.fetch_preview(clone.extra["download_url"], api_key_target=zp.target())
    with pytest.raises(errors.BadRequestError) as exc:
        await zp.speak(ZhipuSpeech(text="Hi", voice=clone.voice_id))
    assert exc.value.code == "1214" and clone.voice_id in exc.value.user_message()


async def test_official_voices_cannot_be_deleted_and_unknown_ones_are_named(zp):
    with pytest.raises(errors.BadRequestError) as exc:
        await zp.delete_voice("tongtong")
    assert "official" in exc.value.user_message()
    with pytest.raises(errors.BadRequestError) as exc:
        await zp.delete_voice("voice_clone_missing")
    assert "voice_clone_missing" in exc.value.user_message()


# -- error families through faults --------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind, code, cls, fix",
    [
        ("429", 1113, errors.QuotaError, "top up"),
        ("429", 1304, errors.QuotaError, "tomorrow"),
        ("429", 1308, errors.QuotaError, "resets"),
        ("429", 1310, errors.QuotaError, "resets"),
        ("429", 1112, errors.PermissionDeniedError, "console"),
        ("500", 1234, errors.ServerError, "network problem"),
    ],
)
async def test_business_codes_are_typed_not_retried_and_name_the_fix(zp, sandbox, kind, code, cls, fix):
    sandbox.add_fault(ZP, "speech", kind, code=code, count=3)
    with pytest.raises(cls) as exc:
        await zp.speak(ZhipuSpeech(text="Hi"))
    assert fix in exc.value.user_message() and exc.value.status == int(kind) and exc.value.code == str(code)
    assert len(calls(sandbox, "/audio/speech")) == 1


async def test_a_rate_limit_is_retried_after_retry_after(zp, sandbox):
    sandbox.add_fault(ZP, "speech", "429", code=1302, retry_after=0.05)
    result = await zp.speak(ZhipuSpeech(text="Hi"))
    assert result.audio.data and len(calls(sandbox, "/audio/speech")) == 2


@pytest.mark.parametrize("code, fix", [(1302, "at once"), (1303, "frequent"), (1305, "limiting traffic")])
async def test_a_persistent_rate_limit_names_the_wait(zp, sandbox, code, fix):
    sandbox.add_fault(ZP, "speech", "429", code=code, count=5, retry_after=0.01)
    with pytest.raises(errors.RateLimitError) as exc:
        await zp.speak(ZhipuSpeech(text="Hi"))
    assert exc.value.retry_after_s == 0.01 and fix in exc.value.user_message()


async def test_overloaded_speech_is_retried_but_an_upload_or_clone_is_not(zp, sandbox, sample):
    sandbox.add_fault(ZP, "speech", "503")
    assert (await zp.speak(ZhipuSpeech(text="Hi"))).audio.data
    sandbox.add_fault(ZP, "upload", "503")
    with pytest.raises(errors.OverloadedError):
        await zp.upload_voice(ZhipuUpload(sample))
    up = await zp.upload_voice(ZhipuUpload(sample))
    sandbox.add_fault(ZP, "clone", "500")
    with pytest.raises(errors.ServerError):
        await zp.clone_voice(ZhipuClone(file_id=up.voice_id, voice_name=unique(), input="Hi"))
    assert len(calls(sandbox, "/voice/clone")) == 1


async def test_gateway_timeout_is_a_timeout_error(zp, sandbox):
    sandbox.add_fault(ZP, "list", "504", count=3)
    with pytest.raises(errors.ProviderTimeoutError):
        await zp.list_voices()


@pytest.mark.parametrize("stream", [False, True])
async def test_a_cut_stream_is_an_error_not_a_truncated_file(zp, sandbox, stream):
    sandbox.add_fault(ZP, "speech", "cut_stream", cut_after_bytes=3000)
    with pytest.raises(errors.StreamInterruptedError):
        await zp.speak(ZhipuSpeech(text="A sentence long enough to be cut in the middle of its audio.", stream=stream))


async def test_an_error_behind_http_200_is_typed_by_its_code(zp, sandbox):
    sandbox.add_fault(ZP, "speech", "error_200", code=1301)
    with pytest.raises(errors.ContentRejectedError):
        await zp.speak(ZhipuSpeech(text="Hi"))
    sandbox.add_fault(ZP, "list", "error_200")
    with pytest.raises(errors.ServerError):
        await zp.list_voices()


async def test_slow_first_byte_still_succeeds(zp, sandbox):
    sandbox.add_fault(ZP, "speech", "slow_first_byte", delay_s=0.3)
    result = await zp.speak(ZhipuSpeech(text="Hi"))
    assert result.timing.first_byte_s >= 0.3


async def test_a_hung_provider_times_out(zp, sandbox, monkeypatch, sample):
    monkeypatch.setattr(config, "READ_TIMEOUT_S", 0.5)  # before this test's event loop creates its client
    sandbox.add_fault(ZP, "upload", "hang")
    with pytest.raises(errors.ProviderTimeoutError):
        await zp.upload_voice(ZhipuUpload(sample))


async def test_an_unknown_model_reaching_the_provider_is_1211_with_the_model_names(zp, monkeypatch):
    monkeypatch.setattr(type(zp), "check_speak", lambda self, r: r)
    with pytest.raises(errors.NotFoundError) as exc:
        await zp.speak(ZhipuSpeech(text="Hi", model="tts-1"))
    assert exc.value.code == "1211" and exc.value.status == 400 and "glm-tts-clone" in exc.value.user_message()


async def test_content_flagged_by_the_provider(zp):
    with pytest.raises(errors.ContentRejectedError) as exc:
        await zp.speak(ZhipuSpeech(text="This is unsafe-content."))
    assert exc.value.code == "1301" and exc.value.status == 400


async def test_a_wrong_key_gets_401_with_1002_and_is_never_echoed(zp, sandbox, monkeypatch, sample):
    monkeypatch.setenv("ZHIPU_BASE_URL", sandbox.base_url(ZP))
    monkeypatch.setattr(sandbox.state, "valid_keys", {config.SANDBOX_KEY})
    for call in (
        zp.speak(ZhipuSpeech(text="Hi"), api_key=CANARY),
        zp.list_voices(api_key=CANARY),
        zp.upload_voice(ZhipuUpload(sample), api_key=CANARY),
    ):
        with pytest.raises(errors.AuthenticationError) as exc:
            await call
        assert exc.value.code == "1002" and exc.value.status == 401
        assert CANARY not in exc.value.user_message() and CANARY[:20] not in str(exc.value)
    assert calls(sandbox, "/voice/list")[-1]["headers"]["authorization"] == f"Bearer {fingerprint(CANARY)}"


# -- named API endpoints ----------------------------------------------------------------------------------
def test_named_endpoints_exist_with_their_parameters(client):
    named = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    expected = {
        "/zhipu_upload": ["audio", "consent", "api_key"],
        "/zhipu_clone": ["file_id", "voice_name", "transcript", "preview_text", "model", "request_id", "api_key"],
        "/zhipu_speak": [
            "text",
            "model",
            "voice",
            "response_format",
            "stream",
            "encode_format",
            "speed",
            "volume",
            "watermark_enabled",
            "api_key",
        ],
        "/zhipu_voices": ["voice_name", "voice_type", "api_key"],
        "/zhipu_delete_voice": ["voice", "api_key"],
    }
    for name, params in expected.items():
        assert [p["parameter_name"] for p in named[name]["parameters"]] == params


def test_api_upload_clone_speak_list_delete(client, speech_file, sandbox):
    file_id, info = client.predict(handle_file(str(speech_file)), True, "", api_name="/zhipu_upload")
    assert file_id.startswith("file_") and "voice-clone-input" in info
    name = unique()
    voice, preview, info = client.predict(
        file_id, name, "", "Hello preview.", "cogtts-clone", "", "", api_name="/zhipu_clone"
    )
    assert voice.startswith("voice_clone_") and sniff_format(Path(preview).read_bytes()) == "wav"
    for stream, encoding in [(False, "base64"), (True, "hex")]:
        audio, download, summary, _live = client.predict(
            "Speaking with my clone.",
            "glm-tts",
            voice,
            "pcm",
            stream,
            encoding,
            1.0,
            1.0,
            True,
            "",
            api_name="/zhipu_speak",
        )
        data = Path(audio).read_bytes()
        assert sniff_format(data) == "wav" and decode(data).frame_rate == 24000
        assert download.endswith(".wav") and "pcm wrapped" in summary
    assert "first audio chunk" in summary
    table = client.predict(name, "PRIVATE", "", api_name="/zhipu_voices")
    assert [row[1] for row in table["data"]] == [voice]
    assert voice in client.predict(voice, "", api_name="/zhipu_delete_voice")


def test_api_errors_are_clear_messages(client, tmp_path):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="at most 1,024"):
        client.predict(
            "x" * 1025, "glm-tts", "tongtong", "pcm", False, "base64", 1.0, 1.0, True, "", api_name="/zhipu_speak"
        )
    with pytest.raises(AppError, match="streams only pcm"):
        client.predict("Hi", "glm-tts", "tongtong", "wav", True, "base64", 1.0, 1.0, True, "", api_name="/zhipu_speak")
    with pytest.raises(AppError, match="Unknown clone model"):
        client.predict("file_x", "n", "", "Hi", "glm-tts", "", "", api_name="/zhipu_clone")
    silent = tmp_path / "silent.wav"
    silent.write_bytes(tone_wav(4, amplitude=0.0))
    with pytest.raises(AppError, match=r"silent|no sound"):
        client.predict(handle_file(str(silent)), True, "", api_name="/zhipu_upload")


def test_api_typed_key_goes_to_the_configured_base_url_and_is_not_echoed(client, sandbox, monkeypatch):
    from gradio_client.exceptions import AppError

    monkeypatch.setenv("ZHIPU_BASE_URL", sandbox.base_url(ZP))
    monkeypatch.setattr(sandbox.state, "valid_keys", {config.SANDBOX_KEY})
    with pytest.raises(AppError) as exc:
        client.predict("", "ALL", CANARY, api_name="/zhipu_voices")
    assert "1002" in str(exc.value) and CANARY not in str(exc.value)
