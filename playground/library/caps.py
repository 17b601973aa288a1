"""How much one library scope (one account; hosted: one browser session) may keep on disk.

Settings (units in the names; an empty or bad value means the default):
  PLAYGROUND_SCOPE_HISTORY_MAX_MB  take audio one scope keeps; over it, that scope's own oldest takes
                                   lose their audio (hosted default 50; local: only the global
                                   PLAYGROUND_HISTORY_MAX_MB applies)
  PLAYGROUND_SCOPE_MAX_VOICES      voices one scope keeps; more are refused with a clear note
                                   (hosted default 50; local: no cap)
  PLAYGROUND_SCOPE_SAMPLES_MAX_MB  uploaded clone samples no voice uses, per scope; over it the
                                   oldest unused ones go (default 200 locally, 20 hosted)
  PLAYGROUND_SCOPE_IDLE_H          hosted: a scope with no new take for this long belongs to a browser
                                   session that has ended; over the global history cap, its takes lose
                                   their audio first (24)
Defaults live in presets/library.json ("scope_caps").
"""

from __future__ import annotations

import os

from playground import hosted, presets
from playground.errors import InputError

MB = 1024 * 1024


class LibraryFullError(InputError):
    """A scope reached one of its caps (nothing of another scope is touched)."""


def _setting(name: str, default: float | None) -> float | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value > 0 else None


def _defaults() -> dict:
    return presets.load("library")["scope_caps"]


def scope_history_bytes() -> int | None:
    mb = _setting("PLAYGROUND_SCOPE_HISTORY_MAX_MB", _defaults()["history_mb_hosted"] if hosted.is_hosted() else None)
    return None if mb is None else int(mb * MB)


def scope_max_voices() -> int | None:
    n = _setting("PLAYGROUND_SCOPE_MAX_VOICES", _defaults()["max_voices_hosted"] if hosted.is_hosted() else None)
    return None if n is None else int(n)


def scope_samples_bytes() -> int | None:
    d = _defaults()
    mb = _setting("PLAYGROUND_SCOPE_SAMPLES_MAX_MB", d["samples_mb_hosted"] if hosted.is_hosted() else d["samples_mb"])
    return None if mb is None else int(mb * MB)


def scope_idle_s() -> float:
    return float(_setting("PLAYGROUND_SCOPE_IDLE_H", _defaults()["idle_h"]) or _defaults()["idle_h"]) * 3600
