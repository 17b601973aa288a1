"""Arena scoring: objective numbers for one take against its reference voice and its script.

Pure Python + numpy (+ onnxruntime for DNSMOS); no gradio, no torch. The models come from the
vendored package vcp-scoring-models and are loaded lazily (first score, not import or start-up),
once, thread-safe. What each number means: SCORE_HELP; which models made them: MODEL_INFO.

    card = await score_take(reference_bytes_or_path, take_bytes_or_path, script, transcribe=asr)
"""

from __future__ import annotations

from playground.scoring.card import MODEL_INFO, SCORE_HELP, Scorecard
from playground.scoring.measure import dnsmos, embed, self_similarity, similarity
from playground.scoring.take import score_take
from playground.scoring.text import error_rate

__all__ = [
    "MODEL_INFO",
    "SCORE_HELP",
    "Scorecard",
    "dnsmos",
    "embed",
    "error_rate",
    "score_take",
    "self_similarity",
    "similarity",
]
