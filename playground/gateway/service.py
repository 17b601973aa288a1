"""One speech call through the gateway (or an MCP tool): check the request, find the voice, run the
adapter's own speak() with on_chunk, convert when the provider cannot return the asked format,
and record the take in the library like the page does.

Nothing here imports Gradio or Starlette: routes.py (HTTP) and ui/mcp_tools.py (MCP) drive it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from playground import audio, cpu, providers
from playground.config import Target
from playground.errors import InputError
from playground.gateway import catalog, requests
from playground.gateway.callers import provider_key
from playground.gateway.problems import GatewayError
from playground.library import default_store
from playground.library.hooks import record_take
from playground.providers.base import SpeechResult

FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
FIELDS = {"model", "input", "voice", "response_format", "speed", "instructions", "stream_format"}
HANDLER = "api_speech"  # the take's handler name in History
_DONE = object()
_background: set[asyncio.Task] = set()


@dataclass
class SpeechCall:
    ask: requests.Ask
    model_id: str
    wanted: str  # the format the caller gets
    api_key: str | None
    target: Target
    voice_id: str
    request: Any
    settings: dict = field(default_factory=dict)

    @property
    def converted(self) -> str | None:
        """'pcm->mp3' when the provider's format is converted for the caller, else None."""
        return None if self.ask.fmt == self.wanted else f"{self.ask.fmt}->{self.wanted}"


def _string(doc: Mapping, name: str, required: bool = False) -> str | None:
    value = doc.get(name)
    if value is None:
        if required:
            raise GatewayError(
                400, f"Missing required parameter: '{name}'.", code="missing_required_parameter", param=name
            )
        return None
    if not isinstance(value, str):
        raise GatewayError(400, f"Invalid type for '{name}': expected a string.", code="invalid_type", param=name)
    return value


def parse(doc: Any) -> dict:
    """The OpenAI request body, checked for shape (the provider's limits are checked by its adapter)."""
    if not isinstance(doc, dict):
        raise GatewayError(400, "The request body must be a JSON object.")
    extra = sorted(set(doc) - FIELDS)
    if extra:
        raise GatewayError(
            400, f"Unrecognized request argument supplied: {extra[0]}", code="unknown_parameter", param=extra[0]
        )
    voice = doc.get("voice")
    if isinstance(voice, dict) and isinstance(voice.get("id"), str):
        voice = voice["id"]  # a custom voice object {"id": ...}
    if voice is None:
        raise GatewayError(
            400, "Missing required parameter: 'voice'.", code="missing_required_parameter", param="voice"
        )
    if not isinstance(voice, str) or not voice.strip():
        raise GatewayError(400, "Invalid 'voice': a voice name or id (string), or {\"id\": ...}.", param="voice")
    fmt = _string(doc, "response_format") or "mp3"
    if fmt not in FORMATS:
        raise GatewayError(
            400, f"Invalid value: '{fmt}'. Supported values are: {', '.join(FORMATS)}.", param="response_format"
        )
    stream_format = _string(doc, "stream_format") or "audio"
    if stream_format not in ("audio", "sse"):
        raise GatewayError(
            400, f"Invalid value: '{stream_format}'. Supported values are: 'sse' and 'audio'.", param="stream_format"
        )
    speed = doc.get("speed")
    if speed is not None and (isinstance(speed, bool) or not isinstance(speed, (int, float))):
        raise GatewayError(400, "Invalid type for 'speed': expected a number.", code="invalid_type", param="speed")
    return dict(
        model=_string(doc, "model", True),
        input=_string(doc, "input", True),
        voice=voice.strip(),
        response_format=fmt,
        speed=None if speed is None else float(speed),
        instructions=(_string(doc, "instructions") or "").strip() or None,
        stream_format=stream_format,
    )


def library_rows(pid: str, target: Target) -> list[dict]:
    """The caller's library voices of one provider (only the scope their key gives)."""
    store = default_store()
    return [r for r in store.voices([store.scope(target)]) if r["provider"] == pid]


def resolve_voice(pid: str, model: str, voice: str, target: Target) -> str:
    """A system voice as is; a library voice by its id or its name -> its id; anything else as is
    (the provider says whether it knows it)."""
    if voice in {v for v, _ in catalog.system_voices(pid, model)}:
        return voice
    rows = library_rows(pid, target)
    for row in rows:
        if row["voice_id"] == voice:
            return voice
    fits = [r for r in rows if r["name"] == voice and (pid != "siliconflow" or not r["model"] or r["model"] == model)]
    return fits[0]["voice_id"] if fits else voice


def prepare(doc: Any, headers: Mapping[str, str]) -> SpeechCall:
    """Everything checked before anything is sent (a bad field fails here, with its OpenAI status)."""
    body = parse(doc)
    pid, model = catalog.split_model(body["model"])
    api_key = provider_key(headers, pid)
    adapter = providers.get(pid)
    target = adapter.target(api_key)
    voice_id = resolve_voice(pid, model, body["voice"], target)
    wanted = body["response_format"]
    native = catalog.native_formats(pid)
    fmt = wanted if wanted in native else ("pcm" if "pcm" in native else native[0])
    ask = requests.Ask(
        pid=pid,
        model=model,
        text=body["input"],
        voice=voice_id,
        fmt=fmt,
        speed=body["speed"],
        instructions=body["instructions"],
        stream_format=body["stream_format"],
    )
    request = adapter.check_speak(requests.build(ask))
    settings = {
        "text": body["input"],
        "model": body["model"],
        "voice": body["voice"],
        "response_format": wanted,
        "speed": body["speed"],
        "instructions": body["instructions"],
        "stream_format": body["stream_format"],
    }
    return SpeechCall(
        ask=ask,
        model_id=body["model"],
        wanted=wanted,
        api_key=api_key,
        target=target,
        voice_id=voice_id,
        request=request,
        settings=settings,
    )


class Run:
    """One running speak(): chunks come out of `chunks()` as the provider sends them."""

    def __init__(self, call: SpeechCall) -> None:
        self.call = call
        self.queue: asyncio.Queue = asyncio.Queue()
        self.result: SpeechResult | None = None
        self.task = asyncio.create_task(self._speak())

    async def _speak(self) -> None:
        call = self.call
        try:
            self.result = await providers.get(call.ask.pid).speak(
                call.request, api_key=call.api_key, on_chunk=self.queue.put_nowait
            )
        except BaseException as exc:  # handed to the reader, which raises it where it can be answered
            self.queue.put_nowait(exc)
            if not isinstance(exc, Exception):
                raise
            return
        self.queue.put_nowait(_DONE)
        remember(call, self.result)

    async def next(self) -> bytes | None:
        """The next chunk, None at the end; raises the provider's error."""
        while True:
            item = await self.queue.get()
            if item is _DONE:
                return None
            if isinstance(item, BaseException):
                raise item
            if item:
                return item

    async def chunks(self) -> AsyncIterator[bytes]:
        while (chunk := await self.next()) is not None:
            yield chunk

    async def whole(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    def cancel(self) -> None:
        if not self.task.done():
            self.task.cancel()


def remember(call: SpeechCall, result: SpeechResult) -> None:
    """Record the take in History without holding up the caller."""
    task = asyncio.get_running_loop().create_task(
        record_take(HANDLER, result, call.target, call.settings, voice=call.voice_id)
    )
    _background.add(task)
    task.add_done_callback(_background.discard)


async def settled() -> None:
    """Wait for takes still being recorded (tests, shutdown)."""
    while _background:
        await asyncio.gather(*list(_background), return_exceptions=True)


def convert(data: bytes, call: SpeechCall) -> bytes:
    """The provider's audio in the caller's format, through ffmpeg (never ffprobe). Blocking."""
    source = audio.SpeechAudio(
        data=data, format=call.ask.fmt, sample_rate=getattr(call.request, "sample_rate", None) or requests.PCM_RATE
    )
    seg = audio.decode(source.playable())
    if call.wanted == "pcm":
        return audio.encode(seg, "pcm", sample_rate=requests.PCM_RATE, channels=1)
    return audio.encode(seg, call.wanted)


async def speak_whole(call: SpeechCall) -> bytes:
    """The whole take in the caller's format (MCP, and conversions)."""
    run = Run(call)
    try:
        data = await run.whole()
    finally:
        run.cancel()
    if call.converted:
        try:
            data = await cpu.run(convert, data, call, kind="after")
        except InputError as exc:
            raise GatewayError(
                502,
                f"The provider's {call.ask.fmt} audio could not be converted to {call.wanted}: {exc.user_message()}",
                "server_error",
                "conversion_failed",
            ) from None
    return data
