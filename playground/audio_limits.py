"""What one decode may cost, whoever sends the audio: limits, and a cheap header probe.

`playground.audio.decode` asks `probe` (ffmpeg reads only the start of the file and decodes
nothing) and `refuse_over_limits` before decoding, then lets ffmpeg stop at `allowed_seconds`.
"""

from __future__ import annotations

import os
import re
import subprocess

from playground.errors import AudioInputError

# What one decode may cost, whoever sends the audio (settings, read per call):
#   PLAYGROUND_AUDIO_MAX_S         longest audio decoded (600 s); ffmpeg stops just past it
#   PLAYGROUND_AUDIO_MAX_CHANNELS  most channels accepted (6); output is at most stereo
#   PLAYGROUND_AUDIO_MAX_RATE_HZ   highest sample rate accepted (192000)
# and at most 600 s of 48 kHz stereo worth of samples (110 MB of PCM): 96 kHz stereo stops at 300 s.
# A header probe (ffmpeg reading only the start of the file) refuses what is over a limit before
# any decoding; the decode itself is cut at the limit, so a header that lies costs at most that much.
OUT_MAX_CHANNELS = 2
SAMPLE_BUDGET = 600 * 48000 * 2
_PROBE = re.compile(r"Audio: [^,]+, (\d+) Hz, ([^,]+),")
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_LAYOUT_CHANNELS = {
    "mono": 1,
    "stereo": 2,
    "downmix": 2,
    "2.1": 3,
    "3.0": 3,
    "3.0(back)": 3,
    "4.0": 4,
    "quad": 4,
    "quad(side)": 4,
    "3.1": 4,
    "4.1": 5,
    "5.0": 5,
    "5.0(side)": 5,
    "5.1": 6,
    "5.1(side)": 6,
    "6.0": 6,
    "6.0(front)": 6,
    "hexagonal": 6,
    "6.1": 7,
    "6.1(back)": 7,
    "6.1(front)": 7,
    "7.0": 7,
    "7.0(front)": 7,
    "7.1": 8,
    "7.1(wide)": 8,
    "7.1(wide-side)": 8,
    "octagonal": 8,
    "hexadecagonal": 16,
    "22.2": 24,
}


def _limit(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


def max_seconds() -> float:
    return _limit("PLAYGROUND_AUDIO_MAX_S", 600)


def _channels_of(layout: str) -> int | None:
    layout = layout.strip()
    match = re.fullmatch(r"(\d+) channels(?: \(.*\))?", layout)
    return int(match.group(1)) if match else _LAYOUT_CHANNELS.get(layout)


def allowed_seconds(rate: int | None, channels: int | None) -> float:
    """The longest audio of this rate and channel count one decode takes."""
    samples_per_s = (rate or 48000) * min(channels or OUT_MAX_CHANNELS, OUT_MAX_CHANNELS)
    return min(max_seconds(), SAMPLE_BUDGET / samples_per_s)


def refuse_over_limits(rate: int | None, channels: int | None, duration_s: float | None) -> None:
    max_ch = int(_limit("PLAYGROUND_AUDIO_MAX_CHANNELS", 6))
    max_rate = int(_limit("PLAYGROUND_AUDIO_MAX_RATE_HZ", 192000))
    max_s = allowed_seconds(rate, channels)
    if channels is not None and channels > max_ch:
        raise AudioInputError(
            f"The audio has {channels} channels; this app takes at most {max_ch}.",
            hint="Export it as mono or stereo and try again.",
        )
    if rate is not None and rate > max_rate:
        raise AudioInputError(
            f"The audio is sampled at {rate:,} Hz; this app takes at most {max_rate:,} Hz.",
            hint="Export it at 48 kHz or lower (44.1 kHz is fine) and try again.",
        )
    if duration_s is not None and duration_s > max_s:
        raise AudioInputError(
            f"The audio lasts {duration_s:.0f} s; this app takes at most {max_s:.0f} s"
            + (f" at {rate:,} Hz." if max_s < max_seconds() else "."),
            hint="Trim it to the part you need and try again.",
        )


def probe(ffmpeg: str, path: str | os.PathLike) -> tuple[int | None, int | None, float | None]:
    """(sample rate, channels, duration in s) from the file's header, None where not stated.
    Cheap: ffmpeg reads only the start of the file and decodes nothing."""
    proc = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-probesize", "1000000", "-i", str(path)],
        capture_output=True,
        timeout=30,
        check=False,
    )
    text = proc.stderr.decode("utf-8", "replace")
    rate = channels = duration = None
    match = _PROBE.search(text)
    if match:
        rate, channels = int(match.group(1)), _channels_of(match.group(2))
    match = _DURATION.search(text)
    if match:
        duration = int(match.group(1)) * 3600 + int(match.group(2)) * 60 + float(match.group(3))
    return rate, channels, duration
