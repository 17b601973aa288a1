"""The signal-level scores: speaker embeddings and similarity, DNSMOS, with the CPU kept in check.

Inputs are PCM arrays at any rate: int16 or float, mono or (frames, channels). Everything is
mixed to mono and resampled to 16 kHz before the models see it. The matrix products run with one
BLAS thread (extra BLAS threads only burn CPU waiting for each other on these small products).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy as np

from playground.errors import AudioInputError
from playground.scoring import ge2e, quality
from playground.scoring.features import resample

SAMPLE_RATE = 16000
MIN_HALF_S = 2.0  # each half of the reference, in seconds of speech, for a self-similarity

_blas_lock = threading.Lock()
_blas_limited = False


@contextmanager
def one_blas_thread():
    """From the first score on, BLAS runs on one thread in this process, for good.

    Measured here: the GE2E forward pass of a 10 s take costs 0.13 s of CPU on one BLAS thread and
    1.5 s on two (the second thread mostly spins). The limit is set once and never restored:
    setting it again after a restore, from a worker thread, was seen not to take effect."""
    global _blas_limited
    if not _blas_limited:
        with _blas_lock:
            if not _blas_limited:
                try:
                    from threadpoolctl import threadpool_limits

                    threadpool_limits(limits=1, user_api="blas")
                except Exception:  # noqa: BLE001 - only a speed matter
                    pass
                _blas_limited = True
    yield


def mono16k(pcm: np.ndarray, sample_rate: int) -> np.ndarray:
    x = np.asarray(pcm)
    if x.dtype.kind in "iu":
        x = x.astype(np.float32) / float(np.iinfo(x.dtype).max + 1)
    x = x.astype(np.float32, copy=False)
    if x.ndim == 2:
        x = x.mean(axis=1)
    if x.ndim != 1:
        raise AudioInputError("The audio must be mono or (frames, channels) samples.")
    return resample(x, int(sample_rate), SAMPLE_RATE)


def speech_16k(pcm: np.ndarray, sample_rate: int) -> np.ndarray:
    """GE2E-preprocessed speech (volume normalised, long silences cut) at 16 kHz."""
    return ge2e.preprocess(mono16k(pcm, sample_rate))


def dnsmos_16k(wav: np.ndarray) -> tuple[float, float]:
    with one_blas_thread():
        s = quality.scores(wav)
    return s["ovrl"], s["p808"]


def embed_speech(wav: np.ndarray) -> np.ndarray:
    if len(wav) == 0 or not np.any(wav):
        raise AudioInputError("The audio has no speech to compare.", hint="Record or choose a clip with speech.")
    with one_blas_thread():
        return ge2e.embed_preprocessed(wav)


def embed(pcm: np.ndarray, sample_rate: int) -> np.ndarray:
    """256-d unit vector (float32): resemblyzer's GE2E embedding of the utterance."""
    return embed_speech(speech_16k(pcm, sample_rate))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.clip(np.dot(a.astype(np.float64), b.astype(np.float64)), -1.0, 1.0))


def similarity(ref_pcm: np.ndarray, ref_sr: int, take_pcm: np.ndarray, take_sr: int) -> float:
    return cosine(embed(ref_pcm, ref_sr), embed(take_pcm, take_sr))


def self_similarity_of_speech(wav: np.ndarray) -> float | None:
    half = len(wav) // 2
    if half < MIN_HALF_S * SAMPLE_RATE:
        return None
    return cosine(embed_speech(wav[:half]), embed_speech(wav[half:]))


def self_similarity(pcm: np.ndarray, sr: int) -> float | None:
    """Similarity between the two halves of the speech; None when a half has under 2 s of it."""
    return self_similarity_of_speech(speech_16k(pcm, sr))


def dnsmos(pcm: np.ndarray, sr: int) -> tuple[float, float]:
    """(OVRL, P.808 MOS), both 1..5."""
    return dnsmos_16k(mono16k(pcm, sr))
