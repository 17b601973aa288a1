"""Fish Audio on the wire (providers-more.md section 2): error bodies and their fixes (the
transport), and the msgpack body of a speech request with inline references.

Errors: `{status, message, reason?}` for every status; 422 is "an array of {loc,type,msg,ctx,in}"
(official SKILL file) or `{"detail": [{loc,msg,type}]}` (JS SDK notes), both parsed; a body that
is not JSON is shown as text (F1, F7, F9). The SDK reads `message`, then `detail`, then the text.
"""

from __future__ import annotations

from typing import Any

import msgpack

from playground import errors
from playground.errors import ProviderError
from playground.http import NOT_JSON, Transport, decode_body


def _validation_text(items: list) -> str:
    parts = []
    for item in items[:5]:
        if not isinstance(item, dict):
            parts.append(str(item))
            continue
        loc = ".".join(str(p) for p in item.get("loc") or [] if p not in ("body",))
        msg = item.get("msg") or item.get("message") or item.get("type") or "invalid"
        parts.append(f"{loc}: {msg}" if loc else str(msg))
    return "; ".join(parts)


def parse_error(status: int, body: bytes, content_type: str) -> tuple[str | None, str | None]:
    """(reason or None, the provider's message) for any of Fish's error bodies."""
    doc, text = decode_body(body)
    if doc is NOT_JSON:
        return None, text[:300] or None
    if isinstance(doc, list):  # 422, SKILL shape
        return None, _validation_text(doc) or text[:300]
    if isinstance(doc, dict):
        reason = doc.get("reason")
        reason = str(reason) if reason not in (None, "") else None
        message = doc.get("message")
        detail = doc.get("detail")
        if not message and isinstance(detail, list):
            message = _validation_text(detail)
        elif not message and detail:
            message = str(detail)
        return reason, (str(message) if message else text[:300] or None)
    return None, text[:300] or None


def pack(body: dict[str, Any]) -> bytes:
    """A msgpack body; bytes go out as the bin type (use_bin_type), as the API needs for audio."""
    return msgpack.packb(body, use_bin_type=True)


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False)


STATUS_HINTS = {
    401: "Check FISHAUDIO_API_KEY (or the key typed in the tab). Keys: https://fish.audio/app/api-keys/",
    402: "The API credit is used up: top it up at fish.audio (GET /wallet/self/api-credit shows the balance).",
    403: "This model is not visible to your key: use one of your own models or a public one.",
    404: "No such model: check the model id (reference_id), or list your models.",
    429: "Too many requests at once for this account (5 in flight below $100 paid): wait, then try again.",
}


class FishTransport(Transport):
    def error(self, **kw) -> ProviderError:
        exc = super().error(**kw)
        hint = STATUS_HINTS.get(exc.status or 0)
        if hint and not isinstance(exc, errors.RateLimitError):
            exc.hint = hint
        return exc
