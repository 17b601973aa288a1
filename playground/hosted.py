"""Hosted demo mode: the rules for a public server that strangers share (a Hugging Face Space).

Mode: hosted when `SPACE_ID` is set (Spaces set it) or `PLAYGROUND_MODE=hosted`;
`PLAYGROUND_MODE=local` wins over `SPACE_ID`. In hosted mode the server's own keys
(`SILICONFLOW_API_KEY`, ...) are NOT used unless the owner opts in with
`PLAYGROUND_SERVER_KEYS=fallback`: then they serve users without a key of their own,
within per-session, per-client-address and global character caps and a rate limit:

  PLAYGROUND_FALLBACK_SESSION_CHARS   characters one session may send on the owner's keys (2000)
  PLAYGROUND_FALLBACK_CLIENT_CHARS    characters one client address may send, whatever its sessions
                                      (4000; visitors.py says how the address is found)
  PLAYGROUND_FALLBACK_GLOBAL_CHARS    characters all sessions together may send per window (50000)
  PLAYGROUND_FALLBACK_GLOBAL_WINDOW_S the global window (86400 s = a day)
  PLAYGROUND_FALLBACK_RATE            billed calls one session, and one client address, may make per
                                      rate window (6); listing and deleting are not counted
  PLAYGROUND_FALLBACK_RATE_WINDOW_S   the rate window (60 s)
  PLAYGROUND_FALLBACK_UPLOAD_CHARS    what one upload or clone is charged, in characters (500): they
                                      cost the owner too (a clone's preview text is added to it)

The session hash is chosen by the browser, so a new one costs nothing: the client address (and
the global cap) are what actually bound a visitor; the session cap is kept on top.

Locally (not hosted) the environment's keys are used as before. Users' own keys are never
capped: they pay for them. Nothing here reads a key; `config.resolve_target` asks
`server_key_allowed()` before it uses one. Everything is read from the environment per
call, so tests (and the owner) can change it without a restart.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar

from playground.errors import PlaygroundError
from playground.mode import HOSTED, LOCAL, is_hosted, mode  # noqa: F401  (the mode, here as before)


class DemoLimitError(PlaygroundError):
    """The owner-paid fallback key reached a cap (nothing was sent)."""


def _env_int(name: str, default: int) -> int:
    try:
        return int(float(os.environ.get(name, "") or default))
    except ValueError:
        return default


# Gradio keeps each browser session's copy of the app's component state (about 1.1 MB for this
# app's ~600 components) until the session count passes its capacity, 10,000 by default: up to
# ~11 GB for a busy Space. The least recently active sessions beyond this many are dropped (their
# gr.State, e.g. a keyless visitor's sandbox, starts over on their next click).
MAX_SESSIONS_DEFAULT = 500


def max_sessions() -> int:
    """Browser sessions whose state the server keeps (PLAYGROUND_MAX_SESSIONS, at least 10)."""
    return max(10, _env_int("PLAYGROUND_MAX_SESSIONS", MAX_SESSIONS_DEFAULT))


def server_keys() -> str:
    """'on' (local: the environment's keys as usual), 'off' (hosted default) or 'fallback' (hosted, capped)."""
    if not is_hosted():
        return "on"
    choice = os.environ.get("PLAYGROUND_SERVER_KEYS", "").strip().lower()
    return "fallback" if choice in ("fallback", "on", "1", "true", "yes") else "off"


# -- who is asking: the UI registers how to find the current session (Gradio's session hash) ----
_session_lookup: Callable[[], str | None] = lambda: None  # noqa: E731
_pending_chars: ContextVar[int] = ContextVar("vcp_pending_chars", default=0)


def use_session_lookup(lookup: Callable[[], str | None]) -> None:
    """Called once by the UI: how to name the session of the request being handled."""
    global _session_lookup
    _session_lookup = lookup


def session_id() -> str:
    try:
        return _session_lookup() or "anonymous"
    except Exception:  # a lookup must never break a call
        return "anonymous"


def note_text(text: object) -> None:
    """The characters the next server-key call of this task will send (called by the adapters' base)."""
    _pending_chars.set(len(text) if isinstance(text, str) else 0)


def upload_chars() -> int:
    return max(0, _env_int("PLAYGROUND_FALLBACK_UPLOAD_CHARS", 500))


def note_upload(text: object = None) -> None:
    """The next server-key call uploads or clones: a fixed charge, plus the preview text if any."""
    _pending_chars.set(upload_chars() + (len(text) if isinstance(text, str) else 0))


# -- the caps ---------------------------------------------------------------------------------------
class FallbackBudget:
    """Characters and calls charged to the owner's keys, per session and in total. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.session_chars: collections.Counter = collections.Counter()
        self.session_calls: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.global_chars = 0
        self.global_since = time.monotonic()

    def reset(self) -> None:
        with self.lock:
            self.session_chars.clear()
            self.session_calls.clear()
            self.global_chars = 0
            self.global_since = time.monotonic()

    def charge(self, session: str, chars: int, client: str | None = None) -> None:
        """Count one call of `chars` characters, or raise DemoLimitError (and count nothing)."""
        session_cap = _env_int("PLAYGROUND_FALLBACK_SESSION_CHARS", 2000)
        client_cap = _env_int("PLAYGROUND_FALLBACK_CLIENT_CHARS", 4000)
        global_cap = _env_int("PLAYGROUND_FALLBACK_GLOBAL_CHARS", 50000)
        global_window = _env_int("PLAYGROUND_FALLBACK_GLOBAL_WINDOW_S", 86400)
        rate = _env_int("PLAYGROUND_FALLBACK_RATE", 6)
        rate_window = _env_int("PLAYGROUND_FALLBACK_RATE_WINDOW_S", 60)
        hint = "Paste your own API key in the key panel of this tab (it stays in your browser), or try again later."
        now = time.monotonic()
        with self.lock:
            if now - self.global_since >= global_window:
                self.global_chars, self.global_since = 0, now
            keys = [(f"session:{session}", "this session", session_cap)]
            if client is not None:
                keys.append((f"client:{client}", "your address", client_cap))
            for key, who, cap in keys:
                calls = self.session_calls[key]
                while calls and now - calls[0] >= rate_window:
                    calls.popleft()
                if len(calls) >= rate:
                    wait = max(1, int(rate_window - (now - calls[0]) + 0.999))
                    raise DemoLimitError(
                        f"Demo limit: at most {rate} calls per {rate_window} s on the demo's shared key. "
                        f"Wait about {wait} s.",
                        hint=hint,
                    )
                if self.session_chars[key] + chars > cap:
                    left = max(0, cap - self.session_chars[key])
                    raise DemoLimitError(
                        f"Demo limit: {who} may send {cap:,} characters on the demo's shared key "
                        f"({left:,} left, this request has {chars:,}).",
                        hint=hint,
                    )
            if self.global_chars + chars > global_cap:
                raise DemoLimitError(
                    f"Demo limit: the demo's shared key has used its {global_cap:,} characters for today.", hint=hint
                )
            for key, _, _ in keys:
                self.session_calls[key].append(now)
                self.session_chars[key] += chars
            self.global_chars += chars


BUDGET = FallbackBudget()


def server_key_allowed(provider_id: str) -> bool:
    """May this call use the server's key of `provider_id`? In fallback mode, charge it (or raise)."""
    policy = server_keys()
    if policy == "on":
        return True
    if policy == "off":
        return False
    chars = _pending_chars.get()
    _pending_chars.set(0)
    if chars:  # calls that send text, uploads and clones are billed; listing and deleting are not
        from playground import visitors

        BUDGET.charge(session_id(), chars, visitors.client_id())
    return True


def describe() -> str:
    """One line for the page header (no numbers that could leak anything: just the rules)."""
    if not is_hosted():
        return ""
    if server_keys() == "off":
        return (
            "**Hosted demo**: bring your own key for real calls; without one, every tab runs in the free "
            "sandbox. Keys stay in your browser session and are never stored on the server."
        )
    return (
        "**Hosted demo**: without a key of your own, calls use the demo's shared key within small limits "
        f"({_env_int('PLAYGROUND_FALLBACK_SESSION_CHARS', 2000):,} characters and "
        f"{_env_int('PLAYGROUND_FALLBACK_RATE', 6)} calls per "
        f"{_env_int('PLAYGROUND_FALLBACK_RATE_WINDOW_S', 60)} s "
        "per visitor). Keys stay in your browser session and are never stored on the server."
    )
