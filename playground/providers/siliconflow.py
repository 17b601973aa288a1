"""SiliconFlow: upload a reference voice (seed 000), speech (seed 001), list and delete
uploaded voices (providers.md section 3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from playground.audio import SpeechAudio, VoiceSample
from playground.config import Target
from playground.errors import InputError, InvalidResponseError
from playground.http import NOT_JSON, Timing, decode_body
from playground.providers.asr import TranscribeMixin
from playground.providers.base import (
    ChunkCallback,
    Provider,
    SpeechResult,
    UploadResult,
    Voice,
    check_range,
    check_text,
    read_audio,
    reference_voice_label,
    with_references_counted,
)

AUDIO_SNIFF = {"mp3": {"mp3"}, "wav": {"wav"}, "opus": {"opus", "ogg"}}


@dataclass
class SiliconFlowUpload:
    sample: VoiceSample | None
    name: str
    text: str
    model: str = "FunAudioLLM/CosyVoice2-0.5B"
    mode: str = "multipart"  # "multipart" (file part) or "json" (base64 data URI)


@dataclass
class Reference:
    audio: VoiceSample | str  # a sample, or an http(s) URL
    text: str


@dataclass
class SiliconFlowSpeech:
    text: str
    model: str = "FunAudioLLM/CosyVoice2-0.5B"
    voice: str | None = None  # "alex", "<model>:alex" or an uploaded "speech:..." uri
    references: list[Reference] = field(default_factory=list)
    response_format: str = "mp3"
    sample_rate: int | None = None
    stream: bool = False
    speed: float = 1.0
    gain: float = 0.0
    max_tokens: int | None = None

    @classmethod
    def from_fields(cls, values: dict[str, Any]) -> SiliconFlowSpeech:
        """From the form (presets ui): voice_source 'voice' uses `voice` (system name or uploaded uri);
        'reference' uses reference_audio (a VoiceSample) + reference_text as a dynamic voice."""
        voice, references = values.get("voice"), []
        source = values.get("voice_source") or "voice"
        if source == "reference":
            if values.get("reference_audio") is None:
                raise InputError("Record or upload a reference clip, or switch the voice source to a voice.")
            references = [Reference(values["reference_audio"], values.get("reference_text") or "")]
            voice = None
        elif source != "voice":
            raise InputError("voice_source must be 'voice' or 'reference'.")
        elif values.get("reference_audio") is not None:
            raise InputError(
                "A voice and reference audio cannot be used together: SiliconFlow takes one or the other.",
                hint="Leave reference_audio empty, or set voice_source='reference'.",
            )
        kept = {
            k: values[k]
            for k in ("response_format", "sample_rate", "speed", "gain", "max_tokens")
            if values.get(k) is not None
        }
        return cls(
            text=values.get("text") or "",
            model=values.get("model") or cls.model,
            voice=voice,
            references=references,
            stream=bool(values.get("stream")),
            **kept,
        )


class SiliconFlow(TranscribeMixin, Provider):
    ID = "siliconflow"
    SUPPORTS_UPLOAD = True
    SUPPORTS_LIST = True
    SUPPORTS_DELETE = True
    SUPPORTS_STREAM = True
    REQUESTS = {"upload": SiliconFlowUpload, "speak": SiliconFlowSpeech}

    # -- errors: 400 {code,message,data}; 401/403/404/504 plain strings; 429 {message,data}; 503 {code:50505,...}
    @staticmethod
    def parse_error(status: int, body: bytes, content_type: str) -> tuple[Any, str | None]:
        doc, text = decode_body(body)
        if doc is NOT_JSON:
            return None, text[:300] or None
        if isinstance(doc, dict):
            message = doc.get("message") or doc.get("error") or ""
            data = doc.get("data")
            if data and isinstance(data, str) and data not in message:
                message = f"{message} ({data})" if message else data
            return doc.get("code"), str(message) or None
        return None, str(doc)

    # -- model facts -----------------------------------------------------------------
    def model_spec(self, model: str) -> dict[str, Any]:
        models = self.spec["models"]
        if model not in models:
            raise InputError(f"Unknown SiliconFlow model {model!r}.", hint=f"Choose one of: {', '.join(models)}.")
        return models[model]

    def system_voices(self, model: str) -> list[str]:
        if not self.model_spec(model).get("system_voices"):
            return []
        return [f"{model}:{name}" for name in self.spec["system_voice_names"]]

    def takes_references(self, model: str) -> bool:
        return self.spec["models"].get(model, {}).get("max_references", 0) > 0

    def takes_instructions(self, model: str) -> bool:
        return bool(self.spec["models"].get(model, {}).get("instructions"))

    def takes_max_tokens(self, model: str) -> bool:
        return bool(self.spec["models"].get(model, {}).get("max_tokens"))

    def sample_rates(self, response_format: str) -> list[int]:
        fmt = self.spec["formats"].get(response_format)
        if fmt is None:
            raise InputError(
                f"Unknown format {response_format!r}.", hint=f"Choose one of: {', '.join(self.spec['formats'])}."
            )
        return list(fmt["sample_rates"])

    def default_sample_rate(self, response_format: str) -> int:
        return int(self.spec["formats"][response_format]["default_sample_rate"])

    # -- upload ----------------------------------------------------------------------
    def check_upload(self, req: SiliconFlowUpload) -> SiliconFlowUpload:
        spec = self.model_spec(req.model)
        if not spec.get("upload"):
            raise InputError(f"{req.model} does not take uploaded voices.", hint="Pick CosyVoice2-0.5B or IndexTTS-2.")
        if req.mode not in ("multipart", "json"):
            raise InputError("Send mode must be 'multipart' or 'json'.")
        name = (req.name or "").strip()
        _lo, hi = self.spec["limits"]["custom_name_chars"]
        if not name:
            raise InputError("Give the voice a name.")
        if len(name) > hi or not all(c.isalnum() or c in "-_" for c in name):
            raise InputError(
                f"Voice name {name!r} is not valid.",
                hint=f"Use up to {hi} letters, digits, '-' or '_'.",
            )
        text = check_text(req.text, [1, 4096], self.label, what="The transcript")
        if req.sample is None:
            raise InputError("Record or upload a voice sample first.")
        sample = req.sample.prepared(self.spec["samples"]["upload"], self.label)
        return SiliconFlowUpload(sample=sample, name=name, text=text, model=req.model, mode=req.mode)

    async def _upload_voice(self, target: Target, req: SiliconFlowUpload) -> UploadResult:
        assert req.sample is not None
        fields = {"model": req.model, "customName": req.name, "text": req.text}
        if req.mode == "json":
            resp, body = await self.transport.request(
                target,
                "POST",
                "/uploads/audio/voice",
                idempotent=False,
                json={**fields, "audio": req.sample.data_uri()},
            )
        else:
            resp, body = await self.transport.request(
                target,
                "POST",
                "/uploads/audio/voice",
                idempotent=False,
                data=fields,
                files={"file": req.sample.multipart()},
            )
        try:
            uri = json.loads(body)["uri"]
        except (ValueError, KeyError, TypeError):
            raise self.transport.error(
                status=resp.status_code,
                code=None,
                target=target,
                provider_message="the answer had no voice uri",
                cls=InvalidResponseError,
            ) from None
        return UploadResult(
            voice_id=uri,
            provider=self.ID,
            model=req.model,
            name=req.name,
            sample=req.sample,
            sandbox=target.sandbox,
            notes=list(req.sample.notes),
            extra={"text": req.text, "mode": req.mode},
        )

    # -- speech -----------------------------------------------------------------------
    def check_speak(self, req: SiliconFlowSpeech) -> SiliconFlowSpeech:
        spec = self.model_spec(req.model)
        limits = self.spec["limits"]
        text = check_text(req.text, limits["input_chars"], self.label)
        rates = self.sample_rates(req.response_format)
        sample_rate = int(req.sample_rate) if req.sample_rate else self.default_sample_rate(req.response_format)
        if sample_rate not in rates:
            raise InputError(
                f"{req.response_format} does not support {sample_rate} Hz on {self.label}.",
                hint=f"Choose one of: {', '.join(map(str, rates))} Hz.",
            )
        check_range(req.speed, limits["speed"], "Speed", self.label)
        check_range(req.gain, limits["gain"], "Gain", self.label)
        voice = (req.voice or "").strip() or None
        refs = [r for r in req.references if r is not None]
        if voice and refs:
            raise InputError(
                "A voice and reference audio cannot be used together: SiliconFlow takes one or the other.",
                hint="Clear the voice, or remove the reference clip.",
            )
        if voice:
            voice = self._qualified_voice(voice, req.model, spec)
        elif refs:
            max_refs = spec.get("max_references", 0)
            if max_refs == 0:
                raise InputError(f"{req.model} takes no reference audio.", hint="Pick a system voice instead.")
            if len(refs) > max_refs:
                raise InputError(f"{req.model} takes at most {max_refs} reference clip(s).")
            refs = [self._checked_reference(r) for r in refs]
        elif not spec.get("system_voices"):
            raise InputError("Choose a voice.")
        elif req.model == "fishaudio/fish-speech-1.5":
            raise InputError("fish-speech-1.5 needs a voice.", hint="Choose one of its system voices.")
        max_tokens = None
        if req.max_tokens:
            if not spec.get("max_tokens"):
                raise InputError(f"max_tokens applies to MOSS-TTSD only, not {req.model}.")
            check_range(req.max_tokens, limits["max_tokens"], "max_tokens", self.label)
            max_tokens = int(req.max_tokens)
        return SiliconFlowSpeech(
            text=text,
            model=req.model,
            voice=voice,
            references=refs,
            response_format=req.response_format,
            sample_rate=sample_rate,
            stream=bool(req.stream),
            speed=float(req.speed),
            gain=float(req.gain),
            max_tokens=max_tokens,
        )

    def _qualified_voice(self, voice: str, model: str, spec: dict[str, Any]) -> str:
        if voice.startswith("speech:"):
            if not spec.get("uploaded_voices"):
                raise InputError(f"{model} cannot use uploaded voices.", hint="Choose one of its system voices.")
            return voice
        name = voice.split(":", 1)[1] if ":" in voice else voice
        prefix = voice.rsplit(":", 1)[0] if ":" in voice else model
        if prefix != model:
            raise InputError(
                f"Voice {voice!r} belongs to {prefix}, not {model}.", hint="Pick a voice of the chosen model."
            )
        if name not in self.spec["system_voice_names"]:
            raise InputError(
                f"Unknown system voice {name!r}.", hint=f"Choose one of: {', '.join(self.spec['system_voice_names'])}."
            )
        return f"{model}:{name}"

    def _checked_reference(self, ref: Reference) -> Reference:
        text = check_text(ref.text, [1, 4096], self.label, what="The reference transcript")
        if isinstance(ref.audio, str):
            if not ref.audio.startswith(("http://", "https://")):
                raise InputError("A reference must be an audio clip or an http(s) URL.")
            return Reference(ref.audio, text)
        sample = ref.audio.prepared(self.spec["samples"]["reference"], self.label)
        return Reference(sample, text)

    def speech_body(self, req: SiliconFlowSpeech) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": req.model,
            "input": req.text,
            "response_format": req.response_format,
            "sample_rate": req.sample_rate,
            "stream": req.stream,
            "speed": req.speed,
            "gain": req.gain,
        }
        if req.voice:
            body["voice"] = req.voice
        elif req.references:
            body["references"] = [
                {"audio": r.audio if isinstance(r.audio, str) else r.audio.data_uri(), "text": r.text}
                for r in req.references
            ]
        if req.max_tokens:
            body["max_tokens"] = req.max_tokens
        return body

    async def _speak(self, target: Target, req: SiliconFlowSpeech, on_chunk: ChunkCallback | None) -> SpeechResult:
        body = self.speech_body(req)
        timing = Timing()
        async with self.transport.stream(
            target, "POST", "/audio/speech", idempotent=True, json=body, timing=timing
        ) as resp:
            await self._refuse_text_answer(resp, target)
            data = await read_audio(resp, on_chunk)
        self._check_audio(data, req.response_format, target)
        return SpeechResult(
            audio=SpeechAudio(data=data, format=req.response_format, sample_rate=req.sample_rate),
            provider=self.ID,
            model=req.model,
            voice_label=reference_voice_label(req.voice, req.references),
            sandbox=target.sandbox,
            timing=timing,
            request_fields=with_references_counted(body, req.references),
        )

    def _check_audio(self, data: bytes, fmt: str, target: Target) -> None:
        self._check_container(data, fmt, AUDIO_SNIFF, target)  # pcm: headerless, only "not text" is checked

    # -- voices -----------------------------------------------------------------------
    async def _list_voices(self, target: Target, **filters: Any) -> list[Voice]:
        _, body = await self.transport.request(target, "GET", "/audio/voice/list", idempotent=True)
        try:
            doc = json.loads(body)
        except ValueError:
            raise self._invalid(target, "voice list was not JSON") from None
        items = doc.get("results") or doc.get("result") or []  # some clients see "result"
        return [
            Voice(
                id=item.get("uri", ""),
                name=item.get("customName", ""),
                provider=self.ID,
                model=item.get("model"),
                kind="cloned",
                text=item.get("text"),
            )
            for item in items
            if isinstance(item, dict)
        ]

    async def _delete_voice(self, target: Target, voice_id: str, **kw: Any) -> str:
        _, body = await self.transport.request(
            target, "POST", "/audio/voice/deletions", idempotent=True, json={"uri": voice_id}
        )
        return body.decode("utf-8", "replace").strip() or "deleted"
