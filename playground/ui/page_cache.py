"""Pages served from memory, compressed: a page's HTML is built once per start, not per visit.

Gradio builds a page's HTML for every request (a deep copy of that page's config, its API info, the
template) and sends it uncompressed (its compression middleware only handles paths with a file
extension). `PageCacheMiddleware` (pure ASGI, installed by layout.launch_kwargs) answers a GET or
HEAD of a page path without a query string from memory:

- the first visit is built by Gradio as usual (in its thread pool) and kept, slimmed of what the page
  does not use: the translations of other pages' texts, the other pages' component lists, and each
  component's API descriptions (API clients read /config or /gradio_api/info); visitors
  arriving while it is built wait for that one build (a crowd's first second costs one build, not
  one per visitor); `warm(url)` builds every page once right after start-up;
- the HTML does not depend on the visitor (no session, no key, no cookie is in it); it depends only on
  the root URL Gradio derives from the request's host headers, so those are part of the cache key,
  and the cache holds at most MAX_ENTRIES pages (least recently used first out): a visitor sending
  made-up host headers only ever costs a build, as every visit did before;
- its head names the files its first screen needs, so the browser fetches them at once rather than
  one link of Gradio's loading chain after another (ui/preload.py);
- the answer is compressed once (brotli and gzip) and sent as the browser accepts it
  (`Vary: Accept-Encoding`).
The whole app's `/config` (what gradio_client reads, ~1.7 MB, the same for everyone) is kept the same
way, unslimmed. Anything else (a query string such as `?deep_link=`, another method, a non-200
answer) goes to Gradio untouched.

`AssetCacheMiddleware` does the same for the frontend's files (`/assets/`, `/static/`): Gradio reads
and compresses each one again for every request (a page's first screen asks for ~100 of them, the
audio player's hls.js alone is 500 KB), so a crowd's first screens cost the server that many
compressions. Each file is kept once, compressed once, and sent with a cache lifetime (the names under
`/assets/` carry their content's hash: a year, immutable; `/static/` a day). Only a 200 answer of a
file Gradio itself serves is kept, of at most ASSET_BYTES / 8, at most ASSET_BYTES in all (least
recently used first out); anything else (a 404 for a made-up path, a larger file such as the 30 MB
ffmpeg.wasm, a HEAD or a range request) streams from Gradio as before, never held in memory.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

from playground.ui import preload

MAX_ENTRIES = 64
ASSET_BYTES = 48 * 1024 * 1024  # the whole Gradio frontend is ~30 MB; a first screen uses ~2 MB of it
ASSET_PREFIXES = ("/assets/", "/static/")
_TEXT_SUFFIXES = (".js", ".mjs", ".css", ".json", ".svg", ".html", ".map", ".txt")
KEY_HEADERS = (b"host", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-port", b"x-forwarded-prefix")
_CONFIG = re.compile(rb"(<script>window\.gradio_config = )(\{.*?\})(;</script>)", re.S)
_I18N_KEY = re.compile(r"vcp_[0-9a-f]{12}")
# what Gradio puts in each component of a page's config for API clients, which read the whole app's
# /config or /gradio_api/info instead: no file of the installed frontend reads these (a fifth of a
# provider page's config: every audio player carries ~4.5 KB of them)
UNREAD = ("api_info", "api_info_as_input", "api_info_as_output", "example_inputs", "skip_api")


def slim_html(body: bytes) -> bytes:
    """The page's HTML with its config holding only its own translations and component lists, and the
    files its first screen needs named in its head (ui/preload.py)."""
    match = _CONFIG.search(body)
    if match is None:
        return body
    try:
        config = json.loads(match.group(2))
    except ValueError:
        return body
    current = config.get("current_page", "")
    pages = config.get("page")
    if isinstance(pages, dict) and current in pages:
        config["page"] = {current: pages[current]}
    for component in config.get("components") or []:
        for name in UNREAD:
            component.pop(name, None)  # never read by the page's code (the API page asks the server)
    table = config.get("i18n_translations")
    if isinstance(table, dict):
        used = set(_I18N_KEY.findall(json.dumps([config.get("components"), config.get("dependencies")])))
        config["i18n_translations"] = {
            locale: {k: v for k, v in (texts or {}).items() if not k.startswith("vcp_") or k in used}
            for locale, texts in table.items()
        }
    # the same escaping as Gradio's template filter (routes.toorjson): nothing can close the script tag
    text = (
        json.dumps(config, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )
    body = body[: match.start(2)] + text.encode("utf-8") + body[match.end(2) :]
    # the files its first screen needs, announced so the browser fetches them at once (ui/preload.py)
    head_end = body.find(b"</head>")
    if head_end < 0:
        return body
    return body[:head_end] + preload.links(config).encode("utf-8") + body[head_end:]


class _Entry:
    """One answer kept in memory: its headers and its body as is, gzip-ed and brotli-ed (text only)."""

    def __init__(self, headers: list[tuple[bytes, bytes]], body: bytes, compress: bool = True) -> None:
        import brotli  # Gradio's own dependency (its compression middleware)

        drop = (b"content-length", b"content-encoding", b"vary")
        self.headers = [(k, v) for k, v in headers if k.lower() not in drop]
        self.body = body
        self.encoded: dict[bytes, bytes] = {}
        if compress:
            self.encoded[b"br"] = brotli.compress(body, quality=6, mode=brotli.MODE_TEXT)
            self.encoded[b"gzip"] = gzip.compress(body, compresslevel=6)

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(b) for b in self.encoded.values())

    def answer(self, request_headers: list[tuple[bytes, bytes]], extra: Iterable[tuple[bytes, bytes]] = ()):
        """(headers, body) in the best encoding the request accepts."""
        accepted = _accepted(request_headers)
        coding = next((c for c in (b"br", b"gzip") if c in self.encoded and c.decode() in accepted), None)
        body = self.encoded[coding] if coding else self.body
        out = [*self.headers, *extra, (b"content-length", str(len(body)).encode())]
        if coding:
            out.append((b"content-encoding", coding))
        if self.encoded:
            out.append((b"vary", b"Accept-Encoding"))
        return out, body


class PageCache:
    def __init__(self, paths: Iterable[str]) -> None:
        self.paths = set(paths)
        self.entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self.lock = threading.Lock()
        self.builds = 0  # pages built by Gradio (tests and the bench)
        self.building: dict[tuple, asyncio.Future] = {}  # one build per key at a time (event loop only)

    def get(self, key: tuple) -> _Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        with self.lock:
            self.entries[key] = entry
            self.builds += 1
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


CACHE: PageCache | None = None


def install(paths: Iterable[str]) -> PageCache:
    global CACHE
    CACHE = PageCache(paths)
    return CACHE


def warm(base_url: str) -> None:
    """Build every kept page once, as a visitor would ask for it (after launch, in a thread)."""
    import threading as _threading

    import httpx

    def run() -> None:
        if CACHE is None:
            return
        with httpx.Client(trust_env=False, timeout=60) as client:
            for path in sorted(CACHE.paths):
                try:
                    client.get(base_url.rstrip("/") + path, headers={"Accept-Encoding": "gzip"})
                except httpx.HTTPError:
                    return

    _threading.Thread(target=run, name="vcp-page-warm", daemon=True).start()


def _accepted(headers: list[tuple[bytes, bytes]]) -> set[str]:
    """The content codings the request accepts (`*` stands for gzip; q=0 refuses)."""
    out: set[str] = set()
    for k, v in headers:
        if k == b"accept-encoding":
            for part in v.decode("latin-1").lower().split(","):
                name, _, params = part.strip().partition(";")
                if params.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
                    continue
                name = name.strip()
                out.add("gzip" if name == "*" else name)
    return out


async def _kept_or_built(get, building: dict, key, build) -> _Entry | None:
    """The entry kept for `key`; else the one another request is building (a crowd's first visitors:
    one build, the others wait for it); else `build()` here. None: nothing was kept, and `build()` has
    answered this visitor itself."""
    entry = get(key)
    if entry is None and key in building:
        entry = await asyncio.shield(building[key])
    if entry is not None:
        return entry
    waiting: asyncio.Future = asyncio.get_running_loop().create_future()
    building[key] = waiting
    try:
        entry = await build()
    finally:
        building.pop(key, None)
        if not waiting.done():
            waiting.set_result(entry)
    return entry


class PageCacheMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        cache = CACHE
        if (
            cache is None
            or scope["type"] != "http"
            or scope.get("method") not in ("GET", "HEAD")
            or scope.get("query_string")
        ):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        if path not in cache.paths:
            return await self.app(scope, receive, send)
        headers = scope.get("headers", [])
        key = (path, root, *(dict(headers).get(name, b"") for name in KEY_HEADERS))
        entry = await _kept_or_built(
            cache.get, cache.building, key, lambda: self._build(scope, receive, send, cache, key)
        )
        if entry is None:
            return  # Gradio's own answer was sent as it was
        out, body = entry.answer(headers)
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    async def _build(self, scope, receive, send, cache: PageCache, key: tuple) -> _Entry | None:
        """Let Gradio answer a GET; keep a 200 HTML answer (slimmed), else pass its answer on."""
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app({**scope, "method": "GET"}, receive, capture)
        headers = list(start.get("headers", []))
        kind = dict(headers).get(b"content-type", b"")
        has_cookie = any(k.lower() == b"set-cookie" for k, _ in headers)
        cacheable = kind.startswith((b"text/html", b"application/json"))
        if start.get("status") != 200 or not cacheable or has_cookie:
            body = b"".join(chunks)
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
            return None
        raw = b"".join(chunks)
        html = kind.startswith(b"text/html")
        entry = await asyncio.to_thread(lambda: _Entry(headers, slim_html(raw) if html else raw))
        cache.put(key, entry)
        return entry


class AssetCache:
    """The frontend's files, each kept once (compressed once), at most ASSET_BYTES in all."""

    def __init__(self, limit: int = ASSET_BYTES) -> None:
        self.limit = limit
        self.entries: OrderedDict[str, _Entry] = OrderedDict()
        self.bytes = 0
        self.builds = 0
        self.building: dict[str, asyncio.Future] = {}

    def get(self, path: str) -> _Entry | None:
        entry = self.entries.get(path)
        if entry is not None:
            self.entries.move_to_end(path)
        return entry

    def put(self, path: str, entry: _Entry) -> None:
        if entry.size > self.limit // 8:
            return  # one file never takes the room of many
        old = self.entries.pop(path, None)
        self.bytes -= old.size if old else 0
        self.entries[path] = entry
        self.bytes += entry.size
        self.builds += 1
        while self.bytes > self.limit and self.entries:
            _, dropped = self.entries.popitem(last=False)
            self.bytes -= dropped.size


ASSETS = AssetCache()


def _lifetime(path: str) -> bytes:
    if path.startswith("/assets/"):
        return b"public, max-age=31536000, immutable"  # Vite's names carry their content's hash
    return b"public, max-age=86400"


class AssetCacheMiddleware:
    """GET of `/assets/...` and `/static/...` without a query or a range: from memory, compressed once."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or scope.get("query_string")
            or any(k == b"range" for k, _ in scope.get("headers", []))
        ):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        if not path.startswith(ASSET_PREFIXES) or "/." in path or "//" in path or "\\" in path:
            return await self.app(scope, receive, send)
        entry = await _kept_or_built(ASSETS.get, ASSETS.building, path, lambda: self._fetch(scope, receive, send, path))
        if entry is None:
            return  # Gradio's own answer was sent as it was
        out, body = entry.answer(scope.get("headers", []), [(b"cache-control", _lifetime(path))])
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": body})

    async def _fetch(self, scope, receive, send, path: str) -> _Entry | None:
        """Gradio's answer to a plain GET (no compression asked), kept when it is a 200 file small enough
        to keep; any other answer (an error, a large file such as the 30 MB ffmpeg.wasm) streams on to
        the visitor as it comes, never held in memory."""
        start: dict = {}
        chunks: list[bytes] = []
        passing = False

        async def capture(message):
            nonlocal passing
            if message["type"] == "http.response.start":
                start.update(message)
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                length = headers.get(b"content-length", b"")
                keep = (
                    message.get("status") == 200
                    and length.isdigit()
                    and int(length) <= ASSETS.limit // 8
                    and b"set-cookie" not in headers
                    and b"content-encoding" not in headers
                )
                if not keep:
                    passing = True
                    await send(message)
            elif message["type"] == "http.response.body":
                if passing:
                    await send(message)
                else:
                    chunks.append(message.get("body", b""))
                    ended[0] = not message.get("more_body", False)

        ended = [False]
        plain = [(k, v) for k, v in scope.get("headers", []) if k != b"accept-encoding"]
        await self.app({**scope, "headers": plain}, receive, capture)
        if passing or not start:
            return None
        headers = list(start.get("headers", []))
        body = b"".join(chunks)
        length = {k.lower(): v for k, v in headers}.get(b"content-length", b"")
        if not ended[0] or not length.isdigit() or int(length) != len(body):
            # cut short (the visitor left mid-file: Starlette stops sending): never kept, and what came
            # is what this visitor gets (it is gone anyway)
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return None
        text = os.path.splitext(path)[1].lower() in _TEXT_SUFFIXES
        entry = await asyncio.to_thread(_Entry, headers, body, text)
        ASSETS.put(path, entry)
        return entry
