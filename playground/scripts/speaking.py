"""Speak the lines of a script (or the cues of a dub) concurrently, within each provider's limit.

Each line goes through its provider's own `speak()` (the transport's retries, error mapping and,
hosted, the per-visitor call limits and demo caps), with compare's request for its pair asking for
16-bit PCM where the provider offers it. A line
over the provider's input limit is split by the long-text splitter and its parts stitched. Every
take is kept in the voice library's History (handler `script_speak` or `dub`). A failed line keeps
its error (the provider's own words) and the others go on. No Gradio here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from playground import compare, cpu, downloads, hosted, longtext, messages, presets, providers
from playground.compare import Pair
from playground.errors import PlaygroundError
from playground.library.hooks import record_take
from playground.scripts import assemble
from playground.scripts.parse import limits

WAITING, SPEAKING, DONE, FAILED = "waiting", "speaking…", "done", "failed"


@dataclass
class Item:
    """One line (or cue) to speak and what became of it."""

    number: int  # as the person numbers it: line or cue number
    speaker: str
    pair: Pair
    text: str
    state: str = WAITING
    pcm: np.ndarray | None = None  # trimmed, loudness-matched, at the track rate
    lufs: float | None = None
    error: str | None = None
    segments: int = 0
    takes: list[bytes] = field(default_factory=list)  # the providers' audio, as it came (playable)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.pcm is not None

    @property
    def voice_label(self) -> str:
        return self.pair.label


class Gates:
    """At most `concurrency[provider]` calls per provider at once and, hosted, no more in total than
    one visitor may have in flight (playground/visitors.py), so a script never trips its own limit."""

    def __init__(self) -> None:
        per = limits()["concurrency"]
        self.by_provider = {pid: asyncio.Semaphore(int(per.get(pid, 3))) for pid in compare.REQUEST_BUILDERS}
        self.total = asyncio.Semaphore(hosted_total()) if hosted.is_hosted() else None

    @asynccontextmanager
    async def hold(self, provider_id: str) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if self.total is not None:
                await stack.enter_async_context(self.total)
            await stack.enter_async_context(self.by_provider[provider_id])
            yield


def hosted_total() -> int:
    default = int(limits()["hosted_client_concurrency_default"])
    try:
        return max(1, int(float(os.environ.get("PLAYGROUND_CLIENT_CONCURRENCY", "") or default)))
    except ValueError:
        return default


def line_request(pair: Pair, text: str) -> Any:
    """Compare's request for the pair, asking for 16-bit PCM at the track rate where the provider
    offers it (presets/scripts.json line_formats): nothing to decode per line."""
    return dataclasses.replace(compare.speech_request(pair, text), **limits()["line_formats"].get(pair.provider_id, {}))


async def _speak_segments(item: Item, gates: Gates, handler: str, settings: dict) -> list[bytes]:
    pair = item.pair
    adapter = providers.get(pair.provider_id)
    parts = longtext.split_text(item.text, longtext.segment_limit(pair.provider_id, model=pair.model))
    item.segments = len(parts)

    async def one(part: str) -> bytes:
        async with gates.hold(pair.provider_id):
            item.state = SPEAKING
            result = await adapter.speak(line_request(pair, part))
        # kept in History with what made it (never a key); a failure to keep it is only noted
        note = await record_take(
            handler,
            result,
            adapter.target(),
            {**settings, "text": part, "line": item.number, "speaker": item.speaker, "pair": pair.key},
            voice=pair.voice,
        )
        if note:
            item.notes.append(note.strip(" ·"))
        return result.audio.playable()

    return list(await asyncio.gather(*(one(p) for p in parts)))


async def speak_item(item: Item, gates: Gates, handler: str, settings: dict) -> None:
    """Speak one item; its state ends `done` or `failed` (never raises, except cancellation)."""
    item.state, item.error, item.notes = WAITING, None, []
    try:
        item.takes = await _speak_segments(item, gates, handler, settings)
        item.pcm, item.lufs = await cpu.run(assemble.line_pcm, item.takes, kind="after")
        item.takes, item.state = [], DONE  # the History has the provider's audio; the line keeps its PCM
    except PlaygroundError as exc:
        item.state, item.pcm, item.error = FAILED, None, messages.user_message(exc)
    except Exception as exc:  # a bug in one line must not sink the others
        item.state, item.pcm = FAILED, None
        item.error = messages.translate(f"Unexpected error ({type(exc).__name__}).")


async def speak_all(
    items: list[Item], handler: str, settings: dict, on_change: Callable[[Item], None] | None = None
) -> None:
    """Every item at once, within the gates; `on_change(item)` after each one finishes."""
    gates = Gates()

    async def run(item: Item) -> None:
        await speak_item(item, gates, handler, settings)
        if on_change is not None:
            on_change(item)

    tasks = [asyncio.create_task(run(item)) for item in items]
    try:
        await asyncio.gather(*tasks)
    except BaseException:  # Cancel: stop every line still running
        for task in tasks:
            task.cancel()
        raise


def spill(items: list[Item]) -> None:
    """Keep each spoken line's PCM in a file mapped into memory instead of in memory: a run kept for
    a retry (the page's gr.State, per visitor) costs little RAM however long the script. The files
    are the downloads' (pruned after an hour, removed on exit; a mapped file outlives its pruning)."""
    folder: Path | None = None
    for item in items:
        if item.pcm is None or isinstance(item.pcm, np.memmap):
            continue
        buf = io.BytesIO()
        np.save(buf, item.pcm)
        name = f"{item.number:03d}.npy"
        if folder is None:
            folder = Path(downloads.write("script-lines", name, buf.getvalue())).parent
        else:
            (folder / name).write_bytes(buf.getvalue())
        item.pcm = np.load(folder / name, mmap_mode="r")


def provider_label(pair: Pair) -> str:
    return presets.load(pair.provider_id)["label"]


def state_text(item: Item) -> str:
    if item.state == FAILED:
        return f"❌ {item.error}"
    return messages.translate(item.state) or item.state
