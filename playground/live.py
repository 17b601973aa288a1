"""Live playback of a speech stream while the provider is still synthesising.

A `LiveStream` takes the audio chunks an adapter emits (`on_chunk`), turns them into
16-bit mono PCM as they arrive (headerless PCM passes straight through; every other format
goes through one ffmpeg process that decodes without buffering), and keeps them so that
any number of readers can follow from the start. The browser reads it from the app's own
route and plays it with the Web Audio API (see playground/ui/live_player.py): no HLS
segmenting, no re-encoding, so sound starts a few tens of milliseconds after the first byte.

Streams are addressed by an unguessable token and forgotten a few minutes after they end.
Nothing here knows about providers or Gradio.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass, field

from playground.audio import ffmpeg_exe

log = logging.getLogger("playground.live")

# ffmpeg demuxer per stream format (the format a provider streams in)
DEMUXERS = {"mp3": "mp3", "opus": "ogg", "ogg": "ogg", "aac": "aac", "flac": "flac", "wav": "wav", "pcm": "s16le"}
DEFAULT_RATE = 24000
KEEP_AFTER_END_S = 20.0  # the page reads it as it arrives; the full take replaces it after
MAX_AGE_S = 1800.0
MAX_STREAMS = 256
MAX_BYTES = 64 * 1024 * 1024  # about 11 minutes of 48 kHz audio; beyond it, live playback stops growing


def can_stream(fmt: str) -> bool:
    return fmt in DEMUXERS


def output_rate(fmt: str, sample_rate: int | None) -> int:
    """The rate the browser plays: the stream's own rate where known and sensible."""
    if sample_rate and 8000 <= int(sample_rate) <= 48000:
        return int(sample_rate)
    return DEFAULT_RATE


@dataclass
class LiveStats:
    opened_at: float = field(default_factory=time.monotonic)
    first_input_at: float | None = None
    first_output_at: float | None = None
    ended_at: float | None = None
    bytes_in: int = 0
    bytes_out: int = 0

    @property
    def first_audio_s(self) -> float | None:
        """Seconds from opening the stream to the first audio chunk from the provider."""
        return None if self.first_input_at is None else self.first_input_at - self.opened_at


class LiveStream:
    """One speech stream: chunks in (any format), 16-bit mono PCM out, replayable from the start."""

    def __init__(self, fmt: str, sample_rate: int | None = None, channels: int = 1) -> None:
        if not can_stream(fmt):
            raise ValueError(f"cannot stream {fmt}")
        self.token = secrets.token_urlsafe(24)
        self.format = fmt
        self.in_rate = int(sample_rate) if sample_rate else DEFAULT_RATE
        self.channels = max(1, int(channels or 1))
        self.rate = output_rate(fmt, sample_rate)
        self.stats = LiveStats()
        self.failed: str | None = None
        self.done = False
        self._chunks: list[bytes] = []
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self._proc: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task | None = None
        self._passthrough = fmt == "pcm" and self.channels == 1 and self.in_rate == self.rate

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> LiveStream:
        if self._passthrough:
            return self
        # No "-fflags nobuffer": ffmpeg 5.1 (Debian 12) then drops the packets it read while probing
        # the input, so the start of the stream went missing (stereo pcm: 1440 of 2400 frames).
        # A 32-byte probe and no analysis keep the start latency low without it.
        args = [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-probesize",
            "32",
            "-analyzeduration",
            "0",
            "-f",
            DEMUXERS[self.format],
        ]
        if self.format == "pcm":
            args += ["-ar", str(self.in_rate), "-ac", str(self.channels)]
        args += [
            "-i",
            "pipe:0",
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(self.rate),
            "-acodec",
            "pcm_s16le",
            "-f",
            "s16le",
            "-flush_packets",
            "1",
            "pipe:1",
        ]
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
            )
        except OSError as exc:  # no ffmpeg at all: the full file still plays when ready
            self._fail(f"live decoder unavailable ({type(exc).__name__})")
            return self
        self._pump = asyncio.create_task(self._read_decoder())
        return self

    async def push(self, chunk: bytes) -> None:
        """Feed one chunk of provider audio (the adapter's on_chunk)."""
        if not chunk or self.done:
            return
        if self.stats.first_input_at is None:
            self.stats.first_input_at = time.monotonic()
        self.stats.bytes_in += len(chunk)
        if self._passthrough:
            self._append(chunk)
            return
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.is_closing():
            return
        try:
            proc.stdin.write(chunk)
            await proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            self._fail("live decoder stopped")

    async def finish(self, *, failed: str | None = None) -> None:
        """No more input: let the decoder flush, then end every reader."""
        if self._proc is not None:
            if self._proc.stdin is not None and not self._proc.stdin.is_closing():
                self._proc.stdin.close()
            if failed:
                self._kill()
            if self._pump is not None:
                try:
                    await asyncio.wait_for(asyncio.shield(self._pump), timeout=10)
                except TimeoutError:
                    self._kill()
            try:
                await asyncio.wait_for(self._proc.wait(), timeout=5)
            except TimeoutError:
                self._kill()
        if failed:
            self.failed = failed
        self._end()

    def _kill(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            try:
                self._proc.kill()
            except ProcessLookupError:
                pass

    async def _read_decoder(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        try:
            while True:
                data = await self._proc.stdout.read(8192)
                if not data:
                    break
                self._append(data)
        except Exception as exc:  # the decoder died: the full file still plays when ready
            self._fail(f"live decoder failed ({type(exc).__name__})")

    def _fail(self, reason: str) -> None:
        log.info("live stream %s… ended early: %s", self.token[:6], reason)
        self.failed = reason
        self._end()

    def _end(self) -> None:
        if not self.done:
            self.done = True
            self.stats.ended_at = time.monotonic()
        self._notify()

    # -- readers --------------------------------------------------------------------------
    def _append(self, data: bytes) -> None:
        if self.stats.bytes_out + len(data) > MAX_BYTES:
            return
        if self.stats.first_output_at is None:
            self.stats.first_output_at = time.monotonic()
        self.stats.bytes_out += len(data)
        self._chunks.append(data)
        self._notify()

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for loop, event in waiters:
            if loop.is_closed():
                continue
            loop.call_soon_threadsafe(event.set)

    async def pcm(self):
        """Every PCM chunk from the start, then the new ones as they come, until the stream ends."""
        index = 0
        while True:
            while index < len(self._chunks):
                yield self._chunks[index]
                index += 1
            if self.done:
                return
            event = asyncio.Event()
            self._waiters.append((asyncio.get_running_loop(), event))
            if index < len(self._chunks) or self.done:
                continue
            await event.wait()


class LiveStreams:
    """The streams of this process, by token. Tokens are unguessable; old streams are dropped."""

    def __init__(self) -> None:
        self._streams: dict[str, LiveStream] = {}

    async def open(self, fmt: str, sample_rate: int | None = None, channels: int = 1) -> LiveStream:
        self.prune()
        stream = await LiveStream(fmt, sample_rate, channels).start()
        self._streams[stream.token] = stream
        return stream

    def get(self, token: str) -> LiveStream | None:
        return self._streams.get(token)

    def prune(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for token, stream in list(self._streams.items()):
            ended = stream.stats.ended_at
            if (ended is not None and now - ended > KEEP_AFTER_END_S) or now - stream.stats.opened_at > MAX_AGE_S:
                del self._streams[token]
        while len(self._streams) >= MAX_STREAMS:
            oldest = min(self._streams.values(), key=lambda s: s.stats.opened_at)
            del self._streams[oldest.token]

    def __len__(self) -> int:
        return len(self._streams)


STREAMS = LiveStreams()
