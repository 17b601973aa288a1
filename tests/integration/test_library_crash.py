"""SIGKILL a process in the middle of clones and syntheses (real HTTP to the sandbox, recorded through the
library hooks, plus large takes written straight through the store), then check the data folder:
integrity ok, every confirmed voice present with its sample, no orphan file, every take's audio intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from playground.library import Store
from playground.library.store import FILES_DIR, sha256

ROOT = Path(__file__).resolve().parents[2]
WORKER = r"""
import asyncio, os, sys
sys.path.insert(0, os.getcwd())
from playground.audio import VoiceSample
from playground.library import default_store
from playground.library.hooks import record_take, record_voice
from playground import providers
from playground.providers.siliconflow import SiliconFlowSpeech, SiliconFlowUpload
from playground.sandbox.server import SandboxServer
from playground.audio import wrap_pcm
from playground.sandbox.speech import ESPEAK_RATE, synthesize_pcm

async def main():
    SandboxServer().start().register()
    sf = providers.get("siliconflow")
    sample = VoiceSample(wrap_pcm(synthesize_pcm("A sample recorded for the crash test.", "me", 1.0), ESPEAK_RATE))
    store = default_store()
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        up = SiliconFlowUpload(sample=sample, name=f"crash-{i}", text="A sample recorded for the crash test.",
                               model="FunAudioLLM/CosyVoice2-0.5B", mode="multipart")
        result = await sf.upload_voice(up)
        assert await record_voice(result, sf.target(None), transcript=up.text) == ""
        print("voice", result.voice_id, flush=True)
        speech = SiliconFlowSpeech(text=f"Take number {i}.", model="FunAudioLLM/CosyVoice2-0.5B", voice=result.voice_id,
                                   references=[], response_format="mp3", sample_rate=None, stream=False, speed=1.0,
                                   gain=0.0, max_tokens=None)
        take = await sf.speak(speech)
        assert await record_take("siliconflow_speak", take, sf.target(None), {"text": speech.text}) == ""
        print("take", flush=True)
        store.add_take(store.scope(sf.target(None)), "siliconflow", audio=os.urandom(2_000_000), fmt="wav")
        print("big", flush=True)

asyncio.run(main())
"""


def test_sigkill_mid_write_leaves_a_consistent_library(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    confirmed: list[str] = []
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        deadline = time.monotonic() + 120
        while len(confirmed) < 6 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            if line.startswith("voice "):
                confirmed.append(line.split()[1])
        # kill while the next big take is being written
        while True:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()  # the worker died before it started a take
            if line.startswith("take"):
                break
        time.sleep(0.005)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and len(confirmed) == 6

    assert (data / "library.sqlite3").exists()
    store = Store(data)  # opening cleans up what the crash left
    assert store.integrity() == "ok"
    voices = {r["voice_id"]: dict(r) for r in store.execute("SELECT * FROM voices")}
    for uri in confirmed:
        assert uri in voices, uri
        assert sha256(store.read_file(voices[uri]["sample_path"])) == voices[uri]["sample_hash"]
    takes = [dict(r) for r in store.execute("SELECT * FROM takes")]
    for take in takes:
        assert sha256(store.read_file(take["audio_path"])) == take["audio_hash"]
    on_disk = {f"{FILES_DIR}/{p.parent.name}/{p.name}" for p in (data / FILES_DIR).rglob("*") if p.is_file()}
    referenced = (
        {t["audio_path"] for t in takes}
        | {v["sample_path"] for v in voices.values()}
        | {v["preview_path"] for v in voices.values() if v["preview_path"]}
    )
    assert on_disk == referenced  # no orphan: every audio file on disk is a take or a voice
    assert len([p for p in on_disk if "/takes/" in p]) == len(takes)
