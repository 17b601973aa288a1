"""SiliconFlow adapter and named endpoints over real HTTP against the sandbox on loopback."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from gradio_client import handle_file

from playground import config, errors, providers
from playground.audio import VoiceSample, decode, sniff_format
from playground.providers.siliconflow import Reference, SiliconFlowSpeech, SiliconFlowUpload
from playground.sandbox import speech
from playground.sandbox.control import SandboxState
from playground.sandbox.server import SandboxServer
from tests.conftest import speech_wav, tone_wav

CANARY = "sk-canary-siliconflow-0123456789abcdef"
SF = "siliconflow"


@pytest.fixture
def sf(sandbox):
    return providers.get(SF)


@pytest.fixture
def sample():
    return VoiceSample(speech_wav(), filename="me.wav")


def body_of(record) -> bytes:
    return base64.b64decode(record["body_b64"])


def last(sandbox, suffix):
    return [r for r in sandbox.requests(SF) if r["path"].endswith(suffix)][-1]


# -- upload ------------------------------------------------------------------------------------
async def test_upload_multipart_sends_seed_000_fields_and_file_part(sf, sandbox, sample):
    result = await sf.upload_voice(SiliconFlowUpload(sample=sample, name="me-1", text="Hello there", mode="multipart"))
    assert result.voice_id.startswith("speech:me-1:")
    rec = last(sandbox, "/uploads/audio/voice")
    assert rec["headers"]["authorization"] == f"Bearer {config.SANDBOX_KEY}"
    assert rec["headers"]["content-type"].startswith("multipart/form-data")
    raw = body_of(rec)
    for field, value in [("model", "FunAudioLLM/CosyVoice2-0.5B"), ("customName", "me-1"), ("text", "Hello there")]:
        assert f'name="{field}"\r\n\r\n{value}\r\n'.encode() in raw
    assert b'name="file"; filename="me.wav"' in raw and b"Content-Type: audio/wav" in raw
    assert sample.data in raw


async def test_upload_json_sends_a_data_uri_with_the_real_mime(sf, sandbox, sample):
    await sf.upload_voice(
        SiliconFlowUpload(sample=sample, name="me-2", text="Hello", model="IndexTeam/IndexTTS-2", mode="json")
    )
    doc = json.loads(body_of(last(sandbox, "/uploads/audio/voice")))
    assert set(doc) == {"model", "customName", "text", "audio"}
    assert doc["model"] == "IndexTeam/IndexTTS-2"
    assert doc["audio"].startswith("data:audio/wav;base64,")
    assert base64.b64decode(doc["audio"].split(",", 1)[1]) == sample.data


@pytest.mark.parametrize("fmt", ["m4a", "flac", "webm", "ogg"])
async def test_upload_converts_formats_the_api_may_refuse_to_mp3(sf, sandbox, sample, fmt):
    source = sample.converted(fmt)
    result = await sf.upload_voice(SiliconFlowUpload(sample=source, name="conv", text="Hello", mode="json"))
    assert any("to mp3" in n for n in result.notes)
    doc = json.loads(body_of(last(sandbox, "/uploads/audio/voice")))
    assert doc["audio"].startswith("data:audio/mpeg;base64,")
    assert sniff_format(base64.b64decode(doc["audio"].split(",", 1)[1])) == "mp3"


# -- speech -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fmt,rate,magic", [("mp3", 32000, "mp3"), ("opus", 48000, "opus"), ("wav", 16000, "wav"), ("pcm", 24000, None)]
)
async def test_speech_formats_decode_at_the_requested_rate(sf, fmt, rate, magic):
    res = await sf.speak(
        SiliconFlowSpeech(text="Testing one two three.", voice="alex", response_format=fmt, sample_rate=rate)
    )
    assert sniff_format(res.audio.data) == magic
    seg = decode(res.audio.playable())  # pcm arrives headerless and is wrapped to play
    assert seg.frame_rate == rate and len(seg) > 500


async def test_speech_body_matches_seed_001_and_stream_is_chunked(sf, sandbox):
    chunks = []
    res = await sf.speak(
        SiliconFlowSpeech(
            text="Hello",
            model="FunAudioLLM/CosyVoice2-0.5B",
            voice="FunAudioLLM/CosyVoice2-0.5B:anna",
            response_format="mp3",
            sample_rate=44100,
            stream=True,
            speed=1.5,
            gain=-2,
        ),
        on_chunk=chunks.append,
    )
    doc = json.loads(body_of(last(sandbox, "/audio/speech")))
    assert doc == {
        "model": "FunAudioLLM/CosyVoice2-0.5B",
        "input": "Hello",
        "voice": "FunAudioLLM/CosyVoice2-0.5B:anna",
        "response_format": "mp3",
        "sample_rate": 44100,
        "stream": True,
        "speed": 1.5,
        "gain": -2.0,
    }
    assert b"".join(chunks) == res.audio.data and res.timing.first_byte_s <= res.timing.total_s


async def test_duration_follows_text_length_and_speed(sf):
    async def seconds(text, speed):
        res = await sf.speak(
            SiliconFlowSpeech(text=text, voice="alex", response_format="wav", sample_rate=16000, speed=speed)
        )
        return len(decode(res.audio.data)) / 1000

    short, long = await seconds("Hello.", 1.0), await seconds("Hello. " * 8, 1.0)
    assert long > 3 * short
    assert await seconds("Hello. " * 8, 2.0) < 0.7 * long


async def test_speech_with_inline_reference_sends_a_data_uri(sf, sandbox, sample):
    await sf.speak(SiliconFlowSpeech(text="Hi", references=[Reference(sample, "Hello there")]))
    doc = json.loads(body_of(last(sandbox, "/audio/speech")))
    assert "voice" not in doc and doc["references"][0]["text"] == "Hello there"
    assert doc["references"][0]["audio"].startswith("data:audio/wav;base64,")


async def test_moss_sends_max_tokens_and_two_references(sf, sandbox, sample):
    await sf.speak(
        SiliconFlowSpeech(
            text="[S1]Hi[S2]Hello",
            model="fnlp/MOSS-TTSD-v0.5",
            max_tokens=1600,
            references=[Reference(sample, "a"), Reference(sample, "b")],
        )
    )
    doc = json.loads(body_of(last(sandbox, "/audio/speech")))
    assert doc["max_tokens"] == 1600 and len(doc["references"]) == 2


async def test_uploaded_voice_list_speak_and_delete(sf, sample):
    up = await sf.upload_voice(SiliconFlowUpload(sample=sample, name="cycle", text="Hello"))
    assert up.voice_id in [v.id for v in await sf.list_voices()]
    res = await sf.speak(SiliconFlowSpeech(text="With my voice.", voice=up.voice_id))
    assert sniff_format(res.audio.data) == "mp3"
    with pytest.raises(errors.BadRequestError) as exc:  # the voice belongs to CosyVoice2 only
        await sf.speak(SiliconFlowSpeech(text="x", model="IndexTeam/IndexTTS-2", voice=up.voice_id))
    assert exc.value.code == 20012 and "uploaded for" in exc.value.user_message()
    assert await sf.delete_voice(up.voice_id) == "success"
    assert up.voice_id not in [v.id for v in await sf.list_voices()]
    with pytest.raises(errors.BadRequestError) as exc:
        await sf.delete_voice(up.voice_id)
    assert exc.value.code == 20015


# -- bad input: clear error, nothing sent ---------------------------------------------------
@pytest.mark.parametrize(
    "request_kw,expect",
    [
        (dict(text=""), "empty"),
        (dict(text="x" * 128001), "at most 128,000"),
        (dict(text="x", speed=0.1), "Speed"),
        (dict(text="x", gain=11), "Gain"),
        (dict(text="x", response_format="opus", sample_rate=44100), "48000"),
        (dict(text="x", response_format="mp3", sample_rate=16000), "32000, 44100"),
        (dict(text="x", voice="zeus"), "Unknown system voice"),
        (dict(text="x", model="fishaudio/fish-speech-1.5", voice=None), "needs a voice"),
        (dict(text="x", max_tokens=10), "MOSS"),
    ],
)
async def test_bad_speech_input_is_refused_before_sending(sf, sandbox, request_kw, expect):
    with pytest.raises(errors.InputError) as exc:
        await sf.speak(SiliconFlowSpeech(**{"voice": "alex", **request_kw}))
    assert expect in exc.value.user_message()
    assert sandbox.requests(SF) == []


async def test_voice_and_references_together_are_refused(sf, sandbox, sample):
    with pytest.raises(errors.InputError, match="cannot be used together"):
        await sf.speak(SiliconFlowSpeech(text="x", voice="alex", references=[Reference(sample, "t")]))
    assert sandbox.requests(SF) == []


@pytest.mark.parametrize(
    "data,expect",
    [
        (tone_wav(3, amplitude=0.0), "silent"),
        (b"", "empty"),
        (b"RIFF\x00\x00\x00\x00WAVEjunkjunk" * 10, "could not be read"),
        (b"\x00\x01garbage" * 500, "could not be read"),
        (tone_wav(31), "too long"),
        (tone_wav(0.5), "too short"),
    ],
)
async def test_bad_samples_are_refused_before_upload(sf, sandbox, data, expect):
    with pytest.raises(errors.AudioInputError) as exc:
        await sf.upload_voice(SiliconFlowUpload(sample=VoiceSample(data), name="bad", text="t"))
    assert expect in exc.value.user_message()
    assert sandbox.requests(SF) == []


# -- provider errors and faults ---------------------------------------------------------------
async def test_rate_limit_is_retried_after_retry_after(sf, sandbox):
    sandbox.add_fault(SF, "speech", "429", retry_after=0.2)
    res = await sf.speak(SiliconFlowSpeech(text="Hi", voice="alex"))
    assert res.audio.data and len(sandbox.requests(SF)) == 2


async def test_persistent_rate_limit_names_the_wait(sf, sandbox):
    sandbox.add_fault(SF, "speech", "429", count=5, retry_after=60)  # longer than we wait for
    with pytest.raises(errors.RateLimitError) as exc:
        await sf.speak(SiliconFlowSpeech(text="Hi", voice="alex"))
    assert exc.value.retry_after_s == 60 and "Wait 60 s" in exc.value.user_message()
    assert len(sandbox.requests(SF)) == 1


async def test_overloaded_speech_is_retried_but_an_upload_is_not(sf, sandbox, sample):
    sandbox.add_fault(SF, "speech", "503")
    assert (await sf.speak(SiliconFlowSpeech(text="Hi", voice="alex"))).audio.data
    sandbox.add_fault(SF, "upload", "503")
    with pytest.raises(errors.OverloadedError) as exc:
        await sf.upload_voice(SiliconFlowUpload(sample=sample, name="x", text="t"))
    assert exc.value.code == 50505 and exc.value.status == 503
    assert len([r for r in sandbox.requests(SF) if r["path"].endswith("/voice")]) == 1


async def test_gateway_timeout_after_retries_is_a_timeout_error(sf, sandbox):
    sandbox.add_fault(SF, "speech", "504", count=5)
    with pytest.raises(errors.ProviderTimeoutError) as exc:
        await sf.speak(SiliconFlowSpeech(text="Hi", voice="alex"))
    assert "HTTP 504" in exc.value.user_message()


async def test_cut_stream_is_an_error_not_a_truncated_file(sf, sandbox):
    sandbox.add_fault(SF, "speech", "cut_stream", count=5, cut_after_bytes=3000)
    got = []
    with pytest.raises(errors.StreamInterruptedError):
        await sf.speak(
            SiliconFlowSpeech(
                text="A longer sentence to make sure the body is several chunks long. " * 3, voice="alex", stream=True
            ),
            on_chunk=got.append,
        )


async def test_slow_first_byte_still_succeeds(sf, sandbox):
    sandbox.add_fault(SF, "speech", "slow_first_byte", delay_s=0.3)
    res = await sf.speak(SiliconFlowSpeech(text="Hi", voice="alex"))
    assert res.timing.first_byte_s >= 0.3


async def test_a_hung_provider_times_out(sf, sandbox, monkeypatch):
    monkeypatch.setattr(config, "READ_TIMEOUT_S", 0.5)
    monkeypatch.setattr(config, "MAX_RETRIES", 0)
    sandbox.add_fault(SF, "speech", "hang")
    with pytest.raises(errors.ProviderTimeoutError):
        await sf.speak(SiliconFlowSpeech(text="Hi", voice="alex"))


async def test_json_behind_http_200_is_not_audio(sf, sandbox):
    sandbox.add_fault(SF, "speech", "error_200")
    with pytest.raises(errors.InvalidResponseError) as exc:
        await sf.speak(SiliconFlowSpeech(text="Hi", voice="alex"))
    assert "overloaded" in exc.value.user_message()


async def test_provider_validation_error_names_the_code(sf, sandbox, monkeypatch):
    # bypass our own checks to see the simulator's answer: an unknown model
    monkeypatch.setattr(type(sf), "check_speak", lambda self, r: r)
    with pytest.raises(errors.BadRequestError) as exc:
        await sf.speak(SiliconFlowSpeech(text="Hi", model="nope/model", voice=None, sample_rate=44100))
    assert "code 20012" in exc.value.user_message() and "Model does not exist" in exc.value.user_message()


# -- a separate server, a real key ------------------------------------------------------------
@pytest.fixture
def other_server(monkeypatch):
    server = SandboxServer(SandboxState(valid_keys={"sk-live-key-for-tests"})).start()
    monkeypatch.setenv("SILICONFLOW_BASE_URL", server.base_url(SF))
    yield server
    server.stop()


async def test_base_url_setting_talks_to_that_server_and_returns_its_bytes_unchanged(other_server, monkeypatch, sample):
    monkeypatch.setenv("SILICONFLOW_API_KEY", "sk-live-key-for-tests")
    sf = providers.get(SF)
    up = await sf.upload_voice(SiliconFlowUpload(sample=sample, name="remote", text="Hello", mode="json"))
    res = await sf.speak(
        SiliconFlowSpeech(text="Exactly these bytes.", voice="alex", response_format="wav", sample_rate=24000)
    )
    assert not res.sandbox
    assert res.audio.data == speech.render(
        "Exactly these bytes.", voice="FunAudioLLM/CosyVoice2-0.5B:alex", fmt="wav", sample_rate=24000
    )
    recs = other_server.requests(SF)
    assert [r["path"] for r in recs] == ["/siliconflow/v1/uploads/audio/voice", "/siliconflow/v1/audio/speech"]
    assert all(r["headers"]["authorization"] == "Bearer sk-live-key-for-tests" for r in recs)
    assert up.voice_id.startswith("speech:remote:")


async def test_a_wrong_key_gets_401_and_is_never_echoed(other_server, monkeypatch):
    monkeypatch.setenv("SILICONFLOW_API_KEY", CANARY)
    with pytest.raises(errors.AuthenticationError) as exc:
        await providers.get(SF).speak(SiliconFlowSpeech(text="Hi", voice="alex"))
    assert "Invalid token" in exc.value.user_message()
    assert CANARY not in exc.value.user_message() and CANARY not in repr(exc.value)


# -- named API endpoints (gradio_client) ----------------------------------------------------
SPEAK_DEFAULTS = dict(text="Hello from the API.", stream=False)  # every other parameter: the endpoint's default


def test_named_endpoints_exist(client):
    names = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for name in ("siliconflow_upload", "siliconflow_speak", "siliconflow_voices", "siliconflow_delete_voice"):
        assert f"/{name}" in names


@pytest.mark.parametrize("fmt,rate", [("mp3", 32000), ("wav", 24000), ("opus", 48000), ("pcm", 16000)])
def test_api_speak_returns_decodable_audio_of_the_requested_format(client, fmt, rate):
    audio_path, file_path, info, _live = client.predict(
        **{**SPEAK_DEFAULTS, "response_format": fmt, "sample_rate": rate}, api_name="/siliconflow_speak"
    )
    data = Path(audio_path).read_bytes()
    assert sniff_format(data) == {"pcm": "wav"}.get(fmt, fmt)
    assert decode(data).frame_rate == rate
    assert file_path.rsplit("/", 1)[-1].startswith("siliconflow-alex-")
    assert "sandbox" in info


def test_api_upload_speak_list_delete(client, speech_file):
    uri, _info = client.predict(
        handle_file(str(speech_file)),
        "api-voice",
        "Hello there.",
        "FunAudioLLM/CosyVoice2-0.5B",
        "multipart",
        True,
        "",
        api_name="/siliconflow_upload",
    )
    assert uri.startswith("speech:api-voice:")
    audio_path, _, _, _ = client.predict(**{**SPEAK_DEFAULTS, "voice": uri}, api_name="/siliconflow_speak")
    assert sniff_format(Path(audio_path).read_bytes()) == "mp3"
    rows = client.predict("", api_name="/siliconflow_voices")["data"]
    assert uri in [r[2] for r in rows]
    assert "Deleted" in client.predict(uri, "", api_name="/siliconflow_delete_voice")


def test_api_reference_voice(client, speech_file):
    audio_path, _, _, _ = client.predict(
        **{
            **SPEAK_DEFAULTS,
            "voice_source": "reference",
            "voice": "",
            "reference_audio": handle_file(str(speech_file)),
            "reference_text": "Hello.",
        },
        api_name="/siliconflow_speak",
    )
    assert sniff_format(Path(audio_path).read_bytes()) == "mp3"


def test_api_errors_are_clear_messages(client, speech_file):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Text is empty"):
        client.predict(**{**SPEAK_DEFAULTS, "text": "  "}, api_name="/siliconflow_speak")
    with pytest.raises(AppError, match="cannot be used together"):
        client.predict(
            **{**SPEAK_DEFAULTS, "reference_audio": handle_file(str(speech_file))}, api_name="/siliconflow_speak"
        )
    with pytest.raises(AppError, match="20015"):
        client.predict("speech:nobody:x:y", "", api_name="/siliconflow_delete_voice")


def test_api_typed_key_goes_to_the_real_base_url_and_is_not_echoed(client, monkeypatch):
    from gradio_client.exceptions import AppError

    # a typed key means "the real service": here the configured base URL is a closed port
    monkeypatch.setenv("SILICONFLOW_BASE_URL", "http://127.0.0.1:9/v1")
    with pytest.raises(AppError) as exc:
        client.predict(**{**SPEAK_DEFAULTS, "api_key": CANARY}, api_name="/siliconflow_speak")
    assert "could not be reached" in str(exc.value) and CANARY not in str(exc.value)
