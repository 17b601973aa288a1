"""Compose the app: a header, then one tab per provider."""

from __future__ import annotations

import os

import gradio as gr
from starlette.middleware import Middleware

from playground import config, hosted
from playground.gateway.routes import ROUTES as GATEWAY_ROUTES
from playground.ui import api_schema, build_once, fair_queue, i18n, mcp_tools
from playground.ui.arena_routes import ROUTES as ARENA_ROUTES
from playground.ui.arena_tab import build_arena_tab
from playground.ui.common import register_language_lookup
from playground.ui.compare_tab import build_compare_tab
from playground.ui.guards import VisitorMiddleware
from playground.ui.library_tab import build_library_tab
from playground.ui.live_player import CSS as LIVE_CSS
from playground.ui.live_player import ROUTES as LIVE_ROUTES
from playground.ui.surface_css import CSS as SURFACE_CSS
from playground.ui.tabs import TABS, build_tab

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

HEADER = """# 🎙️ Voice Clone Playground
Record or upload a voice sample, clone it with a cloud provider, and hear text spoken in that voice.
Providers without an API key run in **sandbox** mode against a built-in simulator of their API."""


FIRST_STEP = (
    "**Start here:** in **Arena**, record or upload 10-30 s of your voice, tick the consent box and press "
    "**Clone everywhere**; then listen to every provider's clone side by side and see which sounds most "
    "like you."
)

QUEUE_CONCURRENCY = 32  # events of all kinds at once (provider calls also share a per-provider limit)


def build_app() -> gr.Blocks:
    # Gradio's default is one call at a time per event. Blocks() sets up its queue when it is created,
    # reading this variable; setting it here (not via demo.queue()) spares a rebuild of the server app.
    os.environ.setdefault("GRADIO_DEFAULT_CONCURRENCY_LIMIT", str(QUEUE_CONCURRENCY))
    with gr.Blocks(title="Voice Clone Playground", delete_cache=(3600, 3600)) as demo:
        build_once.hold(demo)  # the page config is built once, in launch() (ui/build_once.py)
        gr.Markdown(HEADER)
        gr.Markdown(FIRST_STEP, elem_id="vcp-first-step")  # the one line that says what to do
        i18n.build_language_switch()  # English / 中文 (follows the browser, remembers a choice)
        if hosted.is_hosted():
            gr.Markdown(hosted.describe(), elem_id="vcp-hosted")
        with gr.Tabs(selected="arena"):
            with gr.Tab("Arena", id="arena"):  # first: one sample, every provider (ui/arena_tab.py)
                build_arena_tab()
            loads = []
            for tab in TABS:  # one per provider (ui/tabs.py)
                with gr.Tab(tab.title, id=tab.pid):
                    loads.append(build_tab(tab))
            with gr.Tab("Voice library", id="library"):  # after the provider tabs: it wires to their key boxes
                build_library_tab()
            with gr.Tab("Compare", id="compare"):  # side by side, long text (ui/compare_tab.py)
                build_compare_tab()
        for load in loads:
            if load:
                demo.load(**load)
        mcp_tools.build_mcp_tools()  # list_voices, speak, clone_voice, compare_voices, arena_score (ui/mcp_tools.py)
    fair_queue.apply_provider_limits(demo)  # one concurrency group per provider
    fair_queue.register_session_lookup()  # hosted.py caps per Gradio session
    register_language_lookup()  # handler messages follow the page's language (playground/messages.py)
    mcp_tools.keep_only_these_tools(demo)  # the provider tabs' endpoints stay API-only, not MCP tools
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
    return dict(
        run_history=False,  # run history would keep typed keys in localStorage (shared/gradio.md)
        max_file_size="20mb",
        css=CSS + LIVE_CSS + SURFACE_CSS,  # tables, controls and fonts at 390 and 1400 px (ui/surface_css.py)
        footer_links=["api"],
        i18n=i18n.I18N,  # filled by i18n.localize() in build_app()
        # the live player's stream, the API (playground/gateway), the Arena's takes (ui/arena_routes.py)
        app_kwargs={
            "routes": list(LIVE_ROUTES) + list(GATEWAY_ROUTES) + list(ARENA_ROUTES),
            # local Host check, client address, per-address session share (ui/guards.py)
            "middleware": [Middleware(VisitorMiddleware)],
        },
        state_session_capacity=hosted.max_sessions(),  # ~1.1 MB each (playground/hosted.py)
        mcp_server=os.environ.get("PLAYGROUND_MCP", "1").strip().lower() not in ("0", "false", "no", "off"),
    )
