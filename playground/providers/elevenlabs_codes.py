"""ElevenLabs error bodies and codes (providers-more.md 1.5) -> typed errors, each with its fix;
and the transport that sends the key as `xi-api-key` (1.0: there is no Bearer scheme).

Three shapes come back, parsed in this order (the sheet's rule): `detail.code`, then
`detail.status` (the legacy field, which mirrors `code`), and `detail` as a FastAPI
validation list. The code, not the HTTP status, decides the class: quota exhaustion
arrives as **401** `quota_exceeded` (a QuotaError, not a bad key), and the voice-slot
limit as **400** `voice_limit_reached`.
"""

from __future__ import annotations

from typing import Any

from playground import errors
from playground.config import Target
from playground.http import NOT_JSON, Transport, decode_body

CODE_ERRORS: dict[str | int, type[errors.ProviderError]] = {
    "invalid_api_key": errors.AuthenticationError,
    "quota_exceeded": errors.QuotaError,
    "insufficient_credits": errors.QuotaError,  # 402, 3P only (UNCONFIRMED)
    "payment_required": errors.QuotaError,  # 402, 3P only (UNCONFIRMED)
    "voice_limit_reached": errors.QuotaError,
    "detected_unusual_activity": errors.PermissionDeniedError,
    "only_for_creator+": errors.PermissionDeniedError,
    "max_character_limit_exceeded": errors.BadRequestError,
    "invalid_parameters": errors.BadRequestError,
    "voice_not_found": errors.NotFoundError,  # 400 (older pages) or 404 with detail.type not_found (3P): both
    "too_many_concurrent_requests": errors.RateLimitError,
    "concurrent_limit_exceeded": errors.RateLimitError,
    "system_busy": errors.RateLimitError,
    "rate_limit_exceeded": errors.RateLimitError,
}

CODE_HINTS: dict[str, str] = {
    "invalid_api_key": (
        "Check ELEVENLABS_API_KEY (or the key typed in the tab): it is missing or invalid, or it "
        "belongs to a data-residency host (set ELEVENLABS_BASE_URL). Keys: "
        "https://elevenlabs.io/app/settings/api-keys"
    ),
    "quota_exceeded": (
        "The account's credits are used up for this request (ElevenLabs says so with HTTP 401; the key "
        "itself is fine). Wait for the monthly reset, shorten the text, choose a flash/turbo model "
        "(half the credits) or upgrade the plan."
    ),
    "insufficient_credits": "The account has too few credits: top up or upgrade the plan.",
    "payment_required": "The account has a payment problem: check billing at elevenlabs.io.",
    "voice_limit_reached": (
        "All custom voice slots are used: delete a cloned voice you no longer need (the voice list "
        "has Delete) or upgrade the plan for more slots."
    ),
    "detected_unusual_activity": (
        "ElevenLabs flagged unusual activity on this (free) account and disabled free use: "
        "use a paid plan or contact ElevenLabs support."
    ),
    "only_for_creator+": "This needs the Creator plan or above.",
    "max_character_limit_exceeded": (
        "The text is longer than this model takes in one request (v3: 3,000; multilingual "
        "v2: 10,000; flash/turbo v2.5: 40,000): shorten or split it."
    ),
    "voice_not_found": "This voice id does not exist on the account: list the voices again or clone one first.",
    "too_many_concurrent_requests": (
        "Too many requests at once for this plan: wait for the running ones to finish (no need to back off)."
    ),
    "concurrent_limit_exceeded": "Too many requests at once for this plan: wait for the running ones to finish.",
    "system_busy": "ElevenLabs is busy: try again in a little while.",
    "rate_limit_exceeded": "Requests are too frequent: wait a moment and try again.",
}


def _validation_text(items: list[Any]) -> str:
    """`body.files.0: Expected UploadFile ...; query.output_format: ...` from a FastAPI list."""
    parts = []
    for item in items[:5]:
        if isinstance(item, dict):
            loc = ".".join(str(p) for p in item.get("loc") or [])
            parts.append(f"{loc}: {item.get('msg', '')}".strip(": "))
        else:
            parts.append(str(item))
    return "; ".join(p for p in parts if p) or "validation error"


def parse_error(status: int, body: bytes, content_type: str) -> tuple[str | None, str | None]:
    """(code, message) from the current, legacy or validation shape; plain text as it came."""
    doc, text = decode_body(body)
    if doc is NOT_JSON:
        return None, text[:300] or None
    detail = doc.get("detail") if isinstance(doc, dict) else None
    if isinstance(detail, dict):
        code = detail.get("code") or detail.get("status")
        message = detail.get("message") or detail.get("msg")
        param = detail.get("param")
        if message and param and param not in message:
            message = f"{message} (param: {param})"
        return (str(code) if code not in (None, "") else None), message
    if isinstance(detail, list):
        return None, _validation_text(detail)
    if isinstance(detail, str):
        return None, detail
    return None, text[:300] or None


class ElevenLabsTransport(Transport):
    """The shared transport with the key in `xi-api-key`, and ElevenLabs' per-code fixes."""

    AUTH_HEADER = "xi-api-key"

    def auth_headers(self, target: Target) -> dict[str, str]:
        return {"xi-api-key": target.key.reveal()}

    def error(self, **kw) -> errors.ProviderError:
        exc = super().error(**kw)
        hint = CODE_HINTS.get(str(exc.code)) if exc.code not in (None, "") else None
        if hint:
            wait = getattr(exc, "retry_after_s", None)
            exc.hint = f"{hint} (ElevenLabs asked to wait {wait:g} s.)" if wait else hint
        return exc

    def retryable_answer(self, status: int, body: bytes, content_type: str) -> bool:
        code, _ = parse_error(status, body, content_type)
        cls = CODE_ERRORS.get(code or "")
        return cls is None or issubclass(cls, (errors.RateLimitError, errors.OverloadedError, errors.ServerError))
