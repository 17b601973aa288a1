"""What the simulators share for speech recognition: reading the multipart request strictly,
and a deterministic "transcript". The sandbox cannot recognise speech: the text is derived
from the audio itself (its length and how much of it is sound), so a trimmed clip gets a
visibly different transcript, and the same clip always gets the same one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import Request

from playground.audio import decode, sniff_format
from playground.errors import AudioInputError

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "the",
    "lazy",
    "dog",
    "while",
    "a",
    "calm",
    "voice",
    "reads",
    "this",
    "sample",
    "aloud",
    "for",
    "the",
    "playground",
    "so",
    "that",
    "every",
    "clone",
    "sounds",
    "like",
    "its",
    "speaker",
]
WORDS_PER_SECOND = 2.5


class AsrInvalid(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message, self.param = message, param


@dataclass
class AsrInput:
    audio: bytes
    filename: str
    fields: dict[str, str]
    duration_s: float


def transcript_for(audio: bytes) -> str:
    """`[sandbox] 7.5 s: the quick brown ...`: one word per 0.4 s of sound."""
    seg = decode(audio)
    from playground.clinic import analyze  # the clinic's own silence measure

    a = analyze(seg)
    count = max(1, round(a.speech_s * WORDS_PER_SECOND))
    words = [WORDS[i % len(WORDS)] for i in range(count)]
    return f"[sandbox transcript of {a.duration_s:.1f} s] " + " ".join(words) + "."


async def read_form(
    request: Request,
    allowed: set[str],
    *,
    max_bytes: int,
    max_duration_s: float | None,
    formats: set[str] | None,
    file_field: str = "file",
) -> AsrInput:
    """multipart/form-data with a `file` part (or `file_field`: Fish calls it audio) and the allowed
    text fields, else AsrInvalid."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise AsrInvalid("Content-Type must be multipart/form-data")
    form = await request.form()
    unknown = sorted(set(form.keys()) - allowed - {file_field})
    if unknown:
        raise AsrInvalid(f"unknown field(s): {', '.join(unknown)}", unknown[0])
    upload = form.get(file_field)
    if upload is None or isinstance(upload, str):
        raise AsrInvalid(f"{file_field} is required (a multipart file part named '{file_field}')", file_field)
    data = await upload.read()
    if not data:
        raise AsrInvalid(f"{file_field} is empty", file_field)
    if len(data) > max_bytes:
        raise AsrInvalid(f"{file_field} is larger than {max_bytes // 1048576} MB", file_field)
    if formats is not None and sniff_format(data) not in formats:
        raise AsrInvalid(f"{file_field} must be one of: {', '.join(sorted(formats))}", file_field)
    try:
        seg = await asyncio.to_thread(decode, data)  # bounded (audio.decode), off the event loop
    except AudioInputError:
        raise AsrInvalid(f"{file_field} is not a valid audio file", file_field) from None
    duration = len(seg) / 1000.0
    if max_duration_s is not None and duration > max_duration_s:
        raise AsrInvalid(f"audio is {duration:.1f} s, longer than {max_duration_s:g} s", file_field)
    fields = {k: v for k, v in form.items() if k != file_field and isinstance(v, str)}
    return AsrInput(audio=data, filename=upload.filename or "", fields=fields, duration_s=duration)
