"""Audio for scripts: one line's takes -> loudness-matched mono PCM with its silences trimmed; tempo
without pitch change (ffmpeg atempo); the track laid out at exact sample offsets and encoded once;
subtitles (pysubs2) and the zip of per-line files.

Decoding goes through playground.audio.decode (ffmpeg, bounded by audio_limits), joining neighbours
of a split line through longtext.stitch; tempo and mp3 encoding run ffmpeg. Blocking: call from a
thread. No Gradio here.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pysubs2

from playground import audio, compare, longtext
from playground.errors import AudioInputError
from playground.scripts.parse import limits

FRAME_MS = 5


def rate() -> int:
    return int(limits()["track_rate"])


def seconds(pcm: np.ndarray) -> float:
    return len(pcm) / rate()


def silence(duration_s: float) -> np.ndarray:
    return np.zeros(max(0, round(duration_s * rate())), dtype=np.int16)


def voiced_bounds(pcm: np.ndarray, threshold_dbfs: float | None = None) -> tuple[int, int] | None:
    """(first, last+1) sample of the 5 ms frames louder than the threshold, None when all is silent."""
    threshold = float(limits()["silence_dbfs"] if threshold_dbfs is None else threshold_dbfs)
    per = max(1, rate() * FRAME_MS // 1000)
    n = len(pcm) // per
    if n == 0:
        return None
    frames = pcm[: n * per].astype(np.float64).reshape(n, per) / 32768.0
    level = 10 * np.log10(np.maximum((frames**2).mean(axis=1), 1e-12))
    loud = np.nonzero(level > threshold)[0]
    if len(loud) == 0:
        return None
    return int(loud[0]) * per, min(len(pcm), (int(loud[-1]) + 1) * per)


def trimmed(pcm: np.ndarray) -> np.ndarray:
    """The take without its leading and trailing silence (so gaps and starts are what was asked)."""
    bounds = voiced_bounds(pcm)
    if bounds is None:
        raise AudioInputError("The provider returned silence for this line.", hint="Retry the line.")
    return pcm[bounds[0] : bounds[1]]


def line_pcm(takes: list[bytes]) -> tuple[np.ndarray, float | None]:
    """One line's takes (several when the line was split) -> (trimmed mono 16-bit PCM at the track
    rate, loudness-matched to compare.TARGET_LUFS; the measured loudness)."""
    stitched = longtext.stitch(takes, "wav", rate=rate())
    seg = audio.AudioSegment(data=stitched.pcm, sample_width=2, frame_rate=rate(), channels=1)
    wav, lufs, _ = compare.loudness_matched(seg)
    pcm = np.frombuffer(audio.decode(wav).raw_data, dtype=np.int16)
    return trimmed(pcm), lufs


def tempo(pcm: np.ndarray, factor: float) -> np.ndarray:
    """Faster by `factor` (1.0-2.0) without changing pitch: ffmpeg's atempo; re-trimmed."""
    if factor <= 1.0001:
        return pcm
    data = pcm.astype("<i2").tobytes()
    proc = audio.pipe_raw(data, "s16le", rate(), 1, ["-f", "s16le"], [f"atempo={factor:.4f}"])
    if proc.returncode != 0 or not proc.stdout:
        raise AudioInputError("The tempo change failed for this line.", hint="Retry the line.")
    return trimmed(np.frombuffer(proc.stdout, dtype="<i2").astype(np.int16))


def lay_out(length_s: float, placed: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """A silent track of at least `length_s` with each piece at its start (pieces never overlap)."""
    end = max([length_s] + [start + seconds(pcm) for start, pcm in placed])
    track = np.zeros(round(end * rate()) + 1, dtype=np.int16)
    for start, pcm in placed:
        at = round(start * rate())
        track[at : at + len(pcm)] = pcm
    return track[: max(round(end * rate()), 1)]


def encode(pcm: np.ndarray, fmt: str) -> bytes:
    """The track as WAV (exact samples) or mp3 (ffmpeg)."""
    raw = pcm.astype("<i2").tobytes()
    if fmt == "wav":
        return audio.wrap_pcm(raw, rate())
    return audio.encode(audio.AudioSegment(data=raw, sample_width=2, frame_rate=rate(), channels=1), fmt)


def srt(entries: list[tuple[float, float, str]]) -> str:
    """SubRip text of (start s, end s, text)."""
    subs = pysubs2.SSAFile()
    for start, end, text in entries:
        subs.append(pysubs2.SSAEvent(start=round(start * 1000), end=round(end * 1000), text=text))
    return subs.to_string("srt")


def zip_bytes(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # PCM barely compresses: spare the CPU
        for name, data in files:
            zf.writestr(name, data)
    return buf.getvalue()
