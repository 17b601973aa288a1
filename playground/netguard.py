"""Where the app may send a request: the one place that decides (used by playground/http.py).

Policy, per call (`policy_for`):
- the sandbox target: its own loopback addresses (registered by config.register_sandbox), and only
  for calls whose target IS the sandbox;
- hosted mode: public addresses only. Every address the host name resolves to must be public
  (no loopback, private, link-local, unique-local, multicast, unspecified, reserved, CGNAT
  100.64/10, cloud metadata, nor an IPv4-mapped/-compatible, 6to4, Teredo or NAT64 address that
  embeds one), whatever notation the resolver accepts (2130706433, 0177.0.0.1, 0x7f.1, 127.1);
- links a provider returned (audio URLs, previews): the same check in every mode, unless the link
  is on the very origin the call went to;
- local mode, the configured or typed base URL: anything (the machine is yours).
`PLAYGROUND_ALLOW_PRIVATE_TARGETS` (exact origins such as `http://127.0.0.1:9100`, literal IPs
only) lets an operator's configured base URLs reach a private address in hosted mode (the test
suite points the "real" providers at its sandbox this way). It never applies to a base URL a
visitor typed.

Enforcement happens where the socket is opened (`GuardedBackend`): the host is resolved ONCE,
every address checked, and the connection made to the checked address itself, so a second DNS
answer can never swap it (the Host header and TLS SNI still carry the name). Each policy gets
its own connection pool, so a connection opened under one policy is never reused under another.
Redirects are never followed (http.py). A refused target gets one fixed message: nothing about
whether anything listens there.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore

from playground import config, errors
from playground.errors import TargetRefusedError

REFUSED = "This address cannot be used from here: only public http(s) addresses are allowed."
REFUSED_HINT = "Use the provider's public API URL (for example https://api.openai.com/v1)."
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


def refused() -> TargetRefusedError:
    return TargetRefusedError(REFUSED, hint=REFUSED_HINT)


# -- addresses ------------------------------------------------------------------------------------
def _embedded(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list:
    found = [ip]
    if ip.version == 6:
        if ip.ipv4_mapped:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour:
            found.append(ip.sixtofour)
        if ip.teredo:
            found.extend(ip.teredo)
        if ip.packed[:12] == bytes(12) or any(ip in net for net in _NAT64):
            found.append(ipaddress.IPv4Address(ip.packed[-4:]))
    return found


def is_public(address: str) -> bool:
    """Whether a resolved address (and any IPv4 address inside it) is a public unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    for one in _embedded(ip):
        if (
            one.is_loopback
            or one.is_private
            or one.is_link_local
            or one.is_multicast
            or one.is_unspecified
            or one.is_reserved
            or one in _METADATA
            or not one.is_global
            or (one.version == 4 and one in _CGNAT)
            or (one.version == 6 and (one.is_site_local or any(one in net for net in _NAT64)))
        ):
            return False
    return True


async def _getaddrinfo(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]  # a literal in the standard notation: no lookup
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))  # the address string (typeshed: str | int)


# The resolver (host, port) -> addresses. Tests replace it to prove there is one lookup per connection.
resolve: Callable[[str, int], Awaitable[list[str]]] = _getaddrinfo


# -- policies ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Policy:
    """Public addresses, plus these exact (address, port) pairs."""

    allowed: frozenset = frozenset()

    def permits(self, address: str, port: int) -> bool:
        return (address.split("%", 1)[0], port) in self.allowed or is_public(address)


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return parts.scheme, (parts.hostname or "").lower(), port


def _pairs(urls) -> frozenset:
    """(literal address, port) of each URL whose host is an IP address or localhost."""
    pairs = set()
    for url in urls:
        origin = _origin(url)
        if origin is None:
            continue
        host = origin[1]
        hosts = ["127.0.0.1", "::1"] if host == "localhost" else [host]
        for one in hosts:
            try:
                pairs.add((str(ipaddress.ip_address(one)), origin[2]))
            except ValueError:
                continue
    return frozenset(pairs)


def sandbox_pairs() -> frozenset:
    return _pairs(config._sandbox_urls.values())


def operator_pairs() -> frozenset:
    return _pairs(u.strip() for u in os.environ.get("PLAYGROUND_ALLOW_PRIVATE_TARGETS", "").split(",") if u.strip())


def in_sandbox(url: str) -> bool:
    origin = _origin(url)
    return origin is not None and any(_origin(u) == origin for u in config._sandbox_urls.values())


def policy_for(target: config.Target, url: str, *, link: bool = False) -> Policy | None:
    """The policy for one request to `url` made for `target` (None: no check, local mode only)."""
    from playground import hosted

    if link and _origin(url) == _origin(target.base_url):
        return policy_for(target, target.base_url)
    if target.sandbox and in_sandbox(url):
        return Policy(sandbox_pairs())
    if link:
        return Policy(sandbox_pairs() if target.sandbox else frozenset())
    if not hosted.is_hosted():
        return None
    return Policy(frozenset() if getattr(target, "typed", False) else operator_pairs())


def check_url(url: str, policy: Policy | None) -> None:
    """Before anything is sent: http(s), a host, no user:password@; a literal address is checked here too."""
    if policy is None:
        return
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise refused() from None
    host = (parts.hostname or "").strip("[]")
    if parts.scheme not in ("http", "https") or not host or "@" in parts.netloc or _BAD_CHARS.search(url):
        raise refused()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return  # a name: checked when it is resolved, at connect time
    if not policy.permits(host, port):
        raise refused()


def clean_base_url(url: str) -> str:
    """A typed base URL, normalised, or InputError: http(s), a host, no user:password@, no query or
    fragment (a trailing ? or # would let the text choose the exact path), no dot segments."""
    text = (url or "").strip()
    hint = "Type the API's base URL only, for example https://api.openai.com/v1 or https://your-gateway.example/v1."
    bad = errors.InputError(f"The base URL {text[:120]!r} is not a plain http(s) base URL.", hint=hint)
    if _BAD_CHARS.search(text) or "?" in text or "#" in text or "%2e" in text.lower() or "%2f" in text.lower():
        raise bad
    try:
        parts = urlsplit(text)
        _ = parts.port
    except ValueError:
        raise bad from None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise bad
    segments = parts.path.split("/")
    if any(s in (".", "..") for s in segments):
        raise bad
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path}".rstrip("/")


# -- the connect-time check ------------------------------------------------------------------------
class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves once, checks every address, connects to the checked address."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, policy: Policy) -> None:
        self.inner = inner
        self.policy = policy

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = await asyncio.wait_for(resolve(host, port), timeout)
        except (TimeoutError, OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"could not resolve the host ({type(exc).__name__})") from None
        if not addresses or not all(self.policy.permits(a, port) for a in addresses):
            raise refused()
        last: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise refused()

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guard_transport(transport, policy: Policy | None):
    """Put the check into an httpx.AsyncHTTPTransport's connection pool (None: leave it open)."""
    if policy is not None:
        pool = transport._pool
        pool._network_backend = GuardedBackend(pool._network_backend, policy)
    return transport
