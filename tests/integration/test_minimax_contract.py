"""A separate sandbox server set as MINIMAX_BASE_URL with a MINIMAX_API_KEY it knows: every
request the adapter sends must match seed 002 / providers.md section 1 field for field."""

from __future__ import annotations

import base64
import json

import pytest

from playground import errors, providers
from playground.audio import VoiceSample
from playground.providers.minimax import MiniMaxClone, MiniMaxSpeech, MiniMaxUpload
from playground.sandbox.control import SandboxState, fingerprint
from playground.sandbox.server import SandboxServer
from tests.conftest import speech_wav
from tests.integration.test_minimax import multipart_parts

MM = "minimax"
KEY = "sk-minimax-contract-key-000000000001"
CANARY = "sk-canary-minimax-0123456789abcdef"


@pytest.fixture
def server(monkeypatch):
    server = SandboxServer(SandboxState(valid_keys={KEY})).start()
    monkeypatch.setenv("MINIMAX_BASE_URL", server.base_url(MM))
    monkeypatch.setenv("MINIMAX_API_KEY", KEY)
    monkeypatch.delenv("MINIMAX_GROUP_ID", raising=False)
    yield server
    server.stop()


def only(server, path: str) -> dict:
    matching = [r for r in server.requests(MM) if r["path"] == f"/minimax{path}"]
    assert len(matching) == 1, [r["path"] for r in server.requests(MM)]
    return matching[0]


def body(rec: dict):
    return json.loads(base64.b64decode(rec["body_b64"]))


def assert_post(rec: dict, content_type: str, query: str = "") -> None:
    assert rec["method"] == "POST" and rec["query"] == query
    assert rec["headers"]["authorization"] == f"Bearer {KEY}"
    assert rec["headers"]["content-type"].startswith(content_type)


async def test_every_request_matches_the_contract_without_group_id(server):
    mm = providers.get(MM)
    sample = VoiceSample(speech_wav(seconds_min=11), filename="source.wav")
    source = await mm.upload_voice(MiniMaxUpload(sample, purpose="voice_clone"))
    rec = only(server, "/v1/files/upload")
    assert_post(rec, "multipart/form-data")
    parts = multipart_parts(rec)
    assert list(parts) == ["purpose", "file"]
    assert parts["purpose"] == (None, "text/plain", b"voice_clone")
    assert parts["file"] == ("source.wav", "audio/wav", sample.data)

    server.reset()
    prompt_clip = VoiceSample(speech_wav("Hello there."), filename="prompt.wav")
    prompt = await mm.upload_voice(MiniMaxUpload(prompt_clip, purpose="prompt_audio"))
    parts = multipart_parts(only(server, "/v1/files/upload"))
    assert parts["purpose"][2] == b"prompt_audio" and parts["file"][2] == prompt_clip.data

    server.reset()
    clone = await mm.clone_voice(
        MiniMaxClone(
            file_id=source.voice_id,
            voice_id="Contract_voice01",
            prompt_file_id=prompt.voice_id,
            prompt_text="Hello there.",
            text="Preview text.",
            model="speech-02-turbo",
            need_noise_reduction=True,
            need_volume_normalization=True,
            language_boost="auto",
        )
    )
    rec = only(server, "/v1/voice_clone")
    assert_post(rec, "application/json")
    assert body(rec) == {
        "file_id": source.extra["file_id"],
        "voice_id": "Contract_voice01",
        "clone_prompt": {"prompt_audio": prompt.extra["file_id"], "prompt_text": "Hello there."},
        "text": "Preview text.",
        "model": "speech-02-turbo",
        "need_noise_reduction": True,
        "need_volume_normalization": True,
        "language_boost": "auto",
    }
    assert str(source.extra["file_id"]) in base64.b64decode(rec["body_b64"]).decode()  # an int64 literal, not a float
    assert clone.extra["demo_audio"] is not None

    server.reset()
    await mm.speak(
        MiniMaxSpeech(
            "Hello <#0.25#> world.",
            "Contract_voice01",
            model="speech-2.6-hd",
            speed=1.5,
            vol=3,
            pitch=-2,
            emotion="calm",
            sample_rate=44100,
            bitrate=64000,
            format="mp3",
            channel=2,
            language_boost="English",
        )
    )
    rec = only(server, "/v1/t2a_v2")
    assert_post(rec, "application/json")
    assert body(rec) == {
        "model": "speech-2.6-hd",
        "text": "Hello <#0.25#> world.",
        "stream": False,
        "voice_setting": {"voice_id": "Contract_voice01", "speed": 1.5, "vol": 3.0, "pitch": -2, "emotion": "calm"},
        "audio_setting": {"sample_rate": 44100, "format": "mp3", "channel": 2, "bitrate": 64000},
        "language_boost": "English",
    }

    server.reset()
    await mm.speak(MiniMaxSpeech("Streamed.", "Wise_Woman", format="pcm", sample_rate=16000, stream=True))
    assert body(only(server, "/v1/t2a_v2")) == {
        "model": "speech-2.8-hd",
        "text": "Streamed.",
        "stream": True,
        "voice_setting": {"voice_id": "Wise_Woman", "speed": 1.0, "vol": 1.0, "pitch": 0},
        "audio_setting": {"sample_rate": 16000, "format": "pcm", "channel": 1},
    }

    server.reset()
    voices = await mm.list_voices(voice_type="voice_cloning")
    assert [v.id for v in voices] == ["Contract_voice01"]
    assert_post(only(server, "/v1/get_voice"), "application/json")
    assert body(only(server, "/v1/get_voice")) == {"voice_type": "voice_cloning"}

    server.reset()
    await mm.delete_voice("Contract_voice01", voice_type="voice_cloning")
    assert_post(only(server, "/v1/delete_voice"), "application/json")
    assert body(only(server, "/v1/delete_voice")) == {"voice_type": "voice_cloning", "voice_id": "Contract_voice01"}


async def test_group_id_is_sent_on_every_call_only_when_set(server, monkeypatch):
    mm = providers.get(MM)
    source = await mm.upload_voice(
        MiniMaxUpload(VoiceSample(speech_wav(seconds_min=11)), group_id="1782658868262748467")
    )
    await mm.clone_voice(
        MiniMaxClone(file_id=source.voice_id, voice_id="Group_voice01", group_id="1782658868262748467")
    )
    await mm.speak(MiniMaxSpeech("Hi.", "Group_voice01", group_id="1782658868262748467"))
    await mm.list_voices(voice_type="all", group_id="1782658868262748467")
    await mm.delete_voice("Group_voice01", group_id="1782658868262748467")
    assert [r["query"] for r in server.requests(MM)] == ["GroupId=1782658868262748467"] * 5
    server.reset()
    monkeypatch.setenv("MINIMAX_GROUP_ID", "99")
    await mm.list_voices(voice_type="system")
    assert only(server, "/v1/get_voice")["query"] == "GroupId=99"
    monkeypatch.delenv("MINIMAX_GROUP_ID")
    server.reset()
    await mm.list_voices(voice_type="system", group_id="  ")
    assert only(server, "/v1/get_voice")["query"] == ""


async def test_a_key_from_the_other_region_is_explained_and_never_echoed(server):
    mm = providers.get(MM)
    with pytest.raises(errors.AuthenticationError) as info:
        await mm.speak(MiniMaxSpeech("Hi.", "Wise_Woman"), api_key=CANARY)
    text = info.value.user_message()
    assert info.value.code == 2049 and "other region" in text and "switch region" in text
    assert CANARY not in text and CANARY not in repr(info.value.__dict__)
    assert only(server, "/v1/t2a_v2")["headers"]["authorization"] == f"Bearer {fingerprint(CANARY)}"
