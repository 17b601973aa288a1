"""View code replays: the curl and Python snippets built from the captured requests, RUN against the
sandbox with the key in the environment variable, get the same answer as the playground."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playground import codeview, config, presets, providers
from playground.audio import VoiceSample
from playground.http import capture_requests
from playground.providers.minimax import MiniMaxClone, MiniMaxSpeech, MiniMaxUpload
from playground.providers.openai_compat import OpenAISpeech
from playground.providers.siliconflow import Reference, SiliconFlowSpeech, SiliconFlowUpload
from playground.providers.zhipu import ZhipuClone, ZhipuSpeech, ZhipuUpload
from tests.conftest import speech_wav

CURL = shutil.which("curl")
PYTHON = sys.executable


def run(kind: str, reqs, tmp_path: Path, provider_id: str) -> tuple[Path, str]:
    """Write the snippet and its audio files to a fresh folder, run it there, return (folder, stdout)."""
    folder = tmp_path / kind
    folder.mkdir()
    for name, data in codeview.attachments(reqs).items():
        (folder / name).write_bytes(data)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), codeview.env_var(provider_id): config.SANDBOX_KEY}
    # the snippet calls the provider's public base URL unless its base URL variable says otherwise
    env[presets.load(provider_id)["env_base_url"]] = config.sandbox_url(provider_id) or ""
    if kind == "curl":
        script = codeview.to_curl(reqs)
        assert config.SANDBOX_KEY not in script and "Bearer $" in script
        proc = subprocess.run(["bash", "-e", "-c", script], cwd=folder, env=env, capture_output=True, timeout=60)
    else:
        script = codeview.to_python(reqs)
        assert config.SANDBOX_KEY not in script and "os.environ[" in script
        proc = subprocess.run([PYTHON, "-c", script], cwd=folder, env=env, capture_output=True, timeout=60)
    if proc.returncode != 0:  # explicit, so the message is not shortened by pytest
        raise AssertionError(
            f"{kind} snippet failed:\n{script[:2000]}\n--- stdout\n{proc.stdout.decode()[-2000:]}"
            f"\n--- stderr\n{proc.stderr.decode()[-2000:]}"
        )
    return folder, proc.stdout.decode()


KINDS = ["python", pytest.param("curl", marks=pytest.mark.skipif(CURL is None, reason="no curl on this machine"))]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "provider_id, request_",
    [
        (
            "siliconflow",
            SiliconFlowSpeech(
                text="Replay me, please.",
                voice="FunAudioLLM/CosyVoice2-0.5B:alex",
                response_format="wav",
                sample_rate=24000,
            ),
        ),
        ("zhipu", ZhipuSpeech(text="Replay me, please.", voice="tongtong", response_format="wav")),
        ("openai_compat", OpenAISpeech(text="Replay me, please.", voice="alloy", response_format="flac", speed=1.25)),
    ],
)
async def test_speak_snippet_replays_to_the_same_audio(sandbox, tmp_path, kind, provider_id, request_):
    with capture_requests() as reqs:
        result = await providers.get(provider_id).speak(request_)
    assert len(reqs) == 1 and reqs[0].url.startswith(sandbox.url)
    folder, _ = run(kind, reqs, tmp_path, provider_id)
    [saved] = list(folder.glob("speech_1.*"))
    assert saved.read_bytes() == result.audio.data


@pytest.mark.parametrize("kind", KINDS)
async def test_minimax_speak_snippet_replays(sandbox, tmp_path, kind):
    with capture_requests() as reqs:
        result = await providers.get("minimax").speak(
            MiniMaxSpeech(text="Replay me, please.", voice_id="English_Graceful_Lady")
        )
    _, out = run(kind, reqs, tmp_path, "minimax")
    doc = json.loads(out)
    assert bytes.fromhex(doc["data"]["audio"]) == result.audio.data


@pytest.mark.parametrize("kind", KINDS)
async def test_reference_clip_data_uri_replays(sandbox, tmp_path, kind):
    sample = VoiceSample(speech_wav("This is the reference clip for the dynamic voice.", 2.0))
    req = SiliconFlowSpeech(
        text="Speak in the reference voice.",
        voice=None,
        response_format="mp3",
        references=[Reference(sample, "This is the reference clip for the dynamic voice.")],
    )
    with capture_requests() as reqs:
        result = await providers.get("siliconflow").speak(req)
    folder, _ = run(kind, reqs, tmp_path, "siliconflow")
    assert (folder / "speech_1.mp3").read_bytes() == result.audio.data
    recorded = [r for r in sandbox.requests("siliconflow") if r["path"].endswith("/audio/speech")]
    assert len(recorded) == 2  # the playground, then the snippet: the same JSON body
    bodies = [json.loads(base64.b64decode(r["body_b64"])) for r in recorded]
    assert bodies[0] == bodies[1]


@pytest.mark.parametrize("mode", ["multipart", "json"])
@pytest.mark.parametrize("kind", KINDS)
async def test_siliconflow_upload_then_speak_chain_replays(sandbox, tmp_path, kind, mode):
    sf = providers.get("siliconflow")
    sample = VoiceSample(speech_wav("My voice for the replay test.", 2.0), filename="mine.wav")
    with capture_requests() as reqs:
        uploaded = await sf.upload_voice(
            SiliconFlowUpload(sample=sample, name=f"replay-{mode}", text="My voice for the replay test.", mode=mode)
        )
        spoken = await sf.speak(
            SiliconFlowSpeech(text="Chained.", voice=uploaded.voice_id, response_format="wav", sample_rate=24000)
        )
    assert [r.method for r in reqs] == ["POST", "POST"]
    folder, out = run(kind, reqs, tmp_path, "siliconflow")
    uri = json.loads(out.strip().splitlines()[0])["uri"]
    assert uri.startswith(f"speech:replay-{mode}:")
    assert (folder / "speech_2.wav").read_bytes() == spoken.audio.data


@pytest.mark.parametrize("kind", KINDS)
async def test_zhipu_upload_clone_chain_sends_the_same_requests(sandbox, tmp_path, kind):
    """A clone replayed verbatim reuses its voice_name and request_id, which Zhipu refuses as taken:
    the snippet still sends byte-for-byte the clone body the playground sent."""
    zp = providers.get("zhipu")
    sample = VoiceSample(speech_wav("Hello, this is my voice sample.", 4.0), filename="zp.wav")
    with capture_requests() as reqs:
        up = await zp.upload_voice(ZhipuUpload(sample=sample))
        await zp.clone_voice(
            ZhipuClone(file_id=up.voice_id, voice_name=f"replay_{kind}", input="Preview text.", fetch_preview=False)
        )
    assert len(reqs) == 2
    with pytest.raises(AssertionError, match=r"1214|taken"):
        run(kind, reqs, tmp_path, "zhipu")
    clones = [r for r in sandbox.requests("zhipu") if r["path"].endswith("/voice/clone")]
    uploads = [r for r in sandbox.requests("zhipu") if r["path"].endswith("/files")]
    assert len(clones) == 2 and len(uploads) == 2 and clones[0]["body_b64"] == clones[1]["body_b64"]


async def test_minimax_upload_clone_speak_chain_in_python(sandbox, tmp_path):
    mm = providers.get("minimax")
    sample = VoiceSample(speech_wav("Hello, this is my voice sample for cloning.", 11.0), filename="mm.wav")
    with capture_requests() as reqs:
        up = await mm.upload_voice(MiniMaxUpload(sample=sample))
        await mm.clone_voice(MiniMaxClone(file_id=up.voice_id, voice_id="ReplayVoice01"))
        spoken = await mm.speak(MiniMaxSpeech(text="Chained.", voice_id="ReplayVoice01"))
    try:
        code = codeview.to_python(reqs)
        assert code.index("/files/upload") < code.index("/voice_clone") < code.index("/t2a_v2")
        _, out = run("python", reqs, tmp_path, "minimax")
        last = json.loads(out.strip().splitlines()[-1]) if out.strip().splitlines()[-1].startswith("{") else None
        assert last is None or bytes.fromhex(last["data"]["audio"]) == spoken.audio.data
    finally:  # the sandbox's voice list is shared by the session: leave no clone behind
        await mm.delete_voice("ReplayVoice01")


@pytest.mark.parametrize("kind", KINDS)
async def test_fish_clone_with_repeated_parts_and_msgpack_speech_replay(sandbox, tmp_path, kind):
    """Repeated multipart parts (voices, texts) and a raw msgpack body replay byte for byte."""
    from playground.providers.fishaudio import FishClone, FishReference, FishSpeech

    fa = providers.get("fishaudio")
    a = VoiceSample(speech_wav("First clip for the replay.", 2.0), filename="one.wav")
    b = VoiceSample(speech_wav("Second clip for the replay.", 2.0), filename="two.wav")
    with capture_requests() as reqs:
        await fa.clone_voice(FishClone(samples=[a, b], title=f"replay-{kind}", texts=["First.", "Second."], wait=False))
        spoken = await fa.speak(FishSpeech(text="Replay me.", references=[FishReference(a, "First.")], format="wav"))
    folder, _ = run(kind, reqs, tmp_path, "fishaudio")
    assert (folder / "speech_2.wav").read_bytes() == spoken.audio.data
    posts = [r for r in sandbox.requests("fishaudio") if r["method"] == "POST"]
    creates = [r for r in posts if r["path"].endswith("/model")]
    speeches = [r for r in posts if r["path"].endswith("/v1/tts")]
    assert len(creates) == 2 and len(speeches) == 2 and speeches[0]["body_b64"] == speeches[1]["body_b64"]
    for raw in (base64.b64decode(r["body_b64"]) for r in creates):
        assert raw.count(b'name="voices"') == 2 and raw.count(b'name="texts"') == 2
        assert a.data in raw and b.data in raw


@pytest.mark.parametrize("kind", KINDS)
async def test_cartesia_speech_replays_with_its_version_header(sandbox, tmp_path, kind):
    from playground.providers.cartesia import CartesiaSpeech

    ca = providers.get("cartesia")
    with capture_requests() as reqs:
        spoken = await ca.speak(
            CartesiaSpeech(
                text="Replay me.", voice="694f9389-aac1-45b6-b726-9d9369183238", container="wav", sample_rate=16000
            )
        )
    script = codeview.to_curl(reqs) if kind == "curl" else codeview.to_python(reqs)
    assert "Cartesia-Version" in script and "2025-04-16" in script
    folder, _ = run(kind, reqs, tmp_path, "cartesia")
    assert (folder / "speech_1.wav").read_bytes() == spoken.audio.data
