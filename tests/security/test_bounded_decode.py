"""Bounded decoding: audio over the duration, channel or sample-rate limits is refused from its
header (or cut by ffmpeg at the limit when the header does not say), quickly, with bounded memory,
off the event loop: every decode runs in a worker thread (checked directly, not by a timing), and a
trivial request is answered while the attack runs.

The app runs in this process (hosted mode, loopback); files are made by ffmpeg at test time."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from gradio_client import Client, handle_file

from playground import audio
from playground.errors import AudioInputError
from tests.conftest import hosted_app_url
from tests.security.conftest import lavfi_audio, message_of, no_traceback, peak_rss

MODEL = "FunAudioLLM/CosyVoice2-0.5B"


@pytest.fixture(scope="module")
def app(sandbox):
    with hosted_app_url(sandbox) as url:
        yield url


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-audio")
    return {
        "one hour of silence": lavfi_audio(folder / "hour.flac", rate=8000, layout="mono", seconds=3600),
        "one hour, no length in the header": lavfi_audio(
            folder / "hour-streamed.flac", rate=8000, layout="mono", seconds=3600, streamed=True
        ),
        "384 kHz 8 channels": lavfi_audio(folder / "wide.flac", rate=384000, layout="7.1", seconds=20),
        "384 kHz stereo": lavfi_audio(folder / "fast.flac", rate=384000, layout="stereo", seconds=20),
    }


EXPECTED = {
    "one hour of silence": "lasts 3600 s",
    "one hour, no length in the header": "longer than",
    "384 kHz 8 channels": "8 channels",
    "384 kHz stereo": "384,000 Hz",
}


@pytest.mark.parametrize("case", list(EXPECTED))
def test_hostile_audio_is_refused_by_the_decoder_itself(hostile, case):
    path = hostile[case]
    assert path.stat().st_size < 3 << 20
    with peak_rss() as mem, pytest.raises(AudioInputError) as exc:
        audio.decode(path.read_bytes())
    assert (
        EXPECTED[case] in exc.value.user_message() and "at most" in exc.value.user_message()
    ) or "longer than" in exc.value.user_message()
    assert exc.value.hint  # says what to do
    assert mem["peak_over_idle_mb"] < 300, mem


@pytest.mark.parametrize("case", list(EXPECTED))
def test_hostile_upload_is_refused_while_the_server_keeps_answering(app, hostile, case, monkeypatch):
    client = Client(app, verbose=False)
    outcome: dict = {}
    on_loop: list[bool] = []  # per decode: did it run on a thread with a running event loop?
    real_decode = audio._decode

    def watched(data, first_s):
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return real_decode(data, first_s)

    monkeypatch.setattr(audio, "_decode", watched)

    def attack():
        try:
            client.predict(
                handle_file(str(hostile[case])),
                "hostile",
                "Hello there.",
                MODEL,
                "multipart",
                True,
                "",
                api_name="/siliconflow_upload",
            )
            outcome["error"] = None
        except Exception as exc:
            outcome["error"] = message_of(exc)

    answered = 0
    with peak_rss() as mem:
        thread = threading.Thread(target=attack)
        thread.start()
        with httpx.Client(timeout=10) as http:  # a blocked server would time these out
            while thread.is_alive() or not answered:
                assert http.get(app + "theme.css").status_code == 200  # a trivial request
                answered += 1
        thread.join()
    text = outcome["error"]
    assert (text and EXPECTED[case] in text) or "longer than" in (text or ""), text
    assert no_traceback(text)
    assert on_loop and not any(on_loop), on_loop  # decoded, and never on the event loop's thread
    assert mem["peak_over_idle_mb"] < 300, mem


def test_ordinary_audio_still_decodes_and_keeps_its_rate(tmp_path):
    path = lavfi_audio(tmp_path / "ok.flac", rate=96000, layout="stereo", seconds=3)
    seg = audio.decode(path.read_bytes())
    assert seg.frame_rate == 96000 and seg.channels == 2 and abs(len(seg) - 3000) < 50
    six = lavfi_audio(tmp_path / "six.flac", rate=48000, layout="5.1", seconds=2)
    assert audio.decode(six.read_bytes()).channels == 2  # more than stereo is mixed down while decoding


MEMORY_PROBE = """
import resource, sys
sys.path.insert(0, {root!r})
from playground import audio
from playground.errors import AudioInputError
idle = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    audio.decode(open({path!r}, "rb").read())
    print("decoded")
except AudioInputError as exc:
    print("refused:", exc.user_message())
print("python_over_idle_mb", (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - idle) / 1024)
print("ffmpeg_peak_mb", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


@pytest.mark.parametrize("case", list(EXPECTED))
def test_the_ffmpeg_child_and_python_stay_bounded(hostile, case):
    """In a fresh process, so the peaks measured are this decode's own (ffmpeg children included)."""
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE.format(root=root, path=str(hostile[case]))],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if line.endswith(tuple("0123456789")))
    assert proc.stdout.startswith("refused:"), proc.stdout
    assert float(figures["python_over_idle_mb"]) < 300 and float(figures["ffmpeg_peak_mb"]) < 300, figures
