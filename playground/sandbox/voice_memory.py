"""Which eSpeak NG variant and pitch each sandbox voice speaks with: the choices voice_match.py makes,
kept by voice id (at most MAX_VOICES, the oldest forgotten first). speech.py asks `lookup()` when it
speaks; it needs nothing else of the matching, so it imports only this."""

from __future__ import annotations

import collections
import threading

MAX_VOICES = 4096
CAL_PREFIX = "vcp-voice-match:"  # calibration renders name their own variant and pitch
_lock = threading.Lock()
_matched: collections.OrderedDict[str, tuple[str, int]] = collections.OrderedDict()


def lookup(voice: str | None) -> tuple[str, int] | None:
    """(variant, pitch) registered for this voice id, or None."""
    if not voice:
        return None
    if voice.startswith(CAL_PREFIX):
        variant, pitch = voice[len(CAL_PREFIX) :].split(":")
        return variant, int(pitch)
    with _lock:
        return _matched.get(voice)


def remember(voice: str, choice: tuple[str, int]) -> None:
    with _lock:
        _matched[voice] = choice
        _matched.move_to_end(voice)
        while len(_matched) > MAX_VOICES:
            _matched.popitem(last=False)


def forget_all() -> None:
    with _lock:
        _matched.clear()
