"""The live stream: provider chunks in, 16-bit mono PCM out, replayable, forgotten when old."""

from __future__ import annotations

import asyncio

import pytest

from playground import live
from playground.live import LiveStream, LiveStreams
from playground.sandbox.speech import render

TEXT = "Live audio, decoded while it arrives."


async def _feed(stream: LiveStream, data: bytes, size: int = 1000) -> None:
    for i in range(0, len(data), size):
        await stream.push(data[i : i + size])
    await stream.finish()


async def _collect(stream: LiveStream) -> bytes:
    return b"".join([chunk async for chunk in stream.pcm()])


@pytest.mark.parametrize(
    "fmt,rate", [("mp3", 24000), ("opus", 48000), ("aac", 24000), ("flac", 44100), ("wav", 24000), ("pcm", 24000)]
)
async def test_each_stream_format_becomes_pcm_of_the_same_length(fmt, rate):
    data = render(TEXT, voice=None, fmt=fmt, sample_rate=rate)
    reference = render(TEXT, voice=None, fmt="pcm", sample_rate=rate)
    stream = await LiveStream(fmt, rate).start()
    reader = asyncio.create_task(_collect(stream))
    await _feed(stream, data)
    pcm = await reader
    assert stream.rate == rate and not stream.failed
    seconds, expected = len(pcm) / 2 / rate, len(reference) / 2 / rate
    assert abs(seconds - expected) < 0.15, (seconds, expected)
    assert stream.stats.first_input_at is not None and stream.stats.first_output_at is not None


async def test_mono_pcm_passes_through_and_late_readers_replay_from_the_start():
    stream = await LiveStream("pcm", 24000).start()
    assert stream._proc is None  # no decoder needed
    first = asyncio.create_task(_collect(stream))
    await stream.push(b"\x01\x00" * 10)
    await stream.push(b"\x02\x00" * 10)
    await stream.finish()
    late = await _collect(stream)
    assert await first == late == b"\x01\x00" * 10 + b"\x02\x00" * 10


async def test_stereo_pcm_is_downmixed():
    stream = await LiveStream("pcm", 24000, channels=2).start()
    reader = asyncio.create_task(_collect(stream))
    await _feed(stream, b"\x00\x10\x00\x10" * 2400)
    assert len(await reader) == 2400 * 2  # 2400 mono frames of 16 bits


async def test_a_failed_request_ends_every_reader():
    stream = await LiveStream("mp3", 24000).start()
    reader = asyncio.create_task(_collect(stream))
    await stream.push(render(TEXT, voice=None, fmt="mp3", sample_rate=24000)[:2000])
    await stream.finish(failed="the request failed")
    await asyncio.wait_for(reader, timeout=5)
    assert stream.done and stream.failed == "the request failed"


async def test_corrupt_input_ends_the_stream_without_an_error():
    stream = await LiveStream("mp3", 24000).start()
    reader = asyncio.create_task(_collect(stream))
    await _feed(stream, b"not audio at all" * 100)
    assert await asyncio.wait_for(reader, timeout=5) == b""


def test_only_streamable_formats_and_sane_rates():
    assert live.can_stream("mp3") and not live.can_stream("url")
    with pytest.raises(ValueError):
        LiveStream("midi")
    assert live.output_rate("mp3", None) == live.DEFAULT_RATE
    assert live.output_rate("mp3", 96000) == live.DEFAULT_RATE
    assert live.output_rate("pcm", 16000) == 16000


async def test_registry_tokens_are_unguessable_and_old_streams_are_dropped():
    streams = LiveStreams()
    a = await streams.open("pcm", 24000)
    b = await streams.open("pcm", 24000)
    assert a.token != b.token and len(a.token) >= 32
    assert streams.get(a.token) is a and streams.get("nope") is None
    await a.finish()
    streams.prune(now=a.stats.ended_at + live.KEEP_AFTER_END_S + 1)
    assert streams.get(a.token) is None and streams.get(b.token) is b
    streams.prune(now=b.stats.opened_at + live.MAX_AGE_S + 1)
    assert len(streams) == 0
