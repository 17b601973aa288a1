"""MiniMax adapter and named endpoints over real HTTP against the sandbox on loopback."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import numpy as np
import pytest

from playground import errors, providers
from playground.audio import VoiceSample, decode, encode, sniff_format, wrap_pcm
from playground.providers.minimax import MiniMaxClone, MiniMaxSpeech, MiniMaxUpload
from playground.providers.minimax_checks import suggest_voice_id
from tests.conftest import speech_wav

MM = "minimax"


@pytest.fixture
def mm(sandbox):
    return providers.get(MM)


def recs(server, suffix: str) -> list[dict]:
    return [r for r in server.requests(MM) if r["path"].endswith(suffix)]


def body_json(rec: dict):
    return json.loads(base64.b64decode(rec["body_b64"]))


def multipart_parts(rec: dict) -> dict[str, tuple[str | None, str, bytes]]:
    """name -> (filename, content type, bytes) of a recorded multipart body."""
    from email.parser import BytesParser
    from email.policy import HTTP

    raw = b"Content-Type: " + rec["headers"]["content-type"].encode() + b"\r\n\r\n" + base64.b64decode(rec["body_b64"])
    msg = BytesParser(policy=HTTP).parsebytes(raw)
    return {
        p.get_param("name", header="content-disposition"): (
            p.get_filename(),
            p.get_content_type(),
            p.get_payload(decode=True),
        )
        for p in msg.iter_parts()
    }


def tone(seconds: float, rate: int = 8000, channels: int = 1) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    signal = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    pcm = np.repeat((signal * 32767).astype("<i2"), channels)
    return wrap_pcm(pcm.tobytes(), rate, channels)


async def upload_source(mm, seconds: float = 11.0) -> int:
    result = await mm.upload_voice(MiniMaxUpload(VoiceSample(speech_wav(seconds_min=seconds), filename="me.wav")))
    return result.extra["file_id"]


async def new_clone(mm, **kw) -> str:
    voice_id = suggest_voice_id("Test")
    await mm.clone_voice(MiniMaxClone(file_id=await upload_source(mm), voice_id=voice_id, **kw))
    return voice_id


# -- upload ----------------------------------------------------------------------------------------
async def test_upload_sends_purpose_and_file_and_keeps_the_int64_exact(mm, sandbox):
    sample = VoiceSample(speech_wav(seconds_min=11), filename="me.wav")
    result = await mm.upload_voice(MiniMaxUpload(sample, purpose="voice_clone"))
    file_id = result.extra["file_id"]
    assert isinstance(file_id, int) and file_id > 2**53 and result.voice_id == str(file_id)
    rec = recs(sandbox, "/v1/files/upload")[-1]
    assert rec["headers"]["content-type"].startswith("multipart/form-data") and rec["query"] == ""
    parts = multipart_parts(rec)
    assert set(parts) == {"purpose", "file"} and parts["purpose"][2] == b"voice_clone"
    assert parts["file"][:2] == ("me.wav", "audio/wav") and parts["file"][2] == sample.data


async def test_other_formats_are_converted_to_mp3_before_upload(mm, sandbox):
    flac = encode(decode(speech_wav(seconds_min=11)), "flac")
    result = await mm.upload_voice(MiniMaxUpload(VoiceSample(flac, filename="me.flac")))
    assert result.notes == ["converted from flac to mp3"]
    parts = multipart_parts(recs(sandbox, "/v1/files/upload")[-1])
    assert parts["file"][0] == "me.mp3" and sniff_format(parts["file"][2]) == "mp3"


async def test_an_oversized_wav_is_converted_to_mp3(mm, sandbox):
    big = VoiceSample(tone(125, rate=44100, channels=2), filename="long.wav")
    assert big.size > 20 * 1024 * 1024
    result = await mm.upload_voice(MiniMaxUpload(big))
    assert "over the limit" in result.notes[0] and result.sample.format == "mp3"


@pytest.mark.parametrize(
    "seconds, purpose, match",
    [(5, "voice_clone", "too short"), (301, "voice_clone", "too long"), (9, "prompt_audio", "shorter than 8 s")],
)
async def test_duration_limits_are_checked_before_anything_is_sent(mm, sandbox, seconds, purpose, match):
    with pytest.raises(errors.AudioInputError) as info:
        await mm.upload_voice(MiniMaxUpload(VoiceSample(tone(seconds)), purpose=purpose))
    assert match in info.value.user_message()
    assert recs(sandbox, "/v1/files/upload") == []


async def test_a_long_prompt_clip_is_trimmed_to_its_best_window_when_asked(mm, sandbox):
    clip = VoiceSample(speech_wav(seconds_min=9), filename="prompt.wav")
    result = await mm.upload_voice(MiniMaxUpload(clip, purpose="prompt_audio", trim_prompt=True))
    assert "trimmed from" in result.notes[0]
    parts = multipart_parts(recs(sandbox, "/v1/files/upload")[-1])
    assert parts["purpose"][2] == b"prompt_audio" and len(decode(parts["file"][2])) < 8000


async def test_the_sandbox_refuses_what_the_adapter_would_never_send(sandbox):
    url = sandbox.base_url(MM) + "/v1/files/upload"
    headers = {"Authorization": "Bearer x"}
    async with httpx.AsyncClient() as http:
        prompt = await http.post(
            url, headers=headers, data={"purpose": "prompt_audio"}, files={"file": ("p.wav", tone(9))}
        )
        odd = await http.post(url, headers=headers, data={"purpose": "avatar"}, files={"file": ("p.wav", tone(1))})
        ogg = await http.post(
            url,
            headers=headers,
            data={"purpose": "voice_clone"},
            files={"file": ("p.ogg", encode(decode(tone(11)), "ogg"))},
        )
        nokey = await http.post(url, data={"purpose": "voice_clone"}, files={"file": ("p.wav", tone(11))})
    assert [r.json()["base_resp"]["status_code"] for r in (prompt, odd, ogg, nokey)] == [2048, 2013, 2013, 1004]
    assert all(r.status_code == 200 and r.headers["trace-id"] for r in (prompt, odd, ogg, nokey))


# -- clone ---------------------------------------------------------------------------------------------
async def test_clone_with_prompt_and_preview_downloads_the_demo_without_the_key(mm, sandbox):
    source = await upload_source(mm)
    prompt = await mm.upload_voice(
        MiniMaxUpload(VoiceSample(speech_wav("Hi there."), filename="p.wav"), purpose="prompt_audio")
    )
    voice_id = suggest_voice_id("Preview")
    result = await mm.clone_voice(
        MiniMaxClone(
            file_id=str(source),
            voice_id=voice_id,
            prompt_file_id=prompt.voice_id,
            prompt_text="Hi there.",
            text="A short preview.",
            model="speech-2.6-turbo",
            need_noise_reduction=True,
            language_boost="English",
        )
    )
    assert body_json(recs(sandbox, "/v1/voice_clone")[-1]) == {
        "file_id": source,
        "voice_id": voice_id,
        "clone_prompt": {"prompt_audio": prompt.extra["file_id"], "prompt_text": "Hi there."},
        "text": "A short preview.",
        "model": "speech-2.6-turbo",
        "need_noise_reduction": True,
        "need_volume_normalization": False,
        "language_boost": "English",
    }
    demo = result.extra["demo_audio"]
    assert sniff_format(demo.data) == "mp3" and decode(demo.data).duration_seconds > 0.5
    media = [r for r in sandbox.requests(MM) if "/_media/" in r["path"]][-1]
    assert "authorization" not in media["headers"] and media["method"] == "GET"


async def test_clone_without_preview_sends_no_text_or_model(mm, sandbox):
    voice_id = await new_clone(mm)
    body = body_json(recs(sandbox, "/v1/voice_clone")[-1])
    assert body["voice_id"] == voice_id and "text" not in body and "model" not in body and "clone_prompt" not in body


@pytest.mark.parametrize("bad", ["short", "9lives-voice", "my voice id", "voice-id-", "voice_id_"])
async def test_voice_id_rules_are_checked_before_sending(mm, sandbox, bad):
    with pytest.raises(errors.InputError) as info:
        await mm.clone_voice(MiniMaxClone(file_id=123, voice_id=bad))
    assert "For example:" in info.value.user_message()
    assert recs(sandbox, "/v1/voice_clone") == []


async def test_duplicate_and_deleted_voice_ids_are_refused_by_minimax(mm, sandbox):
    voice_id = await new_clone(mm)
    with pytest.raises(errors.BadRequestError) as info:
        await mm.clone_voice(MiniMaxClone(file_id=await upload_source(mm), voice_id=voice_id))
    assert info.value.code == 2039 and "choose a new voice_id" in info.value.user_message()
    await mm.delete_voice(voice_id)
    with pytest.raises(errors.BadRequestError, match="rejected"):
        await mm.clone_voice(MiniMaxClone(file_id=await upload_source(mm), voice_id=voice_id))


async def test_a_too_short_source_uploaded_elsewhere_gives_2037_with_the_fix(mm, sandbox):
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            sandbox.base_url(MM) + "/v1/files/upload",
            headers={"Authorization": "Bearer sandbox-key"},
            data={"purpose": "voice_clone"},
            files={"file": ("s.wav", tone(4))},
        )
    file_id = answer.json()["file"]["file_id"]
    with pytest.raises(errors.BadRequestError) as info:
        await mm.clone_voice(MiniMaxClone(file_id=str(file_id), voice_id=suggest_voice_id("Short")))
    assert info.value.code == 2037 and "10 s to 5 min" in info.value.user_message()


# -- speech --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["mp3", "pcm", "flac", "wav"])
async def test_hex_output_in_every_format(mm, sandbox, fmt):
    result = await mm.speak(
        MiniMaxSpeech("Hello from MiniMax.", "Wise_Woman", format=fmt, sample_rate=24000, channel=2)
    )
    assert decode(result.audio.playable()).channels == 2
    assert len(result.request_id) == 32  # the Trace-Id header
    assert result.extra_info["audio_format"] == fmt and result.audio.sample_rate == 24000


async def test_url_output_is_downloaded(mm, sandbox):
    result = await mm.speak(MiniMaxSpeech("Hello link.", "Wise_Woman", format="wav", output_format="url"))
    assert result.audio_url.startswith(sandbox.url) and sniff_format(result.audio.data) == "wav"
    assert body_json(recs(sandbox, "/v1/t2a_v2")[-1])["output_format"] == "url"


@pytest.mark.parametrize("fmt, exclude", [("mp3", False), ("pcm", False), ("flac", True)])
async def test_streaming_joins_hex_chunks_once(mm, sandbox, fmt, exclude):
    text = "Streaming speech in several chunks, long enough for more than one."
    whole = await mm.speak(MiniMaxSpeech(text, "Calm_Woman", format=fmt))
    chunks = []
    streamed = await mm.speak(
        MiniMaxSpeech(text, "Calm_Woman", format=fmt, stream=True, exclude_aggregated_audio=exclude),
        on_chunk=chunks.append,
    )
    assert streamed.audio.data == whole.audio.data and len(chunks) > 1 and b"".join(chunks) == whole.audio.data
    assert streamed.first_audio_s is not None and streamed.extra_info["audio_length"] > 0
    assert ("stream_options" in body_json(recs(sandbox, "/v1/t2a_v2")[-1])) is exclude


async def test_a_cut_stream_is_a_clear_error_and_the_clone_stays_unused(mm, sandbox):
    voice_id = await new_clone(mm)
    sandbox.add_fault(MM, "speech", "cut_stream", cut_after_bytes=3000)
    with pytest.raises(errors.StreamInterruptedError) as info:
        await mm.speak(MiniMaxSpeech("This stream will be cut in the middle.", voice_id, stream=True))
    assert "nothing was saved" in info.value.user_message()
    assert voice_id not in [v.id for v in await mm.list_voices(voice_type="voice_cloning")]


async def test_a_clone_is_listed_only_after_its_first_speech(mm, sandbox):
    voice_id = await new_clone(mm)
    assert voice_id not in [v.id for v in await mm.list_voices(voice_type="voice_cloning")]
    await mm.speak(MiniMaxSpeech("First use.", voice_id))
    listed = {v.id: v for v in await mm.list_voices(voice_type="all")}
    assert listed[voice_id].kind == "cloned" and listed["Wise_Woman"].kind == "system"
    assert body_json(recs(sandbox, "/v1/get_voice")[-1]) == {"voice_type": "all"}
    assert "deleted" in await mm.delete_voice(voice_id)
    assert body_json(recs(sandbox, "/v1/delete_voice")[-1]) == {"voice_type": "voice_cloning", "voice_id": voice_id}
    with pytest.raises(errors.BadRequestError):
        await mm.delete_voice(voice_id)


async def test_unknown_voices_and_illegal_characters_come_back_as_typed_errors(mm, sandbox):
    with pytest.raises(errors.PermissionDeniedError) as info:
        await mm.speak(MiniMaxSpeech("Hello.", "NotMyVoice123"))
    assert info.value.code == 2042 and info.value.request_id
    with pytest.raises(errors.BadRequestError) as info:
        await mm.speak(MiniMaxSpeech("ab" + "\u200b" * 5, "Wise_Woman"))
    assert info.value.code == 1042 and "invisible" in info.value.user_message()


# -- faults -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "op, code, cls",
    [
        ("speech", 1002, errors.RateLimitError),
        ("speech", 1008, errors.QuotaError),
        ("clone", 2038, errors.PermissionDeniedError),
        ("upload", 1026, errors.ContentRejectedError),
        ("list", 2049, errors.AuthenticationError),
        ("delete", 1004, errors.AuthenticationError),
        ("speech", 2056, errors.QuotaError),
        ("speech", 1033, errors.ServerError),
    ],
)
async def test_error_200_faults_map_to_typed_errors(mm, sandbox, op, code, cls):
    sandbox.add_fault(MM, op, "error_200", code=code)
    calls = {
        "speech": lambda: mm.speak(MiniMaxSpeech("Hello.", "Wise_Woman", stream=True)),
        "clone": lambda: mm.clone_voice(MiniMaxClone(file_id=1, voice_id="Faulty_voice1")),
        "upload": lambda: mm.upload_voice(MiniMaxUpload(VoiceSample(speech_wav(seconds_min=11)))),
        "list": lambda: mm.list_voices(voice_type="all"),
        "delete": lambda: mm.delete_voice("Faulty_voice1"),
    }
    with pytest.raises(cls) as info:
        await calls[op]()
    assert info.value.status == 200 and info.value.code == code and info.value.request_id
    if code in (1004, 2049):
        assert "other region" in info.value.user_message()


async def test_429_is_retried_after_retry_after_then_reported(mm, sandbox):
    sandbox.add_fault(MM, "speech", "429", count=1, retry_after=0.1)
    await mm.speak(MiniMaxSpeech("Hello.", "Wise_Woman"))
    assert len(recs(sandbox, "/v1/t2a_v2")) == 2
    sandbox.add_fault(MM, "list", "429", count=5, retry_after=0.1)
    with pytest.raises(errors.RateLimitError) as info:
        await mm.list_voices()
    assert info.value.status == 429 and info.value.code == 1002 and info.value.retry_after_s == 0.1
    assert "Wait 0.1 s" in info.value.user_message() and len(recs(sandbox, "/v1/get_voice")) == 3


async def test_503_is_retried_for_speech_but_never_for_a_clone(mm, sandbox):
    sandbox.add_fault(MM, "speech", "503", count=1)
    await mm.speak(MiniMaxSpeech("Hello.", "Wise_Woman"))
    source = await upload_source(mm)
    sandbox.reset()
    sandbox.add_fault(MM, "clone", "503", count=1)
    with pytest.raises(errors.OverloadedError):
        await mm.clone_voice(MiniMaxClone(file_id=source, voice_id=suggest_voice_id("Busy")))
    assert len(recs(sandbox, "/v1/voice_clone")) == 1


async def test_a_slow_first_byte_beyond_the_read_timeout_is_a_timeout(mm, sandbox, monkeypatch):
    from playground import config

    monkeypatch.setattr(config, "READ_TIMEOUT_S", 0.3)
    monkeypatch.setattr(config, "MAX_RETRIES", 0)
    sandbox.add_fault(MM, "list", "slow_first_byte", delay_s=0.8)
    with pytest.raises(errors.ProviderTimeoutError):
        await mm.list_voices()


# -- named API endpoints ------------------------------------------------------------------------------
def test_named_endpoints_upload_clone_speak_list_delete(client, sandbox, tmp_path):
    from gradio_client import handle_file

    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for name in ("upload", "clone", "speak", "voices", "delete_voice"):
        params = [p["parameter_name"] for p in endpoints[f"/minimax_{name}"]["parameters"]]
        assert params[-1] == "api_key"
    wav = tmp_path / "me.wav"
    wav.write_bytes(speech_wav(seconds_min=11))
    file_id, info = client.predict(
        handle_file(str(wav)), "voice_clone", False, "mainland", "", True, "", api_name="/minimax_upload"
    )
    assert file_id.isdigit() and int(file_id) > 2**53 and file_id in info
    voice_id = suggest_voice_id("Api")
    demo, info = client.predict(
        file_id,
        voice_id,
        "",
        "",
        "Preview please.",
        "speech-2.8-hd",
        False,
        True,
        "",
        "mainland",
        "",
        "",
        api_name="/minimax_clone",
    )
    assert sniff_format(Path(demo).read_bytes()) == "mp3" and voice_id in info
    assert body_json(recs(sandbox, "/v1/voice_clone")[-1])["file_id"] == int(file_id)
    rows = client.predict("voice_cloning", "mainland", "", "", api_name="/minimax_voices")["data"]
    assert [voice_id, voice_id, "voice_cloning (this session)"] == rows[-1][:3] and "not yet listed" in rows[-1][3]
    audio, download, summary, _live = client.predict(
        "Hello <#0.3#> from my clone.",
        "speech-2.8-hd",
        voice_id,
        1.2,
        2.0,
        -3,
        "happy",
        44100,
        256000,
        "mp3",
        1,
        "English",
        True,
        "hex",
        "mainland",
        "",
        "",
        api_name="/minimax_speak",
    )
    assert sniff_format(Path(audio).read_bytes()) == "mp3" and download.endswith(".mp3") and "Trace-Id" in summary
    sent = body_json(recs(sandbox, "/v1/t2a_v2")[-1])
    assert sent["voice_setting"] == {"voice_id": voice_id, "speed": 1.2, "vol": 2.0, "pitch": -3, "emotion": "happy"}
    rows = client.predict("voice_cloning", "mainland", "", "", api_name="/minimax_voices")["data"]
    # other tests share the sandbox and may have cloned voices of their own: find this one
    assert [r[3] for r in rows if r[0] == voice_id] == ["listed by MiniMax"]
    (info,) = [client.predict(voice_id, "voice_cloning", "mainland", "", "", api_name="/minimax_delete_voice")]
    assert "deleted" in info


def test_named_endpoint_errors_are_readable(client, sandbox, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    long_clip = tmp_path / "prompt.wav"
    long_clip.write_bytes(speech_wav(seconds_min=9))

    with pytest.raises(AppError, match="wav works only without streaming"):
        client.predict(
            "Hi",
            "speech-2.8-hd",
            "Wise_Woman",
            1,
            1,
            0,
            "",
            32000,
            128000,
            "wav",
            1,
            "",
            True,
            "hex",
            "mainland",
            "",
            "",
            api_name="/minimax_speak",
        )
    sandbox.add_fault(MM, "speech", "cut_stream", cut_after_bytes=2500)
    with pytest.raises(AppError, match="nothing was saved"):
        client.predict(
            "A stream that is cut.",
            "speech-2.8-hd",
            "Wise_Woman",
            1,
            1,
            0,
            "",
            32000,
            128000,
            "mp3",
            1,
            "",
            True,
            "hex",
            "mainland",
            "",
            "",
            api_name="/minimax_speak",
        )
    with pytest.raises(AppError, match=r"Trim to the best 7\.5 s"):
        client.predict(
            handle_file(str(long_clip)), "prompt_audio", False, "mainland", "", True, "", api_name="/minimax_upload"
        )
