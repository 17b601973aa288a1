"""Speech recognition shared by the adapters that have it (the clinic's transcript auto-fill).

All three documented contracts are a multipart POST of `file` + `model` answered with JSON
carrying `text`; the path, models and limits are data in presets/<id>.json `clinic.asr`:
- SiliconFlow `POST /audio/transcriptions` (FunAudioLLM/SenseVoiceSmall, TeleAI/TeleSpeechASR; <= 1 h, 50 MB)
- OpenAI-compatible `POST /audio/transcriptions` (whisper-1, gpt-4o(-mini)-transcribe; 25 MB)
- Zhipu `POST /paas/v4/audio/transcriptions` (glm-asr-2512; wav/mp3, <= 30 s, 25 MB)
None of them is in shared/providers.md: the sources are named in each preset's `clinic.asr.source`.
The clip is sent as 16 kHz mono 16-bit WAV, which every one of them takes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from playground.audio import VoiceSample, encode
from playground.config import Target
from playground.errors import AudioInputError, InputError, InvalidResponseError

if TYPE_CHECKING:
    from playground.providers.base import Provider

ASR_RATE = 16000


@dataclass
class TranscribeRequest:
    sample: VoiceSample | None
    model: str | None = None  # None: the preset's default model


@dataclass
class Transcript:
    text: str
    provider: str
    model: str
    sandbox: bool
    duration_s: float
    extra: dict[str, Any] = field(default_factory=dict)


def spec_of(provider: Provider) -> dict[str, Any]:
    return provider.spec.get("clinic", {}).get("asr", {})


def check_request(provider: Provider, req: TranscribeRequest) -> TranscribeRequest:
    """Model known, clip present, within the ASR limits; the clip converted to 16 kHz mono WAV."""
    asr = spec_of(provider)
    if req.sample is None:
        raise InputError("Record or upload a clip to transcribe first.")
    model = (req.model or "").strip() or asr["default_model"]
    if model not in asr["models"]:
        raise InputError(
            f"Unknown speech recognition model {model!r} for {provider.label}.",
            hint=f"Choose one of: {', '.join(asr['models'])}.",
        )
    info = req.sample.info
    hi = asr.get("max_duration_s")
    if hi is not None and info.duration_s > hi:
        raise AudioInputError(
            f"The clip is {info.duration_s:.1f} s; {provider.label} transcribes at most {hi:g} s.",
            hint="Pick a shorter window first, or choose another provider for the transcript.",
        )
    wav = VoiceSample(
        data=encode(req.sample.segment, "wav", sample_rate=ASR_RATE, channels=1), filename="clip.wav", format="wav"
    )
    if wav.size > int(asr["max_bytes"]):
        raise AudioInputError(
            f"The clip is {wav.size / 1048576:.1f} MB as 16 kHz WAV; {provider.label} "
            f"transcribes at most {int(asr['max_bytes']) / 1048576:g} MB.",
            hint="Use a shorter clip.",
        )
    return TranscribeRequest(sample=wav, model=model)


async def post_transcription(provider: Provider, target: Target, req: TranscribeRequest) -> Transcript:
    """The multipart call and the `{text}` answer (extra fields, e.g. Zhipu's request_id, kept)."""
    assert req.sample is not None and req.model
    path = spec_of(provider)["path"]
    resp, body = await provider.transport.request(
        target, "POST", path, idempotent=True, data={"model": req.model}, files={"file": req.sample.multipart()}
    )
    try:
        doc = json.loads(body)
        text = doc["text"]
        if not isinstance(text, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise provider.transport.error(
            status=resp.status_code,
            code=None,
            target=target,
            cls=InvalidResponseError,
            provider_message="the transcription answer had no text",
        ) from None
    extra = {k: doc[k] for k in ("request_id", "id", "model") if k in doc}
    return Transcript(
        text=text.strip(),
        provider=provider.ID,
        model=req.model,
        sandbox=target.sandbox,
        duration_s=req.sample.info.duration_s,
        extra=extra,
    )


class TranscribeMixin:
    """SUPPORTS_TRANSCRIBE plus the two hooks, for adapters whose preset has `clinic.asr`."""

    SUPPORTS_TRANSCRIBE = True

    def check_transcribe(self, request: TranscribeRequest) -> TranscribeRequest:
        return check_request(self, request)  # type: ignore[arg-type]

    async def _transcribe(self, target: Target, request: TranscribeRequest) -> Transcript:
        return await post_transcription(self, target, request)  # type: ignore[arg-type]
