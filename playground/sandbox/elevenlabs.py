"""ElevenLabs simulator (providers-more.md section 1), strict about the contract.

Routes under /elevenlabs (the base URL, like https://api.elevenlabs.io), all with `xi-api-key`:
  GET    /v1/user/subscription                 tier, characters and voice slots of this key's account
  POST   /v1/voices/add                        multipart: name, files (or files[]) x n, description, labels (JSON
                                               string), remove_background_noise ("true"/"false")
  POST   /v1/text-to-speech/{voice_id}[/stream] JSON body; output_format, enable_logging, optimize_streaming_latency
                                               in the query; raw audio (espeak) in the requested format and rate
  GET    /v2/voices                            paginated (page_size, next_page_token), filters and sort
  GET    /v1/voices/{voice_id}, DELETE /v1/voices/{voice_id}
  GET    /v1/models
  POST   /v1/speech-to-text                    Scribe: multipart file + model_id (a deterministic transcript)
Faults (ops subscription, clone, speech, list, get, delete, models, transcribe): status kinds with an optional
body `code` (kind "401" code "quota_exceeded", kind "400" code "voice_limit_reached"), slow_first_byte,
cut_stream, hang, bad_json, html_200. The account itself is per key: set
state.scoped("elevenlabs_account", key) (tier, character_limit, voice_limit, can_use_instant_voice_cloning)
to reach quota_exceeded, voice_limit_reached and the plan gates for real.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import secrets
import string as strings
import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.datastructures import UploadFile

from playground import presets
from playground.audio import decode, sniff_format
from playground.errors import AudioInputError
from playground.sandbox import elevenlabs_voices as voices
from playground.sandbox import speech, voice_match
from playground.sandbox.control import SandboxState, body_fault_response, first_byte_delay, guarded, hang, paced, split
from playground.sandbox.elevenlabs_rules import (
    Invalid,
    bad,
    boolean,
    enum,
    error,
    fault_response,
    integer,
    invalid_field,
    labels,
    number,
    only_query,
    text,
)
from playground.sandbox.elevenlabs_voices import VoiceStore

PROVIDER = "elevenlabs"
PREFIX = "/elevenlabs"
TTS_FIELDS = {
    "text",
    "model_id",
    "language_code",
    "voice_settings",
    "pronunciation_dictionary_locators",
    "seed",
    "previous_text",
    "next_text",
    "previous_request_ids",
    "next_request_ids",
    "apply_text_normalization",
    "apply_language_text_normalization",
    "use_pvc_as_ivc",
}
TTS_QUERY = {"output_format", "enable_logging", "optimize_streaming_latency"}
CLONE_FIELDS = {"name", "files", "files[]", "description", "labels", "remove_background_noise"}
MEDIA = {
    "mp3": "audio/mpeg",
    "pcm": "audio/pcm",
    "wav": "audio/wav",
    "opus": "audio/ogg",
    "ulaw": "audio/basic",
    "alaw": "audio/x-alaw-basic",
}
STREAM_CHUNK = 1024  # the SDK reads 1024-byte chunks


def new_voice_id() -> str:
    return "".join(secrets.choice(strings.ascii_letters + strings.digits) for _ in range(20))


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()
    spec = presets.load(PROVIDER)
    models, tiers = spec["models"], spec["tiers"]
    sample_limits = spec["samples"]["clone"]

    def account(key: str) -> dict:
        acct = state.scoped("elevenlabs_account", key)
        with state.lock:
            for name, value in spec["sandbox_account"].items():
                acct.setdefault(name, value)
        return acct

    store = VoiceStore(state, spec)
    voices_of, known_voice = store.of, store.known

    async def guard(request: Request, op: str):
        key = request.headers.get("xi-api-key", "").strip()
        if not key:
            note = (
                " (the key goes in the xi-api-key header, not Authorization)"
                if "authorization" in request.headers
                else ""
            )
            return None, error(401, "invalid_api_key", f"Invalid API key: no xi-api-key header{note}"), None
        if not state.key_ok(key):
            return None, error(401, "invalid_api_key"), None
        fault = state.take_fault(PROVIDER, op)
        early = fault_response(fault) or body_fault_response(fault)
        if early is not None:
            return None, early, None
        if fault is not None and fault.kind == "hang":
            await hang(request)
            return None, error(500, "internal_server_error"), None
        await first_byte_delay(state, PROVIDER, fault)
        return key, None, fault

    route = guarded(guard, Invalid, lambda exc: exc.response)

    # -- account ---------------------------------------------------------------------------------------
    @api.get(f"{PREFIX}/v1/user/subscription")
    @route("subscription")
    async def subscription(request: Request, key: str, fault):
        acct = account(key)
        return {
            **acct,
            "voice_slots_used": len(voices_of(key)),
            "voice_add_edit_counter": acct.get("adds", 0),
            "status": "active",
            "currency": "usd",
            "next_character_count_reset_unix": int(time.time()) + 86400 * 30,
        }

    # -- clone -----------------------------------------------------------------------------------------
    @api.post(f"{PREFIX}/v1/voices/add")
    @route("clone")
    async def add_voice(request: Request, key: str, fault):
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise invalid_field(["body"], "Expected multipart/form-data", "model_attributes_type")
        form = await request.form()
        for name in form:
            if name not in CLONE_FIELDS:
                raise invalid_field(["body", name], "Extra inputs are not permitted", "extra_forbidden")
        voice_name = form.get("name")
        if not isinstance(voice_name, str) or not voice_name.strip():
            raise invalid_field(["body", "name"], "Field required", "missing")
        given = [*form.getlist("files"), *form.getlist("files[]")]
        if not given:
            raise invalid_field(["body", "files"], "Field required", "missing")
        parts: list[UploadFile] = []
        for i, part in enumerate(given):
            if isinstance(part, str):
                raise invalid_field(["body", "files", i], "Expected UploadFile, received: <class 'str'>")
            parts.append(part)
        if len(parts) > int(sample_limits["max_files"]):
            raise bad(
                400, "invalid_parameters", f"At most {sample_limits['max_files']} files per voice.", param="files"
            )
        seen, total_s = set(), 0.0
        for i, part in enumerate(parts):
            data = await part.read()
            total_s += check_sample(data, i)
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                raise bad(400, "invalid_parameters", "You cannot upload the same file twice.", param="files")
            seen.add(digest)
        remove_noise = boolean(form.get("remove_background_noise", "false"), ["body", "remove_background_noise"])
        # a file part named labels is a case the simulator does not model (json.loads raises TypeError)
        tags = labels(form["labels"]) if "labels" in form else {}  # type: ignore[arg-type]
        unknown = sorted(set(tags) - set(spec["clone"]["label_keys"]))
        if unknown:
            raise bad(400, "invalid_parameters", f"Unknown label key {unknown[0]!r}.", param="labels")
        description = form.get("description")
        acct = account(key)
        if not acct["can_use_instant_voice_cloning"]:  # status and code UNCONFIRMED (sandbox code)
            raise bad(
                403, "can_not_use_instant_voice_cloning", "Your subscription does not include Instant Voice Cloning."
            )
        mine = voices_of(key)
        with state.lock:
            if len(mine) >= int(acct["voice_limit"]):
                raise bad(400, "voice_limit_reached", used=len(mine), limit=int(acct["voice_limit"]))
            vid = new_voice_id()
            mine[vid] = {
                "voice_id": vid,
                "name": voice_name.strip(),
                "category": "cloned",
                "labels": tags,
                "description": description,
                "created_at_unix": int(time.time()),
                "is_owner": True,
                "samples": [{"file_name": p.filename, "duration_s": None} for p in parts],
                "remove_background_noise": remove_noise,
                "total_s": round(total_s, 2),
            }
            acct["adds"] = acct.get("adds", 0) + 1
        await asyncio.to_thread(voice_match.register, vid, data)  # the sandbox clone follows its (last) sample
        return {"voice_id": vid, "requires_verification": False}

    def check_sample(data: bytes, i: int) -> float:
        if not data:
            raise bad(400, "invalid_parameters", f"File {i} is empty.", param="files")
        if len(data) > int(sample_limits["max_bytes"]):
            raise bad(400, "invalid_parameters", f"File {i} is larger than 10 MB.", param="files")
        if sniff_format(data) not in sample_limits["formats"]:
            raise bad(
                400, "invalid_parameters", f"File {i} is not a supported audio file (mp3, wav, m4a).", param="files"
            )
        try:
            seg = decode(data)
        except AudioInputError:
            raise bad(400, "invalid_parameters", f"File {i} could not be decoded as audio.", param="files") from None
        return len(seg) / 1000.0

    # -- text to speech ------------------------------------------------------------------------------
    def check_tts(doc: dict, key: str, request: Request, streamed: bool) -> dict:
        extra = sorted(set(doc) - TTS_FIELDS)
        if extra:
            where = " (output_format is a query parameter)" if extra[0] == "output_format" else ""
            raise invalid_field(["body", extra[0]], f"Extra inputs are not permitted{where}", "extra_forbidden")
        only_query(request, TTS_QUERY)
        q = request.query_params
        formats = spec["output_formats"] + ([] if streamed else spec["non_stream_formats"])
        fmt = enum(q.get("output_format", spec["default_output_format"]), formats, ["query", "output_format"])
        logging_on = boolean(q.get("enable_logging", "true"), ["query", "enable_logging"])
        if "optimize_streaming_latency" in q:
            integer(q["optimize_streaming_latency"], ["query", "optimize_streaming_latency"], 0, 4)
        body_text = text(doc, "text", required=True)
        model = text(doc, "model_id") or spec["default_model"]
        if model not in models:
            raise bad(400, "invalid_parameters", f"Model {model} does not exist.", param="model_id")
        limit = int(models[model]["max_chars"])
        if len(body_text) > limit:
            raise bad(
                400,
                "max_character_limit_exceeded",
                f"Text is too long: {len(body_text)} characters; {model} takes at most {limit} per request.",
            )
        if not body_text.strip():
            raise bad(400, "invalid_parameters", "text must not be empty.", param="text")
        language = text(doc, "language_code")
        if language is not None and not models[model].get("language_code"):
            raise bad(
                400, "invalid_parameters", f"Model {model} does not support language_code.", param="language_code"
            )
        settings = doc.get("voice_settings") or {}
        if not isinstance(settings, dict):
            raise invalid_field(["body", "voice_settings"], "Input should be a valid dictionary", "dict_type")
        vs = spec["voice_settings"]
        for name in settings:
            if name not in vs:
                raise invalid_field(
                    ["body", "voice_settings", name], "Extra inputs are not permitted", "extra_forbidden"
                )
            if name == "use_speaker_boost":
                if not isinstance(settings[name], bool):
                    raise invalid_field(
                        ["body", "voice_settings", name], "Input should be a valid boolean", "bool_type"
                    )
            else:
                lo, hi = vs[name]["range"]
                number(settings, name, lo, hi, where="body.voice_settings")
        if "seed" in doc and doc["seed"] is not None:
            integer(doc["seed"] if not isinstance(doc["seed"], str) else None, ["body", "seed"], *spec["seed"])
        for name in ("previous_text", "next_text"):
            text(doc, name)
        for name in ("previous_request_ids", "next_request_ids", "pronunciation_dictionary_locators"):
            value = doc.get(name)
            if value is not None and (not isinstance(value, list) or len(value) > 3):
                raise invalid_field(["body", name], "List should have at most 3 items", "too_long")
        if doc.get("apply_text_normalization") is not None:
            enum(
                doc["apply_text_normalization"], spec["apply_text_normalization"], ["body", "apply_text_normalization"]
            )
        for name in ("apply_language_text_normalization", "use_pvc_as_ivc"):
            if doc.get(name) is not None and not isinstance(doc[name], bool):
                raise invalid_field(["body", name], "Input should be a valid boolean", "bool_type")
        known_voice(key, request.path_params["voice_id"])
        acct = account(key)
        gate = spec["plan_gates"].get(fmt)
        if gate and tiers.index(acct["tier"]) < tiers.index(gate):
            code = "only_for_creator+" if gate == "creator" else f"only_for_{gate}+"  # pro: sandbox code
            raise bad(403, code, f"output_format {fmt} needs the {gate} plan or above.")
        if not logging_on and acct["tier"] != "enterprise":  # sandbox code: the real one is UNCONFIRMED
            raise bad(403, "zero_retention_not_allowed", "enable_logging=false (zero retention) is enterprise only.")
        cost = math.ceil(len(body_text) * float(models[model]["credits_per_char"]))
        with state.lock:
            left = int(acct["character_limit"]) - int(acct["character_count"])
            if cost > left:
                raise bad(401, "quota_exceeded", limit=acct["character_limit"], left=max(0, left), cost=cost)
            acct["character_count"] = int(acct["character_count"]) + cost
        return {"text": body_text, "fmt": fmt, "speed": float(settings.get("speed", 1.0)), "cost": cost}

    async def tts(request: Request, key: str, fault, streamed: bool):
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise invalid_field(["body"], "Input should be a valid dictionary or object", "model_attributes_type")
        try:
            doc = json.loads(await request.body())
        except ValueError:
            raise invalid_field(["body"], "JSON decode error", "json_invalid") from None
        if not isinstance(doc, dict):
            raise invalid_field(["body"], "Input should be a valid dictionary or object", "model_attributes_type")
        req = check_tts(doc, key, request, streamed)
        codec, rate, *kbps = req["fmt"].split("_")
        audio = speech.render(
            req["text"],
            voice=request.path_params["voice_id"],
            fmt=codec,
            sample_rate=int(rate),
            speed=req["speed"],
            bitrate=f"{kbps[0]}k" if kbps and codec == "mp3" else None,
        )
        headers = {"character-cost": str(req["cost"]), "request-id": secrets.token_hex(16)}
        if streamed or (fault is not None and fault.kind == "cut_stream"):
            return StreamingResponse(
                paced(split(audio, STREAM_CHUNK), state, PROVIDER, fault), media_type=MEDIA[codec], headers=headers
            )
        return Response(audio, media_type=MEDIA[codec], headers=headers)

    @api.post(f"{PREFIX}/v1/text-to-speech/{{voice_id}}")
    @route("speech")
    async def text_to_speech(request: Request, key: str, fault):
        return await tts(request, key, fault, streamed=False)

    @api.post(f"{PREFIX}/v1/text-to-speech/{{voice_id}}/stream")
    @route("speech")
    async def text_to_speech_stream(request: Request, key: str, fault):
        return await tts(request, key, fault, streamed=True)

    voices.add_routes(api, route, store)  # list, get, delete, models, speech to text

    @api.api_route(f"{PREFIX}/{{rest:path}}", methods=["GET", "POST", "DELETE", "PUT", "PATCH"])
    async def not_found(rest: str):
        return JSONResponse({"detail": "Not Found"}, status_code=404)

    return api
