"""The scorecard of one take, and what each of its numbers means."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Scorecard:
    similarity: float | None  # cosine of GE2E speaker embeddings, reference vs take, in [-1, 1]
    similarity_ceiling: float | None  # reference self-similarity (two halves of the reference)
    wer: float | None  # English word error rate vs script (None if not measured)
    cer: float | None  # Chinese character error rate (simplified, punctuation stripped)
    transcript: str | None
    dnsmos_ovrl: float | None  # DNSMOS OVRL (1..5)
    dnsmos_p808: float | None  # DNSMOS P.808 MOS (1..5)
    duration_s: float
    loudness_lufs: float | None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


SCORE_HELP: dict[str, str] = {
    "similarity": "Speaker similarity, -1 to 1 (higher = closer): cosine between GE2E voice embeddings "
    "(resemblyzer) of the reference and the take. Relative: compare takes with each other and "
    "with the ceiling; it is not the WavLM scale of Seed-TTS-eval, and even different voices "
    "often score above 0.5 here.",
    "similarity_ceiling": "Reference self-similarity: the same measure between the two halves of the reference. "
    "A take near this sounds as much like the speaker as the reference does to itself.",
    "wer": "Word error rate, 0 = every word right (can exceed 1): (substituted + missing + extra words) / words "
    "of the script, after lower-casing and removing punctuation. Includes the recogniser's own mistakes; "
    "numbers are not spelled out.",
    "cer": "Character error rate for Chinese (also Japanese, Korean), 0 = perfect: (substituted + missing + extra "
    "characters) / characters of the script, after converting to Simplified and removing punctuation "
    "and spaces. Includes the recogniser's own mistakes.",
    "transcript": "What the speech recogniser heard in the take (the source of WER/CER).",
    "dnsmos_ovrl": "DNSMOS OVRL, 1 to 5: Microsoft's predictor of the overall quality listeners give noisy or "
    "processed speech (ITU-T P.835). It hears noise, distortion and artefacts, not naturalness, "
    "accent or likeness to the speaker.",
    "dnsmos_p808": "DNSMOS P.808, 1 to 5: Microsoft's predictor of an ITU-T P.808 listening-test score. Like OVRL "
    "it reacts to noise and distortion; it does not judge naturalness or likeness.",
    "duration_s": "Length of the take in seconds.",
    "loudness_lufs": "Integrated loudness (ITU-R BS.1770, LUFS), as the reference clinic measures it; speech is "
    "usually between -24 and -16. Takes at very different loudness are hard to compare by ear.",
    "notes": "Why a number is missing or less reliable for this take.",
}

MODEL_INFO: dict[str, dict[str, str]] = {
    "similarity": {
        "model": "GE2E speaker encoder, resemblyzer 0.1.4 pretrained.pt (3-layer LSTM 256, 256-d embedding)",
        "weights": "vcp-scoring-models 0.1.0 (vendor/vcp-scoring-models), ge2e.npz, Apache-2.0",
        "runtime": "numpy port of VoiceEncoder.embed_utterance; matches torch to ~1e-7 on the test signals",
        "preprocessing": "16 kHz mono, volume raised to -30 dBFS, long silences cut by an energy gate "
        "(resemblyzer uses webrtcvad), 40-band mel, 1.6 s partials at 1.3/s, averaged",
    },
    "dnsmos": {
        "model": "DNSMOS sig_bak_ovr.onnx (SIG/BAK/OVRL, P.835) and model_v8.onnx (P.808) from speechmos 0.0.1.1",
        "weights": "vcp-scoring-models 0.1.0, files copied byte for byte, MIT (Microsoft)",
        "runtime": "onnxruntime 1.32.0 (CPU, 1 thread); numpy mel features matching librosa 0.11",
        "windows": "9.01 s windows 1 s apart, averaged; shorter takes are repeated to 9.01 s",
    },
    "intelligibility": {
        "asr": "the transcript comes from the caller's speech recogniser (the clinic's ASR in the arena)",
        "normalisation": "NFKC, lower case, punctuation removed; Chinese: opencc-python-reimplemented 0.1.7 t2s",
        "distance": "Levenshtein over words (WER) or characters (CER)",
    },
    "loudness": {"method": "ITU-R BS.1770-4 integrated loudness (playground.clinic)"},
}
