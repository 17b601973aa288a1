"""DNSMOS (Microsoft DNS-Challenge), as speechmos 0.0.1.1 runs it, without librosa.

The ONNX models ship in vcp_scoring_models (copied from the speechmos wheel): sig_bak_ovr.onnx
takes 9.01 s of raw 16 kHz audio and gives SIG/BAK/OVRL (then speechmos's polynomial fit);
model_v8.onnx takes a 120-band mel spectrogram in dB (n_fft 321, hop 160) and gives P.808 MOS.
A clip shorter than 9.01 s is repeated until long enough; a longer one is scored in 9.01 s windows
one second apart and averaged (like speechmos, skipping a window whose float end rounds one
sample short). Unlike speechmos, at most 30 windows (spread evenly) are scored, and at most 3 of a
repeated short clip (a 4 s clip repeated to 16 s would otherwise cost 7 runs of ~0.3 s CPU).
Sessions are created once, lazily, single-threaded, without onnxruntime's memory arena.
"""

from __future__ import annotations

import threading

import numpy as np

from playground.scoring.features import melspectrogram, power_to_db

SAMPLE_RATE = 16000
INPUT_LENGTH = 9.01
MAX_WINDOWS = 30  # a 39 s take; longer ones are scored on 30 windows spread over the whole take
MAX_WINDOWS_REPEATED = 3  # a clip under 9.01 s, repeated: its windows differ only in phase
_OVR = np.poly1d([-0.06766283, 1.11546468, 0.04602535])
_SIG = np.poly1d([-0.08397278, 1.22083953, 0.0052439])
_BAK = np.poly1d([-0.13166888, 1.60915514, -0.39604546])

_lock = threading.Lock()
_sessions = None


def sessions():
    """(primary, p808) onnxruntime sessions, created on first use."""
    global _sessions
    if _sessions is None:
        with _lock:
            if _sessions is None:
                import onnxruntime as ort
                from vcp_scoring_models import DNSMOS_P808_ONNX, DNSMOS_PRIMARY_ONNX

                opts = ort.SessionOptions()
                opts.intra_op_num_threads = 1
                opts.inter_op_num_threads = 1
                opts.log_severity_level = 3
                opts.enable_cpu_mem_arena = False  # with the arena: ~15 % faster, but ~200 MB kept
                _sessions = tuple(
                    ort.InferenceSession(str(p), sess_options=opts, providers=["CPUExecutionProvider"])
                    for p in (DNSMOS_PRIMARY_ONNX, DNSMOS_P808_ONNX)
                )
    return _sessions


def p808_features(segment: np.ndarray) -> np.ndarray:
    """speechmos DNSMOS.audio_melspec: (frames, 120) float32, (dB rel. max + 40) / 40."""
    mel = melspectrogram(segment, SAMPLE_RATE, 321, 160, 120)
    return ((power_to_db(mel) + 40) / 40).T.astype(np.float32)


def windows(audio: np.ndarray) -> list[np.ndarray]:
    length = int(INPUT_LENGTH * SAMPLE_RATE)
    cap = MAX_WINDOWS if len(audio) >= length else MAX_WINDOWS_REPEATED
    while len(audio) < length:
        audio = np.append(audio, audio)
    n = int(np.floor(len(audio) / SAMPLE_RATE) - INPUT_LENGTH) + 1
    starts = range(n) if n <= cap else np.linspace(0, n - 1, cap).round().astype(int)
    segs = [audio[int(i * SAMPLE_RATE) : int((i + INPUT_LENGTH) * SAMPLE_RATE)] for i in starts]
    return [s for s in segs if len(s) >= length]


def scores(audio: np.ndarray) -> dict[str, float]:
    """{"ovrl", "sig", "bak", "p808"} for a 16 kHz float signal in [-1, 1]."""
    audio = np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0)
    primary, p808 = sessions()
    rows = []
    for seg in windows(audio):
        sig, bak, ovr = primary.run(None, {"input_1": seg[np.newaxis, :]})[0][0]
        mos = p808.run(None, {"input_1": p808_features(seg[:-160])[np.newaxis]})[0][0][0]
        rows.append((float(_OVR(ovr)), float(_SIG(sig)), float(_BAK(bak)), float(mos)))
    ovrl, sig, bak, mos = np.mean(rows, axis=0)
    return {"ovrl": float(ovrl), "sig": float(sig), "bak": float(bak), "p808": float(mos)}
