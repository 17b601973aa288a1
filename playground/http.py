"""The only httpx user: clients, timeouts, bounded retries and status -> typed error.

Retries live here and nowhere else. A call is retried only when that is safe:
- every call: the connection could not be opened (nothing was sent), or 429 with a
  Retry-After we are willing to wait for (the provider refused before doing work);
- idempotent calls only (speech, listing, deleting): also 502/503/504, read timeouts, and a
  connection dropped or reset before any answer.
Uploads and clones create things and may cost money: they are never retried blindly.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json as json_module
import random
import re
import weakref
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

from playground import config, errors, hosted, netguard, visitors
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


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]+")
MAX_QUOTED_CHARS = 200  # the most of a provider's own text an error message quotes
MAX_ERROR_BODY_BYTES = 64 * 1024  # the most of an error answer that is read at all


def excerpt(text: str | None) -> str | None:
    """A short, single-line excerpt of a provider's text: control characters stripped, at most 200 chars."""
    if not text:
        return text
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text[:MAX_QUOTED_CHARS] + "…" if len(text) > MAX_QUOTED_CHARS else text


class CappedStream(httpx.AsyncByteStream):
    """A response body with a size cap and the call's total-time deadline, enforced while it streams."""

    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        max_bytes: int,
        deadline: float,
        too_large: Callable[[], Exception],
        too_slow: Callable[[], Exception],
        encoding: str = "",
    ) -> None:
        self.inner, self.max_bytes, self.deadline = inner, max_bytes, deadline
        self.too_large, self.too_slow = too_large, too_slow
        self.total = 0
        # We ask for identity; a server that compresses anyway is decoded here, in bounded steps, so the
        # cap counts what comes out (a small gzip bomb cannot expand past it).
        self.decoder = (
            zlib.decompressobj(16 + zlib.MAX_WBITS)
            if encoding in ("gzip", "x-gzip")
            else zlib.decompressobj()
            if encoding == "deflate"
            else None
        )

    def _count(self, data: bytes) -> bytes:
        self.total += len(data)
        if self.total > self.max_bytes:
            raise self.too_large()
        return data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self.inner.__aiter__()
        while True:
            try:
                async with asyncio.timeout_at(self.deadline):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise self.too_slow() from None
            if self.decoder is None:
                yield self._count(chunk)
                continue
            try:
                while chunk:
                    out = self.decoder.decompress(chunk, 256 * 1024)
                    chunk = self.decoder.unconsumed_tail
                    if out:
                        yield self._count(out)
            except zlib.error:
                raise httpx.DecodingError("the compressed answer is corrupt") from None
        if self.decoder is not None:
            tail = self.decoder.flush()
            if tail:
                yield self._count(tail)

    async def aclose(self) -> None:
        await self.inner.aclose()


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


_RECORDER: contextvars.ContextVar[list[CapturedRequest] | None] = contextvars.ContextVar("vcp_recorder", default=None)
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


def _record(
    provider_id: str,
    request: httpx.Request,
    *,
    auth: bool,
    idempotent: bool,
    json: Any,
    data: Any,
    files: Any,
    auth_header: str = "Authorization",
    content: bytes | None = None,
) -> None:
    records = _RECORDER.get()
    if records is None and not REQUEST_OBSERVERS:
        return
    headers = {
        k: v
        for k, v in request.headers.items()
        if k.lower()
        not in (
            "authorization",
            auth_header.lower(),
            "host",
            "content-length",
            "accept-encoding",
            "connection",
            "user-agent",
        )
        and not (files and k.lower() == "content-type")
    }
    captured = CapturedRequest(
        provider_id,
        request.method,
        str(request.url),
        headers,
        auth,
        idempotent,
        json=json,
        data=dict(data) if data else None,
        files=_files_of(files),
        auth_header=auth_header,
        content=content,
    )
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
        # one client per event loop and outbound policy (playground/netguard.py): a connection opened
        # under one policy is never reused under another
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict] = weakref.WeakKeyDictionary()

    # -- clients ---------------------------------------------------------------------
    def client(self, policy: netguard.Policy | None = None) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        clients = self._clients.setdefault(loop, {})
        client = clients.get(policy)
        if client is None or client.is_closed:
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
            client = httpx.AsyncClient(
                timeout=httpx.Timeout(config.READ_TIMEOUT_S, connect=config.CONNECT_TIMEOUT_S),
                limits=limits,
                trust_env=False,
                follow_redirects=False,  # a redirect is an answer, never followed (it could point anywhere)
                headers={"Accept-Encoding": "identity"},  # the size cap counts what is decoded
                transport=netguard.guard_transport(httpx.AsyncHTTPTransport(limits=limits, trust_env=False), policy),
            )
            clients[policy] = client
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
        provider_message = excerpt(scrub(provider_message, key))
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

    def _should_retry(
        self, attempt: int, status: int | None, exc: Exception | None, idempotent: bool, headers
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if attempt >= config.MAX_RETRIES:
            return None
        backoff = config.RETRY_BASE_S * (2**attempt) * (0.5 + random.random() / 2)
        if exc is not None:
            if isinstance(exc, httpx.ConnectError):
                return backoff
            # no answer yet: the server dropped (RemoteProtocolError) or reset (ReadError, WriteError) the
            # connection, e.g. a pooled one it closed as we reused it; safe to send again if idempotent
            if idempotent and isinstance(
                exc, (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
            ):
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
    async def stream(self, target: Target, method: str, path: str, **kw: Any) -> AsyncIterator[httpx.Response]:
        """`_stream`, within the per-client-address limits of hosted mode (playground/visitors.py)."""
        client = visitors.client_id() if hosted.is_hosted() else None
        if client is not None:
            visitors.LIMITER.enter(client)  # or ClientLimitError: nothing is sent
        try:
            async with self._stream(target, method, path, **kw) as response:
                yield response
        finally:
            if client is not None:
                visitors.LIMITER.leave(client)

    @asynccontextmanager
    async def _stream(
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
        link: bool = False,
    ) -> AsyncIterator[httpx.Response]:
        """Open a request and yield the successful response with its body unread.

        `auth=False` sends no Authorization header: for links the provider returned
        (presigned audio URLs on another host), which must never receive the key.
        `content` is a raw body already encoded (e.g. msgpack); set its Content-Type in `headers`.
        `link=True`: `path` is a whole URL the provider returned (checked in every mode).

        Where the request may go is decided by playground/netguard.py; the answer is capped at
        config.MAX_RESPONSE_MB and the whole call (retries included) at config.CALL_TIMEOUT_S.
        Errors (non-2xx) are read and raised as typed errors; retries happen only
        before the body is handed over, so a partly consumed stream is never replayed.
        """
        url = path if link else f"{target.base_url}{path}"
        policy = netguard.policy_for(target, url, link=link)
        netguard.check_url(url, policy)
        client = self.client(policy)
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = start + config.CALL_TIMEOUT_S
        attempt = 0
        while True:
            try:
                try:
                    request = client.build_request(
                        method,
                        url,
                        json=json,
                        data=data,
                        files=files,
                        params=params,
                        content=content,
                        headers=self._headers(target, headers, auth),
                    )
                except httpx.InvalidURL:
                    if policy is not None:
                        raise netguard.refused() from None
                    raise errors.InputError(
                        "That base URL is not a valid URL.",
                        hint="Type it as https://host/path, for example https://api.openai.com/v1.",
                    ) from None
                if not link and not _within(request.url.path, target.base_url):
                    raise errors.InputError(
                        "That name or id does not make a valid request path.",
                        hint="Use the id exactly as the provider returned it.",
                    )
                if attempt == 0:
                    _record(
                        self.provider_id,
                        request,
                        auth=auth,
                        idempotent=idempotent,
                        json=json,
                        data=data,
                        files=files,
                        auth_header=self.AUTH_HEADER,
                        content=content,
                    )
                async with asyncio.timeout_at(deadline):
                    response = await client.send(request, stream=True)
            except TimeoutError:
                raise self._too_slow(target) from None
            except httpx.HTTPError as exc:
                wait = self._should_retry(attempt, None, exc, idempotent, None)
                if wait is None or loop.time() + wait >= deadline:
                    raise self._transport_error(exc, target) from exc
                attempt += 1
                await asyncio.sleep(wait)
                continue
            encoding = response.headers.get("content-encoding", "").strip().lower()
            if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
                await response.aclose()
                raise self.error(
                    status=response.status_code,
                    code=None,
                    target=target,
                    cls=errors.InvalidResponseError,
                    provider_message=f"an answer compressed as {encoding[:20]!r}, which was not asked for",
                )
            if encoding not in ("", "identity"):
                del response.headers["content-encoding"]  # decoded by CappedStream, within the cap
            response.stream = CappedStream(
                cast(httpx.AsyncByteStream, response.stream),  # an AsyncClient's responses stream asynchronously
                int(config.MAX_RESPONSE_MB * 1024 * 1024),
                deadline,
                functools.partial(self._too_large, target, response.status_code),
                lambda: self._too_slow(target),
                encoding,
            )
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
            buf = bytearray()
            try:
                async for chunk in response.aiter_bytes():
                    buf += chunk
                    if len(buf) >= MAX_ERROR_BODY_BYTES:
                        break
            except (httpx.HTTPError, errors.ProviderError):
                pass
            finally:
                await response.aclose()
            body = bytes(buf[:MAX_ERROR_BODY_BYTES])
            wait = self._should_retry(attempt, response.status_code, None, idempotent, response.headers)
            ctype = response.headers.get("content-type", "")
            if wait is not None and not self.retryable_answer(response.status_code, body, ctype):
                wait = None
            if wait is not None and loop.time() + wait >= deadline:
                wait = None
            if wait is None:
                raise self.error_from_response(response, body, target)
            attempt += 1
            await asyncio.sleep(wait)

    def _too_slow(self, target: Target) -> errors.ProviderError:
        err = self.error(
            status=None,
            code=None,
            target=target,
            cls=errors.ProviderTimeoutError,
            provider_message=f"no complete answer within {config.CALL_TIMEOUT_S:g} s",
        )
        err.hint = (
            "One call may take at most PLAYGROUND_CALL_TIMEOUT_S seconds in all. Try a shorter text, or again later."
        )
        return err

    def _too_large(self, target: Target, status: int) -> errors.ProviderError:
        err = self.error(
            status=status,
            code=None,
            target=target,
            cls=errors.InvalidResponseError,
            provider_message=f"the answer is larger than {config.MAX_RESPONSE_MB:g} MB",
        )
        err.hint = (
            "One answer may be at most PLAYGROUND_MAX_RESPONSE_MB megabytes: ask for shorter audio, "
            "and check the base URL points at the provider's API."
        )
        return err

    async def request(
        self, target: Target, method: str, path: str, *, idempotent: bool, **kw
    ) -> tuple[httpx.Response, bytes]:
        """A whole request: the successful response and its body."""
        async with self.stream(target, method, path, idempotent=idempotent, **kw) as response:
            body = await response.aread()
        return response, body


def _within(path: str, base_url: str) -> bool:
    """Whether a request path (as httpx normalised it: dot segments resolved) stays under the base URL's path."""
    base = httpx.URL(base_url).path.rstrip("/")
    return not base or path == base or path.startswith(base + "/")
