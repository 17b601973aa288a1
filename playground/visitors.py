"""Who is asking, in a way a visitor cannot change for free, and how much they may ask (hosted mode).

A Gradio session hash is chosen by the client: a new one costs nothing. Limits that matter are
keyed on the client address instead: the address the Space's proxy saw, which it appends to
X-Forwarded-For. Entries to the left of it were written by the client and are ignored; with
PLAYGROUND_TRUSTED_PROXIES = N (1 in hosted mode: Hugging Face's proxy; 0 locally: the peer
address), the client is the N-th entry from the right. Several X-Forwarded-For lines are one list,
in order (RFC 9110), wherever the address is read (`client_from_headers`: page events, the gateway,
MCP, plain routes). Only a valid IP address counts: a hop that is not one (`garbage-1`) falls back to
the connection's peer address, so text cannot become a fresh identity. IPv6 addresses count per
/64, the block one subscriber gets.

Provider calls in hosted mode (every request the transport sends, the sandbox's included) are
limited per client address and in total:
  PLAYGROUND_CLIENT_RATE         requests per client address per PLAYGROUND_CLIENT_RATE_WINDOW_S (60 per 60 s)
  PLAYGROUND_CLIENT_CONCURRENCY  requests of one client address in flight at once (8: a full compare)
  PLAYGROUND_GLOBAL_RATE         requests of everyone together per window (1200)
  PLAYGROUND_NETWORK_SHARE       the fraction of the global rate one network may use (0.25; an IPv4
                                 /24 or an IPv6 /48), so addresses rotated within one network
                                 cannot empty the global budget
A refused call says when to try again. Everything is read from the environment per call.
"""

from __future__ import annotations

import collections
import ipaddress
import os
import threading
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from playground.errors import PlaygroundError
from playground.mode import is_hosted


class ClientLimitError(PlaygroundError):
    """Too many calls from one address (or its network, or everyone) right now: nothing was sent.
    `retry_after_s`: when to try again (the gateway's Retry-After)."""

    def __init__(self, message: str, *, hint: str | None = None, retry_after_s: float = 1) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_s = retry_after_s


def _env_int(name: str, default: int) -> int:
    try:
        return int(float(os.environ.get(name, "") or default))
    except ValueError:
        return default


def trusted_proxies() -> int:
    return max(0, _env_int("PLAYGROUND_TRUSTED_PROXIES", 1 if is_hosted() else 0))


def parse_ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A valid IP address (brackets, a zone and an IPv4-mapped IPv6 form allowed), else None."""
    value = (text or "").strip().strip("[]").split("%", 1)[0]
    if not value or len(value) > 64:
        return None
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def normalise(address: str) -> str:
    """An address as a limit key: IPv6 per /64; anything that is not an IP address is "unknown"."""
    ip = parse_ip(address)
    if ip is None:
        return "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def network_of(client: str) -> str:
    """The network a client key belongs to, for the per-network share: IPv4 /24, IPv6 /48."""
    try:
        net = ipaddress.ip_network(client, strict=False)
    except ValueError:
        return client
    wider = 24 if net.version == 4 else 48
    return str(net.supernet(new_prefix=wider)) if net.prefixlen > wider else str(net)


def client_address(forwarded_for: str | Iterable[str] | None, peer: str | None) -> str:
    """The client address: the N-th X-Forwarded-For hop from the right (N trusted proxies) if it is a
    valid IP address, else the peer address. `forwarded_for` is one header value or all its lines."""
    lines = [forwarded_for] if isinstance(forwarded_for, str) else list(forwarded_for or [])
    hops = [h.strip() for line in lines for h in str(line).split(",") if h.strip()]
    n = trusted_proxies()
    if n and len(hops) >= n and parse_ip(hops[-n]) is not None:
        return normalise(hops[-n])
    return normalise(peer or "")


def forwarded_lines(headers: Any) -> list[str]:
    """Every X-Forwarded-For line of a request, in order, from any headers object: an ASGI scope's raw
    list of (name, value) bytes, Starlette's Headers (raw or getlist), or a plain mapping (one line)."""
    raw = getattr(headers, "raw", headers)
    if isinstance(raw, list):
        return [v.decode("latin-1") for k, v in raw if k.lower() == b"x-forwarded-for"]
    if hasattr(headers, "getlist"):
        return list(headers.getlist("x-forwarded-for"))
    if hasattr(headers, "items"):
        return [str(v) for k, v in headers.items() if str(k).lower() == "x-forwarded-for"]
    return []


def client_from_headers(headers: Any, peer: str | None) -> str:
    """THE client address of a request (see the module doc); every door reads it through here."""
    return client_address(forwarded_lines(headers), peer)


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


def network_share() -> float:
    """The fraction of PLAYGROUND_GLOBAL_RATE one network may use (0.25)."""
    try:
        share = float(os.environ.get("PLAYGROUND_NETWORK_SHARE", "") or 0.25)
    except ValueError:
        share = 0.25
    return min(1.0, max(0.01, share))


# -- the call limiter ---------------------------------------------------------------------------------
class CallLimiter:
    """Requests per client address (rate and in flight) and in total. Thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: dict[str, collections.deque] = {}
        self.in_flight: collections.Counter = collections.Counter()
        self.everyone: collections.deque = collections.deque()
        self.networks: dict[str, collections.deque] = {}

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
            self.in_flight.clear()
            self.everyone.clear()
            self.networks.clear()

    def enter(self, client: str) -> None:
        """Count one request of `client`, or raise ClientLimitError (and count nothing)."""
        self._admit(client, in_flight=True)

    def count(self, client: str) -> None:
        """Count one call of `client` that holds no provider slot (CPU work: playground/cpu.py, which
        bounds what runs at once itself), or raise ClientLimitError."""
        self._admit(client, in_flight=False)

    def _admit(self, client: str, in_flight: bool) -> None:
        rate = max(1, _env_int("PLAYGROUND_CLIENT_RATE", 60))
        window = max(1, _env_int("PLAYGROUND_CLIENT_RATE_WINDOW_S", 60))
        concurrency = max(1, _env_int("PLAYGROUND_CLIENT_CONCURRENCY", 8))
        total = max(1, _env_int("PLAYGROUND_GLOBAL_RATE", 1200))
        network_cap = max(rate, int(total * network_share()))  # a network may always use one address's rate
        now = time.monotonic()
        network = network_of(client)
        with self.lock:
            while self.everyone and now - self.everyone[0] >= window:
                self.everyone.popleft()
            for table in (self.calls, self.networks):
                if len(table) > 10_000:  # forget addresses and networks quiet for a window
                    for key in [k for k, q in table.items() if not q or now - q[-1] >= window]:
                        del table[key]
            calls = self.calls.setdefault(client, collections.deque())
            mine = self.networks.setdefault(network, collections.deque())
            for queue in (calls, mine):
                while queue and now - queue[0] >= window:
                    queue.popleft()

            def wait_for(queue: collections.deque) -> int:
                return max(1, int(window - (now - queue[0]) + 0.999))

            if in_flight and self.in_flight[client] >= concurrency:
                raise ClientLimitError(
                    f"Slow down: {concurrency} of your calls are still running.",
                    hint="Wait for one to finish (or press Cancel), then try again in a few seconds.",
                    retry_after_s=2,
                )
            if len(calls) >= rate:
                wait = wait_for(calls)
                raise ClientLimitError(
                    f"Slow down: at most {rate} calls per {window} s from one address.",
                    hint=f"Try again in {wait} s.",
                    retry_after_s=wait,
                )
            if len(mine) >= network_cap:
                wait = wait_for(mine)
                raise ClientLimitError(
                    f"Slow down: your network has made {network_cap} calls in {window} s, its share of the demo.",
                    hint=f"Try again in {wait} s.",
                    retry_after_s=wait,
                )
            if len(self.everyone) >= total:
                wait = wait_for(self.everyone)
                raise ClientLimitError(
                    "The demo is busy right now (too many calls from everyone together).",
                    hint=f"Try again in {wait} s.",
                    retry_after_s=wait,
                )
            calls.append(now)
            mine.append(now)
            self.everyone.append(now)
            if in_flight:
                self.in_flight[client] += 1

    def leave(self, client: str) -> None:
        with self.lock:
            self.in_flight[client] -= 1
            if self.in_flight[client] <= 0:
                del self.in_flight[client]


LIMITER = CallLimiter()
