"""Who is asking, in a way a visitor cannot change for free, and how much they may ask (hosted mode).

A Gradio session hash is chosen by the client: a new one costs nothing. Limits that matter are
keyed on the client address instead: the address the Space's proxy saw, which it appends to
X-Forwarded-For. Entries to the left of it were written by the client and are ignored; with
PLAYGROUND_TRUSTED_PROXIES = N (1 in hosted mode: Hugging Face's proxy; 0 locally: the peer
address), the client is the N-th entry from the right. IPv6 addresses count per /64, the block
one subscriber gets.

Provider calls in hosted mode (every request the transport sends, the sandbox's included) are
limited per client address and in total:
  PLAYGROUND_CLIENT_RATE         requests per client address per PLAYGROUND_CLIENT_RATE_WINDOW_S (60 per 60 s)
  PLAYGROUND_CLIENT_CONCURRENCY  requests of one client address in flight at once (8: a full compare)
  PLAYGROUND_GLOBAL_RATE         requests of everyone together per window (1200)
A refused call says when to try again. Everything is read from the environment per call.
"""

from __future__ import annotations

import collections
import ipaddress
import os
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar

from playground.errors import PlaygroundError


class ClientLimitError(PlaygroundError):
    """Too many calls from one address (or from everyone) right now: nothing was sent."""


def _env_int(name: str, default: int) -> int:
    try:
        return int(float(os.environ.get(name, "") or default))
    except ValueError:
        return default


def trusted_proxies() -> int:
    from playground import hosted

    return max(0, _env_int("PLAYGROUND_TRUSTED_PROXIES", 1 if hosted.is_hosted() else 0))


def normalise(address: str) -> str:
    """An address as a limit key: IPv6 per /64, anything unparsable as given (short)."""
    text = address.strip().strip("[]")
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text[:64] or "unknown"
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_address(forwarded_for: str | None, peer: str | None) -> str:
    """The client address from X-Forwarded-For (N trusted proxies) or the peer address."""
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    n = trusted_proxies()
    if n and len(hops) >= n:
        return normalise(hops[-n])
    return normalise(peer or "unknown")


# -- the UI registers how to read the current request's headers and peer ---------------------------
_client_lookup: Callable[[], str | None] = lambda: None  # noqa: E731
_override: ContextVar[str | None] = ContextVar("vcp_client", default=None)


def use_client_lookup(lookup: Callable[[], str | None]) -> None:
    global _client_lookup
    _client_lookup = lookup


def use_client(address: str):
    """Name the client of the request being handled (ui/guards.py, per HTTP request); a token to forget it."""
    return _override.set(address)


def forget_client(token) -> None:
    _override.reset(token)


def client_id() -> str:
    """The event's own request first (Gradio's queue runs events in tasks that may have been started
    inside some other request), then the HTTP request being handled (ui/guards.py)."""
    try:
        found = _client_lookup()
    except Exception:  # a lookup must never break a call
        found = None
    return found or _override.get() or "unknown"


# -- the call limiter ---------------------------------------------------------------------------------
class CallLimiter:
    """Requests per client address (rate and in flight) and in total. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: dict[str, collections.deque] = {}
        self.in_flight: collections.Counter = collections.Counter()
        self.everyone: collections.deque = collections.deque()

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.in_flight.clear()
            self.everyone.clear()

    def enter(self, client: str) -> None:
        """Count one request of `client`, or raise ClientLimitError (and count nothing)."""
        rate = max(1, _env_int("PLAYGROUND_CLIENT_RATE", 60))
        window = max(1, _env_int("PLAYGROUND_CLIENT_RATE_WINDOW_S", 60))
        concurrency = max(1, _env_int("PLAYGROUND_CLIENT_CONCURRENCY", 8))
        total = max(1, _env_int("PLAYGROUND_GLOBAL_RATE", 1200))
        now = time.monotonic()
        with self.lock:
            while self.everyone and now - self.everyone[0] >= window:
                self.everyone.popleft()
            if len(self.calls) > 10_000:  # forget addresses that have been quiet for a window
                for key in [k for k, q in self.calls.items() if not q or now - q[-1] >= window]:
                    del self.calls[key]
            calls = self.calls.setdefault(client, collections.deque())
            while calls and now - calls[0] >= window:
                calls.popleft()
            if self.in_flight[client] >= concurrency:
                raise ClientLimitError(
                    f"Slow down: {concurrency} of your calls are still running.",
                    hint="Wait for one to finish (or press Cancel), then try again in a few seconds.",
                )
            if len(calls) >= rate:
                wait = max(1, int(window - (now - calls[0]) + 0.999))
                raise ClientLimitError(
                    f"Slow down: at most {rate} provider calls per {window} s from one address.",
                    hint=f"Try again in {wait} s.",
                )
            if len(self.everyone) >= total:
                wait = max(1, int(window - (now - self.everyone[0]) + 0.999))
                raise ClientLimitError(
                    "The demo is busy right now (too many calls from everyone together).",
                    hint=f"Try again in {wait} s.",
                )
            calls.append(now)
            self.everyone.append(now)
            self.in_flight[client] += 1

    def leave(self, client: str) -> None:
        with self.lock:
            self.in_flight[client] -= 1
            if self.in_flight[client] <= 0:
                del self.in_flight[client]


LIMITER = CallLimiter()
