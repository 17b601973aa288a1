"""MiniMax simulator (seed 002, providers.md section 1), strict about the contract.

Errors come back as MiniMax sends them: HTTP 200 with base_resp.status_code != 0 (1004
without a key, 2049 for a key this "host" does not know), a Trace-Id header on every
answer. Gotchas kept: a clone shows up in get_voice only after a successful t2a call
used it; deleted voice_ids can never be reused; audio is hex (or a loopback URL)."""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from playground.audio import decode, sniff_format
from playground.errors import AudioInputError
from playground.sandbox import speech, voice_match
from playground.sandbox.control import (
    Fault,
    SandboxState,
    bearer,
    body_fault_response,
    first_byte_delay,
    guarded,
    paced,
    status_fault_response,
)
from playground.sandbox.minimax_contract import (
    AUDIO_FORMATS,
    MAX_UPLOAD_BYTES,
    PROVIDER,
    UPLOAD_PURPOSES,
    Invalid,
    check_clone,
    check_t2a,
    spec,
)

MESSAGES = {
    1000: "unknown error",
    1001: "request timeout",
    1002: "rate limit exceeded(RPM)",
    1004: "login fail: Please carry the API secret key in the 'Authorization' field of the request header",
    1008: "insufficient balance",
    1024: "internal error",
    1026: "input new_sensitive",
    1027: "output new_sensitive",
    1033: "system error",
    1039: "token limit exceeded",
    1041: "conn limit",
    1042: "illegal characters exceed 10%",
    1043: "asr similarity check failed",
    1044: "clone prompt similarity check failed",
    2013: "invalid params",
    20132: "invalid samples or voice_id",
    2037: "voice clone file duration invalid",
    2038: "no cloning permission, please complete the real-name verification",
    2039: "voice id duplicate",
    2042: "voice id not accessible",
    2045: "rate growth limit exceeded",
    2048: "prompt audio too long",
    2049: "invalid api key",
    2056: "usage limit exceeded (Token Plan)",
}
CHUNK_BYTES = 4096
MAX_MEDIA = 64


def _trace() -> str:
    return secrets.token_hex(16)


def ok(doc: dict, trace: str | None = None) -> JSONResponse:
    trace = trace or _trace()
    return JSONResponse({**doc, "base_resp": {"status_code": 0, "status_msg": "success"}}, headers={"Trace-Id": trace})


def fail(code: int, message: str | None = None) -> JSONResponse:
    """MiniMax's business error: HTTP 200 with base_resp."""
    trace = _trace()
    return JSONResponse(
        {"trace_id": trace, "base_resp": {"status_code": code, "status_msg": message or MESSAGES.get(code, "error")}},
        headers={"Trace-Id": trace},
    )


def http_error(status: int, message: str, _code: Any = None) -> Response:
    """Faults in front of the API: 429 as MiniMax-shaped JSON with Retry-After; 5xx as a gateway page."""
    if status == 429:
        return JSONResponse(
            {"base_resp": {"status_code": 1002, "status_msg": MESSAGES[1002]}},
            status_code=429,
            headers={"Trace-Id": _trace()},
        )
    title = {500: "Internal Server Error", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}.get(
        status, message
    )
    return Response(
        f"<html><head><title>{status} {title}</title></head><body><center><h1>{status} {title}</h1>"
        "</center></body></html>",
        status_code=status,
        media_type="text/html",
    )


def router(state: SandboxState) -> APIRouter:
    api = APIRouter(prefix="/minimax")

    def files_of(key: str) -> dict:
        return state.scoped("minimax_files", key)

    def voices_of(key: str) -> dict:
        return state.scoped("minimax_voices", key)

    def deleted_of(key: str) -> dict:
        return state.scoped("minimax_deleted", key)

    def publish(request: Request, data: bytes, ext: str) -> str:
        """Keep audio for a link (no auth, like a presigned URL) and return its loopback URL."""
        token = f"{secrets.token_hex(12)}.{ext}"
        with state.lock:
            media = state.store.setdefault("minimax_media", {})
            media[token] = data
            while len(media) > MAX_MEDIA:
                media.pop(next(iter(media)))
        return f"{str(request.base_url).rstrip('/')}/minimax/_media/{token}"

    async def guard(request: Request, op: str) -> tuple[str | None, Response | None, Any]:
        key = bearer(request)
        if not key:
            return None, fail(1004), None
        if not state.key_ok(key):
            return None, fail(2049), None
        if "GroupId" in request.query_params and not request.query_params["GroupId"].strip():
            return None, fail(2013, "invalid params, GroupId is empty"), None
        fault = state.take_fault(PROVIDER, op)
        early = status_fault_response(fault, http_error) or body_fault_response(fault)
        if early is not None:
            return None, early, None
        if fault is not None and fault.kind == "error_200":
            return None, fail(fault.code or 1000), None
        await first_byte_delay(state, PROVIDER, fault)
        return key, None, fault

    route = guarded(guard, Invalid, lambda exc: fail(exc.code, exc.message))

    async def json_body(request: Request) -> Any:
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise Invalid(2013, "invalid params, Content-Type must be application/json")
        try:
            return json.loads(await request.body())
        except ValueError:
            raise Invalid(2013, "invalid params, body is not valid JSON") from None

    @api.post("/v1/files/upload")
    @route("upload")
    async def upload(request: Request, key: str, fault: Fault | None):
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise Invalid(2013, "invalid params, Content-Type must be multipart/form-data")
        form = await request.form()
        purpose, part = form.get("purpose"), form.get("file")
        if purpose not in UPLOAD_PURPOSES:
            raise Invalid(2013, f"invalid params, purpose must be one of {', '.join(sorted(UPLOAD_PURPOSES))}")
        if part is None or isinstance(part, str):
            raise Invalid(2013, "invalid params, file is required")
        data = await part.read()
        if len(data) > MAX_UPLOAD_BYTES:
            raise Invalid(2013, "invalid params, file size exceeds 20MB")
        duration = 0.0
        if purpose != "t2a_async_input":
            if sniff_format(data) not in AUDIO_FORMATS:
                raise Invalid(2013, "invalid params, file format must be mp3, m4a or wav")
            try:
                duration = len(await asyncio.to_thread(decode, data)) / 1000.0
            except AudioInputError:
                raise Invalid(2013, "invalid params, the file is not readable audio") from None
            if purpose == "prompt_audio" and duration >= 8.0:
                raise Invalid(2048, f"prompt audio too long ({duration:.1f}s), must be less than 8s")
        file_id = secrets.randbelow(2**62 - 2**60) + 2**60  # beyond 2**53: exact only as an integer
        entry = {
            "file_id": file_id,
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": part.filename or "upload",
            "purpose": purpose,
        }
        files_of(key)[file_id] = {
            **entry,
            "duration_s": duration,
            "match": await asyncio.to_thread(voice_match.match, data) if purpose == "voice_clone" else None,
        }
        return ok({"file": entry})

    @api.post("/v1/voice_clone")
    @route("clone")
    async def voice_clone(request: Request, key: str, fault: Fault | None):
        doc = check_clone(await json_body(request), files_of(key), voices_of(key), deleted_of(key))
        voice_id = doc["voice_id"]
        voice_match.remember(voice_id, (files_of(key).get(doc["file_id"]) or {}).get("match"))  # follows its sample
        voices_of(key)[voice_id] = {
            "voice_id": voice_id,
            "created_time": time.strftime("%Y-%m-%d"),
            "used": False,
            "description": [],
        }
        demo = ""
        if doc.get("text"):
            audio = await speech.arender(doc["text"], voice=voice_id, fmt="mp3", sample_rate=32000)
            demo = publish(request, audio, "mp3")
        return ok({"input_sensitive": False, "input_sensitive_type": 0, "demo_audio": demo})

    def voice_exists(key: str, voice_id: Any) -> bool:
        return isinstance(voice_id, str) and (voice_id in spec()["system_voices"] or voice_id in voices_of(key))

    def mark_used(key: str, voice_id: str) -> None:
        entry = voices_of(key).get(voice_id)
        if entry is not None:
            entry["used"] = True  # the clone is now billed and listed by get_voice

    @api.post("/v1/t2a_v2")
    @route("speech")
    async def t2a(request: Request, key: str, fault: Fault | None):
        doc = check_t2a(await json_body(request), lambda v: voice_exists(key, v))
        voice = doc.get("voice_setting") or {}
        voice_id = voice.get("voice_id") or doc["timbre_weights"][0]["voice_id"]
        setting = doc.get("audio_setting") or {}
        fmt, rate = setting.get("format", "mp3"), int(setting.get("sample_rate", 32000))
        channels, bitrate = int(setting.get("channel", 1)), int(setting.get("bitrate", 128000))
        audio = await speech.arender(
            doc["text"],
            voice=voice_id,
            fmt=fmt,
            sample_rate=rate,
            speed=float(voice.get("speed", 1.0)),
            gain_db=20 * math.log10(float(voice.get("vol", 1.0))),
            channels=channels,
            bitrate=bitrate if fmt == "mp3" else None,
        )
        spoken = await speech.asynthesize_pcm(doc["text"], voice_id, float(voice.get("speed", 1.0)))
        seconds = len(spoken) / 2 / speech.ESPEAK_RATE
        extra = {
            "audio_length": int(seconds * 1000),
            "audio_sample_rate": rate,
            "audio_size": len(audio),
            "bitrate": bitrate,
            "audio_format": fmt,
            "audio_channel": channels,
            "invisible_character_ratio": 0,
            "usage_characters": len(doc["text"]),
            "word_count": len(doc["text"].split()),
        }
        trace = _trace()
        if not doc.get("stream"):
            if doc.get("output_format") == "url":
                payload = publish(request, audio, {"pcm": "pcm"}.get(fmt, fmt))
            else:
                payload = audio.hex()
            mark_used(key, voice_id)
            return ok(
                {"data": {"audio": payload, "status": 2, "ced": ""}, "extra_info": extra, "trace_id": trace}, trace
            )
        exclude = bool((doc.get("stream_options") or {}).get("exclude_aggregated_audio"))
        frames = sse_frames(audio, extra, trace, exclude)

        async def body():
            async for piece in paced(frames, state, PROVIDER, fault):
                yield piece
            mark_used(key, voice_id)  # only a stream that completed counts as a use

        return StreamingResponse(body(), media_type="text/event-stream", headers={"Trace-Id": trace})

    @api.post("/v1/get_voice")
    @route("list")
    async def get_voice(request: Request, key: str, fault: Fault | None):
        doc = await json_body(request)
        voice_type = doc.get("voice_type") if isinstance(doc, dict) else None
        if voice_type not in ("system", "voice_cloning", "voice_generation", "all"):
            raise Invalid(2013, "invalid params, voice_type must be system, voice_cloning, voice_generation or all")
        answer: dict[str, Any] = {}
        if voice_type in ("system", "all"):
            answer["system_voice"] = [
                {"voice_id": v, "voice_name": name.split(" (")[0], "description": [name]}
                for v, name in spec()["system_voices"].items()
            ]
        if voice_type in ("voice_cloning", "all"):
            answer["voice_cloning"] = [
                {"voice_id": v["voice_id"], "description": v["description"], "created_time": v["created_time"]}
                for v in voices_of(key).values()
                if v["used"]
            ]
        if voice_type in ("voice_generation", "all"):
            answer["voice_generation"] = []
        return ok(answer)

    @api.post("/v1/delete_voice")
    @route("delete")
    async def delete_voice(request: Request, key: str, fault: Fault | None):
        doc = await json_body(request)
        if not isinstance(doc, dict) or doc.get("voice_type") not in ("voice_cloning", "voice_generation"):
            raise Invalid(2013, "invalid params, voice_type must be voice_cloning or voice_generation")
        voice_id = doc.get("voice_id")
        if not isinstance(voice_id, str) or not voice_id:
            raise Invalid(2013, "invalid params, voice_id is required")
        unknown = sorted(set(doc) - {"voice_type", "voice_id"})
        if unknown:
            raise Invalid(2013, f"invalid params, unknown field(s): {', '.join(unknown)}")
        entry = voices_of(key).get(voice_id) if doc["voice_type"] == "voice_cloning" else None
        if entry is None:
            raise Invalid(2013, f"invalid params, voice_id {voice_id} does not exist")
        voices_of(key).pop(voice_id, None)
        deleted_of(key)[voice_id] = True  # a deleted voice_id can never be reused
        return ok({"voice_id": voice_id, "created_time": entry["created_time"]})

    @api.get("/_media/{token}")
    async def media(token: str):
        fault = state.take_fault(PROVIDER, "download")
        early = status_fault_response(fault, http_error)
        if early is not None:
            return early
        with state.lock:
            data = state.store.get("minimax_media", {}).get(token)
        if data is None:
            return Response("<Error><Code>NoSuchKey</Code></Error>", status_code=404, media_type="application/xml")
        ext = token.rsplit(".", 1)[-1]
        return Response(data, media_type=speech.CONTENT_TYPES.get(ext, "application/octet-stream"))

    @api.api_route("/{rest:path}", methods=["GET", "POST", "DELETE", "PUT"])
    async def not_found(rest: str):
        return Response("404 page not found", status_code=404, media_type="text/plain")

    return api


def sse_frames(audio: bytes, extra: dict, trace: str, exclude_aggregated: bool) -> list[bytes]:
    """status 1 frames with hex chunks, one frame whose data is null, then the status 2 frame
    (repeating the whole audio unless exclude_aggregated_audio) with extra_info."""
    base = {"status_code": 0, "status_msg": ""}

    def frame(doc: dict) -> bytes:
        return f"data: {json.dumps(doc)}\n\n".encode()

    pieces = [audio[i : i + CHUNK_BYTES] for i in range(0, len(audio), CHUNK_BYTES)]
    frames = [
        frame({"data": {"audio": p.hex(), "status": 1, "ced": ""}, "trace_id": trace, "base_resp": base})
        for p in pieces
    ]
    frames.insert(min(1, len(frames)), frame({"data": None, "trace_id": trace, "base_resp": base}))
    final = {"audio": "" if exclude_aggregated else audio.hex(), "status": 2, "ced": ""}
    frames.append(frame({"data": final, "extra_info": extra, "trace_id": trace, "base_resp": base}))
    return frames
