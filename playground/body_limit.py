"""Request bodies are bounded before they are read, on every route (pure ASGI, outermost).

Gradio's own routes (/gradio_api/call/*, /gradio_api/queue/join, /gradio_api/run/*), the gateway
(/v1) and every other route take at most PLAYGROUND_MAX_BODY_MB (1 MB) of body: a declared
Content-Length over it is answered 413 at once, nothing read; a body without one (chunked) is
counted while it arrives and refused with 413 the moment it passes the limit. A body within the
limit is read here and handed on whole, so no route behind sees more than the limit. A JSON body
nested deeper than MAX_JSON_DEPTH (64) levels is answered 400 with words (it used to reach a route's
parser and end in a RecursionError and a generic 500).

Two routes keep their own, larger bound: uploads (/gradio_api/upload, where Gradio counts each file
against launch(max_file_size=...) while it streams to disk) pass through untouched, and MCP
(/gradio_api/mcp) gets the MCP server's own 4 MiB, since a tool's audio may come as a data URI.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
DEFAULT_MB = 1.0
MCP_BYTES = 4 * 1024 * 1024  # the mcp package's own DEFAULT_MAX_REQUEST_BODY_SIZE
UPLOAD_SUFFIXES = ("/gradio_api/upload", "/upload")
MAX_JSON_DEPTH = 64


def too_deep(body: bytes) -> bool:
    """Is this JSON nested deeper than MAX_JSON_DEPTH? (Not JSON at all: False, the route says so.)"""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False
    try:
        doc = json.loads(body)
    except RecursionError:
        return True
    except ValueError:
        return False
    level = [doc]
    for _ in range(MAX_JSON_DEPTH):
        level = [
            child
            for node in level
            if isinstance(node, (list, dict))
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, (list, dict))
        ]
        if not level:
            return False
    return True


def max_body_bytes() -> int:
    try:
        mb = float(os.environ.get("PLAYGROUND_MAX_BODY_MB", "") or DEFAULT_MB)
    except ValueError:
        mb = DEFAULT_MB
    return max(1024, int(mb * 1024 * 1024))


def limit_for(path: str) -> int | None:
    """The most body bytes a request to `path` may carry (None: the route bounds it itself)."""
    if path.rstrip("/").endswith(UPLOAD_SUFFIXES):
        return None
    if "/gradio_api/mcp" in path:
        return max(MCP_BYTES, max_body_bytes())
    return max_body_bytes()


class BodyTooLarge(Exception):
    pass


def _message(limit: int) -> str:
    size = f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return f"The request body is larger than {size}, the most this server takes."


async def refuse(scope, send: Callable[[Message], Awaitable[None]], status: int, text: str) -> None:
    if scope.get("path", "").startswith("/v1"):  # the gateway speaks OpenAI's error shape
        doc: dict = {"error": {"message": text, "type": "invalid_request_error", "param": None, "code": None}}
    else:
        doc = {"detail": text}
    body = json.dumps(doc).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """See the module doc. Registered in ui/layout.launch_kwargs, outside every other middleware."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = limit_for(scope.get("path", ""))
        if limit is None:
            return await self.app(scope, receive, send)
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                return await refuse(scope, send, 400, "The Content-Length header is not a number.")
            if size > limit:
                return await refuse(scope, send, 413, _message(limit))
        # read the body here, counting: nothing behind ever holds more than the limit
        parts: list[bytes] = []
        seen = 0
        trailing: list[Message] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                trailing.append(message)
                break
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                return await refuse(scope, send, 413, _message(limit))
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        del parts
        if too_deep(body):
            return await refuse(scope, send, 400, f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")
        queued: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *trailing]

        async def replay() -> Message:
            if queued:
                return queued.pop(0)
            return await receive()

        return await self.app(scope, replay, send)
