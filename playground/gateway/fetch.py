"""Audio from a URL an API caller gave (MCP clone and score): http(s) only, size-capped, never
with a key, through the one Transport. In hosted mode a URL whose host resolves to a private,
loopback, link-local or reserved address is refused (a caller must not reach the server's network).

The Transport's outbound policy (playground/netguard.py) is what enforces this: the target is marked
as typed by the caller, so in hosted mode only public addresses pass, every resolved address is checked
and the connection is pinned to it. `check_url()` looks first only to give the caller a clearer message.
The download is capped at MAX_BYTES while it streams, and by the Transport's total-time cap.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import ipaddress
import socket
from urllib.parse import urlsplit

from playground import hosted
from playground.audio import VoiceSample
from playground.config import Secret, Target
from playground.errors import InputError
from playground.http import Transport

MAX_BYTES = 20 * 1024 * 1024
_transport: Transport | None = None


def transport() -> Transport:
    global _transport
    if _transport is None:
        _transport = Transport("audio_url", "The audio URL", lambda s, b, c: (None, b[:200].decode("utf-8", "replace")))
    return _transport


def _private(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise InputError(f"The audio URL's host {host!r} could not be resolved.") from exc
    for info in infos:
        addr = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])  # an IP address string; typeshed says str | int
        if (
            addr.is_private
            or addr.is_loopback
            or addr.is_link_local
            or addr.is_reserved
            or addr.is_multicast
            or addr.is_unspecified
        ):
            return True
    return False


async def check_url(url: str) -> tuple[str, str]:
    """(origin, path with query) of an allowed URL, or InputError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("The audio URL must be an http(s) URL (or a data:audio/...;base64 URI).")
    if hosted.is_hosted() and await asyncio.to_thread(_private, parts.hostname):
        raise InputError(
            "The audio URL points at a private or local address, which this hosted server does not fetch.",
            hint="Use a public URL, or send the file as a data:audio/...;base64 URI.",
        )
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


async def audio_bytes(source: str) -> bytes:
    """The bytes behind an http(s) URL or a base64 data URI."""
    source = (source or "").strip()
    if source.startswith("data:"):
        head, _, b64 = source.partition(",")
        if ";base64" not in head:
            raise InputError("A data URI must be base64 (data:audio/wav;base64,...).")
        try:
            data = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InputError("The data URI is not valid base64.") from exc
    else:
        origin, path = await check_url(source)
        target = Target("audio_url", origin, Secret(""), sandbox=False, typed=True)  # a caller's URL: public only
        chunks, size = [], 0
        async with transport().stream(target, "GET", path, idempotent=True, auth=False) as resp:
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise InputError(f"The audio at the URL is larger than {MAX_BYTES // 1048576} MB.")
                chunks.append(chunk)
        data = b"".join(chunks)
    if not data:
        raise InputError("The audio is empty.")
    if len(data) > MAX_BYTES:
        raise InputError(f"The audio is larger than {MAX_BYTES // 1048576} MB.")
    return data


async def sample_from(source: str, name: str = "sample") -> VoiceSample:
    data = await audio_bytes(source)
    return VoiceSample(data=data, filename=name)
