"""Compose the app: its pages (ui/pages/), the routes beside them, and the launch settings."""

from __future__ import annotations

import os

import gradio as gr
from starlette.middleware import Middleware

from playground import config, hosted
from playground.body_limit import BodyLimitMiddleware
from playground.gateway.routes import ROUTES as GATEWAY_ROUTES
from playground.ui import api_schema, build_once, deferred, fair_queue, i18n, mcp_tools, page_cache
from playground.ui.arena_routes import ROUTES as ARENA_ROUTES
from playground.ui.common import register_language_lookup
from playground.ui.guards import VisitorMiddleware
from playground.ui.live_player import CSS as LIVE_CSS
from playground.ui.live_player import ROUTES as LIVE_ROUTES
from playground.ui.page_cache import AssetCacheMiddleware, PageCacheMiddleware
from playground.ui.pages import PAGES, Page, paths
from playground.ui.pages import about as about_page
from playground.ui.pages import arena as arena_page
from playground.ui.pages import compare as compare_page
from playground.ui.pages import library as library_page
from playground.ui.pages import provider as provider_page
from playground.ui.pages import scripts as scripts_page
from playground.ui.pages.chrome import CSS as CHROME_CSS
from playground.ui.pages.chrome import build_chrome
from playground.ui.surface_css import CSS as SURFACE_CSS

CSS = """
.mode-badge { border-left: 4px solid #f59e0b; padding-left: 10px; }
footer { display: none !important; }
/* phones: table headers keep their words whole; the table scrolls sideways inside its own box */
@media (max-width: 640px) {
  table th, table th * {
    white-space: nowrap !important; word-break: normal !important; overflow-wrap: normal !important;
  }
}
"""

QUEUE_CONCURRENCY = 32  # events of all kinds at once (provider calls also share a per-provider limit)

BUILDERS = {  # what each kind of page is built by (ui/pages/)
    "arena": arena_page.build,
    "library": library_page.build,
    "compare": compare_page.build,
    "scripts": scripts_page.build,
    "about": about_page.build,
}


def _build_page(page: Page) -> None:
    build_chrome(page)  # title, language switch, the navigation bar (ui/pages/chrome.py)
    if page.kind == "provider":
        provider_page.build(page)
    else:
        BUILDERS[page.kind]()
    deferred.defer(page.path)  # what the first screen does not show comes after it (ui/deferred.py)


def build_app() -> gr.Blocks:
    """The pages (ui/pages/): the Arena at "/", then one route per section. Each page's config holds
    only its own components and events (Gradio's multipage apps), so a visit costs only that page."""
    # Gradio's default is one call at a time per event. Blocks() sets up its queue when it is created,
    # reading this variable; setting it here (not via demo.queue()) spares a rebuild of the server app.
    os.environ.setdefault("GRADIO_DEFAULT_CONCURRENCY_LIMIT", str(QUEUE_CONCURRENCY))
    landing, *others = PAGES
    with gr.Blocks(title="Voice Clone Playground", delete_cache=(3600, 3600)) as demo:
        build_once.hold(demo)  # the page config is built once, in launch() (ui/build_once.py)
        gr.Navbar(visible=False)  # our own navigation bar (ui/pages/chrome.py) reaches every page in one tap
        _build_page(landing)
    for page in others:
        with demo.route(page.name, "/" + page.path, show_in_navbar=False):
            gr.Navbar(visible=False)
            _build_page(page)
    demo.current_page = ""
    fair_queue.apply_provider_limits(demo)  # one concurrency group per provider
    fair_queue.register_session_lookup()  # hosted.py caps per visitor (ui/visitor.py)
    register_language_lookup()  # handler messages follow the page's language (playground/messages.py)
    mcp_tools.keep_only_these_tools(demo)  # the provider pages' endpoints stay API-only, not MCP tools
    i18n.localize(demo)  # the whole UI in English and Chinese (ui/i18n.py)
    api_schema.install(demo)  # the API described in plain English (ui/api_schema.py)
    build_once.release(demo)  # the blocks are final: launch() builds their config once
    return demo


def after_launch(demo: gr.Blocks) -> None:
    """What app.py does once launch() has returned: later config builds are fresh again (nothing is
    kept past start-up, ui/build_once.py), the server keeps connections longer (below), and the
    in-process sandbox renders its voice calibration (~0.7 s of CPU in a thread: during start-up it
    would hold the GIL against the build; the first sandbox clone still need not wait for it)."""
    from playground.sandbox import voice_match

    build_once.forget(demo)
    keep_connections_longer(demo)
    voice_match.warm_in_background()
    local_url = getattr(demo, "local_url", None)
    if isinstance(local_url, str):
        page_cache.warm(local_url)  # every page and /config built once now, not by the first visitors


def keep_connections_longer(demo: gr.Blocks) -> None:
    """After launch(): idle keep-alive connections stay open KEEP_ALIVE_S instead of uvicorn's 5 s.

    5 s is also httpx's keep-alive expiry, so the openai SDK (and any httpx client) on /v1 reuses a
    pooled connection at about the moment the server closes it: under a burst the request meets a
    reset and the SDK reports APIConnectionError (playground/config.py). Gradio's launch() has no
    setting for it; uvicorn reads its config for every new connection, so setting it on the running
    server's config covers every connection after start-up."""
    server_config = getattr(getattr(demo, "server", None), "config", None)
    if server_config is not None:
        server_config.timeout_keep_alive = config.KEEP_ALIVE_S


def launch_kwargs() -> dict:
    """Everything launch() needs besides host and port (a fresh dict: Gradio mutates app_kwargs)."""
    page_cache.install([*paths(), "/config"])  # a fresh cache per launch: the pages are built again
    # The peer address stays the connection's own: uvicorn would otherwise put an X-Forwarded-For hop in
    # its place whenever the peer is loopback. playground/visitors.py reads that header itself (SECURITY.md).
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    return dict(
        run_history=False,  # run history would keep typed keys in localStorage (shared/gradio.md)
        max_file_size="20mb",
        # the pages' chrome (ui/pages/chrome.py); tables, controls and fonts at 390 and 1400 px (ui/surface_css.py)
        css=CSS + CHROME_CSS + LIVE_CSS + SURFACE_CSS,
        footer_links=["api"],
        i18n=i18n.I18N,  # filled by i18n.localize() in build_app()
        # the live player's stream, the API (playground/gateway), the Arena's takes (ui/arena_routes.py)
        app_kwargs={
            "routes": list(LIVE_ROUTES) + list(GATEWAY_ROUTES) + list(ARENA_ROUTES) + i18n.routes(),
            # bodies bounded before they are read (playground/body_limit.py); local Host check, client
            # address, the visitor, per-address session share (ui/guards.py); pages from memory,
            # compressed, and the frontend's files the same way (ui/page_cache.py)
            "middleware": [
                Middleware(BodyLimitMiddleware),
                Middleware(VisitorMiddleware),
                Middleware(PageCacheMiddleware),
                Middleware(AssetCacheMiddleware),
            ],
        },
        state_session_capacity=hosted.max_sessions(),  # ~1.1 MB each (playground/hosted.py)
        mcp_server=os.environ.get("PLAYGROUND_MCP", "1").strip().lower() not in ("0", "false", "no", "off"),
    )
