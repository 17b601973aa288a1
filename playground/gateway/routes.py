"""The HTTP doors: plain Starlette routes on the app's own server, outside Gradio's queue.

POST /v1/audio/speech   OpenAI's contract (model, input, voice, response_format, speed,
                        instructions, stream_format audio|sse); the provider's bytes pass
                        through as they arrive
GET  /v1/models         the provider models usable with the current configuration
GET  /v1/audio/voices   library voices and system voices, per model (?model= to narrow)
GET  /v1/files/{token}/{name}  audio made for an MCP tool call (ui/mcp_tools.py)
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from playground.errors import PlaygroundError
from playground.gateway import files, listing, service
from playground.gateway.callers import check_token
from playground.gateway.problems import GatewayError, body, classify

PREFIX = "/v1"
SSE_CHUNK = 24 * 1024  # bytes of audio per delta event when the audio is already whole (a conversion)


def error_response(exc: BaseException) -> JSONResponse:
    err = classify(exc)
    return JSONResponse(body(err), status_code=err.status, headers=err.headers)


def _headers(call: service.SpeechCall, media: str) -> dict[str, str]:
    headers = {
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
        "X-Content-Type-Options": "nosniff",
        "X-Playground-Provider": call.ask.pid,
        "X-Playground-Mode": "sandbox" if call.target.sandbox else "live",
    }
    if call.converted:
        headers["X-Playground-Converted"] = call.converted  # the body was buffered to be converted
    return headers


def _event(kind: str, **fields) -> bytes:
    return b"data: " + json.dumps({"type": kind, **fields}).encode() + b"\n\n"


def _delta(chunk: bytes) -> bytes:
    return _event("speech.audio.delta", audio=base64.b64encode(chunk).decode("ascii"))


DONE_EVENT = _event("speech.audio.done", usage={"input_tokens": 0, "output_tokens": 0, "total_tokens": 0})


async def speech(request: Request) -> Response:
    try:
        check_token(request.headers.get("authorization"))
        try:
            doc = json.loads(await request.body())
        except ValueError:
            raise GatewayError(400, "We could not parse the JSON body of your request.") from None
        except RecursionError:
            raise GatewayError(400, "The JSON body of your request is nested too deeply.") from None
        call = service.prepare(doc, request.headers)
    except Exception as exc:
        return error_response(exc)
    sse = call.ask.stream_format == "sse"
    media = "text/event-stream" if sse else service.CONTENT_TYPES[call.wanted]
    if call.converted:  # the whole take first, then ffmpeg: said so in X-Playground-Converted
        try:
            data = await service.speak_whole(call)
        except Exception as exc:
            return error_response(exc)
        if not sse:
            return Response(data, media_type=media, headers=_headers(call, media))
        events = [_delta(data[i : i + SSE_CHUNK]) for i in range(0, len(data), SSE_CHUNK)] + [DONE_EVENT]
        return Response(b"".join(events), media_type=media, headers=_headers(call, media))
    run = service.Run(call)
    try:
        first = await run.next()  # the status line waits for the provider's first byte (or its error)
    except BaseException as exc:
        run.cancel()
        if isinstance(exc, Exception):
            return error_response(exc)
        raise
    return StreamingResponse(_passthrough(run, first, sse), media_type=media, headers=_headers(call, media))


async def _passthrough(run: service.Run, first: bytes | None, sse: bool) -> AsyncIterator[bytes]:
    try:
        chunk = first
        while chunk is not None:
            yield _delta(chunk) if sse else chunk
            chunk = await run.next()
        if sse:
            yield DONE_EVENT
    except PlaygroundError as exc:
        if not sse:
            raise  # mid-body: the connection is cut, so the client never takes a partial file for a whole one
        yield _event("error", error=body(classify(exc))["error"])
    finally:
        run.cancel()


async def models(request: Request) -> Response:
    try:
        check_token(request.headers.get("authorization"))
    except Exception as exc:
        return error_response(exc)
    return JSONResponse({"object": "list", "data": listing.models(request.headers)})


async def voices(request: Request) -> Response:
    try:
        check_token(request.headers.get("authorization"))
        data = await asyncio.to_thread(listing.voices, request.headers, request.query_params.get("model"))
    except Exception as exc:
        return error_response(exc)
    return JSONResponse({"object": "list", "data": data})


async def audio_file(request: Request) -> Response:
    path = files.path_of(request.path_params["token"], request.path_params["name"])
    if path is None:
        return PlainTextResponse("This audio file has expired or never existed.", status_code=404)
    return FileResponse(path, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


async def not_found(request: Request) -> Response:
    return error_response(GatewayError(404, f"Invalid URL ({request.method} {request.url.path})", code=None))


ROUTES = [
    Route(PREFIX + "/audio/speech", speech, methods=["POST"]),
    Route(PREFIX + "/models", models, methods=["GET"]),
    Route(PREFIX + "/audio/voices", voices, methods=["GET"]),
    Route(PREFIX + "/files/{token}/{name}", audio_file, methods=["GET"]),
]
