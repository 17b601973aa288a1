"""Runtime parity: the audio and live-stream tests pass with both ffmpeg builds the app may use.

playground/audio.py takes the system ffmpeg when one is on PATH, else the imageio-ffmpeg wheel's.
This run already uses one of them; this test re-runs tests/unit/test_audio.py and test_live.py in a
subprocess with the OTHER one first on PATH, so one `python -m pytest` covers both (CI installs
Debian's ffmpeg 5.1; the wheel ships a recent build).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playground.audio import ffmpeg_exe

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_FFMPEG = "/usr/bin/ffmpeg"


def _wheel_ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _other_ffmpeg() -> tuple[str, str] | None:
    """(label, path) of the ffmpeg this process does not use, or None if there is no other."""
    current = os.path.realpath(ffmpeg_exe())
    wheel = _wheel_ffmpeg()
    if current != os.path.realpath(wheel):
        return "the imageio-ffmpeg wheel's", wheel
    system = shutil.which("ffmpeg", path=os.defpath + ":/usr/local/bin") or SYSTEM_FFMPEG
    if os.path.exists(system) and os.path.realpath(system) != current:
        return "the system's", system
    return None


def _version(exe: str) -> str:
    out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30, check=False).stdout
    return out.splitlines()[0] if out else "?"


def test_audio_and_live_tests_pass_with_the_other_ffmpeg(tmp_path):
    other = _other_ffmpeg()
    if other is None:
        pytest.skip("only one ffmpeg on this machine (install Debian's ffmpeg to test both)")
    label, exe = other
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(exe, bindir / "ffmpeg")
    probe = Path(exe).with_name("ffprobe")
    if probe.exists():
        os.symlink(probe, bindir / "ffprobe")
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    check = subprocess.run(
        [sys.executable, "-c", "from playground.audio import ffmpeg_exe; print(ffmpeg_exe())"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert os.path.realpath(check.stdout.strip()) == os.path.realpath(exe), check.stderr[-1000:]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-x",
            "tests/unit/test_audio.py",
            "tests/unit/test_live.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"with {label} ffmpeg ({_version(exe)}):\n" + proc.stdout[-4000:] + proc.stderr[-2000:]
