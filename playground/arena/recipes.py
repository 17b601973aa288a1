"""The provider-specific steps of an Arena run: fit the sample to the provider, clone, and build
one speech request for the clone. Everything goes through the adapters' own public methods
(checks, retries, typed errors are the provider tabs'); nothing here imports Gradio.

A provider added later joins by declaring SUPPORTS_CLONE (or SUPPORTS_UPLOAD) and two hooks on
its adapter class:
    async def arena_clone(self, sample, transcript, name, model, *, api_key) -> UploadResult
    def arena_speech_request(self, text, voice_id, model) -> <its speech request>
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from playground import clinic, presets, providers
from playground.arena.entrants import SAMPLE_CLONE_PROVIDERS, Entrant, arena_spec, has_hooks
from playground.audio import VoiceSample
from playground.errors import InputError
from playground.providers.base import UploadResult

Progress = Callable[[str], Awaitable[None] | None]


def _elevenlabs(sample: VoiceSample, transcript: str, name: str) -> Any:
    from playground.providers.elevenlabs_checks import ElevenLabsClone

    return ElevenLabsClone(samples=[sample], name=name)


def _fishaudio(sample: VoiceSample, transcript: str, name: str) -> Any:
    from playground.providers.fishaudio_requests import FishClone

    return FishClone(samples=[sample], title=name, texts=[transcript])


def _cartesia(sample: VoiceSample, transcript: str, name: str) -> Any:
    from playground.providers.cartesia_requests import CartesiaClone

    lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in transcript) else None
    return CartesiaClone(sample=sample, name=name, language=lang)


# providers whose clone takes the sample itself in one call: id -> (sample, transcript, name) -> request
SAMPLE_CLONES: dict[str, Callable[[VoiceSample, str, str], Any]] = {
    "elevenlabs": _elevenlabs,
    "fishaudio": _fishaudio,
    "cartesia": _cartesia,
}
if set(SAMPLE_CLONES) != SAMPLE_CLONE_PROVIDERS:  # the entrants' list and the recipes must name the same
    raise RuntimeError("arena: SAMPLE_CLONES and entrants.SAMPLE_CLONE_PROVIDERS disagree")


@dataclass
class Prepared:
    sample: VoiceSample
    notes: list[str] = field(default_factory=list)
    windowed: bool = False


_analyses: dict[str, clinic.Analysis] = {}
_analyses_lock = threading.Lock()


def _analysis(sample: VoiceSample) -> clinic.Analysis:
    """The clinic's analysis, once per sample (every entrant fits the same one at the same time)."""
    key = hashlib.sha256(sample.data).hexdigest()
    with _analyses_lock:
        if key in _analyses:
            return _analyses[key]
        result = _analyses[key] = clinic.analyze(sample)  # under the lock: the others wait for this one
        while len(_analyses) > 8:
            _analyses.pop(next(iter(_analyses)))
        return result


def prepare(sample: VoiceSample, entrant: Entrant) -> Prepared:
    """The clinic's fixes for this provider operation: trim the edges, keep the best window when
    the sample is longer than the provider takes, convert the format when it does not take it."""
    if not entrant.operation:
        return Prepared(sample)
    lim = clinic.limits_for(entrant.provider_id, entrant.operation)
    notes: list[str] = []
    current = sample
    a = _analysis(sample)
    if a.leading_silence_s > 0.5 or a.trailing_silence_s > 0.5:
        fixed = clinic.trim_silence(current)
        current, notes = fixed.sample, [*notes, fixed.description]
    windowed = False
    hi = clinic.window_seconds(lim)
    duration = current.info.duration_s
    too_long = hi is not None and (
        duration >= float(lim.get("max_duration_s") or hi)
        if lim.get("max_exclusive")
        else duration > float(lim.get("max_duration_s") or hi)
    )
    if too_long:
        assert hi is not None
        fixed = clinic.best_speech_window(current, float(hi))
        current, notes, windowed = fixed.sample, [*notes, fixed.description], True
    formats = lim.get("formats") or []
    if formats and current.format not in formats:
        fixed = clinic.convert_format(current, lim.get("convert_to", formats[0]))
        current, notes = fixed.sample, [*notes, fixed.description]
    lo = lim.get("min_duration_s")
    if lo is not None and current.info.duration_s < float(lo):
        raise InputError(
            f"The sample is {current.info.duration_s:.1f} s; {lim['provider_label']} "
            f"{lim.get('label', 'clone')} needs at least {lo:g} s.",
            hint="Record a longer sample to include this provider.",
        )
    return Prepared(current, notes, windowed)


def voice_name(entrant: Entrant, family_id: int | None) -> str:
    """A fresh name that follows every provider's rules (a letter first, letters/digits/_)."""
    prefix = arena_spec()["clone_names"]["prefix"]
    return f"{prefix}{family_id or 0}_{entrant.provider_id[:6]}_{time.strftime('%m%d')}{secrets.token_hex(3)}"


def library_name(entrant: Entrant, family_id: int | None) -> str:
    """The name the voice library shows for an Arena clone: its family and its entrant, e.g.
    "Arena #3 · MiniMax · speech-2.8-hd · clone" (the provider keeps the name voice_name made)."""
    return f"Arena #{family_id or 0} · {entrant.label}"


async def _say(progress: Progress | None, text: str) -> None:
    if progress is not None:
        result = progress(text)
        if result is not None:
            await result


async def clone(
    entrant: Entrant,
    sample: VoiceSample,
    transcript: str,
    name: str,
    *,
    api_key: str | None,
    progress: Progress | None = None,
) -> tuple[UploadResult, list[UploadResult]]:
    """Create the entrant's voice from an already prepared sample. Returns (the voice, every
    upload made on the way, for the library)."""
    pid = entrant.provider_id
    adapter = providers.get(pid)
    if pid == "siliconflow":
        from playground.providers.siliconflow import SiliconFlowUpload

        await _say(progress, "uploading the voice")
        result = await adapter.upload_voice(
            SiliconFlowUpload(sample=sample, name=name, text=transcript, model=entrant.model or ""), api_key=api_key
        )
        return result, []
    if pid == "minimax":
        from playground.providers.minimax import MiniMaxClone, MiniMaxUpload

        await _say(progress, "uploading the sample")
        upload = await adapter.upload_voice(MiniMaxUpload(sample=sample, purpose="voice_clone"), api_key=api_key)
        await _say(progress, "cloning")
        result = await adapter.clone_voice(
            MiniMaxClone(file_id=upload.extra["file_id"], voice_id=name), api_key=api_key
        )
        result.model = entrant.model
        return result, [upload]
    if pid == "zhipu":
        from playground.providers.zhipu import ZhipuClone, ZhipuUpload

        spec = presets.load("zhipu")
        await _say(progress, "uploading the sample")
        upload = await adapter.upload_voice(ZhipuUpload(sample), api_key=api_key)
        await _say(progress, "cloning")
        lang = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in transcript) else "en"
        result = await adapter.clone_voice(
            ZhipuClone(
                file_id=upload.extra["file_id"],
                voice_name=name,
                input=spec["clone_example"]["input"][lang],
                model=entrant.model or spec["default_clone_model"],
                text=transcript,
                fetch_preview=False,
            ),
            api_key=api_key,
        )
        return result, [upload]
    if pid in SAMPLE_CLONES:
        await _say(progress, "cloning")
        result = await adapter.clone_voice(SAMPLE_CLONES[pid](sample, transcript, name), api_key=api_key)
        return result, []
    if has_hooks(type(adapter)):
        await _say(progress, "cloning")
        result = await adapter.arena_clone(sample, transcript, name, entrant.model, api_key=api_key)  # type: ignore[attr-defined]  # an Arena hook (has_hooks)
        return result, []
    raise InputError(f"{adapter.label} has no Arena recipe.", hint="Leave it out of the run.")


PCM_RATE = 24000


def as_pcm(request: Any) -> Any:
    """Ask for 16-bit PCM where the provider streams it: every take is decoded, measured and scored,
    and PCM needs no decoder (mp3 costs an ffmpeg run per take)."""
    from dataclasses import replace

    from playground.providers.minimax import MiniMaxSpeech
    from playground.providers.siliconflow import SiliconFlowSpeech

    if isinstance(request, SiliconFlowSpeech):
        return replace(request, response_format="pcm", sample_rate=PCM_RATE)
    if isinstance(request, MiniMaxSpeech):
        return replace(request, format="pcm")
    return request


def speech_request(
    entrant: Entrant, text: str, voice_id: str | None, reference: VoiceSample | None = None, transcript: str = ""
) -> Any:
    """One speech request in the provider's defaults (streamed where it streams), as PCM where possible."""
    return as_pcm(_speech_request(entrant, text, voice_id, reference, transcript))


def _speech_request(
    entrant: Entrant, text: str, voice_id: str | None, reference: VoiceSample | None = None, transcript: str = ""
) -> Any:
    from playground import compare

    pid = entrant.provider_id
    if entrant.kind == "control":
        return compare.speech_request(compare.Pair(pid, entrant.voice or "", entrant.model), text)
    if entrant.kind == "zero_shot":
        from playground.providers.siliconflow import Reference, SiliconFlowSpeech

        if reference is None:
            raise InputError("The zero-shot entrant needs the reference sample.")
        return SiliconFlowSpeech(
            text=text,
            model=entrant.model or "",
            references=[Reference(reference, transcript)],
            response_format="mp3",
            stream=True,
        )
    if pid in compare.REQUEST_BUILDERS:
        model = entrant.model if pid == "siliconflow" else None  # MiniMax/Zhipu: the preset's speech model
        return compare.speech_request(compare.Pair(pid, voice_id or "", model), text)
    adapter = providers.get(pid)
    if has_hooks(type(adapter)):
        return adapter.arena_speech_request(text, voice_id, entrant.model)  # type: ignore[attr-defined]
    raise InputError(f"{adapter.label} has no Arena recipe.")
