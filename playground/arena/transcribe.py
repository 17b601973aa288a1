"""The clinic's speech recognition for the Arena: the sample's transcript and each take's, with
the take's own provider where it has ASR, else the first provider that has (a key, else sandbox)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from playground import config, messages, providers
from playground.audio import VoiceSample
from playground.errors import PlaygroundError
from playground.providers.asr import TranscribeRequest


def asr_provider(provider_id: str | None = None) -> str | None:
    ids = [pid for pid, cls in providers.PROVIDERS.items() if cls.SUPPORTS_TRANSCRIBE]
    if provider_id in ids:
        return provider_id
    with_key = [pid for pid in ids if not config.is_sandbox(pid)]
    return (with_key or ids)[0] if ids else None


def hears(provider_id: str | None, api_key: str | None = None) -> bool:
    """Does the recogniser `transcriber` would use listen to the audio? A simulator's does not: it
    answers a fixed text, so an error rate against it says nothing about the take."""
    asr_id = asr_provider(provider_id)
    if asr_id is None:
        return False
    return not config.is_sandbox(asr_id, api_key if asr_id == provider_id else None)


def transcriber(provider_id: str | None, api_key: str | None = None) -> Callable[[bytes], Awaitable[str]] | None:
    """An async bytes -> text function for scoring.score_take, or None when nothing can transcribe."""
    asr_id = asr_provider(provider_id)
    if asr_id is None:
        return None
    key = api_key if asr_id == provider_id else None  # a key typed for a provider goes to that provider only

    async def run(audio: bytes) -> str:
        result = await providers.get(asr_id).transcribe(TranscribeRequest(VoiceSample(data=audio)), api_key=key)
        return result.text

    return run


async def transcribe_sample(
    sample: VoiceSample, provider_id: str | None, api_key: str | None, fallback: str = ""
) -> tuple[str, str]:
    """(text, note): the transcript of a sample, or the fallback with a note saying why."""
    run = transcriber(provider_id, api_key)
    if run is None:
        return fallback, "no speech recognition available: the full sample's transcript was sent"
    if not hears(provider_id, api_key):  # a fixed text would be sent as what the window says
        return fallback, "the sandbox's speech recognition cannot hear: the full sample's transcript was sent"
    try:
        return (await run(sample.data)) or fallback, ""
    except PlaygroundError as exc:
        return fallback, f"transcript of the window not updated ({messages.user_message(exc)})"
