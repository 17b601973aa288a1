"""Audio preparation: a 60 s 48 kHz stereo WAV -> a provider-ready 24 kHz mono mp3 data URI.

playground.audio.VoiceSample (decode, downmix, resample, encode, base64) vs the ffmpeg command
line doing the same conversion (plus base64). Peak memory for a 20 MB upload: a child process
prepares it and reports its peak RSS (VmHWM) above its idle peak (imports done, upload read).
"""

from __future__ import annotations

import base64
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import PY, ROOT, App, Figure, Sandbox, clean_env, median

ROUNDS = 3

MEMORY_PROBE = r"""
import json, resource, sys
from playground.audio import VoiceSample, ffmpeg_exe

def hwm_kb():  # VmHWM: this process's peak RSS (ru_maxrss can carry the parent's peak across exec)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

ffmpeg_exe()
data = open(sys.argv[1], "rb").read()
idle = hwm_kb()
uri = VoiceSample(data, filename="upload.wav").converted("mp3", sample_rate=24000, channels=1).data_uri()
peak = hwm_kb()
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"idle_kb": idle, "peak_kb": peak, "ffmpeg_kb": child,
                  "uri_bytes": len(uri), "upload_bytes": len(data)}))
"""


def stereo_wav(seconds: float, rate: int = 48000) -> bytes:
    from playground.audio import wrap_pcm

    t = np.arange(int(seconds * rate)) / rate
    left = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.7 * t))
    right = 0.3 * np.sin(2 * np.pi * 330 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    pcm = (np.stack([left, right], axis=1) * 32767).astype("<i2").tobytes()
    return wrap_pcm(pcm, rate, 2)


def with_service(data: bytes) -> str:
    from playground.audio import VoiceSample

    return VoiceSample(data, filename="upload.wav").converted("mp3", sample_rate=24000, channels=1).data_uri()


def with_cli(path: Path) -> str:
    from playground.audio import ffmpeg_exe

    out = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-ac",
            "1",
            "-ar",
            "24000",
            "-c:a",
            "libmp3lame",
            "-f",
            "mp3",
            "pipe:1",
        ],
        capture_output=True,
        check=True,
    )
    return "data:audio/mpeg;base64," + base64.b64encode(out.stdout).decode("ascii")


def run(sandbox: Sandbox | None = None, app: App | None = None) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="vcp-bench-audio-") as tmp:
        return _measure(Path(tmp))


def _measure(tmp: Path) -> list[Figure]:
    wav = tmp / "sixty.wav"
    wav.write_bytes(stereo_wav(60))
    data = wav.read_bytes()
    with_service(data), with_cli(wav)  # warm the page cache and ffmpeg
    svc, cli = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        uri = with_service(data)
        svc.append(time.perf_counter() - start)
        start = time.perf_counter()
        with_cli(wav)
        cli.append(time.perf_counter() - start)
    assert uri.startswith("data:audio/mpeg;base64,")
    ratio = median(svc) / median(cli)

    big = tmp / "twenty-mb.wav"
    big.write_bytes(stereo_wav(20 * 1024 * 1024 / (48000 * 4)))
    probe = subprocess.run(
        [PY, "-c", MEMORY_PROBE, str(big)], cwd=ROOT, env=clean_env(), capture_output=True, text=True, check=True
    )
    mem = json.loads(probe.stdout.strip().splitlines()[-1])
    above_mb = (mem["peak_kb"] - mem["idle_kb"]) / 1024
    return [
        Figure(
            "audio prep: 60 s 48 kHz stereo WAV -> 24 kHz mono mp3 data URI, service / ffmpeg CLI",
            f"{ratio:.2f}x",
            "<= 1.2x",
            ratio <= 1.2,
            f"median of {ROUNDS}: VoiceSample {median(svc):.3f} s, ffmpeg CLI {median(cli):.3f} s",
        ),
        Figure(
            "audio prep: peak memory for a 20 MB upload, above idle",
            f"{above_mb:.0f} MB",
            "< 200 MB",
            above_mb < 200,
            f"python process peak {mem['peak_kb'] / 1024:.0f} MB (idle {mem['idle_kb'] / 1024:.0f} MB);"
            f" ffmpeg child peak {mem['ffmpeg_kb'] / 1024:.0f} MB;"
            f" upload {mem['upload_bytes'] / 1e6:.1f} MB",
        ),
    ]
