"""The shared audio service on generated audio."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from playground import audio
from playground.errors import AudioInputError
from tests.conftest import ROOT, speech_wav, tone_wav

LIMITS = {
    "label": "sample",
    "min_duration_s": 1.0,
    "max_duration_s": 30.0,
    "max_bytes": 5_000_000,
    "formats": ["mp3", "wav"],
    "convert_to": "mp3",
}


@pytest.fixture(scope="module")
def wav() -> audio.VoiceSample:
    return audio.VoiceSample(speech_wav(), filename="voice.wav")


@pytest.mark.parametrize("fmt", ["mp3", "opus", "m4a", "flac", "webm", "aac", "wav"])
def test_real_format_is_sniffed_from_the_bytes_not_the_name(wav, fmt):
    converted = wav.converted(fmt)
    assert audio.sniff_format(converted.data) == fmt
    renamed = audio.VoiceSample(converted.data, filename="lies.txt")
    assert renamed.format == fmt and renamed.info.duration_s == pytest.approx(wav.info.duration_s, abs=0.15)


def test_data_uri_carries_the_real_mime_and_round_trips(wav):
    mp3 = wav.converted("mp3")
    uri = mp3.data_uri()
    assert uri.startswith("data:audio/mpeg;base64,")
    mime, data = audio.parse_data_uri(uri)
    assert mime == "audio/mpeg" and data == mp3.data
    assert wav.data_uri().startswith("data:audio/wav;base64,")


def test_multipart_part_is_filename_bytes_mime(wav):
    name, data, mime = wav.converted("m4a").multipart()
    assert name == "voice.m4a" and mime == "audio/mp4" and data[4:8] == b"ftyp"


def test_prepared_converts_to_an_accepted_format_and_notes_it(wav):
    flac = wav.converted("flac")
    ready = flac.prepared(LIMITS, "Provider")
    assert ready.format == "mp3" and any("from flac to mp3" in n for n in ready.notes)
    assert wav.prepared(LIMITS, "Provider") is wav  # accepted as is


@pytest.mark.parametrize(
    "data,expect",
    [
        (b"", "empty"),
        (tone_wav(2, amplitude=0.0), "silent"),
        (tone_wav(2, amplitude=0.0005), "silent"),
        (b"not audio at all" * 100, "could not be read"),
        (tone_wav(0.4), "too short"),
        (tone_wav(31), "too long"),
    ],
)
def test_bad_samples_get_a_clear_message(data, expect):
    with pytest.raises(AudioInputError) as exc:
        audio.VoiceSample(data).prepared(LIMITS, "Provider")
    assert expect in exc.value.user_message()


def test_too_large_after_conversion_is_refused():
    with pytest.raises(AudioInputError, match="MB"):
        audio.VoiceSample(tone_wav(20, rate=48000, channels=2)).prepared({**LIMITS, "max_bytes": 100_000}, "Provider")


def test_stereo_and_rates_are_reported(wav):
    info = audio.VoiceSample(tone_wav(2, rate=48000, channels=2)).info
    assert (info.sample_rate, info.channels) == (48000, 2) and info.duration_s == pytest.approx(2.0, abs=0.01)
    assert info.peak_dbfs > -10


def test_pcm_is_wrapped_so_it_plays():
    pcm = b"\x00\x10" * 24000
    out = audio.SpeechAudio(pcm, "pcm", 24000)
    assert out.extension == "wav" and audio.sniff_format(out.playable()) == "wav"
    seg = audio.decode(out.playable())
    assert seg.frame_rate == 24000 and len(seg) == 1000
    mp3 = audio.SpeechAudio(b"ID3xxxx", "mp3")
    assert mp3.playable() == b"ID3xxxx"  # other formats pass unchanged


SCRIPT = textwrap.dedent("""
    import sys; sys.path.insert(0, {root!r})
    import shutil
    from playground import audio
    print("ffmpeg on PATH:", shutil.which("ffmpeg"), "ffprobe on PATH:", shutil.which("ffprobe"))
    src = audio.VoiceSample(open({wav!r}, "rb").read())
    for fmt in ("mp3", "m4a", "webm", "opus", "flac"):
        other = src.converted(fmt)
        back = audio.VoiceSample(other.data)
        assert back.info.duration_s > 1, fmt
        assert back.prepared({{"formats": ["mp3"], "convert_to": "mp3"}}, "P").format == "mp3"
    import gradio as gr
    out = gr.Audio().postprocess(src.converted("mp3").data)  # the player gets bytes: never probed
    assert out.path.endswith(".mp3"), out
    print("ok")
""")


@pytest.mark.parametrize("situation", ["no ffmpeg at all", "ffmpeg without ffprobe"])
def test_audio_works_without_ffprobe(tmp_path, situation):
    """pip-only machines: no system ffmpeg, or an ffmpeg on PATH with no ffprobe beside it."""
    wav = tmp_path / "in.wav"
    wav.write_bytes(speech_wav())
    bindir = tmp_path / "bin"
    bindir.mkdir()
    if situation == "ffmpeg without ffprobe":
        import imageio_ffmpeg

        os.symlink(imageio_ffmpeg.get_ffmpeg_exe(), bindir / "ffmpeg")
    env = {**os.environ, "PATH": str(bindir), "GRADIO_ANALYTICS_ENABLED": "False"}
    script = SCRIPT.format(root=str(ROOT), wav=str(wav))
    proc = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning:pydub.utils", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("ok")
    assert "ffprobe on PATH: None" in proc.stdout
