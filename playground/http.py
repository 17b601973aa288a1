"""The only httpx user: clients, timeouts, bounded retries and status -> typed error.

Retries live here and nowhere else. A call is retried only when that is safe:
- every call: the connection could not be opened (nothing was sent), or 429 with a
  Retry-After we are willing to wait for (the provider refused before doing work);
- idempotent calls only (speech, listing, deleting): also 502/503/504 and read timeouts.
Uploads and clones create things and may cost money: they are never retried blindly.
"""

from __future__ import annotations

import asyncio
import contextvars
import json as json_module
import random
import weakref
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable, Iterator, Mapping

import httpx

from playground import config, errors
from playground.config import Target

STATUS_ERRORS: dict[int, type[errors.ProviderError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    402: errors.QuotaError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    408: errors.ProviderTimeoutError,
    413: errors.BadRequestError,
    415: errors.BadRequestError,
    422: errors.BadRequestError,
    429: errors.RateLimitError,
    503: errors.OverloadedError,
    504: errors.ProviderTimeoutError,
}
RETRYABLE_IDEMPOTENT = {502, 503, 504}
REQUEST_ID_HEADERS = ("x-request-id", "x-siliconcloud-trace-id", "trace-id", "x-trace-id", "request-id")

# parse_error(status, body, content_type) -> (code, message)
ErrorParser = Callable[[int, bytes, str], "tuple[str | int | None, str | None]"]


NOT_JSON = object()


def decode_body(body: bytes) -> tuple[Any, str]:
    """(the parsed JSON, or NOT_JSON; the body as stripped text): where every parse_error starts."""
    text = body.decode("utf-8", "replace").strip()
    try:
        return json_module.loads(text), text
    except ValueError:
        return NOT_JSON, text


def scrub(text: str | None, key: str | None) -> str | None:
    """Remove the key (and its long fragments) from a text that came back from a provider."""
    if not text or not key:
        return text
    text = text.replace(key, "****")
    if len(key) >= 16:
        for i in range(0, len(key) - 11):
            frag = key[i : i + 12]
            if frag in text:
                text = text.replace(frag, "****")
    return text


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def request_id_of(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        if headers.get(name):
            return headers[name]
    return None


@dataclass
class Timing:
    """Wall-clock figures of one call, in seconds from the request start."""

    first_byte_s: float | None = None
    total_s: float | None = None


@dataclass
class CapturedRequest:
    """One request exactly as the Transport built it, minus the key (for "View code")."""

    provider_id: str
    method: str
    url: str  # full URL, query string included
    headers: dict[str, str]  # the headers we set, without Authorization
    auth: bool  # whether a "Authorization: Bearer <key>" header was sent
    idempotent: bool
    json: Any = None
    data: dict[str, Any] | None = None  # multipart / form fields
    files: list[tuple[str, str, bytes, str]] = field(default_factory=list)  # (field, filename, bytes, mime)
    auth_header: str = "Authorization"  # the key's header ("xi-api-key" for ElevenLabs: the raw key, no Bearer)
    content: bytes | None = None  # a raw body already encoded (e.g. msgpack), sent as is


_RECORDER: "contextvars.ContextVar[list[CapturedRequest] | None]" = contextvars.ContextVar("vcp_recorder", default=None)
# Called with every CapturedRequest (the UI files them per session); must not raise.
REQUEST_OBSERVERS: list[Callable[[CapturedRequest], None]] = []


@contextmanager
def capture_requests() -> Iterator[list[CapturedRequest]]:
    """Record every request sent in this context (tasks started inside it included)."""
    records: list[CapturedRequest] = []
    token = _RECORDER.set(records)
    try:
        yield records
    finally:
        _RECORDER.reset(token)


def _files_of(files: Any) -> list[tuple[str, str, bytes, str]]:
    items = files.items() if isinstance(files, Mapping) else (files or [])
    out = []
    for name, value in items:
        if isinstance(value, tuple):
            filename, content = value[0], value[1]
            mime = value[2] if len(value) > 2 else "application/octet-stream"
            out.append((name, str(filename), content if isinstance(content, bytes) else b"", str(mime)))
    return out


def _record(provider_id: str, request: httpx.Request, *, auth: bool, idempotent: bool, json: Any, data: Any,
            files: Any, auth_header: str = "Authorization", content: bytes | None = None) -> None:
    records = _RECORDER.get()
    if records is None and not REQUEST_OBSERVERS:
        return
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in ("authorization", auth_header.lower(), "host", "content-length", "accept-encoding", "connection",
                                    "user-agent") and not (files and k.lower() == "content-type")}
    captured = CapturedRequest(provider_id, request.method, str(request.url), headers, auth, idempotent,
                               json=json, data=dict(data) if data else None, files=_files_of(files),
                               auth_header=auth_header, content=content)
    if records is not None:
        records.append(captured)
    for observer in list(REQUEST_OBSERVERS):
        try:
            observer(captured)
        except Exception:  # an observer never breaks a call
            pass


class Transport:
    """HTTP for one provider. One AsyncClient per event loop, shared by calls on it."""

    def __init__(
        self,
        provider_id: str,
        label: str,
        parse_error: ErrorParser,
        code_errors: Mapping[str | int, type[errors.ProviderError]] | None = None,
    ) -> None:
        self.provider_id = provider_id
        self.label = label
        self.parse_error = parse_error
        self.code_errors = dict(code_errors or {})
        self._clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]" = (
            weakref.WeakKeyDictionary()
        )

    # -- clients ---------------------------------------------------------------------
    def client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(config.READ_TIMEOUT_S, connect=config.CONNECT_TIMEOUT_S),
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
                trust_env=False,
                follow_redirects=False,
            )
            self._clients[loop] = client
        return client

    # -- errors ----------------------------------------------------------------------
    def error(
        self,
        *,
        status: int | None,
        code: str | int | None,
        provider_message: str | None,
        target: Target | None = None,
        request_id: str | None = None,
        retry_after_s: float | None = None,
        cls: type[errors.ProviderError] | None = None,
    ) -> errors.ProviderError:
        """Build the typed error for a provider answer (HTTP status and/or business code)."""
        key = target.key.reveal() if target else None
        provider_message = scrub(provider_message, key)
        if provider_message and len(provider_message) > 500:
            provider_message = provider_message[:500] + "…"
        if cls is None and code is not None:
            cls = self.code_errors.get(code) or self.code_errors.get(str(code))
        if cls is None and status is not None:
            cls = STATUS_ERRORS.get(status) or (errors.ServerError if status >= 500 else errors.BadRequestError)
        cls = cls or errors.ServerError
        where = " (sandbox)" if target and target.sandbox else ""
        summary = {
            errors.BadRequestError: "rejected the request",
            errors.AuthenticationError: "did not accept the API key",
            errors.PermissionDeniedError: "refused access",
            errors.NotFoundError: "did not find what was asked for",
            errors.RateLimitError: "is rate limiting this key",
            errors.QuotaError: "says the balance or quota is exhausted",
            errors.ContentRejectedError: "flagged the content",
            errors.OverloadedError: "is overloaded",
            errors.ProviderTimeoutError: "timed out",
            errors.ConnectionFailedError: "could not be reached",
            errors.InvalidResponseError: "returned something that is not audio",
            errors.StreamInterruptedError: "cut the audio stream short",
        }.get(cls, "failed")
        kwargs: dict[str, Any] = dict(
            provider=self.provider_id,
            status=status,
            code=code,
            provider_message=provider_message,
            request_id=request_id,
        )
        if issubclass(cls, errors.RateLimitError):
            kwargs["retry_after_s"] = retry_after_s
        return cls(f"{self.label}{where} {summary}", **kwargs)

    def error_from_response(self, response: httpx.Response, body: bytes, target: Target) -> errors.ProviderError:
        ctype = response.headers.get("content-type", "")
        try:
            code, message = self.parse_error(response.status_code, body, ctype)
        except Exception:  # a body we cannot parse is still evidence
            code, message = None, body[:300].decode("utf-8", "replace")
        return self.error(
            status=response.status_code,
            code=code,
            provider_message=message,
            target=target,
            request_id=request_id_of(response.headers),
            retry_after_s=retry_after_seconds(response.headers),
        )

    def retryable_answer(self, status: int, body: bytes, content_type: str) -> bool:
        """Whether an error answer may be retried at all. A provider whose 429 also means
        "no balance" (a business code in the body) overrides this to say no."""
        return True

    # -- requests --------------------------------------------------------------------
    AUTH_HEADER = "Authorization"  # a provider whose key travels in another header overrides auth_headers()

    def auth_headers(self, target: Target) -> dict[str, str]:
        return {"Authorization": f"Bearer {target.key.reveal()}"}

    def _headers(self, target: Target, extra: Mapping[str, str] | None, auth: bool = True) -> dict[str, str]:
        headers = self.auth_headers(target) if auth else {}
        if extra:
            headers.update(extra)
        return headers

    def _should_retry(self, attempt: int, status: int | None, exc: Exception | None, idempotent: bool, headers) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if attempt >= config.MAX_RETRIES:
            return None
        backoff = config.RETRY_BASE_S * (2**attempt) * (0.5 + random.random() / 2)
        if exc is not None:
            if isinstance(exc, httpx.ConnectError):
                return backoff
            if idempotent and isinstance(exc, (httpx.ReadTimeout, httpx.RemoteProtocolError)):
                return backoff
            return None
        if status == 429:
            wait = retry_after_seconds(headers) if headers is not None else None
            if wait is None:
                return backoff
            return wait if wait <= config.MAX_RETRY_AFTER_S else None
        if idempotent and status in RETRYABLE_IDEMPOTENT:
            wait = retry_after_seconds(headers) if headers is not None else None
            if wait is not None and wait > config.MAX_RETRY_AFTER_S:
                return None
            return wait if wait is not None else backoff
        return None

    def _transport_error(self, exc: Exception, target: Target) -> errors.ProviderError:
        if isinstance(exc, httpx.TimeoutException):
            cls: type[errors.ProviderError] = errors.ProviderTimeoutError
        elif isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            cls = errors.StreamInterruptedError
        else:
            cls = errors.ConnectionFailedError
        detail = type(exc).__name__
        return self.error(status=None, code=None, provider_message=detail, target=target, cls=cls)

    @asynccontextmanager
    async def stream(
        self,
        target: Target,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timing: Timing | None = None,
        auth: bool = True,
        content: bytes | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """Open a request and yield the successful response with its body unread.

        `auth=False` sends no Authorization header: for links the provider returned
        (presigned audio URLs on another host), which must never receive the key.
        `content` is a raw body already encoded (e.g. msgpack); set its Content-Type in `headers`.

        Errors (non-2xx) are read and raised as typed errors; retries happen only
        before the body is handed over, so a partly consumed stream is never replayed.
        """
        url = f"{target.base_url}{path}"
        loop = asyncio.get_running_loop()
        start = loop.time()
        attempt = 0
        while True:
            try:
                request = self.client().build_request(
                    method, url, json=json, data=data, files=files, params=params, content=content,
                    headers=self._headers(target, headers, auth),
                )
                if attempt == 0:
                    _record(self.provider_id, request, auth=auth, idempotent=idempotent, json=json, data=data, files=files,
                            auth_header=self.AUTH_HEADER, content=content)
                response = await self.client().send(request, stream=True)
            except httpx.HTTPError as exc:
                wait = self._should_retry(attempt, None, exc, idempotent, None)
                if wait is None:
                    raise self._transport_error(exc, target) from exc
                attempt += 1
                await asyncio.sleep(wait)
                continue
            if timing is not None:
                timing.first_byte_s = loop.time() - start
            if response.is_success:
                try:
                    yield response
                except httpx.HTTPError as exc:
                    raise self._transport_error(exc, target) from exc
                finally:
                    await response.aclose()
                    if timing is not None:
                        timing.total_s = loop.time() - start
                return
            try:
                body = await response.aread()
            except httpx.HTTPError:
                body = b""
            finally:
                await response.aclose()
            wait = self._should_retry(attempt, response.status_code, None, idempotent, response.headers)
            if wait is not None and not self.retryable_answer(response.status_code, body, response.headers.get("content-type", "")):
                wait = None
            if wait is None:
                raise self.error_from_response(response, body, target)
            attempt += 1
            await asyncio.sleep(wait)

    async def request(self, target: Target, method: str, path: str, *, idempotent: bool, **kw) -> tuple[httpx.Response, bytes]:
        """A whole request: the successful response and its body."""
        async with self.stream(target, method, path, idempotent=idempotent, **kw) as response:
            body = await response.aread()
        return response, body
