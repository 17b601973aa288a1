"""Arena scoring: objective numbers for one take against its reference voice and script.

Pure Python + numpy (+ onnxruntime for DNSMOS); no gradio, no torch. Models load lazily, once.
Interface agreed with the Arena UI (issue 16); implementation lands in the submodules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Awaitable, Callable

import numpy as np


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


SCORE_HELP: dict[str, str] = {}
MODEL_INFO: dict[str, dict] = {}


def embed(pcm: np.ndarray, sample_rate: int) -> np.ndarray:
    raise NotImplementedError


def similarity(ref_pcm: np.ndarray, ref_sr: int, take_pcm: np.ndarray, take_sr: int) -> float:
    raise NotImplementedError


def self_similarity(pcm: np.ndarray, sr: int) -> float | None:
    raise NotImplementedError


def error_rate(reference_text: str, hypothesis: str, language: str | None = None) -> tuple[str, float]:
    raise NotImplementedError


def dnsmos(pcm: np.ndarray, sr: int) -> tuple[float, float]:
    raise NotImplementedError


async def score_take(reference: bytes | str, take: bytes | str, text: str, *,
                     transcribe: Callable[[bytes], Awaitable[str]] | None = None) -> Scorecard:
    raise NotImplementedError
