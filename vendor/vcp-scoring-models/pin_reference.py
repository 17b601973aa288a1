r"""Pin the numpy ports against the originals: writes tests/unit/scoring_expected.json.

Run once, by hand, in a separate throw-away venv (never the project's: it needs torch):

    python -c "import numpy as np; from tests.unit.scoring_signals import all_signals; \
               np.savez('/tmp/signals.npz', **all_signals())"            # project venv, repo root
    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 numpy resemblyzer==0.1.4 --no-deps
    /tmp/torchenv/bin/pip install librosa scipy webrtcvad-wheels onnxruntime requests typing_extensions \
        sympy networkx jinja2 filelock fsspec
    /tmp/torchenv/bin/pip install --no-deps speechmos==0.0.1.1
    /tmp/torchenv/bin/python vendor/vcp-scoring-models/pin_reference.py \
        /tmp/signals.npz tests/unit/scoring_expected.json

Pinned 2026-11-30 with torch 2.13.0+cpu, librosa 0.11.0, onnxruntime 1.32.0, numpy 2.4.6.
"""
import json
import sys

import librosa
import numpy as np
import onnxruntime
import torch
from resemblyzer import VoiceEncoder
from resemblyzer.audio import normalize_volume, wav_to_mel_spectrogram, preprocess_wav
from speechmos import dnsmos

s = dict(np.load(sys.argv[1]))
enc = VoiceEncoder('cpu', verbose=False)
out = {"versions": {"resemblyzer": "0.1.4", "torch": torch.__version__, "librosa": librosa.__version__,
                    "speechmos": "0.0.1.1", "onnxruntime": onnxruntime.__version__, "numpy": np.__version__},
       "ge2e": {}, "ge2e_full_pipeline": {}, "dnsmos": {}, "mel_check": {}}
for name in ("anna", "david", "tone"):
    wav = normalize_volume(s[name], -30, increase_only=True).astype(np.float32)
    out["ge2e"][name] = [round(float(v), 7) for v in enc.embed_utterance(wav)]
    # with webrtcvad (the original preprocess), for the record only
    out["ge2e_full_pipeline"][name] = [round(float(v), 7) for v in enc.embed_utterance(preprocess_wav(s[name]))]
    mel = wav_to_mel_spectrogram(wav)
    out["mel_check"][name] = {"frames": int(mel.shape[0]), "sum": float(mel.astype(np.float64).sum()),
                              "first_row": [float(v) for v in mel[5, :8]]}
for name in ("anna", "david", "tone", "anna_noisy", "anna_clipped"):
    r = dnsmos.run(s[name], 16000)
    out["dnsmos"][name] = {k: float(r[k]) for k in ("ovrl_mos", "sig_mos", "bak_mos", "p808_mos")}
# P.808 mel features of one segment, as a compact check
audio = s["anna"]
while len(audio) < int(9.01 * 16000):
    audio = np.append(audio, audio)
seg = audio[: int(9.01 * 16000)]
d = dnsmos.DNSMOS.audio_melspec(None, audio=seg[:-160])
out["mel_check"]["p808_anna"] = {"shape": list(d.shape), "sum": float(d.astype(np.float64).sum())}
json.dump(out, open(sys.argv[2], 'w'), indent=1)
print(json.dumps(out["dnsmos"], indent=1))
print(out["mel_check"])
for n in out["ge2e"]:
    a, b = np.array(out["ge2e"][n]), np.array(out["ge2e_full_pipeline"][n])
    print(n, "webrtcvad vs none, cosine", a @ b)
