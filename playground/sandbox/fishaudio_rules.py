"""What the Fish Audio simulator checks, and how it answers errors (providers-more.md 2.2, 2.5).

Errors are `{"status": int, "message": str, "reason"?: str}`. Validation failures (422) are the
official SKILL file's shape, a bare array of `{loc, type, msg, ctx, in}` (the first of the two
listed; clients parse both). Unknown fields are refused: the simulator is stricter than a
server that may ignore them, so a client that sends a misspelt field finds out here.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from fastapi.responses import JSONResponse, Response

from playground.sandbox.control import Fault

TTS_FIELDS = {
    "text",
    "reference_id",
    "references",
    "format",
    "sample_rate",
    "mp3_bitrate",
    "opus_bitrate",
    "latency",
    "chunk_length",
    "min_chunk_length",
    "normalize",
    "temperature",
    "top_p",
    "prosody",
    "max_new_tokens",
    "repetition_penalty",
    "condition_on_previous_chunks",
    "early_stop_threshold",
    "features",
}
PROSODY_FIELDS = {"speed", "volume", "normalize_loudness"}
FORMATS = {
    "mp3": {32000, 44100},
    "wav": {8000, 16000, 24000, 32000, 44100},
    "pcm": {8000, 16000, 24000, 32000, 44100},
    "opus": {48000},
}
DEFAULT_RATE = {"mp3": 44100, "wav": 44100, "pcm": 44100, "opus": 48000}
MP3_BITRATES = {64, 128, 192}
OPUS_BITRATES = {-1000, 24000, 32000, 48000, 64000, 24, 32, 48, 64}  # bps (spec) or kbps (SDK): both accepted
LATENCIES = {"normal", "balanced", "low"}
FEATURES = {"quality-guard"}
MESSAGES = {
    401: "Invalid API key",
    402: "Insufficient API credit",
    403: "Forbidden",
    404: "Not Found",
    429: "Too many requests: concurrency limit reached",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service is under high load",
    504: "Gateway Timeout",
}


def error(status: int, message: str | None = None, reason: str | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "message": message or MESSAGES.get(status, "Bad Request")}
    if reason is not None:
        body["reason"] = reason
    return JSONResponse(body, status_code=status)


def validation(loc: list, msg: str, kind: str = "value_error") -> Response:
    return JSONResponse([{"loc": ["body", *loc], "type": kind, "msg": msg, "ctx": {}, "in": "body"}], status_code=422)


class Invalid(Exception):
    """A request the real API refuses: 422 (validation, with the field's location) or a status + message."""

    def __init__(self, message: str, loc: list | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.loc, self.status = message, loc or [], status

    def response(self) -> Response:
        if self.status == 422:
            return validation(self.loc, self.message)
        return error(self.status, self.message)


def fault_response(fault: Fault | None) -> Response | None:
    if fault is None or not fault.kind.isdigit():
        return None
    status = int(fault.kind)
    response = error(status, reason="high_load" if status == 503 else None)
    if status == 429 and fault.retry_after is not None:
        response.headers["Retry-After"] = f"{fault.retry_after:g}"
    return response


# -- field checks --------------------------------------------------------------------------------
def only(doc: Any, allowed: set[str], where: list) -> dict:
    if not isinstance(doc, dict):
        raise Invalid("Input should be a valid dictionary", where)
    extra = sorted(set(doc) - allowed)
    if extra:
        raise Invalid("Extra inputs are not permitted", [*where, extra[0]])
    return doc


def number(doc: dict, name: str, lo: float | None, hi: float | None, *, integer: bool = False, where=()) -> None:
    if doc.get(name) is None:
        return
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise Invalid(f"Input should be a valid {'integer' if integer else 'number'}", [*where, name])
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise Invalid(f"Input should be between {lo:g} and {hi:g}", [*where, name])


def boolean(doc: dict, name: str, where=()) -> None:
    if name in doc and not isinstance(doc[name], bool):
        raise Invalid("Input should be a valid boolean", [*where, name])


def enum(doc: dict, name: str, allowed, where=()) -> None:
    if doc.get(name) is not None and doc[name] not in allowed:
        raise Invalid(f"Input should be {' or '.join(map(repr, sorted(allowed, key=str)))}", [*where, name])


def form_bool(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise Invalid("Input should be a valid boolean", [name])


def check_tts(doc: Any, *, from_json: bool, text_limit: int) -> dict:
    """A /v1/tts body (JSON or msgpack) -> the values that shape the audio."""
    doc = only(doc, TTS_FIELDS, [])
    text = doc.get("text")
    if not isinstance(text, str):
        raise Invalid("Field required" if text is None else "Input should be a valid string", ["text"])
    if not text.strip():
        raise Invalid("text must not be empty", ["text"])
    if len(text) > text_limit:
        raise Invalid(f"Text is too long ({len(text)} characters; at most {text_limit})", status=400)
    ref = doc.get("reference_id")
    if (
        ref is not None
        and not isinstance(ref, str)
        and not (isinstance(ref, list) and ref and all(isinstance(r, str) for r in ref))
    ):
        raise Invalid("Input should be a valid string or list of strings", ["reference_id"])
    refs = doc.get("references") or []
    if refs:
        if from_json:
            raise Invalid("references carry raw audio bytes: send application/msgpack", ["references"])
        if not isinstance(refs, list):
            raise Invalid("Input should be a valid list", ["references"])
        flat = [r for group in refs for r in (group if isinstance(group, list) else [group])]
        for i, r in enumerate(flat):
            r = only(r, {"audio", "text"}, ["references", i])
            if not isinstance(r.get("audio"), (bytes, bytearray)):
                raise Invalid("Input should be a valid bytes (msgpack bin)", ["references", i, "audio"])
            if not isinstance(r.get("text"), str):
                raise Invalid("Input should be a valid string", ["references", i, "text"])
    enum(doc, "format", FORMATS)
    fmt = doc.get("format") or "mp3"
    number(doc, "sample_rate", None, None, integer=True)
    rate = doc.get("sample_rate") or DEFAULT_RATE[fmt]
    if rate not in FORMATS[fmt]:
        raise Invalid(f"sample_rate {rate} is not supported for {fmt}: {sorted(FORMATS[fmt])}", ["sample_rate"])
    enum(doc, "mp3_bitrate", MP3_BITRATES)
    enum(doc, "opus_bitrate", OPUS_BITRATES)
    enum(doc, "latency", LATENCIES)
    number(doc, "chunk_length", 100, 300, integer=True)
    number(doc, "min_chunk_length", 0, 100, integer=True)
    number(doc, "temperature", 0, 1)
    number(doc, "top_p", 0, 1)
    number(doc, "max_new_tokens", 0, None, integer=True)
    number(doc, "repetition_penalty", 0, None)
    number(doc, "early_stop_threshold", 0, 1)
    for name in ("normalize", "condition_on_previous_chunks"):
        boolean(doc, name)
    features = doc.get("features") or []
    if not isinstance(features, list) or any(f not in FEATURES for f in features):
        raise Invalid(f"features must be a list of {sorted(FEATURES)}", ["features"])
    prosody = doc.get("prosody") or {}
    only(prosody, PROSODY_FIELDS, ["prosody"])
    number(prosody, "speed", 0.5, 2.0, where=["prosody"])
    number(prosody, "volume", None, None, where=["prosody"])
    boolean(prosody, "normalize_loudness", where=["prosody"])
    return {
        "text": text,
        "reference_id": ref,
        "references": refs,
        "format": fmt,
        "sample_rate": rate,
        "mp3_bitrate": doc.get("mp3_bitrate") or 128,
        "speed": float(prosody.get("speed") or 1.0),
        "volume": float(prosody.get("volume") or 0.0),
    }


# -- the ModelEntity every model route answers with ------------------------------------------------
def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def entity(
    model_id: str,
    title: str,
    *,
    state: str,
    visibility: str,
    train_mode: str = "fast",
    description: str = "",
    tags: list[str] | None = None,
    author: str = "sandbox",
) -> dict[str, Any]:
    stamp = now_iso()
    return {
        "_id": model_id,
        "type": "tts",
        "title": title,
        "description": description,
        "cover_image": "",
        "train_mode": train_mode,
        "state": state,
        "tags": tags or [],
        "samples": [],
        "created_at": stamp,
        "updated_at": stamp,
        "languages": [],
        "visibility": visibility,
        "lock_visibility": False,
        "like_count": 0,
        "mark_count": 0,
        "shared_count": 0,
        "task_count": 0,
        "liked": False,
        "marked": False,
        "author": {"_id": hashlib.sha256(author.encode()).hexdigest()[:24], "nickname": author, "avatar": ""},
    }
