"""Zhipu's speech stream, parsed line by line as the bytes arrive.

SSE `data: {json}` events in OpenAI chat-chunk style: `choices[0].delta.content` is a PCM chunk
in base64 or hex (per encode_format), `delta.return_sample_rate` its rate, then `data: [DONE]`
(providers.md 2.4; the shape is UNCONFIRMED on the official pages and comes from 3P clients,
so blank lines, comments, event:/id: lines and a missing [DONE] are all tolerated).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator

from playground.providers.base import ChunkCallback, emit


class BadStream(Exception):
    """The stream is not what the API sends (not JSON, not base64/hex, no audio)."""


class ErrorEvent(Exception):
    """The stream carried an `{"error": {...}}` event; `payload` is its JSON text."""

    def __init__(self, payload: str) -> None:
        super().__init__(payload[:200])
        self.payload = payload


def decode_chunk(content: str, encoding: str) -> bytes:
    try:
        return bytes.fromhex(content) if encoding == "hex" else base64.b64decode(content, validate=True)
    except (ValueError, binascii.Error):
        raise BadStream(f"a stream chunk is not valid {encoding}") from None


async def read_sse(
    lines: AsyncIterator[str], encoding: str, rate: int, on_chunk: ChunkCallback | None
) -> tuple[bytes, int]:
    """All PCM of the stream and its sample rate; each decoded chunk is emitted as it arrives."""
    chunks: list[bytes] = []
    async for line in lines:
        line = line.strip()
        if not line.startswith("data:"):
            continue  # blank separators, comments, event:/id: lines
        payload = line[5:].strip()
        if payload == "[DONE]":
            break
        try:
            doc = json.loads(payload)
        except ValueError:
            raise BadStream(f"a stream event is not JSON: {payload[:60]!r}") from None
        if not isinstance(doc, dict):
            continue
        if doc.get("error"):
            raise ErrorEvent(payload)
        for choice in doc.get("choices") or []:
            delta = choice.get("delta") or {}
            rate = int(delta.get("return_sample_rate") or rate)
            if delta.get("content"):
                pcm = decode_chunk(delta["content"], encoding)
                chunks.append(pcm)
                await emit(on_chunk, pcm)
    if not chunks:
        raise BadStream("the stream carried no audio")
    return b"".join(chunks), rate
