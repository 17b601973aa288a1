"""Zhipu BigModel: upload a clone sample (files API, purpose voice-clone-input), clone a voice
(seed 004), speech with glm-tts / cogtts (whole body or SSE stream), list and delete voices
(providers.md section 2). Business codes and their fixes: zhipu_codes.py."""

from __future__ import annotations

import io
import json
import uuid
import wave
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from playground.audio import SpeechAudio, VoiceSample, encode, looks_like_text, sniff_format
from playground.config import Target
from playground.errors import AudioInputError, InputError, ProviderError, ServerError
from playground.http import Timing
from playground.providers.asr import TranscribeMixin
from playground.providers.base import (
    TEXT_ANSWERS,
    ChunkCallback,
    Provider,
    SpeechResult,
    UploadResult,
    Voice,
    check_range,
    check_text,
    read_audio,
)
from playground.providers.zhipu_codes import CODE_ERRORS, ZhipuTransport, parse_error
from playground.providers.zhipu_stream import BadStream, ErrorEvent, read_sse

JSON_ONLY = ("application/json",)  # the error answers of a streamed speech call


@dataclass
class ZhipuUpload:
    sample: VoiceSample | None
    warnings: list[str] = field(default_factory=list)


@dataclass
class ZhipuClone:
    file_id: str
    voice_name: str
    input: str
    model: str = "glm-tts-clone"
    text: str | None = None  # transcript of the sample (optional)
    request_id: str | None = None  # generated when empty
    fetch_preview: bool = True


@dataclass
class ZhipuSpeech:
    text: str
    model: str = "glm-tts"
    voice: str = "tongtong"
    response_format: str = "pcm"
    stream: bool = False
    encode_format: str = "base64"  # stream chunks only
    speed: float = 1.0
    volume: float = 1.0
    watermark_enabled: bool | None = None  # None: leave it to the server (on)


def new_request_id(kind: str) -> str:
    return f"vcp-{kind}-{uuid.uuid4().hex}"


class Zhipu(TranscribeMixin, Provider):
    ID = "zhipu"
    SUPPORTS_UPLOAD = True
    SUPPORTS_CLONE = True
    SUPPORTS_LIST = True
    SUPPORTS_DELETE = True
    SUPPORTS_STREAM = True
    CODE_ERRORS = CODE_ERRORS
    REQUESTS = {"upload": ZhipuUpload, "clone": ZhipuClone, "speak": ZhipuSpeech}

    def __init__(self) -> None:
        super().__init__()
        self.transport = ZhipuTransport(self.ID, self.label, self.parse_error, self.CODE_ERRORS)

    @staticmethod
    def parse_error(status: int, body: bytes, content_type: str) -> tuple[Any, str | None]:
        return parse_error(status, body, content_type)

    # -- facts from the preset ---------------------------------------------------------
    @property
    def pcm_rate(self) -> int:
        return int(self.spec["pcm"]["sample_rate"])

    def live_options(self, request: ZhipuSpeech) -> dict[str, Any]:
        """Streamed chunks are always 24 kHz pcm (SSE works with pcm only)."""
        return dict(live=request.stream, fmt="pcm", sample_rate=self.pcm_rate, channels=1)

    def system_voices(self, model: str | None = None) -> list[str]:
        legacy = self.spec["speech_models"].get(model or "", {}).get("legacy_voices", [])
        return [*self.spec["system_voices"], *legacy]

    # -- upload (files API) --------------------------------------------------------------
    def check_upload(self, req: ZhipuUpload) -> ZhipuUpload:
        if req.sample is None:
            raise InputError("Record or upload a voice sample first.")
        limits = self.spec["samples"]["clone"]
        max_bytes = int(limits["max_bytes"])
        sample = req.sample.prepared({**limits, "max_bytes": None}, self.label)
        if sample.size > max_bytes and sample.format == "wav":  # a long wav may still fit as mp3
            sample = VoiceSample(
                data=encode(sample.segment, "mp3"),
                filename=f"{sample.upload_name()[:-4]}.mp3",
                format="mp3",
                notes=[*sample.notes, "converted from wav to mp3 to stay under 10 MB"],
            )
        if sample.size > max_bytes:
            raise AudioInputError(
                f"The voice sample is {sample.size / 1048576:.1f} MB; {self.label} accepts at most 10 MB.",
                hint="Use a shorter recording (3–30 s is recommended).",
            )
        lo, hi = limits["recommended_duration_s"]
        duration = sample.info.duration_s
        warnings = []
        if not lo <= duration <= hi:
            warnings.append(
                f"the sample is {duration:.1f} s; {self.label} recommends {lo:g}–{hi:g} s "
                f"for a good clone (sent anyway)"
            )
        return ZhipuUpload(sample=sample, warnings=warnings)

    async def _upload_voice(self, target: Target, req: ZhipuUpload) -> UploadResult:
        assert req.sample is not None
        purpose = self.spec["upload_purpose"]
        _resp, body = await self.transport.request(
            target,
            "POST",
            "/paas/v4/files",
            idempotent=False,
            data={"purpose": purpose},
            files={"file": req.sample.multipart()},
        )
        doc = self._json(body, target, "the file upload")
        file_id = doc.get("id")
        if file_id in (None, ""):
            raise self._invalid(target, "the upload answer had no file id")
        return UploadResult(
            voice_id=str(file_id),
            provider=self.ID,
            model=None,
            name=doc.get("filename") or req.sample.upload_name(),
            sample=req.sample,
            sandbox=target.sandbox,
            notes=[*req.sample.notes, *req.warnings],
            extra={
                "file_id": str(file_id),
                "bytes": doc.get("bytes"),
                "purpose": doc.get("purpose", purpose),
                "created_at": doc.get("created_at"),
                "duration_s": req.sample.info.duration_s,
            },
        )

    # -- clone (seed 004) -------------------------------------------------------------------
    def check_clone(self, req: ZhipuClone) -> ZhipuClone:
        model = self._one_of((req.model or "").strip(), list(self.spec["clone_models"]), "clone model")
        file_id = (req.file_id or "").strip()
        if not file_id:
            raise InputError("No sample file id.", hint="Upload a sample first (step 1); its file id goes here.")
        voice_name = (req.voice_name or "").strip()
        if not voice_name:
            raise InputError("Give the new voice a unique name.", hint="For example my_custom_voice_001.")
        text = check_text(req.input, [1, 10**6], self.label, what="The preview text")
        return ZhipuClone(
            file_id=file_id,
            voice_name=voice_name,
            input=text,
            model=model,
            text=(req.text or "").strip() or None,
            request_id=(req.request_id or "").strip() or new_request_id("clone"),
            fetch_preview=req.fetch_preview,
        )

    def clone_body(self, req: ZhipuClone) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": req.model,
            "voice_name": req.voice_name,
            "input": req.input,
            "file_id": req.file_id,
        }
        if req.text:
            body["text"] = req.text
        body["request_id"] = req.request_id
        return body

    async def _clone_voice(self, target: Target, req: ZhipuClone) -> UploadResult:
        _, body = await self.transport.request(
            target, "POST", "/paas/v4/voice/clone", idempotent=False, json=self.clone_body(req)
        )
        doc = self._json(body, target, "the clone")
        voice = doc.get("voice")
        if not voice:
            raise self._invalid(target, "the clone answer had no voice")
        notes, preview, url = [], None, None
        if req.fetch_preview:
            preview, url, problem = await self._preview_of(target, str(voice), req.voice_name)
            if problem:
                notes.append(problem)
        return UploadResult(
            voice_id=str(voice),
            provider=self.ID,
            model=req.model,
            name=req.voice_name,
            sample=None,
            sandbox=target.sandbox,
            notes=notes,
            extra={
                "preview_file_id": doc.get("file_id"),
                "file_purpose": doc.get("file_purpose"),
                "request_id": doc.get("request_id") or req.request_id,
                "preview": preview,
                "download_url": url,
            },
        )

    async def _preview_of(self, target: Target, voice: str, voice_name: str):
        """The preview through the voice list's download_url: /files/{id}/content refuses
        voice-clone-output files (providers.md 2.2). A failure here does not undo the clone."""
        try:
            voices = await self._list_voices(target, voice_name=voice_name, voice_type="PRIVATE")
            url = next((v.extra.get("download_url") for v in voices if v.id == voice), None)
            if not url:
                return None, None, "the voice list has no preview link for this voice yet"
            return await self.fetch_preview(url, api_key_target=target), url, None
        except ProviderError as exc:
            return None, None, f"the preview could not be fetched ({exc.user_message()})"

    async def fetch_preview(self, url: str, *, api_key_target: Target) -> SpeechAudio:
        """GET a download_url. The key goes only to the API's own host, never to another one."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self._invalid(api_key_target, f"the preview link is not an http(s) URL: {url[:80]}")
        api = urlsplit(api_key_target.base_url)
        same_host = (api.scheme, api.netloc) == (parts.scheme, parts.netloc)
        resp, data = await self.transport.request(
            api_key_target, "GET", url, idempotent=True, auth=same_host, link=True
        )
        if resp.headers.get("content-type", "").startswith(("application/json", "text/")) or not data:
            raise self._invalid(api_key_target, f"the preview link returned no audio: {data[:80]!r}")
        fmt = sniff_format(data)
        if fmt is None:  # UNCONFIRMED preview format: headerless audio is taken as 24 kHz pcm
            return SpeechAudio(data=data, format="pcm", sample_rate=self.pcm_rate)
        return SpeechAudio(data=data, format=fmt, sample_rate=_wav_rate(data) if fmt == "wav" else None)

    # -- speech ----------------------------------------------------------------------------------
    def check_speak(self, req: ZhipuSpeech) -> ZhipuSpeech:
        spec, limits = self.spec, self.spec["limits"]
        model = self._one_of((req.model or "").strip(), list(spec["speech_models"]), "speech model")
        text = check_text(req.text, limits["input_chars"], self.label)
        voice = (req.voice or "").strip()
        if not voice:
            raise InputError("Choose a voice.", hint=f"A system voice ({', '.join(spec['system_voices'])}) or a clone.")
        for other, other_spec in spec["speech_models"].items():
            if voice in other_spec.get("legacy_voices", []) and other != model:
                raise InputError(
                    f"Voice {voice!r} is a legacy voice of {other}, not {model}.",
                    hint=f"Choose a system voice or switch the model to {other}.",
                )
        fmt = self._one_of(req.response_format or spec["default_format"], spec["formats"], "response_format")
        if req.stream and fmt not in spec["stream_formats"]:
            raise InputError(
                f"{self.label} streams only pcm, not {fmt}.",
                hint="Choose response_format pcm, or turn streaming off for wav.",
            )
        encoding = self._one_of(
            req.encode_format or spec["default_encode_format"], spec["encode_formats"], "encode_format"
        )
        check_range(req.speed, limits["speed"], "Speed", self.label)
        volume = float(req.volume)
        if not 0 < volume <= limits["volume"][1]:
            raise InputError(
                f"Volume must be above 0 and at most {limits['volume'][1]:g} for {self.label}; got {volume:g}."
            )
        watermark = None if req.watermark_enabled is None else bool(req.watermark_enabled)
        return ZhipuSpeech(
            text=text,
            model=model,
            voice=voice,
            response_format=fmt,
            stream=bool(req.stream),
            encode_format=encoding,
            speed=float(req.speed),
            volume=volume,
            watermark_enabled=watermark,
        )

    def speech_body(self, req: ZhipuSpeech) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": req.model,
            "input": req.text,
            "voice": req.voice,
            "response_format": req.response_format,
            "speed": req.speed,
            "volume": req.volume,
        }
        if req.watermark_enabled is not None:
            body["watermark_enabled"] = req.watermark_enabled
        if req.stream:
            body["stream"] = True
            body["encode_format"] = req.encode_format
        return body

    async def _speak(self, target: Target, req: ZhipuSpeech, on_chunk: ChunkCallback | None) -> SpeechResult:
        body, timing = self.speech_body(req), Timing()
        headers = {"Accept": "text/event-stream"} if req.stream else None
        rate: int | None
        async with self.transport.stream(
            target, "POST", "/paas/v4/audio/speech", idempotent=True, json=body, timing=timing, headers=headers
        ) as resp:
            # streamed, only JSON is an error answer (text goes on to the event-stream reader)
            await self._refuse_text_answer(resp, target, text_types=JSON_ONLY if req.stream else TEXT_ANSWERS)
            if req.stream:
                try:
                    data, rate = await read_sse(resp.aiter_lines(), req.encode_format, self.pcm_rate, on_chunk)
                except BadStream as exc:
                    raise self._invalid(target, str(exc)) from None
                except ErrorEvent as exc:
                    raise self._error_in_body(exc.payload.encode(), 200, target) from None
            else:
                data, rate = await self._read_body(resp, req.response_format, target, on_chunk)
        return SpeechResult(
            audio=SpeechAudio(data=data, format=req.response_format, sample_rate=rate),
            provider=self.ID,
            model=req.model,
            voice_label=req.voice,
            sandbox=target.sandbox,
            timing=timing,
            request_fields=body,
        )

    async def _read_body(self, resp, fmt: str, target: Target, on_chunk) -> tuple[bytes, int | None]:
        data = await read_audio(resp, on_chunk)
        if not data:
            raise self._invalid(target, "empty body")
        if fmt == "wav":
            if sniff_format(data) != "wav":
                raise self._invalid(target, f"expected wav audio, got {data[:40]!r}")
            return data, _wav_rate(data)
        if sniff_format(data) is not None or data[:1] in (b"{", b"<") or looks_like_text(data):
            raise self._invalid(target, f"expected headerless pcm, got {data[:40]!r}")
        return data, self.pcm_rate  # 24 kHz 16-bit mono (providers.md 2.4, UNCONFIRMED officially)

    # -- voices --------------------------------------------------------------------------------
    async def _list_voices(
        self, target: Target, voice_name: str | None = None, voice_type: str | None = None, **_: Any
    ) -> list[Voice]:
        params = {}
        if voice_name and voice_name.strip():
            params["voiceName"] = voice_name.strip()
        if voice_type:
            params["voiceType"] = self._one_of(voice_type, self.spec["voice_types"], "voiceType")
        _resp, body = await self.transport.request(
            target, "GET", "/paas/v4/voice/list", idempotent=True, params=params or None
        )
        doc = self._json(body, target, "the voice list")
        items = doc.get("voice_list")
        if items is None and isinstance(doc.get("data"), dict):  # tolerate a data wrapper (UNCONFIRMED)
            items = doc["data"].get("voice_list")
        return [
            Voice(
                id=str(item.get("voice", "")),
                name=item.get("voice_name") or str(item.get("voice", "")),
                provider=self.ID,
                kind="system" if item.get("voice_type") == "OFFICIAL" else "cloned",
                extra={k: item.get(k) for k in ("voice_type", "download_url", "create_time")},
            )
            for item in items or []
            if isinstance(item, dict)
        ]

    async def _delete_voice(self, target: Target, voice_id: str, request_id: str | None = None, **_: Any) -> str:
        body = {"voice": voice_id, "request_id": (request_id or "").strip() or new_request_id("delete")}
        _resp, raw = await self.transport.request(target, "POST", "/paas/v4/voice/delete", idempotent=True, json=body)
        try:  # the answer's shape is UNCONFIRMED: show what came back, briefly
            doc = json.loads(raw)
            return ", ".join(f"{k}: {v}" for k, v in doc.items()) if isinstance(doc, dict) and doc else "deleted"
        except ValueError:
            return raw.decode("utf-8", "replace").strip()[:200] or "deleted"

    # -- helpers --------------------------------------------------------------------------------
    def _json(self, body: bytes, target: Target, what: str) -> dict[str, Any]:
        doc = super()._json(body, target, what)
        if doc.get("error"):  # Zhipu may answer an error with 200
            raise self._error_in_body(body, 200, target)
        return doc

    def _text_answer_error(self, resp: httpx.Response, raw: bytes, ctype: str, target: Target) -> ProviderError:
        return self._error_in_body(raw, resp.status_code, target)

    def _error_in_body(self, body: bytes, status: int, target: Target) -> ProviderError:
        """An error answered with a success status: typed by its business code when it has one."""
        code, message = self.parse_error(status, body, "application/json")
        if code is None:
            return self._invalid(target, message or "a JSON answer instead of audio")
        cls = None if str(code) in CODE_ERRORS else ServerError
        return self.transport.error(status=status, code=code, provider_message=message, target=target, cls=cls)


def _wav_rate(data: bytes) -> int | None:
    try:
        with wave.open(io.BytesIO(data)) as w:
            return w.getframerate()
    except (wave.Error, EOFError):
        return None
