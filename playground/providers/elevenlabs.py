"""ElevenLabs: Instant Voice Cloning (after a subscription pre-flight), text to speech (whole or
streamed raw bytes; output_format in the query), voices (GET /v2/voices, paginated; DELETE),
and Scribe speech to text for the clinic's transcripts (providers-more.md section 1).
Requests and checks: elevenlabs_checks.py; error codes and the xi-api-key transport:
elevenlabs_codes.py."""

from __future__ import annotations

import json
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from playground.audio import SpeechAudio, sniff_format, wrap_pcm
from playground.config import Target
from playground.errors import (
    AuthenticationError,
    PermissionDeniedError,
    ProviderError,
    QuotaError,
    UnsupportedError,
)
from playground.http import Timing
from playground.providers.asr import TranscribeRequest, Transcript, check_request, spec_of
from playground.providers.base import ChunkCallback, Provider, SpeechResult, UploadResult, Voice, read_audio
from playground.providers.elevenlabs_checks import (
    ElevenLabsClone,
    ElevenLabsSpeech,
    OutputFormat,
    check_clone,
    check_speech,
    clone_form,
    speech_body,
    speech_query,
    wire_format,
)
from playground.providers.elevenlabs_codes import CODE_ERRORS, ElevenLabsTransport, parse_error

__all__ = ["ElevenLabs", "ElevenLabsClone", "ElevenLabsSpeech"]
HEADERLESS = {"pcm", "ulaw", "alaw"}
TEXT_TYPES = ("application/json", "text/html", "text/plain")  # a speech answer of these is an error
EXPECTED_CONTAINER = {"mp3": "mp3", "wav": "wav", "opus": "opus"}


class ElevenLabs(Provider):
    ID = "elevenlabs"
    SUPPORTS_CLONE = True
    SUPPORTS_LIST = True
    SUPPORTS_DELETE = True
    SUPPORTS_STREAM = True
    SUPPORTS_TRANSCRIBE = True
    CODE_ERRORS = CODE_ERRORS
    # the generated tab's forms (presets "ui")
    REQUESTS: ClassVar[dict[str, type[ElevenLabsClone] | type[ElevenLabsSpeech]]] = {
        "clone": ElevenLabsClone,
        "speak": ElevenLabsSpeech,
    }

    def __init__(self) -> None:
        super().__init__()
        self.transport = ElevenLabsTransport(self.ID, self.label, self.parse_error, self.CODE_ERRORS)

    @staticmethod
    def parse_error(status: int, body: bytes, content_type: str) -> tuple[Any, str | None]:
        return parse_error(status, body, content_type)

    def system_voices(self) -> dict[str, str]:
        return dict(self.spec["system_voices"])

    # -- what the generated tab asks (presets/elevenlabs.json "ui") ---------------------------------------
    def takes_language_code(self, model_id: str | None) -> bool:
        return bool(self.spec["models"].get((model_id or "").strip(), {}).get("language_code"))

    def request_from_fields(self, operation: str, values: dict[str, Any]) -> Any:
        if operation not in self.REQUESTS:
            raise UnsupportedError(f"{self.label} declares no request for {operation!r}.")
        return self.REQUESTS[operation].from_fields(values)

    def live_options(self, request: ElevenLabsSpeech) -> dict[str, Any]:
        """What the live player reads: the codec on the wire (a streamed wav arrives as pcm)."""
        wire = wire_format(self.spec, request)
        playable = wire.codec in ("mp3", "opus", "pcm", "wav")
        return dict(live=bool(request.stream) and playable, fmt=wire.codec, sample_rate=wire.sample_rate, channels=1)

    # -- account (the clone pre-flight) ------------------------------------------------------------
    async def subscription(self, *, api_key: str | None = None) -> dict[str, Any]:
        """GET /v1/user/subscription: tier, characters and voice slots used and allowed."""
        return await self._subscription(self.target(api_key))

    async def _subscription(self, target: Target) -> dict[str, Any]:
        _, body = await self.transport.request(target, "GET", "/v1/user/subscription", idempotent=True)
        return self._json(body, target, "the subscription")

    async def _preflight(self, target: Target) -> list[str]:
        """Refuse before uploading when the plan cannot clone or every voice slot is taken."""
        try:
            sub = await self._subscription(target)
        except (PermissionDeniedError, AuthenticationError) as exc:
            if exc.code == "invalid_api_key":
                raise
            # a key restricted to some features may not read the account (its refusal is UNCONFIRMED)
            return [f"the account could not be checked before cloning ({exc.code or exc.status}); cloning anyway"]
        tier = sub.get("tier") or "unknown"
        if sub.get("can_use_instant_voice_cloning") is False:
            refusal = self.transport.error(
                status=None,
                code="can_use_instant_voice_cloning=false",
                target=target,
                cls=PermissionDeniedError,
                provider_message=f"plan {tier} cannot use Instant Voice Cloning (checked before uploading)",
            )
            refusal.hint = "Instant Voice Cloning needs a paid plan (Starter or above); the free plan cannot clone."
            raise refusal
        used, limit = sub.get("voice_slots_used"), sub.get("voice_limit")
        if isinstance(used, int) and isinstance(limit, int) and used >= limit:
            raise self.transport.error(
                status=None,
                code="voice_limit_reached",
                target=target,
                cls=QuotaError,
                provider_message=f"{used} / {limit} custom voice slots used on plan {tier} (checked before uploading)",
            )
        return []

    # -- clone ----------------------------------------------------------------------------------
    def check_clone(self, req: ElevenLabsClone) -> ElevenLabsClone:
        return check_clone(self.spec, req, self.label)

    async def _clone_voice(self, target: Target, req: ElevenLabsClone) -> UploadResult:
        notes = [n for s in req.samples for n in s.notes] + list(req.warnings)
        if req.preflight:
            notes += await self._preflight(target)
        data, files = clone_form(req)
        _, body = await self.transport.request(
            target, "POST", self.spec["clone"]["path"], idempotent=False, data=data, files=files
        )
        doc = self._json(body, target, "the clone")
        voice_id = doc.get("voice_id")
        if not isinstance(voice_id, str) or not voice_id:
            raise self._invalid(target, "the clone answer had no voice_id")
        if doc.get("requires_verification"):
            notes.append("ElevenLabs asks to verify this voice before it can be used (requires_verification)")
        first = req.samples[0]
        return UploadResult(
            voice_id=voice_id,
            provider=self.ID,
            model=None,
            name=req.name,
            sample=first,
            sandbox=target.sandbox,
            notes=notes,
            extra={
                "requires_verification": bool(doc.get("requires_verification")),
                "files": len(req.samples),
                "labels": req.labels,
                "description": req.description,
                "remove_background_noise": req.remove_background_noise,
                "duration_s": round(sum(s.info.duration_s for s in req.samples), 2),
            },
        )

    # -- speech -------------------------------------------------------------------------------------
    def check_speak(self, req: ElevenLabsSpeech) -> ElevenLabsSpeech:
        return check_speech(self.spec, req, self.label)

    async def _speak(self, target: Target, req: ElevenLabsSpeech, on_chunk: ChunkCallback | None) -> SpeechResult:
        body, query, timing = speech_body(self.spec, req), speech_query(self.spec, req), Timing()
        wire = wire_format(self.spec, req)
        path = f"/v1/text-to-speech/{quote(req.voice_id, safe='')}" + ("/stream" if req.stream else "")
        async with self.transport.stream(
            target, "POST", path, idempotent=True, json=body, params=query, timing=timing
        ) as resp:
            await self._refuse_text_answer(resp, target, text_types=TEXT_TYPES)
            data = await read_audio(resp, on_chunk)
        self._check_audio(data, wire, target)
        audio = SpeechAudio(data=data, format=wire.audio_format, sample_rate=wire.sample_rate)
        requested = OutputFormat.parse(req.output_format)
        if requested.codec == "wav" and wire.codec == "pcm":  # streamed wav: asked as pcm, wrapped here
            audio = SpeechAudio(data=wrap_pcm(data, wire.sample_rate), format="wav", sample_rate=wire.sample_rate)
        fields = {**body, "output_format (query)": wire.name, "stream": req.stream}
        return SpeechResult(
            audio=audio,
            provider=self.ID,
            model=req.model_id,
            voice_label=self.spec["system_voices"].get(req.voice_id, req.voice_id),
            sandbox=target.sandbox,
            timing=timing,
            request_fields=fields,
        )

    def _text_answer_error(self, resp: httpx.Response, raw: bytes, ctype: str, target: Target) -> ProviderError:
        return self._invalid(target, f"a {ctype} answer instead of audio: {raw[:80]!r}")

    def _check_audio(self, data: bytes, wire: OutputFormat, target: Target) -> None:
        if not data:
            raise self._invalid(target, "empty body")
        found = sniff_format(data)
        if wire.codec in HEADERLESS:  # G.711 bytes may look like an MP3 frame sync (0xFF is ulaw silence)
            foreign = found not in (None, "mp3", "aac") if wire.codec != "pcm" else found is not None
            if foreign or data[:1] in (b"{", b"<"):
                raise self._invalid(target, f"expected headerless {wire.codec}, got {data[:40]!r}")
        elif found != EXPECTED_CONTAINER[wire.codec] and not (wire.codec == "opus" and found == "ogg"):
            raise self._invalid(target, f"expected {wire.codec} audio, got {data[:40]!r}")

    # -- voices -----------------------------------------------------------------------------------
    async def _list_voices(
        self,
        target: Target,
        voice_type: str | None = None,
        category: str | None = None,
        search: str | None = None,
        sort: str | None = None,
        sort_direction: str | None = None,
        page_size: int | None = None,
        **_: Any,
    ) -> list[Voice]:
        spec = self.spec["voices"]
        params: dict[str, Any] = {"page_size": int(page_size or spec["default_page_size"])}
        for name, value in (
            ("voice_type", voice_type),
            ("category", category),
            ("sort", sort),
            ("sort_direction", sort_direction),
        ):
            if value:
                params[name] = self._one_of(value, spec[name], name)
        if search and search.strip():
            params["search"] = search.strip()
        voices: list[Voice] = []
        for _page in range(int(spec["max_pages"])):
            _resp, body = await self.transport.request(target, "GET", "/v2/voices", idempotent=True, params=params)
            doc = self._json(body, target, "the voice list")
            items = doc.get("voices")
            if not isinstance(items, list):
                raise self._invalid(target, "the voice list had no voices array")
            voices += [self._voice(item) for item in items if isinstance(item, dict) and item.get("voice_id")]
            token = doc.get("next_page_token")
            if not doc.get("has_more") or not token:
                break
            params = {**params, "next_page_token": token}
        return voices

    def _voice(self, item: dict) -> Voice:
        category = item.get("category")
        return Voice(
            id=str(item["voice_id"]),
            name=item.get("name") or str(item["voice_id"]),
            provider=self.ID,
            kind="system" if category == "premade" else "cloned",
            extra={
                k: item.get(k)
                for k in ("category", "labels", "description", "preview_url", "created_at_unix", "is_owner")
                if k in item
            },
        )

    async def _delete_voice(self, target: Target, voice_id: str, **_: Any) -> str:
        path = f"/v1/voices/{quote(voice_id, safe='')}"
        _resp, body = await self.transport.request(target, "DELETE", path, idempotent=True)
        doc = self._json(body, target, "the deletion")
        if doc.get("status") != "ok":
            raise self._invalid(target, f"the deletion answered {json.dumps(doc)[:120]}")
        return f"deleted {voice_id}"

    # -- speech to text (Scribe) --------------------------------------------------------------------------
    def check_transcribe(self, request: TranscribeRequest) -> TranscribeRequest:
        return check_request(self, request)

    async def _transcribe(self, target: Target, req: TranscribeRequest) -> Transcript:
        assert req.sample is not None and req.model
        _resp, body = await self.transport.request(
            target,
            "POST",
            spec_of(self)["path"],
            idempotent=True,
            data={"model_id": req.model},
            files={"file": req.sample.multipart()},
        )
        doc = self._json(body, target, "the transcription")
        if not isinstance(doc.get("text"), str):
            raise self._invalid(target, "the transcription answer had no text")
        extra: dict[str, Any] = {
            k: doc[k] for k in ("language_code", "language_probability", "transcription_id") if k in doc
        }
        return Transcript(
            text=doc["text"].strip(),
            provider=self.ID,
            model=req.model,
            sandbox=target.sandbox,
            duration_s=req.sample.info.duration_s,
            extra=extra,
        )
