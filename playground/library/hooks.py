"""The calls provider handlers make: record what the provider confirmed, before success shows.

`record_voice` after an upload/clone, `record_take` after speech, `record_upload` after a
clone source upload (MiniMax, Zhipu: the clone later names it by file id, and the library
keeps the exact sample sent). Each takes the Target the call used: the scope comes from it.
A failure to record is logged (never with the key) and returned as a note; it never
hides a voice the provider already made.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from playground.audio import SpeechAudio
from playground.config import Target
from playground.errors import PlaygroundError
from playground.library import default_store
from playground.library.store import MINIMAX_UNUSED_DAYS
from playground.providers.base import SpeechResult, UploadResult

log = logging.getLogger("playground.library")
NOT_SAVED = " · ⚠️ not saved in the voice library (see the server log)"
SECRET_PARAMS = {"api_key", "progress", "request"}


def _audio_of(value: Any) -> SpeechAudio | None:
    return value if isinstance(value, SpeechAudio) else None


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def settings_of(params: dict) -> dict:
    """A handler's parameters minus the key (and Gradio's progress): what a re-run needs."""
    return {k: _plain(v) for k, v in params.items() if k not in SECRET_PARAMS and not k.startswith("_")}


async def _run(what: str, fn, *args, **kwargs) -> str:
    try:
        await asyncio.to_thread(fn, *args, **kwargs)
        return ""
    except PlaygroundError as exc:  # a cap of the library (caps.py): say which, and what to do
        return f" · ⚠️ not saved in the voice library: {exc.user_message()}"
    except Exception as exc:  # the provider call succeeded: report, do not fail it
        log.error("library: could not record %s (%s)", what, type(exc).__name__)
        return NOT_SAVED


def _record_upload(result: UploadResult, target: Target) -> None:
    if result.sample is None:
        return
    store = default_store()
    store.add_upload(
        store.scope(target), result.provider, str(result.voice_id), result.sample.data, result.sample.format
    )


def _record_voice(result: UploadResult, target: Target, transcript: str, source_file_id: str | None) -> None:
    store = default_store()
    scope = store.scope(target)
    sample = result.sample
    sample_path = sample_format = None
    if sample is None and source_file_id:
        upload = store.upload(scope, result.provider, source_file_id)
        if upload:
            sample_path, sample_format = upload["sample_path"], upload["sample_format"]
    preview = _audio_of(result.extra.get("demo_audio")) or _audio_of(result.extra.get("preview"))
    now = time.time()
    expires = now + MINIMAX_UNUSED_DAYS * 86400 if result.provider == "minimax" else None
    extra = {k: v for k, v in result.extra.items() if k not in ("demo_audio", "preview") and v is not None}
    if source_file_id:
        extra["source_file_id"] = str(source_file_id)
    store.add_voice(
        scope,
        result.provider,
        str(result.voice_id),
        model=result.model,
        name=result.name,
        transcript=transcript or str(result.extra.get("text") or ""),
        sample=sample.data if sample is not None else None,
        sample_format=sample.format if sample is not None else sample_format,
        sample_path=sample_path,
        preview=preview.playable() if preview else None,
        preview_format=preview.extension if preview else None,
        sandbox=result.sandbox,
        expires_at=expires,
        extra=_plain(extra),
        created_at=now,
    )


def _record_take(handler: str, result: SpeechResult, target: Target, settings: dict, voice: str | None) -> None:
    store = default_store()
    scope = store.scope(target)
    audio = result.audio
    params = settings_of(settings)
    store.add_take(
        scope,
        result.provider,
        audio=audio.download_bytes(),
        fmt=audio.extension,
        model=result.model,
        voice=result.voice_label or "",
        text=str(params.get("text") or ""),
        handler=handler,
        params=params,
        sample_rate=audio.sample_rate,
        sandbox=result.sandbox,
        timing={"first_byte_s": result.timing.first_byte_s, "total_s": result.timing.total_s},
    )
    if voice or result.voice_label:
        store.touch_voice(scope, result.provider, voice or result.voice_label)


async def record_upload(result: UploadResult, target: Target) -> str:
    """Keep the exact sample behind a provider file id (a later clone names it)."""
    return await _run("an upload", _record_upload, result, target)


async def record_voice(
    result: UploadResult, target: Target, *, transcript: str = "", source_file_id: str | None = None
) -> str:
    """Record a voice the provider just confirmed. Returns '' or a short note for the summary."""
    return await _run("a voice", _record_voice, result, target, transcript, source_file_id)


async def record_take(
    handler: str, result: SpeechResult, target: Target, settings: dict, voice: str | None = None
) -> str:
    """Record one synthesis: its audio, the handler's parameters (never the key), timings.
    `voice` (the id used) marks a library voice as used."""
    return await _run("a take", _record_take, handler, result, target, settings, voice)
