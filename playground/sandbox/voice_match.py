"""The sandbox's "clone" follows the reference: an uploaded sample's pitch and spectral envelope
pick the eSpeak NG variant and pitch closest to it, and that choice is kept with the voice id.

So in the sandbox a cloned voice sounds (and scores) closer to its reference than an unrelated
system voice, and the Arena's numbers are not flat. The simulators call `register(voice_id, audio)`
when they create a voice (or see an inline reference); `speech.variant_for` asks
`voice_memory.lookup(voice_id)` first (voice_memory.py keeps the choices). Matching: every variant is
rendered once at three pitches (about 0.6 s, the first time only); a candidate's distance is its
fundamental-frequency gap in octaves plus its band-energy gap.
"""

from __future__ import annotations

import collections
import itertools
import math
import threading
from functools import lru_cache

import numpy as np

from playground.sandbox import voice_memory

CALIBRATION_TEXT = "Hello, this is a short calibration sentence for the sandbox voices."
CALIBRATION_PITCHES = (15, 50, 85)
RATE = 16000
_CAL_PREFIX = voice_memory.CAL_PREFIX
lookup = voice_memory.lookup  # the simulators ask here too
_remember = voice_memory.remember


# -- features ----------------------------------------------------------------------------------
def _mono16k(audio: bytes) -> np.ndarray | None:
    from playground.audio import VoiceSample

    try:
        seg = VoiceSample(data=audio).segment.set_channels(1).set_frame_rate(RATE).set_sample_width(2)
    except Exception:  # a sample the simulator could not decode keeps the hash-based voice
        return None
    x = np.frombuffer(seg.raw_data, dtype=np.int16).astype(np.float64) / 32768.0
    return x if len(x) > RATE // 4 else None


def _frames(x: np.ndarray, size: int, hop: int) -> np.ndarray:
    n = 1 + max(0, (len(x) - size) // hop)
    idx = np.arange(size)[None, :] + hop * np.arange(n)[:, None]
    return x[np.minimum(idx, len(x) - 1)]


def fundamental_hz(x: np.ndarray) -> float | None:
    """Median F0 of the voiced 40 ms frames (normalized autocorrelation, 60-420 Hz)."""
    frames = _frames(x, int(0.04 * RATE), int(0.02 * RATE))
    energy = (frames**2).mean(axis=1)
    voiced = frames[energy > max(1e-6, 0.1 * float(np.percentile(energy, 90)))]
    lo, hi = int(RATE / 420), int(RATE / 60)
    f0s = []
    for frame in voiced[:400]:
        frame = frame - frame.mean()
        spec = np.fft.rfft(frame, n=2 * len(frame))
        ac = np.fft.irfft(spec * np.conj(spec))[: len(frame)]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0]
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.45:
            f0s.append(RATE / lag)
    return float(np.median(f0s)) if len(f0s) >= 5 else None


def band_profile(x: np.ndarray, bands: int = 24) -> np.ndarray:
    """Mean log energy in log-spaced bands from 100 Hz to 7 kHz, with its mean removed."""
    frames = _frames(x, 512, 256) * np.hanning(512)
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).mean(axis=0)
    freqs = np.fft.rfftfreq(512, 1 / RATE)
    edges = np.geomspace(100, 7000, bands + 1)
    out = np.array([power[(freqs >= a) & (freqs < b)].sum() + 1e-12 for a, b in itertools.pairwise(edges)])
    out = 10 * np.log10(out)
    return out - out.mean()


@lru_cache(maxsize=1)
def _calibration() -> list[tuple[str, int, float, np.ndarray]]:
    from playground.sandbox import speech

    table = []
    for variant in speech._VARIANTS:
        for pitch in CALIBRATION_PITCHES:
            pcm = speech.synthesize_pcm(CALIBRATION_TEXT, f"{_CAL_PREFIX}{variant}:{pitch}", 1.0)
            x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64) / 32768.0
            x = np.interp(np.arange(0, len(x), speech.ESPEAK_RATE / RATE), np.arange(len(x)), x)
            f0 = fundamental_hz(x)
            if f0:
                table.append((variant, pitch, f0, band_profile(x)))
    return table


def warm_in_background() -> None:
    """Render the calibration table in a daemon thread (once per process)."""
    if _calibration.cache_info().currsize == 0:
        threading.Thread(target=_calibration, name="vcp-voice-match-warm", daemon=True).start()


def choose(x: np.ndarray) -> tuple[str, int] | None:
    """The (variant, pitch) nearest to a recording; None when it has no measurable pitch."""
    f0 = fundamental_hz(x)
    if f0 is None:
        return None
    profile = band_profile(x)
    best, best_cost = None, math.inf
    by_variant: dict[str, list[tuple[int, float, np.ndarray]]] = collections.defaultdict(list)
    for variant, pitch, cal_f0, cal_profile in _calibration():
        by_variant[variant].append((pitch, cal_f0, cal_profile))
    for variant, rows in by_variant.items():
        rows.sort()
        pitches = [p for p, _, _ in rows]
        logs = [math.log2(f) for _, f, _ in rows]
        if len(rows) < 2 or logs[-1] <= logs[0]:
            continue
        # the pitch setting that reaches the sample's F0 (linear in log F0), held to 0..100
        target = math.log2(f0)
        setting = float(np.interp(target, logs, pitches))
        slope = (pitches[-1] - pitches[0]) / (logs[-1] - logs[0])
        setting = pitches[0] + (target - logs[0]) * slope if not logs[0] <= target <= logs[-1] else setting
        pitch = round(min(100.0, max(0.0, setting)))
        reach = float(np.interp(pitch, pitches, logs))
        envelope = float(np.mean([np.abs(p - profile).mean() for _, _, p in rows]))
        cost = abs(reach - target) * 12 + envelope  # a semitone weighs as much as 1 dB of envelope
        if cost < best_cost:
            best, best_cost = (variant, pitch), cost
    return best


def match(audio: bytes) -> tuple[str, int] | None:
    """The (variant, pitch) nearest to an audio file's voice, or None."""
    x = _mono16k(audio)
    return choose(x) if x is not None else None


def remember(voice: str, choice: tuple[str, int] | None) -> None:
    """Keep a match (e.g. made when the clone's source file was uploaded) with the voice id."""
    if voice and choice is not None:
        _remember(voice, tuple(choice))  # type: ignore[arg-type]


def register(voice: str, audio: bytes) -> tuple[str, int] | None:
    """Match a created voice to its sample; the choice is used whenever that voice speaks."""
    choice = match(audio)
    remember(voice, choice)
    return choice
