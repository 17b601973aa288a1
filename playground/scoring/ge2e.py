"""The GE2E speaker encoder of resemblyzer 0.1.4, forward pass in numpy (no torch).

Same steps as resemblyzer's `preprocess_wav` + `VoiceEncoder.embed_utterance`:
16 kHz mono -> volume raised (never lowered) to -30 dBFS -> long silences cut -> 40-band mel
power spectrogram (25 ms window, 10 ms hop) -> partial utterances of 160 frames (1.6 s), one
every 77 frames (rate 1.3/s, ~50 % overlap; a last partial kept when 75 % covered) -> 3-layer
LSTM(256) -> Linear(256) -> ReLU -> L2 norm per partial -> mean -> L2 norm.

One documented difference: resemblyzer cuts silences with webrtcvad (a C extension); here a
deterministic energy gate on the same 30 ms windows, with resemblyzer's smoothing (moving
average over 8 windows) and dilation (6 windows) decides what is voice.
Weights: vcp_scoring_models/ge2e.npz (see vendor/vcp-scoring-models), loaded once, lazily.
"""

from __future__ import annotations

import threading

import numpy as np

from playground.scoring.features import melspectrogram

SAMPLE_RATE = 16000
N_FFT, HOP, N_MELS = 400, 160, 40
PARTIAL_FRAMES = 160
RATE, MIN_COVERAGE = 1.3, 0.75
TARGET_DBFS = -30.0
VAD_WINDOW = 480  # 30 ms
VAD_AVERAGE, VAD_MAX_SILENCE = 8, 6
GATE_BELOW_LOUDEST_DB, GATE_FLOOR_DBFS = 40.0, -55.0
INT16_MAX = 2**15 - 1

_lock = threading.Lock()
_weights: dict[str, np.ndarray] | None = None


def weights() -> dict[str, np.ndarray]:
    """The encoder's weights (float32), read from the vendored package on first use."""
    global _weights
    if _weights is None:
        with _lock:
            if _weights is None:
                from vcp_scoring_models import GE2E_NPZ

                with np.load(GE2E_NPZ) as npz:
                    w = {k: np.ascontiguousarray(npz[k], dtype=np.float32) for k in npz.files}
                for layer in range(3):  # pre-transpose and fold the two biases
                    w[f"ih{layer}"] = np.ascontiguousarray(w[f"lstm_weight_ih_l{layer}"].T)
                    w[f"hh{layer}"] = np.ascontiguousarray(w[f"lstm_weight_hh_l{layer}"].T)
                    w[f"b{layer}"] = w[f"lstm_bias_ih_l{layer}"] + w[f"lstm_bias_hh_l{layer}"]
                w["lin"] = np.ascontiguousarray(w["linear_weight"].T)
                _weights = w
    return _weights


def normalize_volume(wav: np.ndarray) -> np.ndarray:
    """resemblyzer.audio.normalize_volume(wav, -30, increase_only=True)."""
    rms = np.sqrt(np.mean((wav.astype(np.float64) * INT16_MAX) ** 2))
    if rms <= 0:
        return wav
    change = TARGET_DBFS - 20 * np.log10(rms / INT16_MAX)
    return wav if change < 0 else (wav * (10 ** (change / 20))).astype(np.float32)


def trim_long_silences(wav: np.ndarray) -> np.ndarray:
    """Keep voiced 30 ms windows (energy gate instead of webrtcvad) and up to ~6 windows of
    silence around them, smoothed and dilated exactly as resemblyzer does."""
    wav = wav[: len(wav) - len(wav) % VAD_WINDOW]
    n = len(wav) // VAD_WINDOW
    if n == 0:
        return wav
    rms = np.sqrt(np.mean(wav.reshape(n, VAD_WINDOW).astype(np.float64) ** 2, axis=1))
    level = 20 * np.log10(np.maximum(rms, 1e-9))
    voice = level > max(GATE_FLOOR_DBFS, float(level.max()) - GATE_BELOW_LOUDEST_DB)
    width = VAD_AVERAGE  # resemblyzer's moving_average
    padded = np.concatenate((np.zeros((width - 1) // 2), voice.astype(float), np.zeros(width // 2)))
    ret = np.cumsum(padded, dtype=float)
    ret[width:] = ret[width:] - ret[:-width]
    mask = np.round(ret[width - 1 :] / width).astype(bool)
    span = VAD_MAX_SILENCE + 1  # scipy binary_dilation with np.ones(7): centred window
    left = span // 2
    full = np.convolve(mask.astype(int), np.ones(span, dtype=int), mode="full")
    dilated = full[span - 1 - left : span - 1 - left + n] > 0
    return wav[np.repeat(dilated, VAD_WINDOW)]


def preprocess(wav: np.ndarray) -> np.ndarray:
    return trim_long_silences(normalize_volume(np.asarray(wav, dtype=np.float32)))


def partial_slices(n_samples: int) -> list[slice]:
    """resemblyzer VoiceEncoder.compute_partial_slices (mel slices), default rate and coverage."""
    samples_per_frame = HOP
    n_frames = int(np.ceil((n_samples + 1) / samples_per_frame))
    frame_step = int(np.round((SAMPLE_RATE / RATE) / samples_per_frame))
    steps = max(1, n_frames - PARTIAL_FRAMES + frame_step + 1)
    slices = [slice(i, i + PARTIAL_FRAMES) for i in range(0, steps, frame_step)]
    last = slices[-1]
    coverage = (n_samples - last.start * samples_per_frame) / (PARTIAL_FRAMES * samples_per_frame)
    if coverage < MIN_COVERAGE and len(slices) > 1:
        slices = slices[:-1]
    return slices


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # exact identity, no overflow


def forward(mels: np.ndarray) -> np.ndarray:
    """(batch, frames, 40) float32 mels -> (batch, 256) L2-normed embeddings (VoiceEncoder.forward)."""
    w = weights()
    x = np.asarray(mels, dtype=np.float32)
    batch, steps, _ = x.shape
    h = np.zeros((batch, 256), dtype=np.float32)
    for layer in range(3):
        gates_x = x @ w[f"ih{layer}"] + w[f"b{layer}"]  # (batch, steps, 1024), all steps at once
        hh = w[f"hh{layer}"]
        h = np.zeros((batch, 256), dtype=np.float32)
        c = np.zeros((batch, 256), dtype=np.float32)
        outputs = np.empty((batch, steps, 256), dtype=np.float32) if layer < 2 else None
        for t in range(steps):
            g = gates_x[:, t] + h @ hh
            i, f, o = _sigmoid(g[:, :256]), _sigmoid(g[:, 256:512]), _sigmoid(g[:, 768:])
            c = f * c + i * np.tanh(g[:, 512:768])
            h = o * np.tanh(c)
            if outputs is not None:
                outputs[:, t] = h
        if outputs is not None:  # the last layer keeps only its final state h
            x = outputs
    raw = np.maximum(h @ w["lin"] + w["linear_bias"], 0.0)
    return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)


def embed_preprocessed(wav: np.ndarray) -> np.ndarray:
    """VoiceEncoder.embed_utterance on an already preprocessed 16 kHz float32 waveform."""
    wav = np.asarray(wav, dtype=np.float32)
    slices = partial_slices(len(wav))
    needed = slices[-1].stop * HOP
    if needed >= len(wav):
        wav = np.pad(wav, (0, needed - len(wav)))
    mel = melspectrogram(wav, SAMPLE_RATE, N_FFT, HOP, N_MELS).T
    partials = forward(np.stack([mel[s] for s in slices]))
    raw = partials.mean(axis=0)
    return (raw / np.linalg.norm(raw)).astype(np.float32)
