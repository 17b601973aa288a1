"""Signal features in numpy, matching librosa 0.11 (no librosa, numba or llvmlite here).

- `power_spectrogram`: librosa.stft(center=True, pad_mode="constant", periodic Hann), |X|^2.
- `mel_filters`: librosa.filters.mel (Slaney mel scale, Slaney area normalisation), float32.
- `melspectrogram`: the two combined, as librosa.feature.melspectrogram(power=2.0).
- `power_to_db`: librosa.power_to_db(ref=np.max, amin=1e-10, top_db=80).
- `resample`: band-limited FFT resampling (the GE2E and DNSMOS models both want 16 kHz).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

_F_SP = 200.0 / 3  # Slaney mel scale: linear below 1 kHz, logarithmic above
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = math.log(6.4) / 27.0


def hz_to_mel(f: np.ndarray | float) -> np.ndarray:
    f = np.asanyarray(f, dtype=np.float64)
    mels = f / _F_SP
    log = f >= _MIN_LOG_HZ
    return np.where(log, _MIN_LOG_MEL + np.log(np.maximum(f, 1e-300) / _MIN_LOG_HZ) / _LOGSTEP, mels)


def mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asanyarray(m, dtype=np.float64)
    return np.where(m >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL)), _F_SP * m)


@lru_cache(maxsize=8)
def mel_filters(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """(n_mels, 1 + n_fft // 2) float32, fmin 0, fmax sr / 2."""
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sr / 2.0), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    weights.flags.writeable = False
    return weights


@lru_cache(maxsize=8)
def _hann(n: int) -> np.ndarray:
    w = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)).astype(np.float32)  # periodic
    w.flags.writeable = False
    return w


def power_spectrogram(y: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """(1 + n_fft // 2, frames) float32 power spectrogram of a float32 signal."""
    y = np.asarray(y, dtype=np.float32)
    pad = n_fft // 2
    y = np.pad(y, (pad, pad), mode="constant")
    n_frames = 1 + (len(y) - n_fft) // hop
    frames = np.lib.stride_tricks.as_strided(
        y, shape=(n_frames, n_fft), strides=(y.strides[0] * hop, y.strides[0]), writeable=False
    )
    spec = np.fft.rfft(frames * _hann(n_fft), axis=1)
    return (spec.real**2 + spec.imag**2).astype(np.float32).T


def melspectrogram(y: np.ndarray, sr: int, n_fft: int, hop: int, n_mels: int) -> np.ndarray:
    """(n_mels, frames) float32, as librosa.feature.melspectrogram(power=2.0)."""
    return mel_filters(sr, n_fft, n_mels) @ power_spectrogram(y, n_fft, hop)


def power_to_db(s: np.ndarray, top_db: float = 80.0, amin: float = 1e-10) -> np.ndarray:
    log_spec = 10.0 * np.log10(np.maximum(amin, s))
    log_spec -= 10.0 * np.log10(max(amin, float(np.max(s))))
    return np.maximum(log_spec, log_spec.max() - top_db)


def _smooth(n: int) -> bool:
    for p in (2, 3, 5, 7, 11):
        while n % p == 0:
            n //= p
    return n == 1


def _fast_multiple(n: int, step: int) -> int:
    """The smallest multiple of `step` >= n whose factors pocketfft handles fast (<= 11)."""
    k = -(-n // step)
    while not _smooth(k):
        k += 1
    return k * step if _smooth(step) else -(-n // step) * step


def resample(x: np.ndarray, sr: int, target: int) -> np.ndarray:
    """Band-limited resampling by FFT (zero-padded to damp wrap-around), float32 out."""
    x = np.asarray(x, dtype=np.float64)
    if sr == target or len(x) == 0:
        return x.astype(np.float32)
    g = math.gcd(sr, target)
    n_out = round(len(x) * target / sr)
    pad = sr // 10  # 100 ms of silence on each side against circular artefacts
    n_in = _fast_multiple(len(x) + 2 * pad, sr // g)  # maps to a whole number of output samples
    n_res = n_in * target // sr
    spec = np.fft.rfft(np.pad(x, (pad, n_in - len(x) - pad)))
    keep = min(len(spec), n_res // 2 + 1)
    out_spec = np.zeros(n_res // 2 + 1, dtype=complex)
    out_spec[:keep] = spec[:keep]
    if keep == n_res // 2 + 1 and n_res % 2 == 0 and target < sr:
        out_spec[-1] = out_spec[-1].real  # Nyquist bin of the shorter signal
    y = np.fft.irfft(out_spec, n=n_res) * (n_res / n_in)
    start = pad * target // sr
    return y[start : start + n_out].astype(np.float32)
