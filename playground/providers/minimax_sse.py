"""MiniMax T2A streaming: Server-Sent Events whose `data:` lines hold JSON frames with
hex audio (providers.md 1.3). Parsed line by line as the bytes arrive."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any


async def sse_payloads(lines: AsyncIterator[str], bad_frame: Callable[[str], Exception]) -> AsyncIterator[dict]:
    """The JSON object of each `data:` line, in order; stops at `[DONE]`.

    Comments (`:`), `event:`/`id:` lines and blank separators are skipped; a frame split
    over several `data:` lines is joined as SSE prescribes. A payload that is not a JSON
    object raises `bad_frame(text)`.
    """
    pending: list[str] = []

    def flush() -> Any:
        text = "\n".join(pending).strip()
        pending.clear()
        if not text:
            return None
        if text == "[DONE]":
            return "DONE"
        try:
            doc = json.loads(text)
        except ValueError:
            raise bad_frame(text) from None
        if doc is None:  # a whole-null frame: nothing in it
            return None
        if not isinstance(doc, dict):
            raise bad_frame(text)
        return doc

    async for line in lines:
        line = line.rstrip("\r")
        if line.startswith("data:"):
            pending.append(line[5:].lstrip(" "))
            continue
        if line == "" and pending:
            doc = flush()
            if doc == "DONE":
                return
            if doc is not None:
                yield doc
    if pending:  # the last frame without its blank line
        doc = flush()
        if doc not in (None, "DONE"):
            yield doc


class StreamAssembler:
    """Joins the audio of the frames: status 1 frames carry chunks; the status 2 frame ends
    the stream and, unless stream_options.exclude_aggregated_audio was sent, repeats the
    whole audio (UNCONFIRMED upstream), which is then skipped instead of doubling it."""

    def __init__(self, excluded: bool) -> None:
        self.excluded = excluded
        self.chunks: list[bytes] = []
        self.done = False

    def add(self, data: Any, decode_hex: Callable[[Any], bytes]) -> bytes:
        """Take one frame's `data` (may be null); return the new audio bytes to pass on."""
        if self.done or not isinstance(data, dict):
            return b""
        audio = decode_hex(data.get("audio") or "")
        if data.get("status") == 2:
            self.done = True
            if self.chunks and not self.excluded:
                return b""  # the aggregated repeat of what already arrived
        if audio:
            self.chunks.append(audio)
        return audio

    def audio(self) -> bytes:
        return b"".join(self.chunks)
