"""Zhipu BigModel simulator (seed 004, providers.md section 2), strict about the contract.

Routes under /zhipu/api (the base URL, like https://open.bigmodel.cn/api):
  POST /paas/v4/files                 multipart file + purpose; voice-clone-input: mp3/wav, <= 10 MB
  GET  /paas/v4/files/{id}/content    batch files only: voice-clone-output (previews) are refused
  POST /paas/v4/voice/clone           seed 004; glm-tts-clone or cogtts-clone; unique voice_name and request_id
  POST /paas/v4/audio/speech          glm-tts / cogtts; raw wav or pcm, or SSE (pcm only) in base64/hex chunks
  GET  /paas/v4/voice/list            ?voiceName (fuzzy) &voiceType (PRIVATE|OFFICIAL)
  POST /paas/v4/voice/delete          {voice, request_id?}
  POST /paas/v4/audio/transcriptions  glm-asr-2512 (the clinic): multipart file (wav/mp3, <= 30 s, 25 MB) + model;
                                      a deterministic transcript from the audio (sandbox/asr.py)
and /zhipu/cdn/voice-preview/...: the voice list's download_url (no key: the link itself is the secret).
Faults (ops upload, content, clone, speech, list, delete, preview): "429"/"500"/"503"/"504" with an
optional business `code` (e.g. kind "429", code 1113), error_200, slow_first_byte, cut_stream, hang.
Text containing "unsafe-content" or "违禁内容" is answered with 1301.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import secrets
import struct
import time
from functools import lru_cache
from itertools import count

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from playground import presets
from playground.audio import decode, sniff_format, wrap_pcm
from playground.errors import AudioInputError
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
from playground.sandbox.zhipu_rules import (
    Invalid,
    boolean,
    check_safe,
    error,
    fault_response,
    number,
    one_of,
    only_fields,
    string,
)

PROVIDER = "zhipu"
PREFIX = "/zhipu/api"
CDN = "/zhipu/cdn/voice-preview"
RATE = 24000
MAX_CLONE_BYTES = 10 * 1024 * 1024
SPEECH_FIELDS = {
    "model",
    "input",
    "voice",
    "response_format",
    "stream",
    "encode_format",
    "speed",
    "volume",
    "watermark_enabled",
}
CLONE_FIELDS = {"model", "voice_name", "text", "input", "file_id", "request_id"}
CHUNK_BYTES = 4800  # 0.1 s of 24 kHz 16-bit mono per SSE event
ASR_MODELS = {"glm-asr-2512"}
ASR_FIELDS = {"model", "prompt", "hotwords", "stream", "request_id", "user_id"}


def new_id() -> str:
    return secrets.token_hex(16)


@lru_cache(maxsize=1)
def watermark_beep(seconds: float = 0.2, freq: float = 1000.0) -> bytes:
    """The audible watermark at the start of the audio (on unless watermark_enabled is false)."""
    n = int(seconds * RATE)
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * i / RATE))) for i in range(n))


def now_text() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()
    spec = presets.load(PROVIDER)
    system = list(spec["system_voices"])
    speech_models = spec["speech_models"]
    serial = count(1)

    def files_of(key: str) -> dict:
        return state.scoped("zhipu_files", key)

    def voices_of(key: str) -> dict:
        return state.scoped("zhipu_voices", key)

    def used_request_id(key: str, request_id: str | None) -> None:
        if request_id is None:
            return
        seen = state.scoped("zhipu_request_ids", key)
        with state.lock:
            if request_id in seen:
                raise Invalid("1231")
            seen[request_id] = True

    cdn_links = state.scoped("zhipu_cdn", "*")  # token -> (key, preview file id)

    async def guard(request: Request, op: str):
        if not request.headers.get("authorization"):
            return None, error("1001"), None
        key = bearer(request)
        if not state.key_ok(key):
            return None, error("1002"), None
        fault = state.take_fault(PROVIDER, op)
        early = fault_response(fault) or body_fault_response(fault)
        if early is not None:
            return None, early, None
        if fault is not None and fault.kind == "hang":
            await hang(request)
            return None, error("500"), None
        await first_byte_delay(state, PROVIDER, fault)
        return key, None, fault

    route = guarded(guard, Invalid, lambda exc: exc.response())

    async def json_body(request: Request, allowed: set[str]) -> dict:
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise Invalid("1210", "Content-Type 必须是 application/json")
        try:
            doc = json.loads(await request.body())
        except ValueError:
            raise Invalid("1210", "请求体不是合法的 JSON (the body is not valid JSON)") from None
        return only_fields(doc, allowed)

    def download_url(request: Request, token: str) -> str:
        return f"{str(request.base_url).rstrip('/')}{CDN}/{token}.wav"

    # -- files -----------------------------------------------------------------------------
    @api.post(f"{PREFIX}/paas/v4/files")
    @route("upload")
    async def upload_file(request: Request, key: str, fault: Fault | None):
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            raise Invalid("1210", "Content-Type 必须是 multipart/form-data")
        form = await request.form()
        upload, purpose = form.get("file"), form.get("purpose")
        if upload is None or isinstance(upload, str):
            raise Invalid("1213", "未正常接收到file字段 (missing multipart file part 'file')")
        if purpose is None:
            raise Invalid("1213", "未正常接收到purpose字段 (missing field purpose)")
        one_of({"purpose": purpose}, "purpose", spec["upload_purposes"], None)
        data = await upload.read()
        if not data:
            raise Invalid("1214", "文件为空 (the file is empty)")
        if purpose == "voice-clone-input":
            await asyncio.to_thread(check_clone_sample, data)
        file_id = f"file_{secrets.token_hex(12)}"
        meta = {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": upload.filename or "file",
            "purpose": purpose,
        }
        files_of(key)[file_id] = {**meta, "data": data}
        return meta

    def check_clone_sample(data: bytes) -> None:
        if len(data) > MAX_CLONE_BYTES:
            raise Invalid("1214", "音色复刻示例音频不能超过 10MB (the sample must be at most 10 MB)")
        if sniff_format(data) not in ("mp3", "wav"):
            raise Invalid("1214", "voice-clone-input 仅支持 mp3、wav 格式 (mp3 or wav only)")
        try:
            decode(data)
        except AudioInputError:
            raise Invalid("1214", "音频文件无法解析 (the audio cannot be decoded)") from None

    @api.get(f"{PREFIX}/paas/v4/files/{{file_id}}/content")
    @route("content")
    async def file_content(request: Request, key: str, fault: Fault | None):
        file_id = request.path_params["file_id"]
        entry = files_of(key).get(file_id)
        if entry is None:
            return error("1214", f"文件不存在 (no file {file_id})")
        if entry["purpose"] != "batch":
            return error(
                "1214",
                f"仅支持获取 batch 用途文件的内容，该文件用途为 {entry['purpose']} "
                "(only batch files can be downloaded here)",
            )
        return Response(entry["data"], media_type="application/octet-stream")

    # -- clone (seed 004) -------------------------------------------------------------------------
    @api.post(f"{PREFIX}/paas/v4/voice/clone")
    @route("clone")
    async def clone(request: Request, key: str, fault: Fault | None):
        doc = await json_body(request, CLONE_FIELDS)
        fields = {name: string(doc, name, required=True) for name in ("model", "voice_name", "input", "file_id")}
        text = string(doc, "text", required=False)
        request_id = string(doc, "request_id", required=False)
        if fields["model"] not in spec["clone_models"]:
            raise Invalid("1211")
        sample = files_of(key).get(fields["file_id"])
        if sample is None or sample["purpose"] != "voice-clone-input":
            raise Invalid("1214", "file_id 不存在或用途不是 voice-clone-input (unknown sample file_id)")
        if any(v["voice_name"] == fields["voice_name"] for v in voices_of(key).values()):
            raise Invalid("1214", "voice_name 已存在，请指定唯一的音色名称 (the voice name is taken)")
        check_safe(fields["input"], text)
        used_request_id(key, request_id)
        voice = f"voice_clone_{time.strftime('%Y%m%d_%H%M%S')}_{next(serial):03d}"
        await asyncio.to_thread(voice_match.register, voice, sample["data"])  # the sandbox clone follows its sample
        audio = await speech.arender(fields["input"], voice=voice, fmt="wav", sample_rate=RATE)
        preview_id, token = f"file_{secrets.token_hex(12)}", secrets.token_urlsafe(18)
        files_of(key)[preview_id] = {
            "id": preview_id,
            "object": "file",
            "bytes": len(audio),
            "data": audio,
            "created_at": int(time.time()),
            "filename": f"{voice}.wav",
            "purpose": "voice-clone-output",
        }
        cdn_links[token] = (key, preview_id)
        voices_of(key)[voice] = {
            "voice": voice,
            "voice_name": fields["voice_name"],
            "voice_type": "PRIVATE",
            "token": token,
            "create_time": now_text(),
            "model": fields["model"],
        }
        return {
            "voice": voice,
            "file_id": preview_id,
            "file_purpose": "voice-clone-output",
            "request_id": request_id or f"req_{secrets.token_hex(10)}",
        }

    # -- speech ---------------------------------------------------------------------------------------
    def check_speech(doc: dict, key: str) -> dict:
        model = string(doc, "model", required=True)
        text = string(doc, "input", required=True)
        voice = string(doc, "voice", required=True)
        if model not in speech_models:
            raise Invalid("1211")
        if len(text) > spec["limits"]["input_chars"][1]:
            raise Invalid("1261", f"input 超过 1024 字符上限 ({len(text)} characters; at most 1024)")
        allowed = system + speech_models[model]["legacy_voices"]
        if voice not in allowed and voice not in voices_of(key):
            raise Invalid("1214", f"voice 不存在: {voice} (unknown voice for {model})")
        out = {
            "model": model,
            "input": text,
            "voice": voice,
            "response_format": one_of(doc, "response_format", spec["formats"], "pcm"),
            "stream": boolean(doc, "stream", False),
            "encode_format": one_of(doc, "encode_format", spec["encode_formats"], "base64"),
            "speed": number(doc, "speed", 1.0, 0.5, 2.0),
            "volume": number(doc, "volume", 1.0, 0.0, 10.0, lo_open=True),
            "watermark_enabled": boolean(doc, "watermark_enabled", True),
        }
        if out["stream"] and out["response_format"] != "pcm":
            raise Invalid("1215", "流式输出仅支持 pcm 格式 (streaming supports response_format pcm only)")
        check_safe(text)
        return out

    @api.post(f"{PREFIX}/paas/v4/audio/speech")
    @route("speech")
    async def create_speech(request: Request, key: str, fault: Fault | None):
        req = check_speech(await json_body(request, SPEECH_FIELDS), key)
        pcm = await speech.arender(
            req["input"],
            voice=req["voice"],
            fmt="pcm",
            sample_rate=RATE,
            speed=req["speed"],
            gain_db=20 * math.log10(req["volume"]),
        )
        if req["watermark_enabled"]:
            pcm = watermark_beep() + pcm
        if req["stream"]:
            events = sse_events(pcm, req["model"], req["encode_format"])
            return StreamingResponse(
                paced(events, state, PROVIDER, fault),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache"},
            )
        body, media = (wrap_pcm(pcm, RATE), "audio/wav") if req["response_format"] == "wav" else (pcm, "audio/pcm")
        if fault is not None and fault.kind == "cut_stream":
            return StreamingResponse(
                paced(split(body), state, PROVIDER, fault), media_type=media, headers={"Content-Length": str(len(body))}
            )
        return Response(body, media_type=media)

    # -- voices -----------------------------------------------------------------------------------
    @api.get(f"{PREFIX}/paas/v4/voice/list")
    @route("list")
    async def list_voices(request: Request, key: str, fault: Fault | None):
        voice_name, voice_type = request.query_params.get("voiceName"), request.query_params.get("voiceType")
        if voice_type is not None and voice_type not in spec["voice_types"]:
            return error("1214", "voiceType 取值非法，可选: PRIVATE, OFFICIAL")
        items = []
        if voice_type in (None, "OFFICIAL"):
            items += [
                {
                    "voice": v,
                    "voice_name": spec["system_voices"][v],
                    "voice_type": "OFFICIAL",
                    "download_url": download_url(request, f"official-{v}"),
                    "create_time": "2025-01-01 00:00:00",
                }
                for v in system
            ]
        if voice_type in (None, "PRIVATE"):
            items += [
                {
                    "voice": v["voice"],
                    "voice_name": v["voice_name"],
                    "voice_type": "PRIVATE",
                    "download_url": download_url(request, v["token"]),
                    "create_time": v["create_time"],
                }
                for v in list(voices_of(key).values())
            ]
        if voice_name:
            items = [i for i in items if voice_name.lower() in i["voice_name"].lower()]
        return {"voice_list": items}

    @api.post(f"{PREFIX}/paas/v4/voice/delete")
    @route("delete")
    async def delete_voice(request: Request, key: str, fault: Fault | None):
        doc = await json_body(request, {"voice", "request_id"})
        voice = string(doc, "voice", required=True)
        request_id = string(doc, "request_id", required=False)
        if voice in spec["system_voices"]:
            raise Invalid("1214", "官方音色不可删除 (official voices cannot be deleted)")
        if voice not in voices_of(key):
            raise Invalid("1214", f"voice 不存在: {voice}")
        used_request_id(key, request_id)
        entry = voices_of(key).pop(voice)
        _, preview_id = cdn_links.pop(entry["token"], (None, None))
        files_of(key).pop(preview_id, None)
        return {"voice": voice, "request_id": request_id or f"req_{secrets.token_hex(10)}"}

    # -- the download_url host (like a CDN: the unguessable link is the permission) ---------------
    @api.get(f"{CDN}/{{token}}.wav")
    async def preview(token: str, request: Request):
        fault = state.take_fault(PROVIDER, "preview")
        early = fault_response(fault)
        if early is not None:
            return early
        await first_byte_delay(state, PROVIDER, fault)
        if token.startswith("official-") and token[9:] in spec["system_voices"]:
            voice = token[9:]
            return Response(
                await speech.arender(f"你好，我是{voice}。", voice=voice, fmt="wav", sample_rate=RATE),
                media_type="audio/wav",
            )
        key, file_id = cdn_links.get(token, (None, None))
        entry = files_of(key).get(file_id) if key else None
        if entry is None:
            return Response("<Error><Code>AccessDenied</Code></Error>", status_code=403, media_type="application/xml")
        return Response(entry["data"], media_type="audio/wav")

    @api.post(f"{PREFIX}/paas/v4/audio/transcriptions")  # glm-asr-2512 (presets/zhipu.json clinic.asr)
    @route("transcribe")
    async def create_transcription(request: Request, key: str, fault: Fault | None):
        try:
            got = await asr.read_form(
                request, ASR_FIELDS, max_bytes=25 * 1024 * 1024, max_duration_s=30.0, formats={"wav", "mp3"}
            )
        except asr.AsrInvalid as exc:
            raise Invalid("1214", exc.message) from None
        if "model" not in got.fields:
            raise Invalid("1213", "未正常接收到model字段 (missing field model)")
        if got.fields["model"] not in ASR_MODELS:
            raise Invalid("1211")
        if got.fields.get("stream", "false") not in ("false", "False"):
            raise Invalid("1214", "stream 仅支持 false (the simulator answers synchronously only)")
        used_request_id(key, got.fields.get("request_id"))
        request_id = got.fields.get("request_id") or new_id()
        return {
            "id": new_id(),
            "created": int(time.time()),
            "request_id": request_id,
            "model": got.fields["model"],
            "text": await asyncio.to_thread(asr.transcript_for, got.audio),
        }

    @api.api_route(f"{PREFIX}/{{rest:path}}", methods=["GET", "POST", "DELETE", "PUT"])
    async def not_found(rest: str):
        return JSONResponse({"error": {"code": "404", "message": f"Not Found: /{rest}"}}, status_code=404)

    return api


def sse_events(pcm: bytes, model: str, encode_format: str) -> list[bytes]:
    """OpenAI chat-chunk style SSE (providers.md 2.4): delta.content carries base64 or hex PCM."""
    stamp, ident = int(time.time()), f"chatcmpl-{secrets.token_hex(8)}"

    def event(content: str, finish: str | None) -> bytes:
        doc = {
            "id": ident,
            "created": stamp,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish,
                    "delta": {"role": "assistant", "content": content, "return_sample_rate": RATE},
                }
            ],
        }
        return f"data: {json.dumps(doc)}\n\n".encode()

    encode = (lambda b: b.hex()) if encode_format == "hex" else (lambda b: base64.b64encode(b).decode())
    events = [event(encode(pcm[i : i + CHUNK_BYTES]), None) for i in range(0, len(pcm), CHUNK_BYTES)]
    return [*events, event("", "stop"), b"data: [DONE]\n\n"]
