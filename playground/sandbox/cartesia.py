"""Cartesia simulator (providers-more.md section 3), strict about the contract.

Routes under /cartesia (the base URL, like https://api.cartesia.ai); every one needs a known
`Cartesia-Version` (2024-06-10, 2024-11-13: `X-API-Key`; 2025-04-16, 2026-03-01, 2026-08-14: Bearer):
  POST   /voices/clone   multipart: one clip (<= 5 MB, decodable), name, language (enum), description,
                         enhance (2025-04-16) / accent (2026), base_voice_id -> 200 Voice (UUID id)
  GET    /voices         limit 1-100, starting_after / ending_before, is_owner, is_starred, gender, expand[]
                         -> {data, has_more, next_page}; without is_owner=true: the public library too
  GET    /voices/{id}, DELETE /voices/{id} (own voices; 204 with an empty body)
  POST   /tts/bytes      JSON: model_id, transcript, voice, output_format {container, encoding|bit_rate,
                         sample_rate}, language, generation_config (sonic-3+), speed, duration -> audio
  POST   /tts/sse        the same, container raw only -> text/event-stream of chunk (base64), timestamps,
                         done events
  POST   /stt            multipart file + model (ink-whisper) + language + timestamp_granularities[]
Errors: plain text `Title: Message` before 2026-03-01, JSON {error_code, title, message, request_id} from it.
Faults (ops clone, list, delete, speech, transcribe): status kinds (429 as concurrency_limited with
Retry-After), bad_json, html_200, slow_first_byte, hang, cut_stream; error_200 on /tts/sse: an error
event (status_code = the fault's code, default 500) after the first chunk.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import time
import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from playground import presets
from playground.audio import decode
from playground.errors import AudioInputError
from playground.sandbox import asr, speech, voice_match
from playground.sandbox.cartesia_rules import (
    CLONE_FIELDS,
    SPEEDS,
    SSE_FIELDS,
    TTS_FIELDS,
    VERSIONS,
    Invalid,
    encode,
    error,
    fault_response,
    number,
    only,
    output_format,
    voice_id,
    voice_object,
)
from playground.sandbox.control import (
    Fault,
    SandboxState,
    bearer,
    body_fault_response,
    first_byte_delay,
    guarded,
    hang,
    paced,
    split,
)

PROVIDER = "cartesia"
PREFIX = "/cartesia"
MAX_CLIP_BYTES = 5 * 1024 * 1024
STT_MODELS = {"ink-whisper", "ink-whisper-2025-06-04"}
CHUNK_BYTES = 4800
GENDERS = {"masculine", "feminine", "gender_neutral"}
LOCALE_FIELDS = {"locale", "normalization"}  # 2026-03-01 on: a locale instead of language, text normalization


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()
    spec = presets.load(PROVIDER)
    models = spec["models"]
    languages = set(spec["languages"])
    emotions = set(spec["emotions"])
    text_limit = int(spec["limits"]["input_chars"][1])
    library = {
        vid: {
            "id": vid,
            "name": label.split(" (")[0],
            "language": "en",
            "public": True,
            "owner": None,
            "created_at": "2024-11-13T07:06:22.476564Z",
            "gender": "feminine" if i % 2 else "masculine",
        }
        for i, (vid, label) in enumerate(spec["system_voices"].items())
    }

    def voices_of(key: str) -> dict:
        return state.scoped("cartesia_voices", key)

    async def guard(request: Request, op: str):
        version = request.headers.get("cartesia-version")
        if version is None:
            return None, error(400, "The Cartesia-Version header is required (YYYY-MM-DD).", None), None
        if version not in VERSIONS:
            return None, error(400, f"Invalid Cartesia-Version {version!r}.", None), None
        key = request.headers.get("x-api-key", "") if version < "2025-04-16" else bearer(request)
        if not state.key_ok(key):
            return None, error(401, "Invalid API key.", version), None
        fault = state.take_fault(PROVIDER, op)
        early = fault_response(fault, version) or body_fault_response(fault)
        if early is not None:
            return None, early, None
        if fault is not None and fault.kind == "hang":
            await hang(request)
            return None, error(504, "The request timed out.", version), None
        await first_byte_delay(state, PROVIDER, fault)
        return (key, version), None, fault

    def reply(exc: Invalid) -> Response:
        return exc.response()

    base_route = guarded(guard, Invalid, reply)

    def route(op: str):
        """The guard, then the route with (key, version); an Invalid is answered in the version's shape."""

        def decorate(fn):
            async def wrapped(request: Request, ident, fault):
                key, version = ident
                try:
                    return await fn(request, key, version, fault)
                except Invalid as exc:
                    exc.version = version
                    raise

            wrapped.__name__ = fn.__name__
            return base_route(op)(wrapped)

        return decorate

    # -- clone ------------------------------------------------------------------------------------------
    @api.post(f"{PREFIX}/voices/clone")
    @route("clone")
    async def clone(request: Request, key: str, version: str, fault: Fault | None):
        if version < "2025-04-16":
            raise Invalid(
                "this simulator serves clones from Cartesia-Version 2025-04-16 on (mode/transcript fields "
                "of older versions are not simulated)"
            )
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise Invalid("Content-Type must be multipart/form-data", status=415)
        form = await request.form()
        allowed = CLONE_FIELDS[version]
        names = [k for k, _ in form.multi_items()]
        extra = sorted(set(names) - allowed)
        if extra:
            raise Invalid(f"unknown field {extra[0]!r} for Cartesia-Version {version}")
        if names.count("clip") != 1:
            raise Invalid("exactly one clip file is required" if names.count("clip") > 1 else "clip is required")
        clip = form.get("clip")
        if clip is None or isinstance(clip, str):  # None cannot happen: exactly one clip was counted above
            raise Invalid("clip must be a file")
        data = await clip.read()
        if not data or len(data) > MAX_CLIP_BYTES:
            raise Invalid("clip must be a non-empty audio file of at most 5 MB")
        try:
            decode(data)
        except AudioInputError:
            raise Invalid("clip is not a valid audio file") from None
        fields = {k: v for k, v in form.multi_items() if k != "clip"}
        if any(names.count(k) > 1 for k in fields):
            raise Invalid("a field was sent twice")
        name = fields.get("name") or ""
        if not isinstance(name, str) or not name.strip():
            raise Invalid("name is required")
        if fields.get("language") not in languages:
            raise Invalid("language is required and must be a supported language code")
        if "enhance" in fields and fields["enhance"] not in ("true", "false"):
            raise Invalid("enhance must be true or false")
        base = fields.get("base_voice_id")
        if base and base not in library and base not in voices_of(key):
            raise Invalid(f"base voice {base} not found", status=404)
        vid = str(uuid.uuid4())
        entry = {
            "id": vid,
            "name": fields["name"],
            "description": fields.get("description"),
            "language": fields["language"],
            "public": False,
            "owner": f"user_{key[-6:]}",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
        }
        voices_of(key)[vid] = entry
        await asyncio.to_thread(voice_match.register, f"cartesia:{vid}", data)  # the sandbox clone follows its clip
        doc = voice_object(entry, version)
        doc.pop("is_owner", None)  # the documented clone answer carries no is_owner
        return doc

    # -- voices -------------------------------------------------------------------------------------------
    @api.get(f"{PREFIX}/voices")
    @route("list")
    async def list_voices(request: Request, key: str, version: str, fault: Fault | None):
        q = request.query_params
        allowed = {"limit", "starting_after", "ending_before", "is_owner", "is_starred", "gender", "expand[]"}
        if version >= "2026-03-01":
            allowed.add("q")
        extra = sorted(set(q.keys()) - allowed)
        if extra:
            raise Invalid(f"unknown query parameter {extra[0]!r}")
        try:
            limit = int(q.get("limit", "10"))
        except ValueError:
            raise Invalid("limit must be an integer") from None
        if not 1 <= limit <= 100:
            raise Invalid("limit must be between 1 and 100")
        for name in ("is_owner", "is_starred"):
            if q.get(name) not in (None, "true", "false"):
                raise Invalid(f"{name} must be true or false")
        if q.get("gender") not in (None, *GENDERS):
            raise Invalid(f"gender must be one of {sorted(GENDERS)}")
        own = list(voices_of(key).values())
        items = own if q.get("is_owner") == "true" else own + list(library.values())
        if q.get("gender"):
            items = [v for v in items if v.get("gender") == q["gender"]]
        ids = [v["id"] for v in items]
        start = 0
        if q.get("starting_after"):
            if q["starting_after"] not in ids:
                raise Invalid("starting_after is not a voice id in this listing")
            start = ids.index(q["starting_after"]) + 1
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "data": [voice_object(v, version) for v in page],
            "has_more": more,
            "next_page": page[-1]["id"] if more and page else None,
        }

    @api.get(f"{PREFIX}/voices/{{vid}}")
    @route("list")
    async def get_voice(request: Request, key: str, version: str, fault: Fault | None):
        vid = request.path_params["vid"]
        entry = library.get(vid) or voices_of(key).get(vid)
        if entry is None:
            raise Invalid(f"voice {vid} not found", status=404)
        return voice_object(entry, version)

    @api.delete(f"{PREFIX}/voices/{{vid}}")
    @route("delete")
    async def delete_voice(request: Request, key: str, version: str, fault: Fault | None):
        vid = request.path_params["vid"]
        if vid in library:
            raise Invalid("you can only delete your own voices", status=403)
        if voices_of(key).pop(vid, None) is None:
            raise Invalid(f"voice {vid} not found", status=404)
        return Response(status_code=204)

    # -- tts ------------------------------------------------------------------------------------------------
    async def tts_request(request: Request, key: str, version: str, *, sse: bool) -> dict:
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise Invalid("Content-Type must be application/json", status=415)
        try:
            doc = json.loads(await request.body())
        except ValueError:
            raise Invalid("the body is not valid JSON") from None
        allowed = (SSE_FIELDS if sse else TTS_FIELDS) | (LOCALE_FIELDS if version >= "2026-03-01" else set())
        doc = only(doc, allowed, "the request")
        if doc.get("language") is not None and doc.get("locale") is not None:
            raise Invalid("send language or locale, not both")
        if doc.get("locale") is not None and not (isinstance(doc["locale"], str) and len(doc["locale"]) >= 2):
            raise Invalid("locale must be a locale such as en-GB")
        model = doc.get("model_id")
        if model not in models:
            raise Invalid(f"model_id must be one of {sorted(models)}")
        text = doc.get("transcript")
        if not isinstance(text, str) or not text.strip():
            raise Invalid("transcript is required")
        if len(text) > text_limit:
            raise Invalid(f"transcript is too long ({len(text)} characters; at most {text_limit})")
        vid = voice_id(doc.get("voice"), version)
        if vid not in library and vid not in voices_of(key):
            raise Invalid(f"voice {vid} not found", status=404)
        fmt = output_format(doc.get("output_format"), sse=sse)
        if doc.get("language") is not None and doc["language"] not in languages:
            raise Invalid("language must be a supported language code")
        gen = doc.get("generation_config")
        speed, gain = 1.0, 0.0
        if gen is not None:
            if not models[model]["generation_config"]:
                raise Invalid(f"generation_config is supported on sonic-3 and later, not {model}")
            gen = only(gen, {"volume", "speed", "emotion"}, "generation_config")
            speed = number(gen, "speed", 0.6, 1.5, "generation_config") or 1.0
            volume = number(gen, "volume", 0.5, 2.0, "generation_config") or 1.0
            gain = 20 * math.log10(volume)
            if gen.get("emotion") is not None and gen["emotion"] not in emotions:
                raise Invalid(f"generation_config.emotion must be one of {sorted(emotions)}")
        if doc.get("speed") is not None:
            if doc["speed"] not in SPEEDS:
                raise Invalid("speed must be slow, normal or fast")
            speed *= {"slow": 0.8, "normal": 1.0, "fast": 1.25}[doc["speed"]]
        duration = number(doc, "duration", 0.0, 1e6, "the request")
        for name in ("add_timestamps", "add_phoneme_timestamps", "use_normalized_timestamps", "save"):
            if name in doc and not isinstance(doc[name], bool):
                raise Invalid(f"{name} must be a boolean")
        return {
            "text": text,
            "voice": vid,
            "model": model,
            "format": fmt,
            "speed": speed,
            "gain": gain,
            "duration": duration,
            "timestamps": bool(doc.get("add_timestamps")),
            "save": bool(doc.get("save")),
        }

    def render(req: dict) -> bytes:
        fmt = req["format"]
        voice = f"cartesia:{req['voice']}"
        if fmt["container"] == "mp3":
            return speech.render(
                req["text"],
                voice=voice,
                fmt="mp3",
                sample_rate=fmt["sample_rate"],
                speed=req["speed"],
                gain_db=req["gain"],
                bitrate=fmt["bit_rate"],
            )
        pcm = speech.render(
            req["text"], voice=voice, fmt="pcm", sample_rate=fmt["sample_rate"], speed=req["speed"], gain_db=req["gain"]
        )
        if req["duration"]:
            pcm = pcm[: int(req["duration"] * fmt["sample_rate"]) * 2]
        return encode(pcm, fmt["sample_rate"], fmt["container"], fmt["encoding"])

    @api.post(f"{PREFIX}/tts/bytes")
    @route("speech")
    async def tts_bytes(request: Request, key: str, version: str, fault: Fault | None):
        req = await tts_request(request, key, version, sse=False)
        audio = render(req)
        media = {"mp3": "audio/mpeg", "wav": "audio/wav", "raw": "application/octet-stream"}[req["format"]["container"]]
        headers = {"Cartesia-File-ID": f"file_{uuid.uuid4().hex[:20]}"} if req["save"] else None
        return StreamingResponse(paced(split(audio), state, PROVIDER, fault), media_type=media, headers=headers)

    @api.post(f"{PREFIX}/tts/sse")
    @route("speech")
    async def tts_sse(request: Request, key: str, version: str, fault: Fault | None):
        req = await tts_request(request, key, version, sse=True)
        audio = render(req)
        if fault is not None and fault.kind == "error_200":  # an error event after the stream started
            status = int(fault.code or 500)
            doc = (
                {
                    "type": "error",
                    "done": True,
                    "status_code": status,
                    "error_code": "internal_error",
                    "title": "Generation failed",
                    "message": "The model failed mid-stream.",
                    "request_id": str(uuid.uuid4()),
                }
                if version >= "2026-03-01"
                else {"type": "error", "error": "The model failed mid-stream.", "status_code": status, "done": True}
            )
            first = {
                "type": "chunk",
                "data": base64.b64encode(audio[:CHUNK_BYTES]).decode(),
                "done": False,
                "status_code": 206,
                "step_time": 12.0,
                "context_id": None,
            }
            body = [f"data: {json.dumps(first)}\n\n".encode(), f"event: error\ndata: {json.dumps(doc)}\n\n".encode()]
            return StreamingResponse(iter(body), media_type="text/event-stream")
        events = []
        for i in range(0, len(audio), CHUNK_BYTES):
            chunk = {
                "type": "chunk",
                "data": base64.b64encode(audio[i : i + CHUNK_BYTES]).decode(),
                "done": False,
                "status_code": 206,
                "step_time": 12.0,
                "context_id": None,
            }
            events.append(f"data: {json.dumps(chunk)}\n\n".encode())
        if req["timestamps"]:
            words = req["text"].split()
            stamps = {
                "words": words,
                "start": [i * 0.4 for i in range(len(words))],
                "end": [i * 0.4 + 0.35 for i in range(len(words))],
            }
            frame_doc = {"type": "timestamps", "done": False, "status_code": 206, "word_timestamps": stamps}
            events.append(f"data: {json.dumps(frame_doc)}\n\n".encode())
        events.append(f"data: {json.dumps({'type': 'done', 'done': True, 'status_code': 206})}\n\n".encode())
        return StreamingResponse(
            paced(events, state, PROVIDER, fault), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    # -- stt ---------------------------------------------------------------------------------------------------
    @api.post(f"{PREFIX}/stt")
    @route("transcribe")
    async def stt(request: Request, key: str, version: str, fault: Fault | None):
        extra = sorted(set(request.query_params.keys()) - {"encoding", "sample_rate"})
        if extra:
            raise Invalid(f"unknown query parameter {extra[0]!r}")
        try:
            got = await asr.read_form(
                request,
                {"model", "language", "timestamp_granularities[]"},
                max_bytes=100 * 1024 * 1024,
                max_duration_s=None,
                formats=None,
            )
        except asr.AsrInvalid as exc:
            raise Invalid(exc.message) from None
        if got.fields.get("model") not in STT_MODELS:
            raise Invalid(f"model is required and must be one of {sorted(STT_MODELS)}")
        language = got.fields.get("language", "en")
        if not (len(language) == 2 and language.isalpha()):
            raise Invalid("language must be an ISO 639-1 code")
        if got.fields.get("timestamp_granularities[]") not in (None, "word"):
            raise Invalid("timestamp_granularities[] must be word")
        return {
            "type": "transcript",
            "text": asr.transcript_for(got.audio),
            "duration": round(got.duration_s, 3),
            "language": language,
            "request_id": str(uuid.uuid4()),
        }

    @api.api_route(f"{PREFIX}/{{rest:path}}", methods=["GET", "POST", "DELETE", "PUT", "PATCH"])
    async def not_found(rest: str, request: Request):
        version = request.headers.get("cartesia-version")
        return error(404, f"no route /{rest}", version if version in VERSIONS else None)

    return api
