"""Deterministic 16 kHz test signals for the arena scores, shared by the unit tests and the one-off
script that pinned tests/unit/scoring_expected.json against the original resemblyzer 0.1.4
(torch) and speechmos 0.0.1.1 (librosa 0.11) in a separate, temporary venv.

Speech comes from the sandbox's eSpeak NG (pinned wheel: same text -> same samples); noise from an
integer hash, not a random generator whose stream could change between numpy versions.
"""

from __future__ import annotations

import numpy as np

from playground.sandbox.speech import ESPEAK_RATE, synthesize_pcm
from playground.scoring.features import resample

SENTENCES = {
    "anna": "The quick brown fox jumps over the lazy dog, while a calm voice reads this sample aloud.",
    "david": "Every clone should sound like its speaker, and every word of the script should be heard.",
}


def speech(voice: str, text: str | None = None) -> np.ndarray:
    pcm = np.frombuffer(synthesize_pcm(text or SENTENCES[voice], voice), dtype="<i2").astype(np.float32) / 32768
    return resample(pcm, ESPEAK_RATE, 16000)


def tone(seconds: float = 3.0) -> np.ndarray:
    """A voiced-like harmonic tone with vibrato and syllable-rate amplitude changes."""
    t = np.arange(int(seconds * 16000)) / 16000
    f0 = 140 + 12 * np.sin(2 * np.pi * 5.5 * t)
    phase = 2 * np.pi * np.cumsum(f0) / 16000
    x = sum(np.sin(k * phase) / k for k in range(1, 12))
    return (0.08 * x * (0.55 + 0.45 * np.sin(2 * np.pi * 3.0 * t))).astype(np.float32)


def noise(n: int, seed: int = 1) -> np.ndarray:
    """Approximately Gaussian, unit variance, from an integer hash (exactly reproducible)."""
    i = np.arange(4 * n, dtype=np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B9)
    h = (i * np.uint64(2654435761)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(2246822519)) & np.uint64(0xFFFFFFFF)
    h ^= h >> np.uint64(13)
    u = h.astype(np.float64) / 2**32
    return ((u.reshape(4, n).sum(axis=0) - 2.0) * np.sqrt(3.0)).astype(np.float32)


def noisy(x: np.ndarray, snr_db: float = 5.0) -> np.ndarray:
    n = noise(len(x))
    gain = np.sqrt(np.mean(x.astype(np.float64) ** 2) / 10 ** (snr_db / 10))
    return np.clip(x + gain * n, -1, 1).astype(np.float32)


def clipped(x: np.ndarray) -> np.ndarray:
    peak = float(np.abs(x).max())
    return (np.clip(x * 12 / peak, -1, 1) * 0.5).astype(np.float32)


def _signals_here() -> dict[str, np.ndarray]:
    anna = speech("anna")
    return {
        "anna": anna,
        "david": speech("david"),
        "tone": tone(),
        "anna_noisy": noisy(anna),
        "anna_clipped": clipped(anna),
    }


def all_signals() -> dict[str, np.ndarray]:
    """The pinned signals, made in a fresh process: eSpeak NG carries state from one utterance to the
    next (phase and flutter accumulators), so its samples depend on what the process spoke before.
    A fresh process speaking anna then david is exactly what pin_reference.py pinned."""
    import io
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "import io, sys, numpy as np; from tests.unit.scoring_signals import _signals_here; "
        "buf = io.BytesIO(); np.savez(buf, **_signals_here()); sys.stdout.buffer.write(buf.getvalue())"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, check=True, timeout=120).stdout
    with np.load(io.BytesIO(out)) as data:
        return {name: data[name] for name in data.files}
