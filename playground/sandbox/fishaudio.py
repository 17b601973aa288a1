"""Fish Audio simulator (providers-more.md section 2), strict about the contract.

Routes under /fishaudio (the base URL, like https://api.fish.audio):
  POST   /model          multipart (or msgpack): type=tts, title, train_mode, voices x1-20 (wav/mp3/flac),
                         texts (same count), visibility (public needs cover_image; the spec default is public),
                         description, tags, enhance_audio_quality, generate_sample -> 201 ModelEntity (state created)
  GET    /model/{id}     created -> training -> trained over successive reads (the cookbook's polling)
  GET    /model          ?self (own models, else the public library) page_size 1-100, page_number >= 1, sort_by
  DELETE /model/{id}     own models only -> 200
  POST   /v1/tts         JSON or msgpack (references need msgpack: raw bytes); `model` header s1 / s2-pro /
                         s2.1-pro / s2.1-pro-free, missing or unknown -> billed as s2.1-pro (recorded in
                         the store as `fish_billed_models`); chunked raw audio in the requested format and rate
  POST   /v1/asr         multipart audio (<= 20 MB, 1 s - 60 min) + language + ignore_timestamps
Faults (ops clone, model, list, delete, speech, transcribe): status kinds with Fish's error body, bad_json,
html_200, slow_first_byte, hang, cut_stream; on op clone, "stuck_training" (the model never trains) and
"train_failed" (its state becomes failed).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from typing import Any, Literal, overload

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from playground import presets
from playground.audio import decode, sniff_format
from playground.errors import AudioInputError
from playground.providers.fishaudio_wire import unpack
from playground.sandbox import asr, speech, voice_match
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
from playground.sandbox.fishaudio_rules import (
    Invalid,
    check_tts,
    entity,
    error,
    fault_response,
    form_bool,
    now_iso,
)

PROVIDER = "fishaudio"
PREFIX = "/fishaudio"
MODELS = {"s1", "s2-pro", "s2.1-pro", "s2.1-pro-free", "speech-1.5", "speech-1.6"}
FALLBACK_MODEL = "s2.1-pro"
CLONE_FIELDS = {
    "type",
    "title",
    "train_mode",
    "voices",
    "texts",
    "visibility",
    "cover_image",
    "description",
    "tags",
    "enhance_audio_quality",
    "generate_sample",
}
VOICE_FORMATS = {"wav", "mp3", "flac"}
MAX_VOICES = 20
MAX_ASR_BYTES = 20 * 1024 * 1024
SORTS = {"score", "task_count", "created_at"}
MEDIA = {"mp3": "audio/mpeg", "wav": "audio/wav", "pcm": "audio/pcm", "opus": "audio/ogg"}


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()
    spec = presets.load(PROVIDER)
    text_limit = int(spec["limits"]["input_chars"][1])
    library = {
        vid: entity(vid, label.split(" (")[0], state="trained", visibility="public", author="fish-library")
        for vid, label in spec["system_voices"].items()
    }

    def models_of(key: str) -> dict:
        return state.scoped("fish_models", key)

    def billed_of(key: str) -> dict:
        return state.scoped("fish_billed_models", key)

    async def guard(request: Request, op: str):
        key = bearer(request)
        if not state.key_ok(key):
            return None, error(401), None
        fault = state.take_fault(PROVIDER, op)
        early = fault_response(fault) or body_fault_response(fault)
        if early is not None:
            return None, early, None
        if fault is not None and fault.kind == "hang":
            await hang(request)
            return None, error(504), None
        await first_byte_delay(state, PROVIDER, fault)
        return key, None, fault

    route = guarded(guard, Invalid, lambda exc: exc.response())

    # -- POST /model ---------------------------------------------------------------------------------
    async def clone_form(request: Request) -> tuple[dict[str, list[str]], list[bytes], bytes | None]:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            texts: dict[str, list[str]] = {}
            voices: list[bytes] = []
            cover = None
            for name, value in form.multi_items():
                if name not in CLONE_FIELDS:
                    raise Invalid("Extra inputs are not permitted", [name])
                if name == "voices":
                    if isinstance(value, str):
                        raise Invalid("Expected UploadFile, received: <class 'str'>", ["voices", len(voices)])
                    voices.append(await value.read())
                elif name == "cover_image":
                    cover = None if isinstance(value, str) else await value.read()
                elif not isinstance(value, str):
                    raise Invalid("Input should be a valid string", [name])
                else:
                    texts.setdefault(name, []).append(value)
            return texts, voices, cover
        if ctype.startswith("application/msgpack"):
            try:
                doc = unpack(await request.body())
            except Exception:
                raise Invalid("the body is not valid msgpack", []) from None
            if not isinstance(doc, dict) or set(doc) - CLONE_FIELDS:
                raise Invalid(
                    "Extra inputs are not permitted",
                    sorted(set(doc) - CLONE_FIELDS)[:1] if isinstance(doc, dict) else [],
                )
            voices = doc.pop("voices", []) or []
            if not all(isinstance(v, (bytes, bytearray)) for v in voices):
                raise Invalid("Input should be a valid bytes", ["voices"])
            cover = doc.pop("cover_image", None)
            texts = {
                k: [str(x) for x in v] if isinstance(v, list) else [str(v).lower() if isinstance(v, bool) else str(v)]
                for k, v in doc.items()
            }
            return texts, [bytes(v) for v in voices], cover
        raise Invalid("Content-Type must be multipart/form-data (or application/msgpack)", [], status=415)

    @overload
    def single(fields: dict[str, list[str]], name: str, *, required: Literal[True]) -> str: ...
    @overload
    def single(fields: dict[str, list[str]], name: str, *, required: bool = False) -> str | None: ...
    def single(fields: dict[str, list[str]], name: str, *, required: bool = False) -> str | None:
        values = fields.get(name) or []
        if len(values) > 1:
            raise Invalid("Input should be a single value", [name])
        if not values:
            if required:
                raise Invalid(
                    "Field required",
                    [name],
                )
            return None
        return values[0]

    @api.post(f"{PREFIX}/model")
    @route("clone")
    async def create_model(request: Request, key: str, fault: Fault | None):
        fields, voices, cover = await clone_form(request)
        kind = single(fields, "type", required=True)
        if kind != "tts":
            raise Invalid("Input should be 'tts'", ["type"])
        title = single(fields, "title", required=True)
        if not title.strip():
            raise Invalid("title must not be empty", ["title"])
        train_mode = single(fields, "train_mode", required=True)
        if train_mode not in ("fast", "full"):
            raise Invalid("Input should be 'fast' or 'full'", ["train_mode"])
        visibility = single(fields, "visibility") or "public"  # the OpenAPI default
        if visibility not in ("public", "unlist", "private"):
            raise Invalid("Input should be 'public', 'unlist' or 'private'", ["visibility"])
        if visibility == "public" and not cover:
            raise Invalid("cover_image is required when visibility is public", ["cover_image"])
        for name in ("enhance_audio_quality", "generate_sample"):
            form_bool(single(fields, name), name)
        if not voices:
            raise Invalid("Field required", ["voices"])
        if len(voices) > MAX_VOICES:
            raise Invalid(f"List should have at most {MAX_VOICES} items", ["voices"])
        for i, data in enumerate(voices):
            if sniff_format(data) not in VOICE_FORMATS:
                raise Invalid("voices must be wav, mp3 or flac audio", ["voices", i], status=400)
            try:
                decode(data)
            except AudioInputError:
                raise Invalid("the audio file cannot be decoded", ["voices", i], status=400) from None
        texts = fields.get("texts") or []
        if texts and len(texts) != len(voices):
            raise Invalid(f"texts has {len(texts)} items but voices has {len(voices)}", ["texts"])
        model_id = secrets.token_hex(16)
        model = entity(
            model_id,
            title,
            state="created",
            visibility=visibility,
            train_mode=train_mode,
            description=single(fields, "description") or "",
            tags=fields.get("tags") or [],
        )
        stuck = fault.kind if fault is not None and fault.kind in ("stuck_training", "train_failed") else None
        models_of(key)[model_id] = {"model": model, "reads": 0, "fault": stuck, "voice_seed": voices[0][:4096]}
        match = await asyncio.to_thread(voice_match.match, voices[0])  # the sandbox clone follows its first sample
        for billed in {*MODELS, FALLBACK_MODEL}:  # speech renders the voice as fish:<id>:<billed model>
            voice_match.remember(f"fish:{model_id}:{billed}", match)
        return Response(json.dumps(model), status_code=201, media_type="application/json")

    @api.get(f"{PREFIX}/model/{{model_id}}")
    @route("model")
    async def get_model(request: Request, key: str, fault: Fault | None):
        model_id = request.path_params["model_id"]
        if model_id in library:
            return library[model_id]
        entry = models_of(key).get(model_id)
        if entry is None:
            return error(404, f"Model {model_id} not found")
        entry["reads"] += 1
        model = entry["model"]
        if entry["fault"] == "train_failed":
            model["state"] = "failed"
        elif entry["fault"] == "stuck_training" or entry["reads"] == 1:
            model["state"] = "training"
        else:
            model["state"] = "trained"
        model["updated_at"] = now_iso()
        return model

    @api.get(f"{PREFIX}/model")
    @route("list")
    async def list_models(request: Request, key: str, fault: Fault | None):
        q = request.query_params
        allowed = {
            "page_size",
            "page_number",
            "title",
            "tag",
            "author_id",
            "language",
            "title_language",
            "self",
            "sort_by",
        }
        extra = sorted(set(q.keys()) - allowed)
        if extra:
            raise Invalid("Extra inputs are not permitted", [extra[0]])
        page_size, page_number = _int(q, "page_size", 10, 1, 100), _int(q, "page_number", 1, 1, None)
        own = form_bool(q.get("self"), "self") or False
        sort_by = q.get("sort_by", "score")
        if sort_by not in SORTS:
            raise Invalid("Input should be 'score', 'task_count' or 'created_at'", ["sort_by"])
        items = [e["model"] for e in models_of(key).values()] if own else list(library.values())
        if q.get("title"):
            items = [m for m in items if q["title"].lower() in m["title"].lower()]
        if sort_by == "created_at":
            items = sorted(items, key=lambda m: m["created_at"], reverse=True)
        start = (page_number - 1) * page_size
        page = items[start : start + page_size]
        return {
            "total": len(items),
            "items": page,
            "has_more": start + page_size < len(items),
            "window_limited": False,
            "total_is_exact": True,
        }

    @api.delete(f"{PREFIX}/model/{{model_id}}")
    @route("delete")
    async def delete_model(request: Request, key: str, fault: Fault | None):
        model_id = request.path_params["model_id"]
        if model_id in library:
            return error(403, "You can only delete your own models")
        if models_of(key).pop(model_id, None) is None:
            return error(404, f"Model {model_id} not found")
        return Response(status_code=200)

    # -- POST /v1/tts ----------------------------------------------------------------------------------
    async def tts_body(request: Request) -> tuple[Any, bool]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        if ctype == "application/json":
            try:
                return json.loads(raw), True
            except ValueError:
                raise Invalid("JSON decode error", []) from None
        if ctype == "application/msgpack":
            try:
                return unpack(raw), False
            except Exception:
                raise Invalid("the body is not valid msgpack", []) from None
        raise Invalid("Content-Type must be application/json or application/msgpack", [], status=415)

    def voice_of(key: str, ref: Any, model: str) -> str:
        refs = ref if isinstance(ref, list) else [ref]
        if isinstance(ref, list) and model == "s1":
            raise Invalid("multi-speaker reference_id needs an S2-family model", ["reference_id"])
        for r in refs:
            if r in library:
                continue
            entry = models_of(key).get(r)
            if entry is None:
                raise Invalid(f"Reference model {r} not found", status=400)
            if entry["model"]["state"] != "trained":
                raise Invalid(f"Model {r} is not trained yet (state {entry['model']['state']})", status=400)
        return f"fish:{refs[0]}"

    @api.post(f"{PREFIX}/v1/tts")
    @route("speech")
    async def tts(request: Request, key: str, fault: Fault | None):
        doc, from_json = await tts_body(request)
        req = check_tts(doc, from_json=from_json, text_limit=text_limit)
        model = request.headers.get("model")
        billed = model if model in MODELS else FALLBACK_MODEL
        billed_counts = billed_of(key)
        with state.lock:
            billed_counts[billed] = billed_counts.get(billed, 0) + 1
        if req["reference_id"]:
            voice = voice_of(key, req["reference_id"], billed)
        elif req["references"]:
            first = req["references"][0]
            first = first[0] if isinstance(first, list) else first
            try:
                decode(bytes(first["audio"]))
            except AudioInputError:
                raise Invalid("reference audio cannot be decoded", ["references", 0, "audio"], status=400) from None
            voice = "fish-ref:" + hashlib.sha256(bytes(first["audio"])).hexdigest()[:16]
        else:
            voice = "fish-default"
        audio = speech.render(
            req["text"],
            voice=f"{voice}:{billed}",
            fmt=req["format"],
            sample_rate=req["sample_rate"],
            speed=req["speed"],
            gain_db=req["volume"],
            bitrate=req["mp3_bitrate"] * 1000 if req["format"] == "mp3" else None,
        )
        return StreamingResponse(paced(split(audio), state, PROVIDER, fault), media_type=MEDIA[req["format"]])

    # -- POST /v1/asr ------------------------------------------------------------------------------------
    @api.post(f"{PREFIX}/v1/asr")
    @route("transcribe")
    async def transcribe(request: Request, key: str, fault: Fault | None):
        try:
            got = await asr.read_form(
                request,
                {"language", "ignore_timestamps"},
                max_bytes=MAX_ASR_BYTES,
                max_duration_s=3600.0,
                formats=None,
                file_field="audio",
            )
        except asr.AsrInvalid as exc:
            raise Invalid(exc.message, [exc.param or "audio"]) from None
        if got.duration_s < 1.0:
            raise Invalid(f"audio is {got.duration_s:.2f} s; at least 1 s is needed", status=400)
        ignore = form_bool(got.fields.get("ignore_timestamps"), "ignore_timestamps")
        text = asr.transcript_for(got.audio)
        segments = [] if ignore in (None, True) else [{"text": text, "start": 0.0, "end": round(got.duration_s, 3)}]
        return {
            "text": text,
            "duration": round(got.duration_s, 3),
            "segments": segments,
            "language": got.fields.get("language") or "en",
        }

    @api.api_route(f"{PREFIX}/{{rest:path}}", methods=["GET", "POST", "DELETE", "PUT", "PATCH"])
    async def not_found(rest: str):
        return error(404, f"Not Found: /{rest}")

    return api


def _int(q, name: str, default: int, lo: int, hi: int | None) -> int:
    raw = q.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Invalid("Input should be a valid integer", [name]) from None
    if value < lo or (hi is not None and value > hi):
        raise Invalid(f"Input should be between {lo} and {hi}" if hi else f"Input should be >= {lo}", [name])
    return value
