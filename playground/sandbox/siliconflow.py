"""SiliconFlow simulator (seeds 000/001, providers.md section 3), strict about the contract."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from playground import presets
from playground.audio import decode, parse_data_uri
from playground.errors import AudioInputError
from playground.sandbox import asr, speech, voice_match
from playground.sandbox.control import (
    Fault,
    SandboxState,
    bearer,
    body_fault_response,
    first_byte_delay,
    guarded,
    paced,
    split,
    status_fault_response,
)

PROVIDER = "siliconflow"
DATA_URI = re.compile(r"^data:audio\/\w+;base64,[A-Za-z0-9+/=]+$")
COMMON_FIELDS = {"model", "input", "voice", "response_format", "sample_rate", "stream", "speed", "gain"}
MODEL_FIELDS = {
    "fishaudio/fish-speech-1.5": COMMON_FIELDS,
    "fishaudio/fish-speech-1.4": COMMON_FIELDS,
    "FunAudioLLM/CosyVoice2-0.5B": COMMON_FIELDS | {"references"},
    "IndexTeam/IndexTTS-2": COMMON_FIELDS | {"references"},
    "fnlp/MOSS-TTSD-v0.5": COMMON_FIELDS | {"references", "max_tokens"},
}
MAX_REFERENCES = {"FunAudioLLM/CosyVoice2-0.5B": 1, "IndexTeam/IndexTTS-2": 1, "fnlp/MOSS-TTSD-v0.5": 2}
UPLOAD_MODELS = {"FunAudioLLM/CosyVoice2-0.5B", "IndexTeam/IndexTTS-2", "fnlp/MOSS-TTSD-v0.5"}
SAMPLE_RATES = {
    "mp3": {32000, 44100},
    "opus": {48000},
    "wav": {8000, 16000, 24000, 32000, 44100},
    "pcm": {8000, 16000, 24000, 32000, 44100},
}
MAX_REFERENCE_S = 30.0
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ASR_MODELS = {"FunAudioLLM/SenseVoiceSmall", "TeleAI/TeleSpeechASR"}


def error(status: int, message: str, code: Any = None) -> Response:
    """SiliconFlow's own error shapes (seed 000 components)."""
    if status == 400:
        return JSONResponse({"code": code or 20012, "message": message, "data": ""}, status_code=400)
    if status == 429:
        return JSONResponse({"message": message, "data": ""}, status_code=429)
    if status == 503:
        return JSONResponse({"code": 50505, "message": message, "data": ""}, status_code=503)
    plain = {401: "Invalid token", 403: "Forbidden", 404: "404 page not found", 504: "Gateway Timeout"}
    return JSONResponse(plain.get(status, message), status_code=status)


class Invalid(Exception):
    def __init__(self, message: str, code: int = 20012) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def _check_audio_bytes(data: bytes, what: str) -> float:
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid(f"{what} is larger than 20MB")
    try:
        seg = decode(data)
    except AudioInputError:
        raise Invalid(f"{what} is not a valid audio file") from None
    duration = len(seg) / 1000.0
    if duration > MAX_REFERENCE_S:
        raise Invalid(f"{what} is too long: {duration:.1f}s, the reference audio must be shorter than 30s")
    if duration < 0.2:
        raise Invalid(f"{what} is too short")
    return duration


def _number(doc: dict, name: str, lo: float, hi: float) -> None:
    if name in doc:
        value = doc[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"{name} must be a number")
        if not lo <= value <= hi:
            raise Invalid(f"{name} must be between {lo:g} and {hi:g}")


def router(state: SandboxState) -> APIRouter:
    api = APIRouter(prefix="/siliconflow/v1")
    system_names = presets.load(PROVIDER)["system_voice_names"]

    def voices_of(key: str) -> dict[str, dict]:
        return state.scoped("siliconflow_voices", key)

    async def guard(request: Request, op: str) -> tuple[str | None, Response | None, Any]:
        key = bearer(request)
        if not state.key_ok(key):
            return None, error(401, "Invalid token"), None
        fault = state.take_fault(PROVIDER, op)
        early = status_fault_response(fault, error) or body_fault_response(fault)
        if early is not None:
            return None, early, None
        await first_byte_delay(state, PROVIDER, fault)
        return key, None, fault

    route = guarded(guard, (Invalid, asr.AsrInvalid), lambda exc: error(400, exc.message, getattr(exc, "code", None)))

    @api.post("/uploads/audio/voice")
    @route("upload")
    async def upload_voice(request: Request, key: str, fault: Fault | None):
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            fields = {k: form.get(k) for k in ("model", "customName", "text")}
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise Invalid("file is required (multipart part 'file' with the audio)")
            audio = await upload.read()
        elif ctype.startswith("application/json"):
            try:
                doc = json.loads(await request.body())
            except ValueError:
                raise Invalid("request body is not valid JSON") from None
            fields = {k: doc.get(k) for k in ("model", "customName", "text")}
            uri = doc.get("audio")
            if not isinstance(uri, str) or not DATA_URI.match(uri):
                raise Invalid("audio must be a base64 data URI like data:audio/mpeg;base64,...")
            audio = parse_data_uri(uri)[1]
        else:
            raise Invalid("Content-Type must be multipart/form-data or application/json")
        for name in ("model", "customName", "text"):
            value = fields[name]
            if not isinstance(value, str) or not value.strip():
                raise Invalid(f"{name} is required")
        if fields["model"] not in UPLOAD_MODELS:
            raise Invalid("Model does not exist. Please check it carefully.")
        await asyncio.to_thread(_check_audio_bytes, audio, "audio")
        uri = f"speech:{fields['customName']}:sandbox:{secrets.token_hex(8)}"
        await asyncio.to_thread(voice_match.register, uri, audio)  # the sandbox clone follows its sample
        voices_of(key)[uri] = {
            "model": fields["model"],
            "customName": fields["customName"],
            "text": fields["text"],
            "uri": uri,
        }
        return {"uri": uri}

    @api.get("/audio/voice/list")
    @route("list")
    async def list_voices(request: Request, key: str, fault: Fault | None):
        return {"results": list(voices_of(key).values())}

    @api.post("/audio/voice/deletions")
    @route("delete")
    async def delete_voice(request: Request, key: str, fault: Fault | None):
        try:
            doc = json.loads(await request.body())
        except ValueError:
            return error(400, "request body is not valid JSON")
        uri = doc.get("uri") if isinstance(doc, dict) else None
        if not isinstance(uri, str) or not uri:
            return error(400, "uri is required")
        if voices_of(key).pop(uri, None) is None:
            return error(400, f"voice {uri} does not exist", 20015)
        return Response("success", media_type="text/plain")

    def check_speech(doc: Any, key: str) -> dict:
        if not isinstance(doc, dict):
            raise Invalid("request body must be a JSON object")
        model = doc.get("model")
        if model not in MODEL_FIELDS:
            raise Invalid("Model does not exist. Please check it carefully.")
        extra = set(doc) - MODEL_FIELDS[model]
        if extra:
            raise Invalid(f"unknown field(s) for {model}: {', '.join(sorted(extra))}")
        text = doc.get("input")
        if not isinstance(text, str) or not 1 <= len(text) <= 128000:
            raise Invalid("input must be a string of 1 to 128000 characters")
        fmt = doc.get("response_format", "mp3")
        if fmt not in SAMPLE_RATES:
            raise Invalid("response_format must be one of mp3, opus, wav, pcm")
        rate = doc.get("sample_rate", 48000 if fmt == "opus" else 44100)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or int(rate) != rate:
            raise Invalid("sample_rate must be a number")
        if int(rate) not in SAMPLE_RATES[fmt]:
            raise Invalid(f"sample_rate {rate:g} is not supported for {fmt}: use one of {sorted(SAMPLE_RATES[fmt])}")
        if "stream" in doc and not isinstance(doc["stream"], bool):
            raise Invalid("stream must be a boolean")
        _number(doc, "speed", 0.25, 4.0)
        _number(doc, "gain", -10.0, 10.0)
        tokens = doc.get("max_tokens")
        if "max_tokens" in doc and (
            not isinstance(tokens, int) or isinstance(tokens, bool) or not 1 <= tokens <= 32000
        ):
            raise Invalid("max_tokens must be an integer from 1 to 32000")
        voice, refs = doc.get("voice"), doc.get("references")
        if voice is not None and refs is not None:
            raise Invalid("The voice field and references field are mutually exclusive.")
        if voice is not None:
            if not isinstance(voice, str):
                raise Invalid("voice must be a string")
            if voice.startswith("speech:"):
                if model.startswith("fishaudio/"):
                    raise Invalid(f"voice must be one of the {model} system voices")
                entry = voices_of(key).get(voice)
                if entry is None:
                    raise Invalid(f"voice {voice} does not exist", 20015)
                if entry["model"] != model:
                    raise Invalid(f"voice {voice} was uploaded for {entry['model']}, not {model}")
            elif voice not in {f"{model}:{n}" for n in system_names}:
                raise Invalid(f"voice must be a system voice of {model} (e.g. {model}:alex) or an uploaded voice uri")
        elif refs is not None:
            if not isinstance(refs, list) or not refs:
                raise Invalid("references must be a non-empty array")
            if len(refs) > MAX_REFERENCES.get(model, 0):
                raise Invalid(f"{model} accepts at most {MAX_REFERENCES.get(model, 0)} reference(s)")
            for i, ref in enumerate(refs):
                if not isinstance(ref, dict) or not isinstance(ref.get("audio"), str):
                    raise Invalid(f"references[{i}].audio is required")
                audio = ref["audio"]
                if audio.startswith("data:"):
                    if not DATA_URI.match(audio):
                        raise Invalid(f"references[{i}].audio must match ^data:audio\\/\\w+;base64,[A-Za-z0-9+/=]+$")
                    _check_audio_bytes(parse_data_uri(audio)[1], f"references[{i}].audio")
                elif not audio.startswith(("http://", "https://")):
                    raise Invalid(f"references[{i}].audio must be a URL or a base64 data URI")
                if "text" in ref and not isinstance(ref["text"], str):
                    raise Invalid(f"references[{i}].text must be a string")
        elif model.startswith("fishaudio/"):
            raise Invalid("voice is required")
        return doc

    @api.post("/audio/speech")
    @route("speech")
    async def create_speech(request: Request, key: str, fault: Fault | None):
        try:
            doc = json.loads(await request.body())
        except ValueError:
            raise Invalid("request body is not valid JSON") from None
        doc = await asyncio.to_thread(check_speech, doc, key)  # reference clips are decoded here
        if fault is not None and fault.kind == "error_200":  # a gateway answering an error with HTTP 200
            return JSONResponse({"code": 50505, "message": "Model service overloaded.", "data": ""}, status_code=200)
        fmt = doc.get("response_format", "mp3")
        rate = int(doc.get("sample_rate", 48000 if fmt == "opus" else 44100))
        voice = doc.get("voice") or (doc["references"][0]["audio"][-64:] if doc.get("references") else None)
        ref = (doc.get("references") or [{}])[0].get("audio", "")
        if not doc.get("voice") and ref.startswith("data:") and voice is not None and voice_match.lookup(voice) is None:
            await asyncio.to_thread(voice_match.register, voice, parse_data_uri(ref)[1])  # zero-shot: followed too
        audio = await speech.arender(
            doc["input"],
            voice=voice,
            fmt=fmt,
            sample_rate=rate,
            speed=float(doc.get("speed", 1.0)),
            gain_db=float(doc.get("gain", 0.0)),
        )
        media = speech.CONTENT_TYPES[fmt]
        if doc.get("stream", True):  # the documented default is true: a chunked body
            return StreamingResponse(paced(split(audio), state, PROVIDER, fault), media_type=media)
        if fault is not None and fault.kind == "cut_stream":
            return StreamingResponse(
                paced(split(audio), state, PROVIDER, fault),
                media_type=media,
                headers={"Content-Length": str(len(audio))},
            )
        return Response(audio, media_type=media)

    @api.post("/audio/transcriptions")  # the clinic's ASR (contract in presets/siliconflow.json clinic.asr)
    @route("transcribe")
    async def create_transcription(request: Request, key: str, fault: Fault | None):
        got = await asr.read_form(request, {"model"}, max_bytes=50 * 1024 * 1024, max_duration_s=3600.0, formats=None)
        if got.fields.get("model") not in ASR_MODELS:
            raise asr.AsrInvalid("Model does not exist. Please check it carefully.")
        return {"text": await asyncio.to_thread(asr.transcript_for, got.audio)}

    @api.api_route("/{rest:path}", methods=["GET", "POST", "DELETE", "PUT"])
    async def not_found(rest: str):
        return error(404, "404 page not found")

    return api
