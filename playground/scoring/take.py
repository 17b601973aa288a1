"""score_take: one take against its reference voice and its script -> a Scorecard.

The CPU work (decoding, embeddings, DNSMOS, loudness) runs in the CPU pool (playground/cpu.py:
bounded, and in hosted mode counted against the visitor's share) while the caller's speech
recogniser (an awaitable, usually a network call) transcribes the take. Only the first
PLAYGROUND_SCORE_MAX_S (30) seconds of the take and of the reference are decoded and measured, so a
long clip costs no more than a short one; the scorecard's notes say when a clip was cut. A
reference is measured once per content (embedding and self-similarity cached), since an arena
scores many takes against the same one.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np

from playground import cpu
from playground.audio import decode_head
from playground.clinic import integrated_loudness, samples_of
from playground.errors import AudioInputError, PlaygroundError
from playground.scoring import measure
from playground.scoring.card import Scorecard
from playground.scoring.text import error_rate

MIN_TAKE_SPEECH_S = 2.0
MIN_REF_SPEECH_S = 2 * measure.MIN_HALF_S
DEFAULT_MAX_S = 30.0
_CACHE_SIZE = 16
_cache: OrderedDict[str, tuple[np.ndarray | None, float | None, float, float | None]] = OrderedDict()
_cache_lock = threading.Lock()
_key_locks: dict[str, threading.Lock] = {}


def _read(audio: bytes | str | Path) -> bytes:
    if isinstance(audio, (bytes, bytearray, memoryview)):
        return bytes(audio)
    try:
        return Path(audio).read_bytes()
    except OSError:
        raise AudioInputError("The audio file could not be read.", hint="Choose the file again.") from None


def max_seconds() -> float:
    """How much of a take (and of a reference) is measured: its first PLAYGROUND_SCORE_MAX_S seconds."""
    try:
        return max(1.0, float(os.environ.get("PLAYGROUND_SCORE_MAX_S", "") or DEFAULT_MAX_S))
    except ValueError:
        return DEFAULT_MAX_S


def _pcm(data: bytes) -> tuple[np.ndarray, int, float | None]:
    """(samples of the first max_seconds(), rate, the whole clip's length in s if over that, else None)."""
    limit = max_seconds()
    seg, whole = decode_head(data, limit)
    cut = whole if whole is not None and whole > limit + 0.05 else None
    return samples_of(seg), seg.frame_rate, cut


def cut_note(what: str, whole_s: float) -> str:
    return f"Only the first {max_seconds():g} s of the {what} were measured (it lasts {whole_s:.0f} s)."


def _reference(data: bytes) -> tuple[np.ndarray | None, float | None, float, float | None]:
    """(embedding or None, self-similarity or None, seconds of speech, whole length if cut), cached by
    content (and the length measured). Takes scored at once against the same reference wait for one
    measurement of it."""
    key = f"{hashlib.sha256(data).hexdigest()}:{max_seconds():g}"
    with _cache_lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
        x, rate, cut = _pcm(data)
        wav = measure.speech_16k(x, rate)
        speech_s = len(wav) / measure.SAMPLE_RATE
        embedding = measure.embed_speech(wav) if np.any(wav) else None
        ceiling = measure.self_similarity_of_speech(wav) if embedding is not None else None
        entry = (embedding, ceiling, speech_s, cut)
        with _cache_lock:
            _cache[key] = entry
            while len(_cache) > _CACHE_SIZE:
                _key_locks.pop(_cache.popitem(last=False)[0], None)
    return entry


def _measure(ref: bytes, take: bytes) -> tuple[Scorecard, bool]:
    """(the scorecard without WER/CER, whether the take was cut to its first max_seconds())."""
    notes: list[str] = []
    ref_embedding, ceiling, ref_speech_s, ref_cut = _reference(ref)
    x, rate, take_cut = _pcm(take)
    if take_cut is not None:
        notes.append(cut_note("take", take_cut))
    if ref_cut is not None:
        notes.append(cut_note("reference", ref_cut))
    loudness = integrated_loudness(x, rate) if len(x) else -math.inf
    card = Scorecard(
        similarity=None,
        similarity_ceiling=None if ceiling is None else round(ceiling, 4),
        wer=None,
        cer=None,
        transcript=None,
        dnsmos_ovrl=None,
        dnsmos_p808=None,
        duration_s=round(len(x) / rate, 3),
        loudness_lufs=round(loudness, 2) if math.isfinite(loudness) else None,
        notes=notes,
    )
    if ref_embedding is None:
        notes.append("The reference has no speech, so similarity was not measured.")
    elif ceiling is None:
        notes.append(
            f"The reference has {ref_speech_s:.1f} s of speech; a similarity ceiling needs "
            f"{MIN_REF_SPEECH_S:.0f} s or more."
        )
    if card.loudness_lufs is None:
        notes.append("The take is silent.")
        return card, take_cut is not None
    mono = measure.mono16k(x, rate)
    wav = measure.ge2e.preprocess(mono)
    speech_s = len(wav) / measure.SAMPLE_RATE
    if ref_embedding is not None and np.any(wav):
        card.similarity = round(measure.cosine(ref_embedding, measure.embed_speech(wav)), 4)
        if speech_s < MIN_TAKE_SPEECH_S:
            notes.append(
                f"The take has only {speech_s:.1f} s of speech: too short for a reliable similarity "
                f"({MIN_TAKE_SPEECH_S:.0f} s or more recommended)."
            )
    ovrl, p808 = measure.dnsmos_16k(mono)
    card.dnsmos_ovrl, card.dnsmos_p808 = round(ovrl, 3), round(p808, 3)
    return card, take_cut is not None


async def _transcript(transcribe: Callable[[bytes], Awaitable[str]], take: bytes) -> tuple[str | None, str | None]:
    """(transcript, note): a failing recogniser costs the WER/CER, not the scorecard."""
    try:
        return (await transcribe(take)) or "", None
    except PlaygroundError as exc:
        return None, f"Transcription failed: {exc.user_message()}"
    except Exception as exc:
        return None, f"Transcription failed ({type(exc).__name__})."


async def score_take(
    reference: bytes | str,
    take: bytes | str,
    text: str,
    *,
    transcribe: Callable[[bytes], Awaitable[str]] | None = None,
    language: str | None = None,
) -> Scorecard:
    """Score `take` against the `reference` voice and the `text` it should say.

    reference/take: audio file bytes or a path (any format playground.audio decodes). transcribe:
    the speech recogniser (None -> no WER/CER). language: "en", "zh", ... (None -> from the text).
    Raises AudioInputError when either audio cannot be decoded.
    """
    ref_bytes, take_bytes = await asyncio.gather(asyncio.to_thread(_read, reference), asyncio.to_thread(_read, take))
    measuring = cpu.run(_measure, ref_bytes, take_bytes)  # bounded, and the visitor's share in hosted mode
    if transcribe is None or not (text or "").strip():
        card, _ = await measuring
        if transcribe is not None:
            card.notes.append("No script, so WER/CER were not measured.")
        return card
    (card, cut), (transcript, note) = await asyncio.gather(measuring, _transcript(transcribe, take_bytes))
    if note:
        card.notes.append(note)
    if transcript is not None:
        card.transcript = transcript
        if cut:  # the script runs past the part measured: an error rate would not be fair
            card.notes.append("WER/CER were not measured: the take is longer than the part scored.")
            return card
        try:
            kind, value = error_rate(text, transcript, language)
        except ValueError as exc:
            card.notes.append(str(exc))
        else:
            setattr(card, kind, round(value, 4))
    return card
