"""What the Cartesia simulator checks, and how it answers (providers-more.md 3.0-3.5).

The `Cartesia-Version` header decides the auth header (X-API-Key before 2025-04-16, Bearer after),
the voice specifier and the error format: JSON `{error_code, title, message, request_id}` from
2026-03-01, plain text `Title: Message` before it. A request without a known version is refused.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.responses import JSONResponse, PlainTextResponse, Response

from playground.audio import pipe_raw
from playground.providers.cartesia_wire import wrap
from playground.sandbox.control import Fault

VERSIONS = ("2024-06-10", "2024-11-13", "2025-04-16", "2026-03-01", "2026-08-14")
JSON_ERRORS_FROM = "2026-03-01"
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    422: "Unprocessable Entity",
    429: "Too many concurrent requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
CODES = {
    400: "invalid_request",
    401: "unauthorized",
    402: "insufficient_credits",
    403: "forbidden",
    404: "not_found",
    429: "concurrency_limited",
    500: "internal_error",
    503: "service_unavailable",
}
FAULT_MESSAGES = {
    429: "You have exceeded your plan's concurrency limit.",
    402: "You have run out of credits.",
    503: "The service is temporarily overloaded.",
    504: "The request timed out.",
}
CONTAINERS = {"raw", "wav", "mp3"}
ENCODINGS = {"pcm_s16le", "pcm_f32le", "pcm_mulaw", "pcm_alaw"}
SAMPLE_RATES = {8000, 16000, 22050, 24000, 44100, 48000}
BIT_RATES = {32000, 64000, 96000, 128000, 192000}
SPEEDS = {"slow", "normal", "fast"}
TTS_FIELDS = {
    "model_id",
    "transcript",
    "voice",
    "output_format",
    "language",
    "generation_config",
    "speed",
    "duration",
    "pronunciation_dict_id",
    "save",
}
SSE_FIELDS = TTS_FIELDS | {"add_timestamps", "add_phoneme_timestamps", "use_normalized_timestamps", "context_id"}
CLONE_FIELDS = {
    "2025-04-16": {"clip", "name", "language", "description", "enhance", "base_voice_id"},
    "2026-03-01": {"clip", "name", "language", "description", "base_voice_id", "accent"},
}
CLONE_FIELDS["2026-08-14"] = CLONE_FIELDS["2026-03-01"]
# ffmpeg's raw sample format per encoding
FFMPEG_RAW = {"pcm_s16le": "s16le", "pcm_f32le": "f32le", "pcm_mulaw": "mulaw", "pcm_alaw": "alaw"}


def json_errors(version: str | None) -> bool:
    return bool(version and version >= JSON_ERRORS_FROM)


def error(status: int, message: str, version: str | None, code: str | None = None) -> Response:
    title = TITLES.get(status, "Error")
    if json_errors(version):
        body: dict[str, Any] = {
            "error_code": code or CODES.get(status),
            "title": title,
            "message": message,
            "request_id": str(uuid.uuid4()),
        }
        return JSONResponse(body, status_code=status)
    return PlainTextResponse(f"{title}: {message}", status_code=status)


class Invalid(Exception):
    def __init__(self, message: str, status: int = 400, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code
        self.version: str | None = None

    def response(self) -> Response:
        return error(self.status, self.message, self.version, self.code)


def fault_response(fault: Fault | None, version: str | None) -> Response | None:
    if fault is None or not fault.kind.isdigit():
        return None
    status = int(fault.kind)
    response = error(status, FAULT_MESSAGES.get(status, TITLES.get(status, "Error")), version)
    if status == 429 and fault.retry_after is not None:
        response.headers["Retry-After"] = f"{fault.retry_after:g}"
    return response


# -- field checks ----------------------------------------------------------------------------------
def only(doc: Any, allowed: set[str], where: str) -> dict:
    if not isinstance(doc, dict):
        raise Invalid(f"{where} must be a JSON object")
    extra = sorted(set(doc) - allowed)
    if extra:
        raise Invalid(f"unknown field {extra[0]!r} in {where}")
    return doc


def number(doc: dict, name: str, lo: float, hi: float, where: str) -> float | None:
    if doc.get(name) is None:
        return None
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Invalid(f"{where}.{name} must be a number")
    if not lo <= value <= hi:
        raise Invalid(f"{where}.{name} must be between {lo:g} and {hi:g}")
    return float(value)


def output_format(doc: Any, *, sse: bool) -> dict:
    fmt = only(doc, {"container", "encoding", "sample_rate", "bit_rate"}, "output_format")
    container = fmt.get("container")
    if container not in CONTAINERS:
        raise Invalid(f"output_format.container must be one of {sorted(CONTAINERS)}")
    if sse and container != "raw":
        raise Invalid("output_format.container must be raw for /tts/sse")
    if fmt.get("sample_rate") not in SAMPLE_RATES:
        raise Invalid(f"output_format.sample_rate must be one of {sorted(SAMPLE_RATES)}")
    if container == "mp3":
        if "encoding" in fmt:
            raise Invalid("output_format.encoding is not allowed for container mp3")
        if fmt.get("bit_rate") not in BIT_RATES:
            raise Invalid(f"output_format.bit_rate must be one of {sorted(BIT_RATES)} (bps)")
    else:
        if "bit_rate" in fmt:
            raise Invalid("output_format.bit_rate is only for container mp3")
        if fmt.get("encoding") not in ENCODINGS:
            raise Invalid(f"output_format.encoding must be one of {sorted(ENCODINGS)}")
    return fmt


def voice_id(voice: Any, version: str) -> str:
    """2024/2025: {mode: "id", id}; 2026: a voice-id string or {id} (the two listed forms)."""
    if version >= "2026-03-01":
        if isinstance(voice, str) and voice:
            return voice
        if isinstance(voice, dict) and set(voice) == {"id"} and isinstance(voice["id"], str):
            return voice["id"]
        raise Invalid('voice must be a voice id or {"id": ...} for this Cartesia-Version')
    if (
        isinstance(voice, dict)
        and set(voice) == {"mode", "id"}
        and voice["mode"] == "id"
        and isinstance(voice["id"], str)
    ):
        return voice["id"]
    raise Invalid('voice must be {"mode": "id", "id": "<voice id>"} for this Cartesia-Version')


# -- audio in the requested encoding -------------------------------------------------------------------
def encode(pcm16: bytes, rate: int, container: str, encoding: str) -> bytes:
    """16-bit mono PCM at `rate` -> raw or wav bytes in the requested encoding (mp3 is rendered elsewhere)."""
    raw = pcm16
    if encoding != "pcm_s16le":
        proc = pipe_raw(pcm16, "s16le", rate, 1, ["-f", FFMPEG_RAW[encoding]], timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"ffmpeg failed: {proc.stderr[:200]!r}")
        raw = proc.stdout
    return raw if container == "raw" else wrap(raw, rate, encoding)


def voice_object(v: dict, version: str) -> dict[str, Any]:
    base = {
        "id": v["id"],
        "name": v["name"],
        "description": v.get("description") or "",
        "created_at": v["created_at"],
        "language": v["language"],
    }
    if version >= "2026-03-01":
        return {
            **base,
            "access": "public" if v["public"] else "private",
            "visibility": "all" if v["public"] else "owner",
            "tagline": "",
            "locales": [v["language"]],
            "is_owner": v["owner"] is not None,
        }
    return {
        **base,
        "user_id": v["owner"] or "cartesia",
        "is_public": v["public"],
        "is_owner": v["owner"] is not None,
        "gender": v.get("gender"),
        "is_starred": False,
    }
