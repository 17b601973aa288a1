"""OpenAI `/v1/audio/speech` and any gateway that speaks it (seed 003, providers.md section 4).

The request body follows the official SDK: a field is sent only when it differs from the
API default (mp3, speed 1.0, stream_format audio) or was given (instructions), and fields a
model does not accept (instructions and SSE on tts-1/tts-1-hd) are dropped with a note.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from playground import config, hosted, netguard
from playground.audio import SpeechAudio, looks_like_text, sniff_format
from playground.config import Secret, Target
from playground.errors import (
    AuthenticationError,
    InputError,
    InvalidResponseError,
    MissingKeyError,
    NotFoundError,
    ProviderError,
    QuotaError,
    RateLimitError,
    StreamInterruptedError,
)
from playground.http import Timing, request_id_of
from playground.providers import openai_compat_wire as wire
from playground.providers.asr import TranscribeMixin
from playground.providers.base import ChunkCallback, Provider, SpeechResult, check_range, check_text, emit

TEXT_TYPES = ("application/json", "text/html", "text/plain", "application/problem+json")
SSE_TYPE = "text/event-stream"


@dataclass
class OpenAISpeech:
    text: str
    model: str = "gpt-4o-mini-tts"
    voice: str = "alloy"  # a built-in name, any typed name, or a custom voice id "voice_..."
    instructions: str | None = None
    response_format: str = "mp3"
    speed: float = 1.0
    stream_format: str = "audio"  # "audio" (chunked raw bytes) or "sse" (base64 delta events)
    notes: list[str] = field(default_factory=list)


@dataclass
class OpenAISpeechResult(SpeechResult):
    first_audio_s: float | None = None
    chunks: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class ModelList:
    """What GET /models said: has_endpoint is False when the gateway has none."""

    base_url: str
    has_endpoint: bool
    models: list[str] = field(default_factory=list)
    speech_models: list[str] = field(default_factory=list)
    sandbox: bool = False
    detail: str | None = None


class OpenAICompat(TranscribeMixin, Provider):
    ID = "openai_compat"
    SUPPORTS_STREAM = True
    SUPPORTS_MODELS = True
    REQUESTS = {"speak": OpenAISpeech}
    ACCOUNT_FIELDS = ("base_url",)  # a gateway typed in the page: passed to speak() and target()

    # OpenAI's business codes; a gateway may send its own (then the HTTP status decides)
    CODE_ERRORS = {
        "invalid_api_key": AuthenticationError,
        "insufficient_quota": QuotaError,
        "billing_hard_limit_reached": QuotaError,
        "rate_limit_exceeded": RateLimitError,
        "model_not_found": NotFoundError,
    }

    # -- errors: {error:{message,type,param,code}}; gateways: {error:"..."}, {message}, {detail}, text, HTML
    parse_error = staticmethod(wire.parse_error)

    # -- where calls go ------------------------------------------------------------------
    def sandbox_root(self) -> str | None:
        """The built-in simulators of this provider: `<sandbox>/openai_compat`."""
        url = config.sandbox_url(self.ID)
        return url.rstrip("/").rsplit("/", 1)[0] if url else None

    def sandbox_gateway_url(self) -> str | None:
        """The strict seed-003 gateway simulator (no /models endpoint)."""
        root = self.sandbox_root()
        return f"{root}/gateway/v1" if root else None

    def target(self, api_key: str | None = None, base_url: str | None = None) -> Target:
        """Empty base URL: env/default or the sandbox (config.resolve_target).

        A typed base URL gets the typed key only: the key from OPENAI_API_KEY goes to
        OPENAI_BASE_URL (or the default) and never to a URL typed in the page.
        """
        override = (base_url or "").strip().rstrip("/")
        if not override:
            return config.resolve_target(self.ID, api_key)
        override = netguard.clean_base_url(override)  # http(s), no ?/#/user@/dot segments
        typed = config.check_key((api_key or "").strip())
        root = self.sandbox_root()
        if root and override in (f"{root}/v1", self.sandbox_gateway_url()):  # the simulators, exactly
            return Target(self.ID, override, Secret(typed or config.sandbox_key()), sandbox=True)
        if not typed and override == config.configured_base_url(self.ID) and config.env_key(self.ID):
            return config.resolve_target(self.ID, None)
        if not typed:
            raise MissingKeyError(
                f"No key for the base URL {override}.",
                hint=(
                    f"Type that gateway's key (any text if it needs none). The {self.spec['env_key']} key is only "
                    f"sent to {self.spec['env_base_url']} or the default; "
                    "clear the base URL to use it or the sandbox."
                ),
            )
        return Target(self.ID, override, Secret(typed), sandbox=False, typed=True)

    # -- model facts ---------------------------------------------------------------------
    def is_legacy(self, model: str) -> bool:
        """tts-1 and tts-1-hd (and their dated variants) take no instructions and no SSE."""
        known = self.spec["models"].get(model)
        if known is not None:
            return not known["instructions"]
        return any(model.startswith(p) for p in self.spec["legacy_model_prefixes"])

    def accepts_instructions(self, model: str) -> bool:
        return not self.is_legacy((model or "").strip())

    def accepts_sse(self, model: str) -> bool:
        return not self.is_legacy((model or "").strip())

    def stream_formats_for(self, model: str) -> list[str]:
        """The stream_format values a model takes (SSE only on the newer models)."""
        return list(self.spec["stream_formats"]) if self.accepts_sse(model or "") else ["audio"]

    def live_options(self, request: OpenAISpeech) -> dict[str, Any]:
        """Always played live (both stream formats arrive in chunks); pcm at the spec's rate."""
        rate = self.spec["pcm"]["sample_rate"] if request.response_format == "pcm" else None
        return dict(live=True, fmt=request.response_format, sample_rate=rate, channels=1)

    def voices(self) -> list[str]:
        return [*self.spec["seed_voices"], *self.spec["newer_voices"]]

    # -- speech --------------------------------------------------------------------------
    def check_speak(self, req: OpenAISpeech) -> OpenAISpeech:
        limits = self.spec["limits"]
        text = check_text(req.text, limits["input_chars"], self.label)
        model = (req.model or "").strip()
        if not model:
            raise InputError("Choose or type a model.", hint="For example gpt-4o-mini-tts or tts-1.")
        voice = (req.voice or "").strip()
        if not voice:
            raise InputError("Choose or type a voice.", hint=f"For example {self.spec['default_voice']}.")
        fmt = (req.response_format or self.spec["default_format"]).strip().lower()
        if fmt not in self.spec["formats"]:
            raise InputError(f"Unknown format {fmt!r}.", hint=f"Choose one of: {', '.join(self.spec['formats'])}.")
        speed = float(req.speed if req.speed is not None else 1.0)
        check_range(speed, limits["speed"], "Speed", self.label)
        stream_format = (req.stream_format or "audio").strip().lower()
        if stream_format not in self.spec["stream_formats"]:
            raise InputError(f"stream_format must be one of {', '.join(self.spec['stream_formats'])}.")
        notes = list(req.notes)
        instructions = (req.instructions or "").strip() or None
        if instructions and len(instructions) > limits["instructions_chars"][1]:
            raise InputError(
                f"Instructions are {len(instructions):,} characters; at most "
                f"{limits['instructions_chars'][1]:,} are accepted."
            )
        if instructions and not self.accepts_instructions(model):
            notes.append(f"instructions not sent: {model} does not take them")
            instructions = None
        if stream_format == "sse" and not self.accepts_sse(model):
            notes.append(f"{model} cannot stream SSE: streamed the chunked audio body instead")
            stream_format = "audio"
        return OpenAISpeech(
            text=text,
            model=model,
            voice=voice,
            instructions=instructions,
            response_format=fmt,
            speed=speed,
            stream_format=stream_format,
            notes=notes,
        )

    def voice_field(self, voice: str) -> str | dict[str, str]:
        """A custom voice id ("voice_...") goes as an object, as the API and SDK take it."""
        return {"id": voice} if voice.startswith(self.spec["custom_voice_prefix"]) else voice

    def speech_body(self, req: OpenAISpeech) -> dict[str, Any]:
        """The JSON the SDK sends for the same settings: defaults and empty fields left out."""
        defaults = self.spec["defaults"]
        body: dict[str, Any] = {"model": req.model, "input": req.text, "voice": self.voice_field(req.voice)}
        if req.instructions:
            body["instructions"] = req.instructions
        if req.response_format != defaults["response_format"]:
            body["response_format"] = req.response_format
        if req.speed != defaults["speed"]:
            body["speed"] = req.speed
        if req.stream_format != defaults["stream_format"]:
            body["stream_format"] = req.stream_format
        return body

    async def speak(
        self,
        request: OpenAISpeech,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        on_chunk: ChunkCallback | None = None,
    ) -> OpenAISpeechResult:
        request = self.check_speak(request)
        hosted.note_text(request.text)  # what a capped demo key would be charged
        return await self._speak(self.target(api_key, base_url), request, on_chunk)

    async def _speak(self, target: Target, req: OpenAISpeech, on_chunk: ChunkCallback | None) -> OpenAISpeechResult:
        body = self.speech_body(req)
        timing = Timing()
        accept = SSE_TYPE if req.stream_format == "sse" else "application/octet-stream"
        chunks: list[bytes] = []
        first_audio: list[float] = []
        loop_time = _loop_time()
        start = loop_time()

        async def deliver(chunk: bytes) -> None:
            if not chunk:
                return
            if not first_audio:
                first_audio.append(loop_time() - start)
            chunks.append(chunk)
            await emit(on_chunk, chunk)

        async with self.transport.stream(
            target, "POST", "/audio/speech", idempotent=True, json=body, headers={"Accept": accept}, timing=timing
        ) as resp:
            ctype = await self._refuse_text_answer(resp, target, text_types=TEXT_TYPES)
            if ctype == SSE_TYPE:
                async for chunk in self._sse_audio(resp, target):
                    await deliver(chunk)
            else:
                async for chunk in resp.aiter_bytes():
                    await deliver(chunk)
        data = b"".join(chunks)
        self._check_audio(data, req.response_format, target)
        pcm = self.spec["pcm"]
        rate = pcm["sample_rate"] if req.response_format == "pcm" else None
        sent = dict(body)
        return OpenAISpeechResult(
            audio=SpeechAudio(data=data, format=req.response_format, sample_rate=rate, channels=pcm["channels"]),
            provider=self.ID,
            model=req.model,
            voice_label=req.voice,
            sandbox=target.sandbox,
            timing=timing,
            request_fields=sent,
            first_audio_s=first_audio[0] if first_audio else None,
            chunks=len(chunks),
            notes=req.notes,
        )

    def _text_answer_error(self, resp: httpx.Response, raw: bytes, ctype: str, target: Target) -> ProviderError:
        code, message = self.parse_error(resp.status_code, raw, ctype)
        return self.transport.error(
            status=resp.status_code,
            code=code,
            target=target,
            cls=InvalidResponseError,
            provider_message=f"a {ctype} body instead of audio: {message or 'empty'}",
            request_id=request_id_of(resp.headers),
        )

    async def _sse_audio(self, resp: httpx.Response, target: Target) -> AsyncIterator[bytes]:
        """speech.audio.delta events -> decoded audio chunks, until speech.audio.done."""
        done = False
        async for payload in wire.sse_payloads(resp.aiter_lines()):
            event = self._sse_event(payload, target)
            kind = event.get("type")
            if kind == "speech.audio.delta":
                yield self._delta_audio(event, target)
            elif kind == "speech.audio.done":
                done = True
            elif kind == "error" or "error" in event:
                inner = event.get("error")
                err = inner if isinstance(inner, dict) else event
                raise self.transport.error(
                    status=resp.status_code,
                    code=err.get("code") or err.get("type"),
                    provider_message=str(err.get("message") or payload[:300]),
                    target=target,
                )
        if not done:
            raise self.transport.error(
                status=resp.status_code,
                code=None,
                target=target,
                cls=StreamInterruptedError,
                provider_message="the SSE stream ended before speech.audio.done",
            )

    def _sse_event(self, payload: str, target: Target) -> dict[str, Any]:
        try:
            event = json.loads(payload)
        except ValueError:
            event = None
        if not isinstance(event, dict):
            raise self._invalid(target, f"an SSE event that is not a JSON object: {payload[:120]!r}")
        return event

    def _delta_audio(self, event: dict[str, Any], target: Target) -> bytes:
        try:
            return base64.b64decode(event.get("audio") or "", validate=True)
        except (ValueError, TypeError):
            raise self._invalid(target, "a speech.audio.delta whose audio is not base64") from None

    def _check_audio(self, data: bytes, fmt: str, target: Target) -> None:
        """A 200 whose body is JSON/HTML (or the wrong container) is an error, not a broken file."""
        if not data:
            raise self._invalid(target, "an empty body")
        expected = set(self.spec["formats"][fmt]["sniff"])
        found = sniff_format(data)
        if wire.looks_like_text(data) or (fmt == "pcm" and looks_like_text(data)):
            code, message = self.parse_error(200, data, "")
            raise self.transport.error(
                status=200,
                code=code,
                target=target,
                cls=InvalidResponseError,
                provider_message=f"text instead of {fmt} audio: {message}",
            )
        if expected and found not in expected:
            raise self._invalid(target, f"expected {fmt} audio, got {found or 'unknown bytes'} ({data[:16]!r})")

    # -- models --------------------------------------------------------------------------
    async def list_models(self, *, api_key: str | None = None, base_url: str | None = None) -> ModelList:
        target = self.target(api_key, base_url)
        none: dict[str, Any] = dict(base_url=target.base_url, has_endpoint=False, sandbox=target.sandbox)
        try:
            resp, body = await self.transport.request(target, "GET", "/models", idempotent=True)
        except NotFoundError as exc:
            return ModelList(
                **none,
                detail=f"HTTP 404 at {target.base_url}/models"
                + (f": {exc.provider_message}" if exc.provider_message else ""),
            )
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            doc = json.loads(body)
        except ValueError:
            return ModelList(
                **none, detail=f"{target.base_url}/models answered {ctype or 'a non-JSON body'}, not a model list"
            )
        items = doc.get("data") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            return ModelList(**none, detail=f"{target.base_url}/models answered JSON without a model list")
        ids = [str(m.get("id")) if isinstance(m, dict) else str(m) for m in items]
        ids = [i for i in ids if i and i != "None"]
        pattern = re.compile(self.spec["speech_model_pattern"], re.I)
        return ModelList(
            base_url=target.base_url,
            has_endpoint=True,
            models=ids,
            sandbox=target.sandbox,
            speech_models=[i for i in ids if pattern.search(i)],
        )


def _loop_time():
    return asyncio.get_running_loop().time
