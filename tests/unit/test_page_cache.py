"""Pages from memory (playground/ui/page_cache.py): slimmed to their own translations, gzip when asked,
built once per host, anything else passed through untouched."""

from __future__ import annotations

import gzip
import json

import httpx
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from playground.ui import page_cache


def _page(config: dict) -> str:
    return f"<html><script>window.gradio_config = {json.dumps(config)};</script><body>x</body></html>"


CONFIG = {
    "current_page": "library",
    "page": {"": {"components": [1]}, "library": {"components": [2]}},
    "components": [
        {
            "id": 2,
            "type": "audio",
            "props": {"label": '__i18n__{"key": "vcp_aaaaaaaaaaaa"}'},
            "api_info": {"type": "object"},
            "api_info_as_input": {"type": "object"},
            "api_info_as_output": {"type": "object"},
            "example_inputs": {"path": "x.wav"},
            "skip_api": False,
        }
    ],
    "dependencies": [],
    "i18n_translations": {
        "en": {"vcp_aaaaaaaaaaaa": "Voices", "vcp_bbbbbbbbbbbb": "Elsewhere"},
        "zh-CN": {"vcp_aaaaaaaaaaaa": "声音", "vcp_bbbbbbbbbbbb": "别处"},
    },
    "title": "<b>&'",
}


def test_slim_keeps_only_the_pages_own_translations_lists_and_what_the_page_reads():
    body = page_cache.slim_html(_page(CONFIG).encode())
    text = body.decode()
    config = json.loads(text.split("window.gradio_config = ", 1)[1].split(";</script>", 1)[0])
    assert set(config["page"]) == {"library"}
    assert config["i18n_translations"]["zh-CN"] == {"vcp_aaaaaaaaaaaa": "声音"}
    assert config["components"] == [{"id": 2, "type": "audio", "props": CONFIG["components"][0]["props"]}]
    assert "<b>" not in text.split("<script>", 1)[1].split("</script>")[0]  # nothing can close the script
    assert config["title"] == "<b>&'"


def _app(calls: list) -> Starlette:
    async def page(request):
        calls.append(request.url.path)
        return HTMLResponse(_page(CONFIG))

    async def other(request):
        calls.append(request.url.path)
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/library", page), Route("/api", other)])
    app.add_middleware(page_cache.PageCacheMiddleware)
    page_cache.install(["/library"])
    return app


async def test_a_page_is_built_once_per_host_and_compressed_when_asked():
    calls: list = []
    transport = httpx.ASGITransport(app=_app(calls))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        plain = await c.get("/library", headers={"Accept-Encoding": "identity"})
        zipped = await c.get("/library", headers={"Accept-Encoding": "gzip, br"})
        raw = await c.send(c.build_request("GET", "/library", headers={"Accept-Encoding": "gzip"}), stream=True)
        wire = b"".join([chunk async for chunk in raw.aiter_raw()])
        await raw.aclose()
        assert plain.status_code == zipped.status_code == 200 and plain.text == zipped.text
        assert "vcp_bbbbbbbbbbbb" not in plain.text
        assert raw.headers["content-encoding"] == "gzip" and gzip.decompress(wire) == plain.content
        assert "Accept-Encoding" in raw.headers["vary"]
        assert calls == ["/library"]  # built once
        await c.get("/library", headers={"Host": "other.example"})
        await c.get("/library?deep_link=x")
        await c.get("/api")
        await c.get("/api")
    assert calls == ["/library", "/library", "/library", "/api", "/api"]  # a new host, a query, other routes


async def test_the_cache_is_bounded():
    calls: list = []
    transport = httpx.ASGITransport(app=_app(calls))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        for i in range(page_cache.MAX_ENTRIES + 10):
            await c.get("/library", headers={"Host": f"h{i}.example"})
    assert page_cache.CACHE is not None and len(page_cache.CACHE.entries) == page_cache.MAX_ENTRIES


def _asset_app(calls: list) -> Starlette:
    from starlette.responses import PlainTextResponse, Response

    async def asset(request):
        calls.append((request.url.path, request.headers.get("accept-encoding")))
        if request.url.path.endswith("missing.js"):
            return PlainTextResponse("Not found", status_code=404)
        if request.url.path.endswith(".wasm"):
            return Response(b"\0asm" * 25_000, media_type="application/wasm")
        kind = "font/woff2" if request.url.path.endswith(".woff2") else "application/javascript"
        return Response(b"console.log('x');" * 200, media_type=kind)

    app = Starlette(routes=[Route("/assets/{name}", asset, methods=["GET", "HEAD"]), Route("/static/{name}", asset)])
    app.add_middleware(page_cache.AssetCacheMiddleware)
    page_cache.ASSETS = page_cache.AssetCache()
    return app


async def test_a_frontend_file_is_read_and_compressed_once_then_served_from_memory():
    calls: list = []
    transport = httpx.ASGITransport(app=_asset_app(calls))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        first = await c.get("/assets/Index-abc.js", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
        raw = await c.send(
            c.build_request("GET", "/assets/Index-abc.js", headers={"Accept-Encoding": "gzip"}), stream=True
        )
        wire = b"".join([chunk async for chunk in raw.aiter_raw()])
        await raw.aclose()
        plain = await c.get("/assets/Index-abc.js", headers={"Accept-Encoding": "identity"})
        assert first.headers["content-encoding"] == "br" and first.content == plain.content
        assert raw.headers["content-encoding"] == "gzip" and gzip.decompress(wire) == plain.content
        assert "content-encoding" not in plain.headers
        assert first.headers["cache-control"] == "public, max-age=31536000, immutable"  # hashed names
        assert calls == [("/assets/Index-abc.js", None)]  # read once, uncompressed
        font = await c.get("/static/font.woff2", headers={"Accept-Encoding": "gzip, br"})
        assert "content-encoding" not in font.headers and font.headers["cache-control"] == "public, max-age=86400"
        await c.get("/static/font.woff2")
        assert len(calls) == 2


async def test_only_a_200_file_is_kept_and_anything_else_passes_through():
    calls: list = []
    transport = httpx.ASGITransport(app=_asset_app(calls))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        for _ in range(2):
            assert (await c.get("/assets/missing.js")).status_code == 404
        await c.get("/assets/a.js?v=1")
        await c.get("/assets/a.js?v=1")
    assert [p for p, _ in calls] == ["/assets/missing.js"] * 2 + ["/assets/a.js"] * 2
    assert page_cache.ASSETS.entries == {}


async def test_the_asset_cache_is_bounded_by_bytes():
    calls: list = []
    transport = httpx.ASGITransport(app=_asset_app(calls))
    page_cache.ASSETS = page_cache.AssetCache(limit=40_000)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        for i in range(30):
            await c.get(f"/assets/f{i}.js")
    assert page_cache.ASSETS.bytes <= 40_000 and 0 < len(page_cache.ASSETS.entries) < 30
    assert "/assets/f29.js" in page_cache.ASSETS.entries  # the newest stay


async def test_a_large_file_a_head_and_a_range_stream_from_gradio_and_are_never_kept():
    calls: list = []
    transport = httpx.ASGITransport(app=_asset_app(calls))
    page_cache.ASSETS = page_cache.AssetCache(limit=400_000)  # files over 50,000 bytes are not kept
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        for _ in range(2):
            big = await c.get("/static/ffmpeg-core.wasm")
            assert big.status_code == 200 and big.content == b"\0asm" * 25_000
        head = await c.head("/assets/Index-abc.js")
        ranged = await c.get("/assets/Index-abc.js", headers={"Range": "bytes=0-9"})
        assert head.status_code == 200 and ranged.status_code in (200, 206)
    assert [p for p, _ in calls] == ["/static/ffmpeg-core.wasm"] * 2 + ["/assets/Index-abc.js"] * 2
    assert page_cache.ASSETS.entries == {}


def _collect(messages: list):
    async def send(message):
        messages.append(message)

    return send


async def test_a_file_cut_short_is_never_kept():
    """The visitor left mid-file (Starlette stops sending): what came is not kept for the next one."""
    sent = []

    async def cut_short(scope, receive, send):
        sent.append(scope["path"])
        headers = [(b"content-type", b"application/javascript"), (b"content-length", b"8000")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"x" * 4000, "more_body": True})

    page_cache.ASSETS = page_cache.AssetCache()
    app = page_cache.AssetCacheMiddleware(cut_short)

    async def receive():
        return {"type": "http.disconnect"}

    for _ in range(2):
        messages: list = []
        scope = {"type": "http", "method": "GET", "path": "/assets/Big-abc.js", "headers": [], "query_string": b""}
        await app(scope, receive, _collect(messages))
        assert messages[0]["status"] == 200
    assert sent == ["/assets/Big-abc.js"] * 2 and page_cache.ASSETS.entries == {}
