"""Speech recognition (the clinic's transcript auto-fill) over real HTTP against the sandbox."""

from __future__ import annotations

import base64

import pytest

from playground import clinic, config, errors, providers
from playground.audio import VoiceSample, decode, sniff_format
from playground.providers.asr import TranscribeRequest
from tests.conftest import speech_wav

ASR_PROVIDERS = {
    "siliconflow": ("/audio/transcriptions", "FunAudioLLM/SenseVoiceSmall"),
    "openai_compat": ("/audio/transcriptions", "whisper-1"),
    "zhipu": ("/paas/v4/audio/transcriptions", "glm-asr-2512"),
}


def last(sandbox, provider, suffix):
    return [r for r in sandbox.requests(provider) if r["path"].endswith(suffix)][-1]


def field(raw: bytes, name: str) -> str:
    head = f'name="{name}"\r\n\r\n'.encode()
    start = raw.index(head) + len(head)
    return raw[start : raw.index(b"\r\n", start)].decode()


@pytest.fixture
def sample():
    return VoiceSample(speech_wav(seconds_min=12.0), filename="me.wav")


def test_only_providers_with_a_documented_asr_declare_it():
    flags = {pid: providers.get(pid).SUPPORTS_TRANSCRIBE for pid in providers.PROVIDERS}
    assert flags == {
        "siliconflow": True,
        "openai_compat": True,
        "zhipu": True,
        "minimax": False,
        "elevenlabs": True,
        "fishaudio": True,
        "cartesia": True,
    }


@pytest.mark.parametrize("pid", list(ASR_PROVIDERS))
async def test_transcribe_sends_file_and_model_and_reads_text(sandbox, sample, pid):
    path, model = ASR_PROVIDERS[pid]
    result = await providers.get(pid).transcribe(TranscribeRequest(sample))
    assert result.sandbox and result.provider == pid and result.model == model
    assert (
        result.text.startswith(f"[sandbox transcript of {sample.info.duration_s:.1f} s]")
        and len(result.text.split()) > 10
    )
    rec = last(sandbox, pid, path)
    assert rec["headers"]["authorization"] == f"Bearer {config.SANDBOX_KEY}"
    assert rec["headers"]["content-type"].startswith("multipart/form-data")
    raw = base64.b64decode(rec["body_b64"])
    assert field(raw, "model") == model
    assert b'name="file"; filename="clip.wav"' in raw
    sent = raw[raw.index(b"RIFF") :]
    assert sniff_format(sent) == "wav"
    seg = decode(sent[: sent.index(b"\r\n--")])
    assert (seg.frame_rate, seg.channels) == (16000, 1)  # what every documented ASR takes


@pytest.mark.parametrize("pid", list(ASR_PROVIDERS))
async def test_a_trim_gives_a_new_transcript(sandbox, pid):
    long = VoiceSample(speech_wav(seconds_min=20.0), filename="long.wav")
    adapter = providers.get(pid)
    window = clinic.best_speech_window(long, 7.5).sample
    before = (await adapter.transcribe(TranscribeRequest(window))).text
    trimmed = clinic.best_speech_window(window, 4.0).sample
    after = (await adapter.transcribe(TranscribeRequest(trimmed))).text
    assert before != after and len(after.split()) < len(before.split())
    assert "7.5 s" in before and "4.0 s" in after


async def test_same_clip_same_transcript(sandbox, sample):
    sf = providers.get("siliconflow")
    assert (await sf.transcribe(TranscribeRequest(sample))).text == (
        await sf.transcribe(TranscribeRequest(sample))
    ).text


async def test_zhipu_refuses_over_30_s_before_sending(sandbox):
    long = VoiceSample(speech_wav(seconds_min=31.0))
    with pytest.raises(errors.AudioInputError, match="at most 30 s"):
        await providers.get("zhipu").transcribe(TranscribeRequest(long))
    assert not [r for r in sandbox.requests("zhipu") if r["path"].endswith("/transcriptions")]


async def test_unknown_model_is_an_input_error(sandbox, sample):
    with pytest.raises(errors.InputError, match="whisper-1") as info:
        await providers.get("siliconflow").transcribe(TranscribeRequest(sample, model="whisper-1"))
    assert "SenseVoiceSmall" in info.value.user_message()


async def test_minimax_has_no_asr():
    with pytest.raises(errors.UnsupportedError):
        await providers.get("minimax").transcribe(TranscribeRequest(VoiceSample(speech_wav())))


async def test_the_simulators_are_strict(sandbox, sample):
    """A wrong model reaches the simulator (bypassing the adapter check) and is refused in its own shape."""
    import httpx

    wav = speech_wav()
    async with httpx.AsyncClient() as client:
        sf = await client.post(
            f"{sandbox.base_url('siliconflow')}/audio/transcriptions",
            headers={"Authorization": "Bearer k"},
            data={"model": "nope"},
            files={"file": ("a.wav", wav, "audio/wav")},
        )
        zp = await client.post(
            f"{sandbox.base_url('zhipu')}/paas/v4/audio/transcriptions",
            headers={"Authorization": "Bearer k"},
            data={"model": "glm-asr-2512"},
            files={"file": ("a.ogg", b"OggS" + b"\0" * 100, "audio/ogg")},
        )
        oa = await client.post(
            f"{sandbox.base_url('openai_compat')}/audio/transcriptions",
            headers={"Authorization": "Bearer k"},
            data={"model": "whisper-1", "bogus": "1"},
            files={"file": ("a.wav", wav, "audio/wav")},
        )
        gw = await client.post(
            f"{sandbox.base_url('openai_compat')}/gateway/v1/audio/transcriptions",
            headers={"Authorization": "Bearer k"},
            data={"model": "whisper-1"},
            files={"file": ("a.wav", wav, "audio/wav")},
        )
        nofile = await client.post(
            f"{sandbox.base_url('siliconflow')}/audio/transcriptions",
            headers={"Authorization": "Bearer k"},
            data={"model": "FunAudioLLM/SenseVoiceSmall"},
            files={"other": ("a.txt", b"x", "text/plain")},
        )
    assert sf.status_code == 400 and sf.json()["code"] == 20012
    assert zp.status_code == 400 and zp.json()["error"]["code"] == "1214"
    assert oa.status_code == 400 and oa.json()["error"]["param"] == "bogus"
    assert gw.status_code == 404
    assert nofile.status_code == 400


@pytest.mark.parametrize("pid,code", [("siliconflow", 429), ("zhipu", 429), ("openai_compat", 401), ("zhipu", 401)])
async def test_errors_are_typed_and_keys_scrubbed(sandbox, sample, monkeypatch, pid, code):
    """A typed key means the real service: its base URL is pointed at the simulator here."""
    from playground import presets

    canary = "sk-canary-asr-0123456789abcdef0123"
    monkeypatch.setenv(presets.load(pid)["env_base_url"], sandbox.base_url(pid))
    if code == 401:
        monkeypatch.setattr(sandbox.state, "valid_keys", {"good-key"})
        expected = errors.AuthenticationError
    else:
        sandbox.add_fault(pid, "transcribe", "429", count=5, retry_after=0)
        expected = errors.RateLimitError
    with pytest.raises(expected) as info:
        await providers.get(pid).transcribe(TranscribeRequest(sample), api_key=canary)
    assert canary not in info.value.user_message() and canary not in repr(info.value)


# -- consent before any upload that creates a voice -------------------------------------------------
@pytest.mark.parametrize(
    "api_name,args",
    [
        ("/siliconflow_upload", ["no-consent", "Hello.", "FunAudioLLM/CosyVoice2-0.5B", "multipart"]),
        ("/minimax_upload", ["voice_clone", False, "mainland", ""]),
        ("/zhipu_upload", []),
    ],
)
def test_uploads_refuse_without_consent_and_send_nothing(client, sandbox, speech_file, api_name, args):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    params = [
        p["parameter_name"]
        for p in client.view_api(return_format="dict", print_info=False)["named_endpoints"][api_name]["parameters"]
    ]
    assert params[-2:] == ["consent", "api_key"]
    before = len(sandbox.requests())
    with pytest.raises(AppError, match="I have the right to clone this voice"):
        client.predict(handle_file(str(speech_file)), *args, False, "", api_name=api_name)
    assert len(sandbox.requests()) == before
