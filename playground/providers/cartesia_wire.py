"""Cartesia on the wire (providers-more.md section 3): error bodies and their fixes (the transport),
the /tts/sse event stream, and WAV headers for raw PCM in any of the four encodings.

Errors: from version 2026-03-01, `{error_code, title, message, request_id, doc_url?}`; before it
"may be plain text (for example `Title: Message`)". So: the status, then JSON, else the text (3.5).
SSE: one JSON object per `data:` line, dispatched on `type` (chunk, timestamps, done, error), as
both official SDKs do; the `event:` line is not relied on (3.2).
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import AsyncIterator
from typing import Any

from playground import errors
from playground.config import Target
from playground.errors import ProviderError
from playground.http import NOT_JSON, Transport, decode_body
from playground.providers.base import ChunkCallback, emit

# encoding -> (WAVE format tag, bytes per sample)
WAV_CODECS = {"pcm_s16le": (1, 2), "pcm_f32le": (3, 4), "pcm_mulaw": (7, 1), "pcm_alaw": (6, 1)}


def parse_error(status: int, body: bytes, content_type: str) -> tuple[str | None, str | None]:
    doc, text = decode_body(body)
    if doc is NOT_JSON:
        return None, text[:300] or None
    if isinstance(doc, dict):
        code = doc.get("error_code")
        title, message = doc.get("title"), doc.get("message") or doc.get("error")
        shown = ": ".join(str(p) for p in (title, message) if p) or text[:300]
        return (str(code) if code not in (None, "") else None), shown
    return None, text[:300] or None


def request_id_in(body: bytes) -> str | None:
    doc, _ = decode_body(body)
    return doc.get("request_id") if isinstance(doc, dict) else None


def wav_header(data_len: int, rate: int, encoding: str, channels: int = 1) -> bytes:
    tag, width = WAV_CODECS[encoding]
    block = channels * width
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, width * 8)
    return (
        b"RIFF"
        + struct.pack("<I", 4 + 8 + len(fmt) + 8 + data_len)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", data_len)
    )


def wrap(pcm: bytes, rate: int, encoding: str) -> bytes:
    """Raw PCM of any Cartesia encoding -> a WAV file (format tag 1, 3, 7 or 6)."""
    _, width = WAV_CODECS[encoding]
    pcm = pcm[: len(pcm) - len(pcm) % width]
    return wav_header(len(pcm), rate, encoding) + pcm


class BadStream(Exception):
    """The stream is not what the API sends."""


class ErrorEvent(Exception):
    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__(str(event)[:200])
        self.event = event


async def read_sse(lines: AsyncIterator[str], on_chunk: ChunkCallback | None) -> tuple[bytes, list[dict]]:
    """(all audio, timestamp events). Each decoded chunk is emitted as it arrives; stops at done."""
    chunks: list[bytes] = []
    stamps: list[dict] = []
    done = False
    async for line in lines:
        line = line.strip()
        if not line.startswith("data:"):
            continue  # blank separators, event:/id: lines, comments
        payload = line[5:].strip()
        try:
            event = json.loads(payload)
        except ValueError:
            raise BadStream(f"a stream event is not JSON: {payload[:60]!r}") from None
        if not isinstance(event, dict):
            continue
        kind = event.get("type")
        if kind == "error" or event.get("error") or event.get("error_code"):
            raise ErrorEvent(event)
        if kind == "chunk":
            try:
                audio = base64.b64decode(event.get("data") or "", validate=True)
            except (ValueError, binascii.Error):
                raise BadStream("a chunk's data is not base64") from None
            if audio:
                chunks.append(audio)
                await emit(on_chunk, audio)
        elif kind == "timestamps":
            stamps.append(event)
        if kind == "done" or event.get("done") is True:
            done = True
            break
    if not done:
        raise BadStream("the stream ended without its done event")
    if not chunks:
        raise BadStream("the stream carried no audio")
    return b"".join(chunks), stamps


STATUS_HINTS = {
    401: "Check CARTESIA_API_KEY (or the key typed in the tab); keys look like sk_car_…. "
    "Versions before 2025-04-16 used another auth header: keep Cartesia-Version at 2025-04-16 or later.",
    402: "The account's credits are used up: top up or upgrade the plan at play.cartesia.ai.",
    403: "This account may not use this feature (cloning needs a paid plan).",
    404: "No such voice: check the voice id, or list your voices.",
    429: "Too many requests at once for this plan (each HTTP request is one context): wait, then try again.",
}


class CartesiaTransport(Transport):
    def error(self, **kw) -> ProviderError:
        exc = super().error(**kw)
        hint = STATUS_HINTS.get(exc.status or 0)
        if hint and not (isinstance(exc, errors.RateLimitError) and exc.retry_after_s):
            exc.hint = hint
        return exc

    def error_from_response(self, response, body: bytes, target: Target) -> ProviderError:
        exc = super().error_from_response(response, body, target)
        exc.request_id = exc.request_id or request_id_in(body)  # 2026 errors carry it in the body
        return exc
