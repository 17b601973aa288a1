"""MiniMax: file upload (seed 002), voice clone, T2A v2 with SSE streaming, voice list and
delete (providers.md section 1). Plumbing (regions, GroupId, error codes) is in minimax_api."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import Any

from playground.audio import SpeechAudio, VoiceSample, sniff_format
from playground.config import Target
from playground.errors import InputError, ProviderError, StreamInterruptedError
from playground.http import Timing, request_id_of
from playground.providers import minimax_checks as rules
from playground.providers.base import ChunkCallback, SpeechResult, UploadResult, Voice, check_range, check_text, emit
from playground.providers.minimax_api import MiniMaxAPI
from playground.providers.minimax_sse import StreamAssembler, sse_payloads


@dataclass
class MiniMaxUpload:
    sample: VoiceSample | None
    purpose: str = "voice_clone"  # "voice_clone" (10 s-5 min source) or "prompt_audio" (< 8 s example)
    trim_prompt: bool = False
    region: str | None = None
    group_id: str | None = None


@dataclass
class MiniMaxClone:
    file_id: int | str
    voice_id: str
    prompt_file_id: int | str | None = None
    prompt_text: str | None = None
    text: str | None = None  # preview text (<= 1000 chars); needs model
    model: str | None = None
    need_noise_reduction: bool = False
    need_volume_normalization: bool = False
    language_boost: str | None = None
    region: str | None = None
    group_id: str | None = None


@dataclass
class MiniMaxSpeech:
    text: str
    voice_id: str
    model: str = "speech-2.8-hd"
    speed: float = 1.0
    vol: float = 1.0
    pitch: int = 0
    emotion: str | None = None
    sample_rate: int = 32000
    bitrate: int = 128000
    format: str = "mp3"
    channel: int = 1
    language_boost: str | None = None
    stream: bool = False
    output_format: str = "hex"  # "hex" or "url" (url: not with streaming)
    exclude_aggregated_audio: bool = False  # sends stream_options; else the status-2 repeat is skipped
    region: str | None = None
    group_id: str | None = None


@dataclass
class MiniMaxSpeechResult(SpeechResult):
    request_id: str | None = None
    extra_info: dict[str, Any] = field(default_factory=dict)
    first_audio_s: float | None = None
    audio_url: str | None = None


class MiniMax(MiniMaxAPI):
    SUPPORTS_UPLOAD = True
    SUPPORTS_CLONE = True
    SUPPORTS_LIST = True
    SUPPORTS_DELETE = True
    SUPPORTS_STREAM = True
    REQUESTS = {"upload": MiniMaxUpload, "clone": MiniMaxClone, "speak": MiniMaxSpeech}  # built by the tab

    @staticmethod
    def suggest_voice_id() -> str:
        """A fresh valid voice_id (the clone form's default, presets `ui` "default_call")."""
        return rules.suggest_voice_id()

    # -- upload (seed 002) -----------------------------------------------------------------
    def check_upload(self, req: MiniMaxUpload) -> MiniMaxUpload:
        limits = self.spec["samples"].get(req.purpose)
        if limits is None:
            raise InputError(f"Unknown upload purpose {req.purpose!r}.", hint="Use voice_clone or prompt_audio.")
        if req.sample is None:
            raise InputError("Record or upload an audio sample first.")
        self._params(req.group_id)
        self.base_url_for(req.region)
        sample = req.sample
        if req.purpose == "prompt_audio":
            sample.check({"label": limits["label"]}, self.label)
            sample = rules.fit_prompt_clip(sample, limits, self.label, bool(req.trim_prompt))
        sample = rules.prepare_sample(sample, limits, self.label)
        return replace(req, sample=sample)

    async def _upload_voice(self, target: Target, req: MiniMaxUpload) -> UploadResult:
        assert req.sample is not None
        doc, request_id = await self._post(
            target,
            "/v1/files/upload",
            region=req.region,
            group_id=req.group_id,
            idempotent=False,
            data={"purpose": req.purpose},
            files={"file": req.sample.multipart()},
        )
        raw_file = doc.get("file")
        file: dict[str, Any] = raw_file if isinstance(raw_file, dict) else {}
        try:
            file_id = rules.parse_file_id(file.get("file_id"))
        except InputError:
            raise self._invalid(target, "the answer had no file.file_id") from None
        return UploadResult(
            voice_id=str(file_id),
            provider=self.ID,
            model=None,
            name=file.get("filename") or req.sample.upload_name(),
            sample=req.sample,
            sandbox=target.sandbox,
            notes=list(req.sample.notes),
            extra={
                "file_id": file_id,
                "purpose": file.get("purpose", req.purpose),
                "bytes": file.get("bytes"),
                "request_id": request_id,
            },
        )

    # -- clone -------------------------------------------------------------------------------
    def check_clone(self, req: MiniMaxClone) -> MiniMaxClone:
        limits = self.spec["limits"]
        file_id = rules.parse_file_id(req.file_id, "file_id of the clone source")
        voice_id = rules.check_voice_id(req.voice_id, limits["voice_id_chars"])
        prompt_id, prompt_text = None, None
        if req.prompt_file_id not in (None, "") or (req.prompt_text or "").strip():
            prompt_id = rules.parse_file_id(req.prompt_file_id, "file_id of the prompt clip")
            prompt_text = check_text(req.prompt_text, [1, 1000], self.label, what="The prompt clip's transcript")
        text = (req.text or "").strip() or None
        model = (req.model or "").strip() or None
        if text:
            text = check_text(text, limits["preview_chars"], self.label, what="The preview text")
            rules.check_pauses(text, limits["pause_s"])
            if not model:
                raise InputError("A preview text needs a model.", hint="Choose a model, or clear the preview text.")
        if model:
            self._check_model(model)
        self._check_language(req.language_boost)
        self._params(req.group_id)
        self.base_url_for(req.region)
        return replace(
            req,
            file_id=file_id,
            voice_id=voice_id,
            prompt_file_id=prompt_id,
            prompt_text=prompt_text,
            text=text,
            model=model if text else None,
            language_boost=req.language_boost or None,
            need_noise_reduction=bool(req.need_noise_reduction),
            need_volume_normalization=bool(req.need_volume_normalization),
        )

    def clone_body(self, req: MiniMaxClone) -> dict[str, Any]:
        body: dict[str, Any] = {"file_id": req.file_id, "voice_id": req.voice_id}
        if req.prompt_file_id:
            body["clone_prompt"] = {"prompt_audio": req.prompt_file_id, "prompt_text": req.prompt_text}
        if req.text:
            body["text"], body["model"] = req.text, req.model
        body["need_noise_reduction"] = req.need_noise_reduction
        body["need_volume_normalization"] = req.need_volume_normalization  # schema spelling, not "volumn"
        if req.language_boost:
            body["language_boost"] = req.language_boost
        return body

    async def _clone_voice(self, target: Target, req: MiniMaxClone) -> UploadResult:
        doc, request_id = await self._post(
            target,
            "/v1/voice_clone",
            region=req.region,
            group_id=req.group_id,
            idempotent=False,
            json=self.clone_body(req),
        )
        notes: list[str] = []
        sensitive = doc.get("input_sensitive")  # a bool officially; a {type} object in one 3P summary
        if sensitive not in (None, False, 0, {}) and not (isinstance(sensitive, dict) and not sensitive.get("type")):
            notes.append("MiniMax flagged the preview text as sensitive")
        demo_url = doc.get("demo_audio") or None
        demo = None
        if demo_url:
            try:
                data = await self.download(self._regional(target, req.region), demo_url)
                demo = SpeechAudio(data=data, format=sniff_format(data) or "mp3")
            except ProviderError as exc:
                notes.append(f"the preview could not be downloaded ({exc.message})")
        return UploadResult(
            voice_id=req.voice_id,
            provider=self.ID,
            model=req.model,
            name=req.voice_id,
            sample=None,
            sandbox=target.sandbox,
            notes=notes,
            extra={
                "demo_audio_url": demo_url,
                "demo_audio": demo,
                "request_id": request_id,
                "clone_prompt": bool(req.prompt_file_id),
            },
        )

    def check_speak(self, req: MiniMaxSpeech) -> MiniMaxSpeech:
        spec, limits = self.spec, self.spec["limits"]
        self._check_model(req.model)
        text = check_text(req.text, limits["text_chars"], self.label)
        rules.check_pauses(text, limits["pause_s"])
        voice_id = (req.voice_id or "").strip()
        if not voice_id or len(voice_id) > 256:
            raise InputError("Choose a voice (a system voice or one of your clones).")
        check_range(float(req.speed), limits["speed"], "Speed", self.label)
        vol = float(req.vol)
        if not (limits["vol"][0] < vol <= limits["vol"][1]):
            raise InputError(f"Volume must be above 0 and at most {limits['vol'][1]:g} for MiniMax; got {vol:g}.")
        pitch = float(req.pitch)
        if not pitch.is_integer():
            raise InputError(f"Pitch must be a whole number of semitones; got {pitch:g}.")
        check_range(pitch, limits["pitch"], "Pitch", self.label)
        emotion = req.emotion or None
        if emotion:
            self._choice(emotion, spec["emotions"], "Emotion")
        fmt = self._choice(req.format, spec["formats"], "Format")
        output_format = self._choice(req.output_format or "hex", spec["output_formats"], "output_format")
        if req.stream and fmt not in spec["stream_formats"]:
            raise InputError(
                "wav works only without streaming on MiniMax.", hint="Untick Stream, or choose mp3, pcm or flac."
            )
        if req.stream and output_format == "url":
            raise InputError("output_format=url works only without streaming.", hint="Untick Stream, or use hex.")
        self._check_language(req.language_boost)
        self._params(req.group_id)
        self.base_url_for(req.region)
        return replace(
            req,
            text=text,
            voice_id=voice_id,
            speed=float(req.speed),
            vol=vol,
            pitch=int(pitch),
            emotion=emotion,
            sample_rate=self._choice(req.sample_rate, spec["sample_rates"], "Sample rate"),
            bitrate=self._choice(req.bitrate, spec["bitrates"], "Bitrate"),
            format=fmt,
            channel=self._choice(req.channel, spec["channels"], "Channel count"),
            language_boost=req.language_boost or None,
            stream=bool(req.stream),
            output_format=output_format,
        )

    def speech_body(self, req: MiniMaxSpeech) -> dict[str, Any]:
        voice: dict[str, Any] = {"voice_id": req.voice_id, "speed": req.speed, "vol": req.vol, "pitch": req.pitch}
        if req.emotion:
            voice["emotion"] = req.emotion
        audio: dict[str, Any] = {"sample_rate": req.sample_rate, "format": req.format, "channel": req.channel}
        if req.format == "mp3":
            audio["bitrate"] = req.bitrate
        body: dict[str, Any] = {
            "model": req.model,
            "text": req.text,
            "stream": req.stream,
            "voice_setting": voice,
            "audio_setting": audio,
        }
        if req.language_boost:
            body["language_boost"] = req.language_boost
        if req.output_format == "url":
            body["output_format"] = "url"
        if req.stream and req.exclude_aggregated_audio:
            body["stream_options"] = {"exclude_aggregated_audio": True}
        return body

    async def _speak(self, target: Target, req: MiniMaxSpeech, on_chunk: ChunkCallback | None) -> SpeechResult:
        body = self.speech_body(req)
        target = self._regional(target, req.region)
        timing = Timing()
        async with self._fixes(req.region, target):
            if req.stream:
                data, doc, request_id, first_audio_s = await self._speak_stream(target, req, body, timing, on_chunk)
                url = None
            else:
                resp, raw = await self.transport.request(
                    target,
                    "POST",
                    "/v1/t2a_v2",
                    idempotent=True,
                    json=body,
                    params=self._params(req.group_id),
                    timing=timing,
                )
                doc = self._checked_doc(resp.status_code, raw, resp.headers, target)
                request_id = request_id_of(resp.headers) or doc.get("trace_id")
                data, url = await self._whole_audio(target, req, doc)
                first_audio_s = timing.total_s
                await emit(on_chunk, data)
        self._check_audio(data, req.format, target)
        return MiniMaxSpeechResult(
            audio=SpeechAudio(data=data, format=req.format, sample_rate=req.sample_rate, channels=req.channel),
            provider=self.ID,
            model=req.model,
            voice_label=req.voice_id,
            sandbox=target.sandbox,
            timing=timing,
            request_fields={k: v for k, v in body.items() if k != "text"},
            request_id=request_id,
            extra_info=doc.get("extra_info") or {},
            first_audio_s=first_audio_s,
            audio_url=url,
        )

    async def _whole_audio(self, target: Target, req: MiniMaxSpeech, doc: dict) -> tuple[bytes, str | None]:
        data = doc.get("data")
        audio = data.get("audio") if isinstance(data, dict) else None
        if req.output_format == "url":
            return await self.download(target, audio), audio
        return self._hex(audio, target), None

    async def _speak_stream(
        self, target: Target, req: MiniMaxSpeech, body: dict, timing: Timing, on_chunk: ChunkCallback | None
    ) -> tuple[bytes, dict, str | None, float | None]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        assembler = StreamAssembler(excluded=bool(body.get("stream_options")))
        first_audio_s: float | None = None
        last: dict[str, Any] = {}
        async with self.transport.stream(
            target, "POST", "/v1/t2a_v2", idempotent=True, json=body, params=self._params(req.group_id), timing=timing
        ) as resp:
            request_id = request_id_of(resp.headers)
            if "text/event-stream" not in resp.headers.get("content-type", ""):
                doc = self._checked_doc(resp.status_code, await resp.aread(), resp.headers, target)
                # tolerate a JSON answer
                data, _ = await self._whole_audio(target, replace(req, output_format="hex"), doc)
                await emit(on_chunk, data)
                return data, doc, request_id or doc.get("trace_id"), timing.first_byte_s
            async for frame in sse_payloads(resp.aiter_lines(), self._bad_frame(target)):
                self._raise_for_base_resp(frame, resp.status_code, resp.headers, target)
                request_id = request_id or frame.get("trace_id")
                last = frame if frame.get("extra_info") else last
                piece = assembler.add(frame.get("data"), lambda v: self._hex(v, target))
                if piece:
                    first_audio_s = first_audio_s if first_audio_s is not None else loop.time() - start
                    await emit(on_chunk, piece)
                if assembler.done:
                    break
        if not assembler.done:
            raise self.transport.error(
                status=200,
                code=None,
                target=target,
                cls=StreamInterruptedError,
                provider_message="the stream ended before its final frame (data.status 2)",
                request_id=request_id,
            )
        return assembler.audio(), last, request_id, first_audio_s

    def _bad_frame(self, target: Target):
        def error(text: str) -> ProviderError:
            return self._invalid(target, f"a stream frame is not JSON: {text[:60]!r}")

        return error

    # -- voices ------------------------------------------------------------------------------------
    async def _list_voices(
        self, target: Target, voice_type: str = "all", region: str | None = None, group_id: str | None = None, **_: Any
    ) -> list[Voice]:
        self._choice(voice_type, self.spec["voice_types"], "voice_type")
        doc, _request_id = await self._post(
            target, "/v1/get_voice", region=region, group_id=group_id, idempotent=True, json={"voice_type": voice_type}
        )
        voices: list[Voice] = []
        for key, kind in (("system_voice", "system"), ("voice_cloning", "cloned"), ("voice_generation", "designed")):
            for item in doc.get(key) or []:
                if isinstance(item, dict) and item.get("voice_id"):
                    desc = item.get("description")
                    voices.append(
                        Voice(
                            id=str(item["voice_id"]),
                            name=str(item.get("voice_name") or item["voice_id"]),
                            provider=self.ID,
                            kind=kind,
                            text=" ".join(desc) if isinstance(desc, list) else (desc or None),
                            extra={"created_time": item.get("created_time"), "voice_type": key},
                        )
                    )
        return voices

    async def _delete_voice(
        self,
        target: Target,
        voice_id: str,
        voice_type: str = "voice_cloning",
        region: str | None = None,
        group_id: str | None = None,
        **_: Any,
    ) -> str:
        self._choice(voice_type, self.spec["deletable_voice_types"], "voice_type")
        doc, _request_id = await self._post(
            target,
            "/v1/delete_voice",
            region=region,
            group_id=group_id,
            idempotent=True,
            json={"voice_type": voice_type, "voice_id": voice_id},
        )
        created = doc.get("created_time")
        return f"deleted{f' (created {created})' if created else ''}"
