"""Fish Audio (providers-more.md section 2): create a voice model from 1-20 samples (POST /model,
multipart, then GET /model/{_id} until it is trained), speech with a model id or inline references
(POST /v1/tts: JSON, or msgpack when references carry audio bytes; the TTS model in the `model`
header, always, because a missing header bills s2.1-pro), list and delete own models, and
speech recognition (POST /v1/asr). Wire details and error bodies: fishaudio_wire.py."""

from __future__ import annotations

import asyncio
import io
import wave
from typing import Any

from playground import errors
from playground.audio import SpeechAudio, sniff_format
from playground.config import Target
from playground.errors import InputError
from playground.http import Timing
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
    reference_voice_label,
    with_references_counted,
)
from playground.providers.fishaudio_requests import FishClone, FishReference, FishSpeech
from playground.providers.fishaudio_wire import FishTransport, pack, parse_error

AUDIO_SNIFF: dict[str, set[str | None]] = {"mp3": {"mp3"}, "wav": {"wav"}, "opus": {"opus", "ogg"}, "pcm": {None}}


class FishAudio(Provider):
    ID = "fishaudio"
    SUPPORTS_CLONE = True
    SUPPORTS_LIST = True
    SUPPORTS_DELETE = True
    SUPPORTS_STREAM = True
    SUPPORTS_TRANSCRIBE = True
    REQUESTS = {"clone": FishClone, "speak": FishSpeech}  # what the tab builder builds from the presets' ui

    def __init__(self) -> None:
        super().__init__()
        self.transport = FishTransport(self.ID, self.label, self.parse_error, self.CODE_ERRORS)
        self.poll_interval_s = float(self.spec["clone"]["poll_interval_s"])
        self.poll_max_s = float(self.spec["clone"]["poll_max_s"])

    @staticmethod
    def parse_error(status: int, body: bytes, content_type: str) -> tuple[Any, str | None]:
        return parse_error(status, body, content_type)

    # -- what the tab builder asks (presets ui: choices_when / live player) ----------------------
    def sample_rates(self, fmt: str) -> list[int]:
        return list(self.spec["formats"].get(fmt, {}).get("sample_rates", []))

    def default_sample_rate(self, fmt: str) -> int | None:
        return self.spec["formats"].get(fmt, {}).get("default_sample_rate")

    def live_options(self, request: FishSpeech) -> dict[str, Any]:
        """/v1/tts is always a chunked body: played as it arrives, headerless pcm at the asked rate."""
        return dict(
            live=True,
            fmt=request.format or self.spec["default_format"],
            sample_rate=request.sample_rate or self.default_sample_rate(request.format or "mp3"),
            channels=1,
        )

    # -- clone: POST /model ------------------------------------------------------------------
    def check_clone(self, req: FishClone) -> FishClone:
        spec = self.spec["clone"]
        title = (req.title or "").strip()
        if not title:
            raise InputError("Give the new voice model a title.", hint="For example my-fish-voice.")
        check_text(title, self.spec["limits"]["title_chars"], self.label, what="The title")
        samples = [s for s in req.samples or [] if s is not None]
        if not samples:
            raise InputError("Record or upload at least one voice sample.")
        if len(samples) > spec["max_files"]:
            raise InputError(f"{self.label} takes at most {spec['max_files']} samples per model; got {len(samples)}.")
        limits = self.spec["samples"]["clone"]
        prepared = [s.prepared(limits, self.label) for s in samples]
        texts = [(t or "").strip() for t in (req.texts or [])]
        if any(texts):
            if len(texts) != len(prepared) or not all(texts):
                raise InputError(
                    f"Give one transcript per sample ({len(prepared)}), in the same order, or none.",
                    hint="Without transcripts Fish recognises the speech itself.",
                )
        else:
            texts = []
        visibility = self._one_of(req.visibility or spec["default_visibility"], spec["visibilities"], "visibility")
        if visibility == "public":
            raise InputError(
                "A public model needs a cover image, which the playground does not send.",
                hint="Choose private or unlist.",
            )
        train_mode = self._one_of(req.train_mode or spec["default_train_mode"], spec["train_modes"], "train_mode")
        enhance = (
            spec["enhance_audio_quality"] if req.enhance_audio_quality is None else bool(req.enhance_audio_quality)
        )
        tags = [t.strip() for t in req.tags if t and t.strip()]
        return FishClone(
            samples=prepared,
            title=title,
            texts=texts,
            description=(req.description or "").strip() or None,
            tags=tags,
            visibility=visibility,
            train_mode=train_mode,
            enhance_audio_quality=enhance,
            wait=req.wait,
        )

    def clone_fields(self, req: FishClone) -> dict[str, Any]:
        """The multipart text fields; repeated ones (texts, tags) as lists."""
        data: dict[str, Any] = {
            "type": self.spec["clone"]["type"],
            "title": req.title,
            "train_mode": req.train_mode,
            "visibility": req.visibility,
            "enhance_audio_quality": "true" if req.enhance_audio_quality else "false",
        }
        if req.description:
            data["description"] = req.description
        if req.texts:
            data["texts"] = list(req.texts)
        if req.tags:
            data["tags"] = list(req.tags)
        return data

    async def _clone_voice(self, target: Target, req: FishClone) -> UploadResult:
        files = [("voices", s.multipart()) for s in req.samples]
        _, body = await self.transport.request(
            target, "POST", "/model", idempotent=False, data=self.clone_fields(req), files=files
        )
        model = self._json(body, target, "the model creation")
        model_id = model.get("_id")
        if not model_id:
            raise self._invalid(target, "the created model has no _id")
        notes = [n for s in req.samples for n in s.notes]
        total_s = sum(s.info.duration_s for s in req.samples)
        lo = self.spec["samples"]["clone"]["recommended_total_s"][0]
        if total_s < lo:
            notes.append(
                f"the samples last {total_s:.1f} s in total; {self.label} recommends at least {lo:g} s "
                "(ideally 2–3 clips of 15–20 s)"
            )
        if req.wait and model.get("state") != "trained":
            model = await self.wait_until_trained(target, str(model_id))
        return UploadResult(
            voice_id=str(model_id),
            provider=self.ID,
            model=None,
            name=model.get("title") or req.title,
            sample=req.samples[0],
            sandbox=target.sandbox,
            notes=notes,
            extra={
                "state": model.get("state"),
                "train_mode": model.get("train_mode", req.train_mode),
                "visibility": model.get("visibility", req.visibility),
                "samples_sent": len(req.samples),
                "created_at": model.get("created_at"),
            },
        )

    async def wait_until_trained(self, target: Target, model_id: str) -> dict[str, Any]:
        """GET /model/{id} until `state` is trained (bounded); failed or still training is an error."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.poll_max_s
        while True:
            _, body = await self.transport.request(target, "GET", f"/model/{model_id}", idempotent=True)
            model = self._json(body, target, "the model status")
            state = model.get("state")
            if state == "trained":
                return model
            if state == "failed":
                raise self.transport.error(
                    status=200,
                    code="failed",
                    target=target,
                    cls=errors.ServerError,
                    provider_message=f"training of model {model_id} failed",
                )
            if loop.time() + self.poll_interval_s > deadline:
                exc = self.transport.error(
                    status=None,
                    code=state,
                    target=target,
                    cls=errors.ProviderTimeoutError,
                    provider_message=f"model {model_id} is still {state} after {self.poll_max_s:g} s",
                )
                exc.hint = (
                    f"The model was created (id {model_id}) but is not trained yet: try speaking with it "
                    "in a few minutes, or delete it."
                )
                raise exc
            await asyncio.sleep(self.poll_interval_s)

    # -- speech: POST /v1/tts ------------------------------------------------------------------
    def check_speak(self, req: FishSpeech) -> FishSpeech:
        spec, limits, d = self.spec, self.spec["limits"], self.spec["defaults"]
        text = check_text(req.text, limits["input_chars"], self.label)
        model = (req.model or spec["default_model"]).strip()
        self._one_of(model, [*spec["models"], *spec["legacy_models"]], "TTS model")
        reference_id = (req.reference_id or "").strip() or None
        if reference_id and req.references:
            raise InputError("Use either a voice model id or reference clips, not both.")
        refs = [
            FishReference(
                r.sample.prepared(spec["samples"]["reference"], self.label),
                check_text(r.text, [1, 10**5], self.label, what="The reference transcript"),
            )
            for r in req.references
        ]
        fmt = self._one_of(req.format or spec["default_format"], list(spec["formats"]), "format")
        fspec = spec["formats"][fmt]
        rate = int(req.sample_rate or fspec["default_sample_rate"])
        if rate not in fspec["sample_rates"]:
            raise InputError(
                f"{fmt} takes sample rates {', '.join(map(str, fspec['sample_rates']))} on {self.label}; got {rate}."
            )
        mp3_bitrate = opus_bitrate = None
        if fmt == "mp3":
            mp3_bitrate = self._one_of(int(req.mp3_bitrate or d["mp3_bitrate"]), spec["mp3_bitrates"], "mp3_bitrate")
        if fmt == "opus" and req.opus_bitrate is not None:
            opus_bitrate = self._one_of(int(req.opus_bitrate), spec["opus_bitrates"], "opus_bitrate")
        latency = self._one_of(req.latency or spec["default_latency"], spec["latencies"], "latency")
        values = {
            name: (getattr(req, name) if getattr(req, name) is not None else d[key])
            for name, key in (
                ("temperature", "temperature"),
                ("top_p", "top_p"),
                ("chunk_length", "chunk_length"),
                ("speed", "speed"),
                ("volume", "volume_db"),
            )
        }
        for name, bounds, label in (
            ("temperature", "temperature", "Temperature"),
            ("top_p", "top_p", "top_p"),
            ("chunk_length", "chunk_length", "chunk_length"),
            ("speed", "speed", "Speed"),
            ("volume", "volume_db", "Volume (dB)"),
        ):
            check_range(values[name], limits[bounds], label, self.label)
        check_range(req.min_chunk_length, limits["min_chunk_length"], "min_chunk_length", self.label)
        return FishSpeech(
            text=text,
            model=model,
            reference_id=reference_id,
            references=refs,
            format=fmt,
            sample_rate=rate,
            mp3_bitrate=mp3_bitrate,
            opus_bitrate=opus_bitrate,
            latency=latency,
            temperature=float(values["temperature"]),
            top_p=float(values["top_p"]),
            chunk_length=int(values["chunk_length"]),
            min_chunk_length=req.min_chunk_length,
            normalize=d["normalize"] if req.normalize is None else bool(req.normalize),
            speed=float(values["speed"]),
            volume=float(values["volume"]),
            normalize_loudness=d["normalize_loudness"]
            if req.normalize_loudness is None
            else bool(req.normalize_loudness),
        )

    def speech_body(self, req: FishSpeech) -> dict[str, Any]:
        """Every field that changes the sound, sent explicitly (server and SDK defaults differ)."""
        body: dict[str, Any] = {"text": req.text}
        if req.reference_id:
            body["reference_id"] = req.reference_id
        if req.references:
            body["references"] = [{"audio": r.sample.data, "text": r.text} for r in req.references]
        body.update(
            {
                "format": req.format,
                "sample_rate": req.sample_rate,
                "latency": req.latency,
                "temperature": req.temperature,
                "top_p": req.top_p,
                "chunk_length": req.chunk_length,
                "normalize": req.normalize,
                "prosody": {"speed": req.speed, "volume": req.volume, "normalize_loudness": req.normalize_loudness},
            }
        )
        if req.mp3_bitrate is not None:
            body["mp3_bitrate"] = req.mp3_bitrate
        if req.opus_bitrate is not None:
            body["opus_bitrate"] = req.opus_bitrate
        if req.min_chunk_length is not None:
            body["min_chunk_length"] = req.min_chunk_length
        return body

    async def _speak(self, target: Target, req: FishSpeech, on_chunk: ChunkCallback | None) -> SpeechResult:
        assert req.format is not None and req.model is not None  # set by check_speech
        body, timing = self.speech_body(req), Timing()
        headers = {self.spec["model_header"]: req.model}
        kw: dict[str, Any] = {"json": body}
        if req.references:  # raw audio bytes: msgpack (JSON cannot carry them)
            kw = {"content": pack(body)}
            headers["Content-Type"] = "application/msgpack"
        async with self.transport.stream(
            target, "POST", "/v1/tts", idempotent=True, timing=timing, headers=headers, **kw
        ) as resp:
            await self._refuse_text_answer(resp, target)
            data = await read_audio(resp, on_chunk)
        self._check_audio(data, req.format, target)
        rate = _wav_rate(data) if req.format == "wav" else req.sample_rate
        sent = with_references_counted(body, req.references) | {"model (header)": req.model}
        return SpeechResult(
            audio=SpeechAudio(data=data, format=req.format, sample_rate=rate),
            provider=self.ID,
            model=req.model,
            voice_label=reference_voice_label(req.reference_id, req.references),
            sandbox=target.sandbox,
            timing=timing,
            request_fields=sent,
        )

    def _check_audio(self, data: bytes, fmt: str, target: Target) -> None:
        if not data:
            raise self._invalid(target, "empty body")
        got = sniff_format(data)
        if got not in AUDIO_SNIFF[fmt] or (fmt == "pcm" and data[:1] in (b"{", b"<")):
            raise self._invalid(target, f"expected {fmt} audio, got {data[:40]!r}")

    # -- models ------------------------------------------------------------------------------------
    async def _list_voices(
        self, target: Target, library: bool = False, title: str | None = None, **_: Any
    ) -> list[Voice]:
        """Own models (self=true) page by page; `library=True` lists the public library instead."""
        lspec = self.spec["list"]
        out: list[Voice] = []
        for page in range(1, int(lspec["max_pages"]) + 1):
            params: dict[str, Any] = {
                "page_size": lspec["page_size"],
                "page_number": page,
                "sort_by": lspec["default_sort_by"],
            }
            if not library:
                params["self"] = "true"
            if title and title.strip():
                params["title"] = title.strip()
            _resp, body = await self.transport.request(target, "GET", "/model", idempotent=True, params=params)
            doc = self._json(body, target, "the model list")
            items = doc.get("items")
            if not isinstance(items, list):
                raise self._invalid(target, "the model list has no items")
            out += [
                Voice(
                    id=str(m.get("_id", "")),
                    name=m.get("title") or str(m.get("_id", "")),
                    provider=self.ID,
                    kind="system" if library else "cloned",
                    extra={k: m.get(k) for k in ("state", "visibility", "train_mode", "created_at", "languages")},
                )
                for m in items
                if isinstance(m, dict) and m.get("_id")
            ]
            total = doc.get("total")
            more = doc.get("has_more")
            if not items or more is False or (isinstance(total, int) and len(out) >= total and more is not True):
                break
        return out

    async def _delete_voice(self, target: Target, voice_id: str, **_: Any) -> str:
        _resp, body = await self.transport.request(target, "DELETE", f"/model/{voice_id}", idempotent=True)
        text = body.decode("utf-8", "replace").strip()  # unspecified body (UNCONFIRMED): shown briefly
        return f"deleted {voice_id}" + (f" ({text[:120]})" if text and text not in ("null", "{}") else "")

    # -- speech recognition: POST /v1/asr ------------------------------------------------------------
    def check_transcribe(self, request: asr.TranscribeRequest) -> asr.TranscribeRequest:
        lo = asr.spec_of(self).get("min_duration_s")
        if request.sample is not None and lo and request.sample.info.duration_s < lo:
            raise errors.AudioInputError(
                f"The clip is {request.sample.info.duration_s:.1f} s; {self.label} transcribes at least {lo:g} s.",
                hint="Use a longer clip.",
            )
        return asr.check_request(self, request)

    async def _transcribe(self, target: Target, request: asr.TranscribeRequest) -> asr.Transcript:
        assert request.sample is not None
        _resp, body = await self.transport.request(
            target,
            "POST",
            asr.spec_of(self)["path"],
            idempotent=True,
            data={"ignore_timestamps": "true"},
            files={"audio": request.sample.multipart()},
        )
        doc = self._json(body, target, "the transcription")
        if not isinstance(doc.get("text"), str):
            raise self._invalid(target, "the transcription answer had no text")
        return asr.Transcript(
            text=doc["text"].strip(),
            provider=self.ID,
            model=request.model or "transcribe-1",
            sandbox=target.sandbox,
            duration_s=request.sample.info.duration_s,
            extra={k: doc[k] for k in ("language", "language_code") if k in doc},
        )


def _wav_rate(data: bytes) -> int | None:
    try:
        with wave.open(io.BytesIO(data)) as w:
            return w.getframerate()
    except (wave.Error, EOFError):
        return None
