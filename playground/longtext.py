"""Long text: split at sentence ends, synthesize the parts with bounded concurrency, stitch to one file.

Splitting respects the provider's input limit from its preset and cuts at Chinese and English
sentence ends (。！？；… . ! ? ;), then, for a sentence longer than the limit, at clause marks
(，、,:：), then hard. Stitching decodes every part to 16-bit PCM at one rate and channel count,
joins neighbours with a short equal-power crossfade (no click, no gap), and encodes once.
Nothing here imports Gradio.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground import audio, compare, cpu, providers
from playground.errors import InputError

SENTENCE_END = re.compile(r"(?:[。！？；…]+|[.!?;]+(?=\s|$)|\n\s*\n)[”’\"'）)\]」』]*\s*")
CLAUSE_END = re.compile(r"[，、,:：]+\s*")
DEFAULT_CONCURRENCY = 3
MAX_CHARS_DEFAULT = 20000  # one long-text run; PLAYGROUND_LONGTEXT_MAX_CHARS changes it


def max_chars() -> int:
    try:
        return max(1, int(os.environ.get("PLAYGROUND_LONGTEXT_MAX_CHARS", "") or MAX_CHARS_DEFAULT))
    except ValueError:
        return MAX_CHARS_DEFAULT


def check_length(text: str) -> str:
    """The text of one long-text run, refused (before any work) when over the cap."""
    cap = max_chars()
    if len(text or "") > cap:
        raise InputError(
            f"The text has {len(text):,} characters; a long-text run takes at most {cap:,}.",
            hint="Split it into several runs (by chapter, say).",
        )
    return text


CROSSFADE_MS = 15
STITCH_RATE = 24000
MAX_SEGMENTS = 200

Progress = Callable[[int, int, str], Awaitable[None] | None]  # (segments done, total, message)


def _pieces(text: str, pattern: re.Pattern) -> list[str]:
    """Cut after each match of the pattern; the punctuation stays with its piece."""
    out, start = [], 0
    for m in pattern.finditer(text):
        if m.end() > start:
            out.append(text[start : m.end()])
            start = m.end()
    if start < len(text):
        out.append(text[start:])
    return [p for p in out if p.strip()]


def sentences(text: str) -> list[str]:
    return [p.strip() for p in _pieces(text.strip(), SENTENCE_END)]


def _fit(piece: str, limit: int) -> list[str]:
    """A sentence longer than the limit: cut at clause marks, then hard at the limit."""
    if len(piece) <= limit:
        return [piece]
    out: list[str] = []
    for clause in _pieces(piece, CLAUSE_END):
        while len(clause) > limit:
            out.append(clause[:limit])
            clause = clause[limit:]
        if clause:
            out.append(clause)
    return _pack(out, limit, joiner="")


def _joiner(a: str, b: str) -> str:
    """A space between Latin-script neighbours, nothing between CJK ones."""
    return " " if a and b and (a[-1].isascii() or b[0].isascii()) else ""


def _pack(pieces: list[str], limit: int, joiner: str | None = None) -> list[str]:
    segments: list[str] = []
    current = ""
    for piece in pieces:
        sep = joiner if joiner is not None else _joiner(current, piece)
        if current and len(current) + len(sep) + len(piece) <= limit:
            current = current + sep + piece
        else:
            if current:
                segments.append(current)
            current = piece
    if current:
        segments.append(current)
    return segments


def split_text(text: str, limit: int) -> list[str]:
    """Segments of at most `limit` characters, each ending at a sentence end where one exists."""
    if limit < 1:
        raise ValueError("limit must be positive")
    text = (text or "").strip()
    if not text:
        raise InputError("Type the text to speak.")
    fitted: list[str] = []
    for sentence in sentences(text):
        fitted += _fit(sentence, limit)
    segments = _pack(fitted, limit)
    if len(segments) > MAX_SEGMENTS:
        raise InputError(
            f"The text makes {len(segments)} segments; at most {MAX_SEGMENTS} are spoken at once.",
            hint="Split it into a few shorter texts.",
        )
    return segments


def segment_limit(provider_id: str, limit: int | None = None, model: str | None = None) -> int:
    """The provider's (and model's) input limit from its preset (optionally lowered for previews and tests)."""
    top = compare.input_limit(provider_id, model)
    return min(top, int(limit)) if limit else top


# -- stitching --------------------------------------------------------------------------------
@dataclass
class Stitched:
    data: bytes  # encoded once, in `format`
    format: str
    sample_rate: int
    duration_s: float
    part_durations_s: list[float]
    joins: list[int] = field(default_factory=list)  # sample index of each join in the output
    pcm: bytes = b""  # the mono 16-bit PCM that was encoded


def to_pcm(data: bytes, rate: int) -> np.ndarray:
    """Any audio bytes -> mono float samples at `rate`."""
    seg = audio.decode(data).set_channels(1).set_frame_rate(rate).set_sample_width(2)
    return np.frombuffer(seg.raw_data, dtype=np.int16).astype(np.float64) / 32768.0


def equal_power_join(parts: list[np.ndarray], fade: int) -> tuple[np.ndarray, list[int]]:
    """Concatenate with an equal-power crossfade of `fade` samples at every join (cos/sin law)."""
    if not parts:
        return np.zeros(0), []
    out = parts[0]
    joins: list[int] = []
    for part in parts[1:]:
        n = min(fade, len(out), len(part))
        if n < 2:
            joins.append(len(out))
            out = np.concatenate([out, part])
            continue
        t = np.linspace(0.0, np.pi / 2, n)
        mixed = out[-n:] * np.cos(t) + part[:n] * np.sin(t)
        joins.append(len(out) - n + n // 2)
        out = np.concatenate([out[:-n], mixed, part[n:]])
    return out, joins


def stitch(takes: list[bytes], fmt: str = "wav", rate: int = STITCH_RATE, crossfade_ms: int = CROSSFADE_MS) -> Stitched:
    parts = [to_pcm(t, rate) for t in takes]
    samples, joins = equal_power_join(parts, max(0, int(rate * crossfade_ms / 1000)))
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    seg = audio.AudioSegment(data=pcm, sample_width=2, frame_rate=rate, channels=1)
    data = audio.encode(seg, fmt) if fmt != "wav" else audio.wrap_pcm(pcm, rate)
    return Stitched(
        data=data,
        format=fmt,
        sample_rate=rate,
        duration_s=len(samples) / rate,
        part_durations_s=[len(p) / rate for p in parts],
        joins=joins,
        pcm=pcm,
    )


# -- synthesis ----------------------------------------------------------------------------------
@dataclass
class LongSpeech:
    segments: list[str]
    stitched: Stitched
    results: list[Any]


async def speak_long(
    pair: compare.Pair,
    text: str,
    *,
    limit: int | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    fmt: str = "wav",
    progress: Progress | None = None,
    api_key: str | None = None,
) -> LongSpeech:
    """Split, speak every segment (at most `concurrency` at once), stitch. A failed segment fails the
    whole run (a file with a hole in it is not what was asked for)."""
    segments = split_text(check_length(text), segment_limit(pair.provider_id, limit, pair.model))
    adapter = providers.get(pair.provider_id)
    gate = asyncio.Semaphore(max(1, int(concurrency)))
    done = 0
    results: list[Any] = [None] * len(segments)

    async def report(message: str) -> None:
        if progress is not None:
            outcome = progress(done, len(segments), message)
            if outcome is not None:
                await outcome

    async def one(index: int, segment: str) -> None:
        nonlocal done
        async with gate:
            results[index] = await adapter.speak(compare.speech_request(pair, segment), api_key=api_key)
        done += 1
        await report(f"Segment {index + 1} of {len(segments)} done")

    await report(f"Speaking {len(segments)} segments…")
    tasks = [asyncio.create_task(one(i, s)) for i, s in enumerate(segments)]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        raise
    stitched = await cpu.run(stitch, [r.audio.playable() for r in results], fmt, kind="after")
    return LongSpeech(segments=segments, stitched=stitched, results=results)
