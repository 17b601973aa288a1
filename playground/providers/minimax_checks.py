"""MiniMax input rules checked before anything is sent (providers.md 1.1-1.3): voice_id
rules with a suggested fix, pause markers, exact int64 file ids, sample limits and the
prompt-clip trim. Pure functions: no HTTP, no gradio."""

from __future__ import annotations

import math
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any

from playground.audio import VoiceSample, best_window, encode
from playground.errors import AudioInputError, InputError

VOICE_ID_CHARS = re.compile(r"^[A-Za-z0-9_-]*$")
PAUSE_MARKER = re.compile(r"<#(.*?)#>")
PAUSE_VALUE = re.compile(r"^\d{1,2}(\.\d{1,2})?$")
MAX_EXACT_FLOAT = 2**53


def suggest_voice_id(hint: str = "") -> str:
    """A voice_id that follows every rule: a letter first, letters/digits/-/_, 8-256 chars,
    ends with a letter or digit. Built from `hint` when it has usable characters."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "_", hint or "")
    base = re.sub(r"^[^A-Za-z]+", "", base).strip("-_")[:200] or "MyVoice"
    return f"{base}_{time.strftime('%m%d')}{secrets.token_hex(3)}"


def voice_id_problem(voice_id: str, bounds: tuple[int, int] | list[int] = (8, 256)) -> str | None:
    """What is wrong with a voice_id (documented rules), or None."""
    lo, hi = bounds
    if not voice_id:
        return "is empty"
    if len(voice_id) < lo or len(voice_id) > hi:
        return f"has {len(voice_id)} characters; it needs {lo} to {hi}"
    if not ("A" <= voice_id[0] <= "Z" or "a" <= voice_id[0] <= "z"):
        return "must start with a letter (A-Z or a-z)"
    if not VOICE_ID_CHARS.match(voice_id):
        bad = sorted({c for c in voice_id if not (c.isascii() and (c.isalnum() or c in "-_"))})
        return f"may contain only letters, digits, '-' and '_' (found {' '.join(repr(c) for c in bad)})"
    if voice_id[-1] in "-_":
        return "must not end with '-' or '_'"
    return None


def check_voice_id(voice_id: str | None, bounds=(8, 256)) -> str:
    voice_id = (voice_id or "").strip()
    problem = voice_id_problem(voice_id, bounds)
    if problem:
        raise InputError(
            f"The voice_id {voice_id!r} {problem}." if voice_id else "Give the new voice a voice_id.",
            hint=f"For example: {suggest_voice_id(voice_id)} (8-256 characters, a letter first, "
            "letters/digits/'-'/'_', not ending in '-' or '_'; it must be new: a deleted id cannot be reused).",
        )
    return voice_id


def check_pauses(text: str, bounds=(0.01, 99.99)) -> None:
    """Every `<#x#>` marker must hold a pause of 0.01-99.99 seconds (at most two decimals)."""
    lo, hi = bounds
    for match in PAUSE_MARKER.finditer(text):
        raw = match.group(1).strip()
        value = float(raw) if PAUSE_VALUE.match(raw) else math.nan
        if not (lo <= value <= hi):
            raise InputError(
                f"The pause marker {match.group(0)!r} is not valid.",
                hint=f"Write the pause in seconds from {lo:g} to {hi:g}, e.g. <#0.5#> or <#1.25#>.",
            )


def parse_file_id(value: Any, what: str = "file_id") -> int:
    """The exact int64 MiniMax returned. Strings of digits are exact; floats only when they
    still are (below 2**53); anything else would silently point at another file."""
    if isinstance(value, bool) or value is None or value == "":
        raise InputError(f"The {what} is missing.", hint="Upload the audio first; its file_id appears there.")
    if isinstance(value, int):
        result = value
    elif isinstance(value, float):
        if not value.is_integer() or abs(value) >= MAX_EXACT_FLOAT:
            raise InputError(
                f"The {what} {value!r} is a rounded number and has lost digits.",
                hint="Pass the file_id as a string of digits exactly as the upload returned it.",
            )
        result = int(value)
    else:
        text = str(value).strip()
        if not text.isdigit():
            raise InputError(
                f"The {what} {text!r} is not a whole number.",
                hint="Copy the file_id exactly as the upload returned it (digits only).",
            )
        result = int(text)
    if result <= 0 or result >= 2**63:
        raise InputError(f"The {what} {result} is outside the int64 range MiniMax uses.")
    return result


def prepare_sample(sample: VoiceSample, limits: Mapping[str, Any], label: str) -> VoiceSample:
    """Checked against duration limits, converted (noted) to an accepted format, and converted
    to mp3 (noted) when an accepted but uncompressed file is over the size limit."""
    sample.check(limits, label)
    formats = limits.get("formats") or []
    max_bytes = limits.get("max_bytes")
    target = limits.get("convert_to", "mp3")
    if formats and sample.format not in formats:
        sample = _converted(sample, target, f"converted from {sample.format or 'an unknown format'} to {target}")
    if max_bytes and sample.size > max_bytes and sample.format != target:
        sample = _converted(
            sample,
            target,
            f"converted to {target}: the {sample.format} file was {sample.size / 1048576:.1f} MB, over the limit",
        )
    if max_bytes and sample.size > max_bytes:
        raise AudioInputError(
            f"The {limits.get('label', 'sample')} is {sample.size / 1048576:.1f} MB; {label} accepts at most "
            f"{max_bytes / 1048576:.0f} MB.",
            hint="Use a shorter recording.",
        )
    return sample


def fit_prompt_clip(sample: VoiceSample, limits: Mapping[str, Any], label: str, trim: bool) -> VoiceSample:
    """A prompt clip must be under `max_duration_s` (8 s). A longer one is refused with the
    offer to trim, or trimmed (noted) to its most speech-dense `trim_to_s` window."""
    limit = float(limits["max_duration_s"])
    duration = sample.info.duration_s
    if duration < limit:
        return sample
    window = float(limits.get("trim_to_s", limit - 0.5))
    if not trim:
        raise AudioInputError(
            f"The prompt clip is {duration:.1f} s; {label} needs it shorter than {limit:g} s.",
            hint=f"Tick 'Trim to the best {window:g} s' to keep its most speech-dense {window:g} s, "
            "or trim it yourself (the scissors in the audio box).",
        )
    start_ms, end_ms = best_window(sample.segment, window)
    piece = sample.segment[start_ms:end_ms]
    note = f"trimmed from {duration:.1f} s to the {window:g} s window at {start_ms / 1000:.1f}-{end_ms / 1000:.1f} s"
    return VoiceSample(
        data=encode(piece, "wav"), filename=f"{_stem(sample)}-trimmed.wav", format="wav", notes=[*sample.notes, note]
    )


def _converted(sample: VoiceSample, fmt: str, note: str) -> VoiceSample:
    return VoiceSample(
        data=encode(sample.segment, fmt),
        filename=f"{_stem(sample)}.{fmt}",
        format=fmt,
        notes=[*sample.notes, note],
        _segment=sample.segment,
    )


def _stem(sample: VoiceSample) -> str:
    return sample.filename.rsplit(".", 1)[0] or "sample"
