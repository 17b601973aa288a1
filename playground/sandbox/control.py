"""What every simulator shares: auth, fault injection, the request log, in-flight counts.

Control routes (for tests and benchmarks, under /_sandbox), answered only to a request carrying
the header `X-Sandbox-Control: <state.control_token>`: a random token per process (or the one
`python -m playground.sandbox` was given in PLAYGROUND_SANDBOX_CONTROL_TOKEN). Without it they
are 404, so nothing outside the process that started the sandbox can read or change it:
  POST   /_sandbox/faults    {provider, op, kind, count?, retry_after?, delay_s?, cut_after_bytes?, code?}
  DELETE /_sandbox/faults
  POST   /_sandbox/latency   {provider, first_byte_s?, chunk_delay_s?}
  GET    /_sandbox/requests?provider=   recorded requests (method, path, query, headers, body as base64)
  DELETE /_sandbox/requests
  GET    /_sandbox/stats     in-flight now and at most, per provider
Fault kinds: "429", "500", "503", "504", "slow_first_byte", "cut_stream", "error_200", "hang", "html_200",
  "400", "401", "403", "404", "502", "bad_json" (retry_after: null sends a 429 without Retry-After),
  "stuck_training", "train_failed" (a model creation whose model never becomes usable), "402".
"""

from __future__ import annotations

import asyncio
import base64
import collections
import hashlib
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response

FAULT_KINDS = {
    "429",
    "500",
    "503",
    "504",
    "slow_first_byte",
    "cut_stream",
    "error_200",
    "hang",
    "html_200",
}  # html_200: a 200 whose body is an HTML page (a gateway's web console)
# any other status code an API may answer with, and a 200 whose JSON body is cut off (malformed)
FAULT_KINDS |= {"400", "401", "403", "404", "502", "bad_json"}
# a created voice model that never finishes training, or whose training fails (Fish Audio)
FAULT_KINDS |= {"stuck_training", "train_failed"}
FAULT_KINDS |= {"402"}  # out of credit (Fish Audio's quota status)
MAX_LOGGED_REQUESTS = 200
MAX_LOGGED_BODY = 4 * 1024 * 1024
CONTROL_HEADER = "X-Sandbox-Control"
# Headers that carry a key. The request log keeps their value only for sandbox keys; any other key
# (a real key typed next to a sandbox URL) is replaced by a fingerprint (see `fingerprint`).
SECRET_HEADERS = {
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "xi-api-key",
    "api-key",
    "cookie",
    "x-goog-api-key",
    "ocp-apim-subscription-key",
}
SANDBOX_KEY_PREFIX = "sandbox-key"


def fingerprint(secret: str) -> str:
    """What the request log keeps instead of a key: enough to tell two keys apart, nothing to use."""
    return f"[redacted sha256:{hashlib.sha256(secret.encode('utf-8')).hexdigest()[:12]}]"


@dataclass
class Fault:
    provider: str
    op: str
    kind: str
    count: int = 1
    retry_after: float | None = 1.0  # None: a 429 without a Retry-After header
    delay_s: float = 1.0
    cut_after_bytes: int = 2048
    code: int | None = None  # business code for error_200 (providers that answer errors with HTTP 200)


@dataclass
class SandboxState:
    """Shared mutable state of one sandbox server. Keys are scoped: each key sees its own voices."""

    valid_keys: set[str] | None = None  # None: any non-empty bearer token is accepted
    faults: list[Fault] = field(default_factory=list)
    requests: collections.deque = field(default_factory=lambda: collections.deque(maxlen=MAX_LOGGED_REQUESTS))
    in_flight: collections.Counter = field(default_factory=collections.Counter)
    max_in_flight: collections.Counter = field(default_factory=collections.Counter)
    first_byte_s: dict[str, float] = field(default_factory=dict)
    chunk_delay_s: dict[str, float] = field(default_factory=dict)
    store: dict[str, Any] = field(default_factory=dict)  # per-simulator data (voices, files)
    lock: threading.Lock = field(default_factory=threading.Lock)
    control_token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    # The request log is for tests and benchmarks; the app's own sandbox (app.py) keeps none, so nothing
    # a visitor sends (text, samples, keys) is held there.
    keep_log: bool = True

    def is_sandbox_key(self, key: str) -> bool:
        """A key the sandbox itself hands out or was told about (the only keys its log may keep)."""
        return key == SANDBOX_KEY_PREFIX or key.startswith(SANDBOX_KEY_PREFIX + "-") or key in (self.valid_keys or ())

    def logged_header(self, name: str, value: str) -> str:
        if name.lower() not in SECRET_HEADERS:
            return value
        scheme, _, secret = value.partition(" ") if " " in value.strip() else ("", "", value)
        if self.is_sandbox_key(secret.strip()):
            return value
        return f"{scheme} {fingerprint(secret.strip())}".strip()

    def take_fault(self, provider: str, op: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.provider == provider and fault.op in (op, "*"):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def key_ok(self, key: str) -> bool:
        return bool(key) and (self.valid_keys is None or key in self.valid_keys)

    def scoped(self, name: str, key: str) -> Any:
        """The per-key store `name` (a dict), created on first use."""
        with self.lock:
            return self.store.setdefault(name, {}).setdefault(key, {})


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return ""


async def first_byte_delay(state: SandboxState, provider: str, fault: Fault | None) -> None:
    delay = state.first_byte_s.get(provider, 0.0)
    if fault is not None and fault.kind == "slow_first_byte":
        delay += fault.delay_s
    if fault is not None and fault.kind == "hang":
        delay += 3600
    if delay:
        await asyncio.sleep(delay)


async def hang(request: Request) -> None:
    """A "hang" fault: answer nothing until the client gives up (at most an hour)."""
    for _ in range(36000):
        if await request.is_disconnected():
            return
        await asyncio.sleep(0.1)


async def paced(chunks: list[bytes], state: SandboxState, provider: str, fault: Fault | None):
    """Yield chunks with the configured pacing; a cut_stream fault aborts the connection midway."""
    sent = 0
    delay = state.chunk_delay_s.get(provider, 0.0)
    for chunk in chunks:
        if fault is not None and fault.kind == "cut_stream" and sent + len(chunk) > fault.cut_after_bytes:
            part = chunk[: max(0, fault.cut_after_bytes - sent)]
            if part:
                yield part
            await asyncio.sleep(0.05)
            raise ConnectionAbortedError("sandbox fault: stream cut")
        yield chunk
        sent += len(chunk)
        if delay:
            await asyncio.sleep(delay)


def split(data: bytes, size: int = 4096) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


class RecorderMiddleware:
    """Pure ASGI: records each provider request (with body) and counts requests in flight."""

    def __init__(self, app, state: SandboxState, provider_of: Callable[[str], str | None]) -> None:
        self.app = app
        self.state = state
        self.provider_of = provider_of

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            return await self.app(scope, receive, send)
        provider = self.provider_of(scope["path"]) or "unknown"
        body = bytearray()
        state = self.state

        async def recording_receive():
            message = await receive()
            if message["type"] == "http.request" and state.keep_log and len(body) < MAX_LOGGED_BODY:
                body.extend(message.get("body", b""))
            return message

        recorded = False
        entry: dict = {"received_at": time.time()}

        def log_request() -> None:
            nonlocal recorded
            if recorded:
                return
            recorded = True
            if not state.keep_log:
                return
            with state.lock:
                state.requests.append(entry)
                entry.update(
                    {
                        "provider": provider,
                        "method": scope["method"],
                        "path": scope["path"],
                        "query": scope.get("query_string", b"").decode("latin-1"),
                        "headers": {
                            k.decode("latin-1"): state.logged_header(k.decode("latin-1"), v.decode("latin-1"))
                            for k, v in scope["headers"]
                        },
                        "body_b64": base64.b64encode(bytes(body)).decode("ascii"),
                    }
                )

        async def logging_send(message):
            if message["type"] == "http.response.start":
                log_request()  # before the client can see the answer, so a test never races the log
                entry["status"] = message.get("status")
            elif message["type"] == "http.response.body" and message.get("body") and "first_body_at" not in entry:
                entry["first_body_at"] = time.time()  # wall clock: compared with the browser's first sound
            await send(message)

        with state.lock:
            state.in_flight[provider] += 1
            state.max_in_flight[provider] = max(state.max_in_flight[provider], state.in_flight[provider])
        try:
            await self.app(scope, recording_receive, logging_send)
        finally:
            log_request()
            with state.lock:
                state.in_flight[provider] -= 1


def control_router(state: SandboxState) -> APIRouter:
    def only_with_token(request: Request) -> None:
        if not secrets.compare_digest(request.headers.get(CONTROL_HEADER, ""), state.control_token):
            raise HTTPException(status_code=404, detail="Not Found")

    router = APIRouter(prefix="/_sandbox", dependencies=[Depends(only_with_token)])

    @router.post("/faults")
    async def add_fault(request: Request):
        doc = await request.json()
        if doc.get("kind") not in FAULT_KINDS:
            return JSONResponse({"error": f"kind must be one of {sorted(FAULT_KINDS)}"}, status_code=400)
        fault = Fault(**{k: v for k, v in doc.items() if k in Fault.__dataclass_fields__})
        with state.lock:
            state.faults.append(fault)
        return {"ok": True}

    @router.delete("/faults")
    async def clear_faults():
        with state.lock:
            state.faults.clear()
        return {"ok": True}

    @router.post("/latency")
    async def set_latency(request: Request):
        doc = await request.json()
        provider = doc["provider"]
        state.first_byte_s[provider] = float(doc.get("first_byte_s", 0.0))
        state.chunk_delay_s[provider] = float(doc.get("chunk_delay_s", 0.0))
        return {"ok": True}

    @router.get("/requests")
    async def get_requests(provider: str | None = None):
        with state.lock:
            items = [r for r in state.requests if provider is None or r["provider"] == provider]
        return items

    @router.delete("/requests")
    async def clear_requests():
        with state.lock:
            state.requests.clear()
            state.max_in_flight.clear()
        return {"ok": True}

    @router.get("/stats")
    async def stats():
        with state.lock:
            return {"in_flight": dict(state.in_flight), "max_in_flight": dict(state.max_in_flight)}

    return router


def status_fault_response(fault: Fault | None, error: Callable[[int, str, Any], Response]) -> Response | None:
    """For a 4xx/5xx fault, the provider-shaped error response (with Retry-After on 429)."""
    if fault is None or not fault.kind.isdigit():
        return None
    status = int(fault.kind)
    messages = {
        429: "Request was rejected due to rate limiting. Details: RPM limit reached.",
        500: "Internal server error.",
        503: "Model service overloaded. Please try again later.",
        504: "Gateway timeout.",
    }
    response = error(status, messages.get(status, "error"), None)
    if status == 429 and fault.retry_after is not None:
        response.headers["Retry-After"] = f"{fault.retry_after:g}"
    return response


MALFORMED_JSON = b'{"data": {"audio": "4944330400000000", "status": '
NOT_AUDIO_PAGE = b"<!doctype html><html><head><title>Console</title></head><body>Sign in</body></html>"


def body_fault_response(fault: Fault | None) -> Response | None:
    """For a bad_json or html_200 fault: a 200 whose body is cut-off JSON or an HTML page."""
    if fault is None:
        return None
    if fault.kind == "bad_json":
        return Response(MALFORMED_JSON, status_code=200, media_type="application/json")
    if fault.kind == "html_200":
        return Response(NOT_AUDIO_PAGE, status_code=200, media_type="text/html")
    return None


# A simulator's guard: (request, op) -> (key, early response or None, fault), run before every route.
Guard = Callable[[Request, str], Awaitable[tuple[Any, Response | None, Any]]]


def guarded(
    guard: Guard, invalid: type[Exception] | tuple[type[Exception], ...], reply: Callable[[Any], Response]
) -> Callable[[str], Callable]:
    """The frame every simulator route shares, as a decorator factory:

        route = guarded(guard, Invalid, lambda exc: exc.response())

        @api.post("/v1/thing")
        @route("upload")
        async def upload(request, key, fault): ...

    runs `guard(request, "upload")` first (auth, injected faults, first-byte latency) and answers
    with its early response if it has one; otherwise calls the route with the key and the fault,
    and turns an `invalid` the route raises into the provider's own error shape through `reply`.
    FastAPI sees only `request` (path and query values are read from it)."""

    def route(op: str) -> Callable:
        def decorate(fn: Callable[[Request, Any, Any], Awaitable[Any]]) -> Callable:
            async def endpoint(request: Request):
                key, early, fault = await guard(request, op)
                if early is not None:
                    return early
                try:
                    return await fn(request, key, fault)
                except invalid as exc:
                    return reply(exc)

            endpoint.__name__, endpoint.__doc__ = fn.__name__, fn.__doc__
            return endpoint

        return decorate

    return route
