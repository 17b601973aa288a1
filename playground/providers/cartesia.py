"""Cartesia (providers-more.md section 3): clone a voice from one clip (POST /voices/clone), speech
as bytes (POST /tts/bytes) or streamed (POST /tts/sse, base64 chunks of raw PCM, wrapped into WAV
here when a wav was asked), list and delete own voices, and speech recognition (POST /stt).
Every request carries `Cartesia-Version` (presets default, env CARTESIA_VERSION, or per request):
it changes the voice specifier, the clone fields and the error format. Wire details: cartesia_wire.py."""

from __future__ import annotations

import os
import struct
from typing import Any

from playground import errors
from playground.audio import SpeechAudio, looks_like_text, sniff_format
from playground.config import Target
from playground.errors import InputError, ProviderError
from playground.http import STATUS_ERRORS, Timing
from playground.providers import asr
from playground.providers.base import (
    ChunkCallback,
    Provider,
    SpeechResult,
    UploadResult,
    Voice,
    check_range,
    check_text,
    read_audio,
)
from playground.providers.cartesia_requests import CartesiaClone, CartesiaSpeech
from playground.providers.cartesia_wire import BadStream, CartesiaTransport, ErrorEvent, parse_error, read_sse, wrap


class Cartesia(Provider):
    ID = "cartesia"
    SUPPORTS_CLONE = True
    SUPPORTS_LIST = True
    SUPPORTS_DELETE = True
    SUPPORTS_STREAM = True
    SUPPORTS_TRANSCRIBE = True
    REQUESTS = {"clone": CartesiaClone, "speak": CartesiaSpeech}  # what the tab builder builds from presets ui

    def __init__(self) -> None:
        super().__init__()
        self.transport = CartesiaTransport(self.ID, self.label, self.parse_error, self.CODE_ERRORS)

    @staticmethod
    def parse_error(status: int, body: bytes, content_type: str) -> tuple[Any, str | None]:
        return parse_error(status, body, content_type)

    # -- the version setting --------------------------------------------------------------------
    def version(self, requested: str | None = None) -> str:
        version = (requested or os.environ.get(self.spec["env_version"], "") or self.spec["default_version"]).strip()
        if version in self.spec["versions"]:
            return version
        why = self.spec["unsupported_versions"].get(version)
        raise InputError(
            f"Cartesia-Version {version!r} is not supported here" + (f": it {why}." if why else "."),
            hint=f"Use one of: {', '.join(self.spec['versions'])}.",
        )

    # -- what the tab builder asks (presets ui: visible_when / live player) ------------------------
    def takes_generation_config(self, model: str) -> bool:
        return bool(self.spec["models"].get(model or self.spec["default_model"], {}).get("generation_config"))

    def live_options(self, request: CartesiaSpeech) -> dict[str, Any]:
        """Chunks play as they arrive when they are 16-bit PCM (SSE, or raw bytes) or a whole container
        ffmpeg reads (wav s16, mp3); f32 / G.711 raw chunks are kept for the take only."""
        rate = request.sample_rate or self.spec["default_sample_rate"]
        encoding = request.encoding or self.spec["default_encoding"]
        container = "raw" if request.stream else (request.container or self.spec["default_container"])
        if container == "raw":
            return dict(live=encoding == "pcm_s16le", fmt="pcm", sample_rate=rate, channels=1)
        return dict(live=container == "mp3" or encoding == "pcm_s16le", fmt=container, sample_rate=rate, channels=1)

    def headers(self, version: str, **extra: str) -> dict[str, str]:
        return {self.spec["version_header"]: version, **extra}

    # -- clone: POST /voices/clone -----------------------------------------------------------------
    def check_clone(self, req: CartesiaClone) -> CartesiaClone:
        version = self.version(req.version)
        name = check_text(req.name, self.spec["limits"]["name_chars"], self.label, what="The voice name")
        if req.sample is None:
            raise InputError("Record or upload one voice clip (about 5–10 s).")
        sample = req.sample.prepared(self.spec["samples"]["clone"], self.label)
        language = self._one_of(req.language or self.spec["default_language"], self.spec["languages"], "language")
        fields = self.spec["versions"][version]["clone_fields"]
        if req.accent and "accent" not in fields:
            raise InputError(f"accent needs Cartesia-Version 2026-03-01 or later (this is {version}).")
        enhance = req.enhance if "enhance" in fields else None
        return CartesiaClone(
            sample=sample,
            name=name,
            language=language,
            description=(req.description or "").strip() or None,
            enhance=enhance,
            base_voice_id=(req.base_voice_id or "").strip() or None,
            accent=(req.accent or "").strip() or None,
            version=version,
        )

    def clone_fields(self, req: CartesiaClone) -> dict[str, str | None]:
        data = {"name": req.name, "language": req.language}
        if req.description:
            data["description"] = req.description
        if req.enhance is not None:
            data["enhance"] = "true" if req.enhance else "false"
        if req.base_voice_id:
            data["base_voice_id"] = req.base_voice_id
        if req.accent:
            data["accent"] = req.accent
        return data

    async def _clone_voice(self, target: Target, req: CartesiaClone) -> UploadResult:
        assert req.sample is not None and req.version is not None  # set by check_clone
        _, body = await self.transport.request(
            target,
            "POST",
            "/voices/clone",
            idempotent=False,
            data=self.clone_fields(req),
            files={"clip": req.sample.multipart()},
            headers=self.headers(req.version),
        )
        doc = self._json(body, target, "the clone")
        if not doc.get("id"):
            raise self._invalid(target, "the clone answer had no id")
        lo, hi = self.spec["samples"]["clone"]["recommended_duration_s"]
        notes = list(req.sample.notes)
        if not lo <= req.sample.info.duration_s <= hi:
            notes.append(f"the clip is {req.sample.info.duration_s:.1f} s; {self.label} recommends {lo:g}–{hi:g} s")
        return UploadResult(
            voice_id=str(doc["id"]),
            provider=self.ID,
            model=None,
            name=doc.get("name") or req.name,
            sample=req.sample,
            sandbox=target.sandbox,
            notes=notes,
            extra={k: doc.get(k) for k in ("language", "created_at", "is_public", "access", "description")}
            | {"version": req.version},
        )

    # -- speech -------------------------------------------------------------------------------------
    def check_speak(self, req: CartesiaSpeech) -> CartesiaSpeech:
        spec, limits = self.spec, self.spec["limits"]
        version = self.version(req.version)
        text = check_text(req.text, limits["input_chars"], self.label)
        voice = (req.voice or "").strip()
        if not voice:
            raise InputError("Choose a voice.", hint="One of your clones or a public voice id (a UUID).")
        model = self._one_of((req.model or spec["default_model"]).strip(), list(spec["models"]), "model")
        language = self._one_of(req.language or spec["default_language"], spec["languages"], "language")
        container = self._one_of(req.container or spec["default_container"], spec["containers"], "container")
        rate = self._one_of(int(req.sample_rate or spec["default_sample_rate"]), spec["sample_rates"], "sample_rate")
        encoding = bit_rate = None
        if container == "mp3":
            if req.stream:
                raise InputError(
                    f"{self.label} streams raw PCM only, not mp3.",
                    hint="Choose wav or raw to stream, or turn streaming off for mp3.",
                )
            bit_rate = self._one_of(int(req.bit_rate or spec["default_bit_rate"]), spec["bit_rates"], "bit_rate")
        else:
            encoding = self._one_of(req.encoding or spec["default_encoding"], spec["encodings"], "encoding")
        gen = any(v is not None for v in (req.gen_speed, req.gen_volume, req.emotion))
        if gen and not spec["models"][model]["generation_config"]:
            raise InputError(
                f"{model} has no generation_config (speed, volume, emotion): sonic-3 and later only.",
                hint="Choose a sonic-3 model, or use the experimental speed (slow/normal/fast).",
            )
        check_range(req.gen_speed, limits["gen_speed"], "Speed", self.label)
        check_range(req.gen_volume, limits["gen_volume"], "Volume", self.label)
        check_range(req.duration, limits["duration_s"], "Duration", self.label)
        emotion = self._one_of(req.emotion, spec["emotions"], "emotion") if req.emotion else None
        speed = self._one_of(req.speed, spec["speeds"], "speed") if req.speed else None
        return CartesiaSpeech(
            text=text,
            voice=voice,
            model=model,
            language=language,
            container=container,
            encoding=encoding,
            sample_rate=rate,
            bit_rate=bit_rate,
            stream=bool(req.stream),
            speed=speed,
            gen_speed=req.gen_speed,
            gen_volume=req.gen_volume,
            emotion=emotion,
            duration=req.duration,
            add_timestamps=bool(req.add_timestamps and req.stream),
            version=version,
        )

    def speech_body(self, req: CartesiaSpeech) -> dict[str, Any]:
        voice: Any = {"mode": "id", "id": req.voice}
        if self.spec["versions"][req.version]["voice"] == "id":
            voice = req.voice  # 2026: a voice-id string (the first of the two listed forms)
        container = "raw" if req.stream else req.container  # /tts/sse takes raw only
        output: dict[str, Any] = {"container": container, "sample_rate": req.sample_rate}
        if container == "mp3":
            output["bit_rate"] = req.bit_rate
        else:
            output["encoding"] = req.encoding
        body: dict[str, Any] = {
            "model_id": req.model,
            "transcript": req.text,
            "voice": voice,
            "output_format": output,
            "language": req.language,
        }
        gen = {
            k: v
            for k, v in (("speed", req.gen_speed), ("volume", req.gen_volume), ("emotion", req.emotion))
            if v is not None
        }
        if gen:
            body["generation_config"] = gen
        if req.speed:
            body["speed"] = req.speed
        if req.duration is not None:
            body["duration"] = req.duration
        if req.add_timestamps:
            body["add_timestamps"] = True
        return body

    async def _speak(self, target: Target, req: CartesiaSpeech, on_chunk: ChunkCallback | None) -> SpeechResult:
        assert req.version is not None and req.model is not None  # set by check_speech
        body, timing = self.speech_body(req), Timing()
        path = "/tts/sse" if req.stream else "/tts/bytes"
        accept = "text/event-stream" if req.stream else "*/*"
        stamps: list[dict] = []
        async with self.transport.stream(
            target,
            "POST",
            path,
            idempotent=True,
            json=body,
            timing=timing,
            headers=self.headers(req.version, Accept=accept),
        ) as resp:
            ctype = await self._refuse_text_answer(resp, target, allow=("text/event-stream",))
            if req.stream:
                if ctype != "text/event-stream":
                    raise self._invalid(target, f"expected an event stream, got {ctype or 'no content type'}")
                try:
                    data, stamps = await read_sse(resp.aiter_lines(), on_chunk)
                except ErrorEvent as exc:
                    raise self._event_error(exc.event, target) from None
                except BadStream as exc:
                    raise self.transport.error(
                        status=200,
                        code=None,
                        target=target,
                        provider_message=str(exc),
                        cls=errors.StreamInterruptedError,
                    ) from None
            else:
                data = await read_audio(resp, on_chunk)
        audio = self._audio(data, req, target)
        sent = dict(body) | {"Cartesia-Version (header)": req.version}
        result = SpeechResult(
            audio=audio,
            provider=self.ID,
            model=req.model,
            voice_label=req.voice,
            sandbox=target.sandbox,
            timing=timing,
            request_fields=sent,
        )
        if stamps:
            result.request_fields["timestamps (received)"] = len(stamps)
        return result

    def _audio(self, data: bytes, req: CartesiaSpeech, target: Target) -> SpeechAudio:
        if not data:
            raise self._invalid(target, "empty body")
        got = sniff_format(data)
        container = "raw" if req.stream else req.container
        # headerless PCM is any byte pattern: its first bytes may read as an MPEG frame sync (FF Fx, a quiet
        # negative sample) or as "<" or "{" (a sample of 0x..3C). Only a whole container's signature or a body
        # that is text says "not raw audio".
        # G.711 bytes (A-law silence is 0xD5, quiet speech often 0x50-0x57, "PQRSTUVW") read as text as
        # easily: for them only the content type (checked before) can say the body is not audio.
        g711 = req.encoding in ("pcm_mulaw", "pcm_alaw")
        headerless = got in (None, "mp3", "aac") or g711
        if (container != "raw" and got != container) or (
            container == "raw" and (not headerless or (looks_like_text(data) and not g711))
        ):
            raise self._invalid(target, f"expected {container} audio, got {data[:40]!r}")
        if container == "mp3":
            return SpeechAudio(data=data, format="mp3", sample_rate=req.sample_rate)
        if container == "wav":
            rate = struct.unpack("<I", data[24:28])[0] if len(data) >= 28 else req.sample_rate
            return SpeechAudio(data=data, format="wav", sample_rate=rate)
        if req.encoding == "pcm_s16le" and req.container == "raw":
            return SpeechAudio(data=data, format="pcm", sample_rate=req.sample_rate)
        assert req.sample_rate is not None and req.encoding is not None  # set by check_speech for raw output
        return SpeechAudio(data=wrap(data, req.sample_rate, req.encoding), format="wav", sample_rate=req.sample_rate)

    def _event_error(self, event: dict[str, Any], target: Target) -> ProviderError:
        status = event.get("status_code") if isinstance(event.get("status_code"), int) else None
        message = ": ".join(str(p) for p in (event.get("title"), event.get("message") or event.get("error")) if p)
        cls = STATUS_ERRORS.get(status or 0) or errors.ServerError
        return self.transport.error(
            status=status,
            code=event.get("error_code"),
            target=target,
            cls=cls,
            provider_message=message or "an error event in the stream",
            request_id=event.get("request_id"),
        )

    # -- voices ---------------------------------------------------------------------------------------
    async def _list_voices(
        self, target: Target, library: bool = False, version: str | None = None, **_: Any
    ) -> list[Voice]:
        """Own voices (is_owner=true) page by page through starting_after; library=True: the public ones."""
        version = self.version(version)
        out: list[Voice] = []
        after = None
        for _page in range(int(self.spec["list"]["max_pages"])):
            params: dict[str, Any] = {"limit": self.spec["list"]["limit"]}
            if not library:
                params["is_owner"] = "true"
            if after:
                params["starting_after"] = after
            _resp, body = await self.transport.request(
                target, "GET", "/voices", idempotent=True, params=params, headers=self.headers(version)
            )
            doc = self._json(body, target, "the voice list")
            items = doc.get("data")
            if not isinstance(items, list):
                raise self._invalid(target, "the voice list has no data")
            out += [
                Voice(
                    id=str(v["id"]),
                    name=v.get("name") or str(v["id"]),
                    provider=self.ID,
                    kind="cloned" if v.get("is_owner") or not library else "system",
                    extra={k: v.get(k) for k in ("language", "created_at", "is_public", "access", "gender")},
                )
                for v in items
                if isinstance(v, dict) and v.get("id")
            ]
            if not doc.get("has_more") or not items:
                break
            after = str(items[-1].get("id"))
        return out

    async def _delete_voice(self, target: Target, voice_id: str, version: str | None = None, **_: Any) -> str:
        await self.transport.request(
            target,
            "DELETE",
            f"/voices/{voice_id}",
            idempotent=True,
            headers=self.headers(self.version(version), Accept="*/*"),
        )
        return f"deleted {voice_id}"

    # -- speech recognition: POST /stt ---------------------------------------------------------------
    def check_transcribe(self, request: asr.TranscribeRequest) -> asr.TranscribeRequest:
        return asr.check_request(self, request)

    async def _transcribe(self, target: Target, request: asr.TranscribeRequest) -> asr.Transcript:
        assert request.sample is not None and request.model
        spec = asr.spec_of(self)
        _, body = await self.transport.request(
            target,
            "POST",
            spec["path"],
            idempotent=True,
            headers=self.headers(self.version()),
            data={"model": request.model, "language": spec["default_language"]},
            files={"file": request.sample.multipart()},
        )
        doc = self._json(body, target, "the transcription")
        if not isinstance(doc.get("text"), str):
            raise self._invalid(target, "the transcription answer had no text")
        return asr.Transcript(
            text=doc["text"].strip(),
            provider=self.ID,
            model=request.model,
            sandbox=target.sandbox,
            duration_s=request.sample.info.duration_s,
            extra={k: doc[k] for k in ("request_id", "language") if k in doc},
        )
