"""Two strict simulators of OpenAI's speech API, under the /openai_compat root.

- `/openai_compat/v1`: OpenAI itself (providers.md section 4): 4 models, 13 voices plus
  custom `{id: "voice_..."}`, instructions and stream_format=sse except on tts-1/tts-1-hd,
  mp3/opus/aac/flac/wav/pcm (pcm = 24 kHz 16-bit mono), GET /models, and errors in
  `{error:{message,type,param,code}}` with an x-request-id header.
- `/openai_compat/gateway/v1`: a gateway that implements seed 003 to the letter: tts-1 and
  tts-1-hd, the six seed voices, mp3/opus/aac/flac, no instructions/stream_format; no
  /models (a plain-text 404); plain-text 401/404/429 and an nginx HTML page for 5xx.

Fault ops: "speech" and "models" (official), "gateway.speech" (gateway). error_200 answers
200 with a JSON error (the gateway mislabels it audio/mpeg); html_200 answers 200 with an
HTML page. A key starting with "sk-quota-exhausted" gets 429 insufficient_quota.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse

from playground import presets
from playground.sandbox import asr, speech
from playground.sandbox.control import (
    Fault,
    SandboxState,
    bearer,
    body_fault_response,
    first_byte_delay,
    paced,
    split,
    status_fault_response,
)

PROVIDER = "openai_compat"
OFFICIAL_PREFIX = "/openai_compat/v1"
GATEWAY_PREFIX = "/openai_compat/gateway/v1"
SAMPLE_RATE = 24000
QUOTA_KEY_PREFIX = "sk-quota-exhausted"
OTHER_LISTED_MODELS = ["gpt-4o-mini", "whisper-1", "gpt-4o-transcribe"]
ASR_MODELS = {"whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe"}
ASR_FIELDS = {"model", "language", "prompt", "response_format", "temperature"}
ASR_FORMATS = {"flac", "mp3", "m4a", "ogg", "opus", "wav", "webm"}
NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1>"
    "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
CONSOLE_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>API Gateway Console</title>'
    '</head><body><div id="root">Loading the console…</div></body></html>'
)
REASONS = {
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}


@dataclass(frozen=True)
class Contract:
    name: str
    models: frozenset[str]
    legacy: frozenset[str]
    voices: frozenset[str]
    formats: frozenset[str]
    fields: frozenset[str]
    custom_voices: bool


def contracts() -> tuple[Contract, Contract]:
    spec = presets.load(PROVIDER)
    official = Contract(
        "official",
        models=frozenset({*spec["models"], "gpt-4o-mini-tts-2025-03-20"}),
        legacy=frozenset({"tts-1", "tts-1-hd"}),
        voices=frozenset(spec["seed_voices"] + spec["newer_voices"]),
        formats=frozenset(spec["formats"]),
        fields=frozenset({"model", "input", "voice", "instructions", "response_format", "speed", "stream_format"}),
        custom_voices=True,
    )
    gateway = Contract(
        "gateway",
        models=frozenset({"tts-1", "tts-1-hd"}),
        legacy=frozenset({"tts-1", "tts-1-hd"}),
        voices=frozenset(spec["seed_voices"]),
        formats=frozenset(f for f, v in spec["formats"].items() if v["seed"]),
        fields=frozenset({"model", "input", "voice", "response_format", "speed"}),
        custom_voices=False,
    )
    return official, gateway


class Invalid(Exception):
    def __init__(
        self,
        message: str,
        param: str | None = None,
        code: str | None = "invalid_value",
        status: int = 400,
        type_: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.message, self.param, self.code, self.status, self.type = message, param, code, status, type_


# -- error shapes ---------------------------------------------------------------------------
def openai_error(
    status: int, message: str, code: Any = None, *, param: str | None = None, type_: str | None = None
) -> Response:
    kind = type_ or ("server_error" if status >= 500 else "requests" if status == 429 else "invalid_request_error")
    if status == 429 and code is None:
        code = "rate_limit_exceeded"
    doc = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(doc, status_code=status, headers={"x-request-id": f"req_{secrets.token_hex(12)}"})


def gateway_error(
    status: int, message: str, code: Any = None, *, param: str | None = None, type_: str | None = None
) -> Response:
    if status == 400:
        doc = {"error": {"message": message, "type": type_ or "gateway_error", "param": param or "", "code": code}}
        return JSONResponse(doc, status_code=400)
    if status >= 500:
        page = NGINX_PAGE.format(status=status, reason=REASONS.get(status, "Error"))
        return HTMLResponse(page, status_code=status)
    plain = {401: "Unauthorized: invalid or missing token", 404: "404 page not found", 429: "Too Many Requests"}
    return PlainTextResponse(plain.get(status, message), status_code=status)


# -- validation ------------------------------------------------------------------------------
def check_speech(doc: Any, c: Contract) -> dict:
    if not isinstance(doc, dict):
        raise Invalid("The request body must be a JSON object.", code=None)
    extra = sorted(set(doc) - c.fields)
    if extra:
        raise Invalid(f"Unrecognized request argument supplied: {extra[0]}", param=extra[0], code="unknown_parameter")
    for name in ("model", "input", "voice"):
        if name not in doc:
            raise Invalid(f"Missing required parameter: '{name}'.", param=name, code="missing_required_parameter")
    model = doc["model"]
    if not isinstance(model, str):
        raise Invalid("Invalid type for 'model': expected a string.", param="model", code="invalid_type")
    if model not in c.models:
        if c.name == "gateway":
            raise Invalid(
                f"no available channel for model {model} (this gateway serves: {', '.join(sorted(c.models))})",
                param="model",
                code="model_not_found",
            )
        raise Invalid(
            f"The model `{model}` does not exist or you do not have access to it.", code="model_not_found", status=404
        )
    text = doc["input"]
    if not isinstance(text, str):
        raise Invalid("Invalid type for 'input': expected a string.", param="input", code="invalid_type")
    if not text:
        raise Invalid(
            "Invalid 'input': string too short. Expected a string with minimum length 1, but got an empty "
            "string instead.",
            param="input",
            code="string_below_min_length",
        )
    if len(text) > 4096:
        raise Invalid(
            f"Invalid 'input': string too long. Expected a string with maximum length 4096, but got a "
            f"string with length {len(text)} instead.",
            param="input",
            code="string_above_max_length",
        )
    _check_voice(doc["voice"], c)
    if "instructions" in doc:
        value = doc["instructions"]
        if not isinstance(value, str) or len(value) > 4096:
            raise Invalid("Invalid 'instructions': expected a string of at most 4096 characters.", param="instructions")
        if model in c.legacy:
            raise Invalid(
                f"instructions are not supported with {model}.", param="instructions", code="unsupported_parameter"
            )
    fmt = doc.get("response_format", "mp3")
    if fmt not in c.formats:
        raise Invalid(
            f"Invalid value: '{fmt}'. Supported values are: {', '.join(repr(f) for f in sorted(c.formats))}.",
            param="response_format",
        )
    if "speed" in doc:
        speed = doc["speed"]
        if isinstance(speed, bool) or not isinstance(speed, (int, float)):
            raise Invalid("Invalid type for 'speed': expected a number.", param="speed", code="invalid_type")
        if not 0.25 <= speed <= 4.0:
            raise Invalid(f"Invalid 'speed': {speed:g} is outside 0.25 to 4.0.", param="speed")
    stream_format = doc.get("stream_format", "audio")
    if stream_format not in ("audio", "sse"):
        raise Invalid(
            f"Invalid value: '{stream_format}'. Supported values are: 'sse' and 'audio'.", param="stream_format"
        )
    if stream_format == "sse" and model in c.legacy:
        raise Invalid(
            f"stream_format 'sse' is not supported with {model}.", param="stream_format", code="unsupported_value"
        )
    return doc


def _check_voice(voice: Any, c: Contract) -> None:
    if isinstance(voice, dict) and c.custom_voices:
        vid = voice.get("id")
        if set(voice) != {"id"} or not isinstance(vid, str) or not vid.startswith("voice_"):
            raise Invalid('Invalid \'voice\': a custom voice is {"id": "voice_..."}.', param="voice")
        return
    if not isinstance(voice, str) or voice not in c.voices:
        raise Invalid(
            f"Invalid value for 'voice': {voice!r}. Supported voices are {', '.join(sorted(c.voices))}.", param="voice"
        )


# -- answers ----------------------------------------------------------------------------------
def render(doc: dict) -> bytes:
    voice = doc["voice"]["id"] if isinstance(doc["voice"], dict) else doc["voice"]
    fmt = doc.get("response_format", "mp3")
    return speech.render(
        doc["input"], voice=voice, fmt=fmt, sample_rate=SAMPLE_RATE, speed=float(doc.get("speed", 1.0))
    )


def sse_events(audio: bytes, doc: dict) -> list[bytes]:
    events = [
        b"data: "
        + json.dumps({"type": "speech.audio.delta", "audio": base64.b64encode(part).decode()}).encode()
        + b"\n\n"
        for part in split(audio, 3000)
    ]
    tokens_in = max(1, len(doc["input"]) // 4)
    tokens_out = max(1, len(audio) // 400)
    usage = {"input_tokens": tokens_in, "output_tokens": tokens_out, "total_tokens": tokens_in + tokens_out}
    events.append(b"data: " + json.dumps({"type": "speech.audio.done", "usage": usage}).encode() + b"\n\n")
    return events


def error_200(c: Contract, fault: Fault) -> Response:
    if fault.kind == "html_200":
        return HTMLResponse(CONSOLE_PAGE, status_code=200)
    doc = {
        "error": {
            "message": "upstream error: the model returned no audio",
            "type": "upstream_error",
            "param": None,
            "code": "bad_response",
        }
    }
    if c.name == "gateway":  # a broken gateway that even labels its JSON as audio
        return Response(json.dumps(doc), status_code=200, media_type="audio/mpeg")
    return JSONResponse(doc, status_code=200)


def model_list(c: Contract) -> dict:
    ids = sorted(c.models) + OTHER_LISTED_MODELS
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": 1699046015, "owned_by": "system"} for i in ids],
    }


# -- routes ------------------------------------------------------------------------------------
def _api(state: SandboxState, c: Contract, prefix: str, error, op_prefix: str) -> APIRouter:
    api = APIRouter(prefix=prefix)

    async def guard(request: Request, op: str) -> tuple[Response | None, Fault | None]:
        key = bearer(request)
        if not key:
            return error(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                None,
            ), None
        if not state.key_ok(key):
            masked = f"{key[:3]}{'*' * max(4, len(key) - 7)}{key[-4:]}" if len(key) > 8 else "****"
            return error(
                401,
                f"Incorrect API key provided: {masked}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_api_key",
            ), None
        if key.startswith(QUOTA_KEY_PREFIX):
            return error(
                429,
                "You exceeded your current quota, please check your plan and billing details.",
                "insufficient_quota",
            ), None
        fault = state.take_fault(PROVIDER, op_prefix + op)
        early = status_fault_response(fault, error)
        if early is not None:
            return early, None
        await first_byte_delay(state, PROVIDER, fault)
        if fault is not None and fault.kind in ("error_200", "html_200"):
            return error_200(c, fault), None
        if fault is not None and fault.kind == "bad_json":
            return body_fault_response(fault), None
        return None, fault

    @api.post("/audio/speech")
    async def create_speech(request: Request):
        raw = await request.body()  # read first, so the request log has it even when a fault delays us
        early, fault = await guard(request, "speech")
        if early:
            return early
        try:
            if not request.headers.get("content-type", "").startswith("application/json"):
                raise Invalid("Content-Type must be application/json.", code=None)
            try:
                doc = json.loads(raw)
            except ValueError:
                raise Invalid("We could not parse the JSON body of your request.", code=None) from None
            doc = check_speech(doc, c)
        except Invalid as exc:
            return error(exc.status, exc.message, exc.code, param=exc.param, type_=exc.type)
        audio = await asyncio.to_thread(render, doc)  # espeak and ffmpeg: off the event loop
        headers = {"x-request-id": f"req_{secrets.token_hex(12)}"} if c.name == "official" else {}
        if doc.get("stream_format") == "sse":
            chunks = sse_events(audio, doc)
            return StreamingResponse(
                paced(chunks, state, PROVIDER, fault), media_type="text/event-stream", headers=headers
            )
        media = speech.CONTENT_TYPES[doc.get("response_format", "mp3")]
        return StreamingResponse(paced(split(audio), state, PROVIDER, fault), media_type=media, headers=headers)

    if c.name == "official":

        @api.get("/models")
        async def list_models(request: Request):
            early, _ = await guard(request, "models")
            return early or JSONResponse(model_list(c))

    if c.name == "official":  # seed 003's gateway has no speech recognition

        @api.post("/audio/transcriptions")
        async def create_transcription(request: Request):
            early, _ = await guard(request, "transcribe")
            if early:
                return early
            try:
                got = await asr.read_form(
                    request, ASR_FIELDS, max_bytes=25 * 1024 * 1024, max_duration_s=None, formats=ASR_FORMATS
                )
                if got.fields.get("model") not in ASR_MODELS:
                    raise asr.AsrInvalid(
                        f"Invalid model {got.fields.get('model')!r}: use one of {', '.join(sorted(ASR_MODELS))}.",
                        "model",
                    )
                fmt = got.fields.get("response_format", "json")
                if fmt not in ("json", "text"):
                    raise asr.AsrInvalid("response_format must be json or text in this simulator.", "response_format")
            except asr.AsrInvalid as exc:
                return error(400, exc.message, "invalid_value", param=exc.param)
            text = await asyncio.to_thread(asr.transcript_for, got.audio)
            headers = {"x-request-id": f"req_{secrets.token_hex(12)}"}
            if fmt == "text":
                return PlainTextResponse(text + "\n", headers=headers)
            return JSONResponse({"text": text}, headers=headers)

    @api.api_route("/{rest:path}", methods=["GET", "POST", "DELETE", "PUT", "PATCH"])
    async def not_found(request: Request, rest: str):
        return error(404, f"Invalid URL ({request.method} /v1/{rest})", None)

    return api


def router(state: SandboxState) -> APIRouter:
    official, gateway = contracts()
    root = APIRouter()
    root.include_router(_api(state, gateway, GATEWAY_PREFIX, gateway_error, "gateway."))
    root.include_router(_api(state, official, OFFICIAL_PREFIX, openai_error, ""))
    return root
