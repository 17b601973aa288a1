"""The key panel of a provider tab: a password field, "Test key", a status dot and an opt-in
"remember on this browser".

The key lives in the page (the password field) and goes to the server only as an input of
the event that uses it. So that it follows the visitor from page to page in the same browser tab,
it is also kept in that tab's sessionStorage (gone when the tab closes; plain JS, no server round
trip); "Remember" keeps it in this browser's localStorage instead. Nothing here stores a key on the
server, in a component's value, in /config or in the API schema. The test event is private (not in
/gradio_api/info, no run history).
"""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
from gradio.context import Context

from playground import config, hosted, presets, providers
from playground.errors import PlaygroundError
from playground.providers.openai_compat import OpenAICompat
from playground.ui.event_args import EventOptions

STORAGE_PREFIX = "vcp-key-"
COLORS = {"idle": "#9ca3af", "ok": "#16a34a", "bad": "#dc2626", "warn": "#d97706", "sandbox": "#6366f1"}


def status_html(kind: str, text: str) -> str:
    color = COLORS.get(kind, COLORS["idle"])
    return (
        f'<span class="vcp-key-status" data-status="{kind}">'
        f'<span class="vcp-key-dot" style="color:{color}">●</span> {html.escape(text)}</span>'
    )


IDLE = status_html("idle", "Key not tested")


async def _cheapest_call(provider_id: str, key: str) -> str:
    """The cheapest authenticated call of each provider (a list, never anything billed)."""
    adapter = providers.get(provider_id)
    if provider_id == "openai_compat" and isinstance(adapter, OpenAICompat):
        found = await adapter.list_models(api_key=key)
        return f"{len(found.models)} models listed" if found.has_endpoint else "no /models endpoint, but reachable"
    voices = await adapter.list_voices(api_key=key)
    return f"{len(voices)} voices listed"


async def test_key(provider_id: str, key: str) -> str:
    """Status HTML for a typed key (the key never appears in it)."""
    key = (key or "").strip()
    label = presets.load(provider_id)["label"]
    try:
        sandbox = config.is_sandbox(provider_id, key)
        what = await _cheapest_call(provider_id, key)
    except PlaygroundError as exc:
        kind = "bad" if type(exc).__name__ in ("AuthenticationError", "PermissionDeniedError") else "warn"
        return status_html(kind, exc.user_message())
    except Exception as exc:  # a bug of ours: say so without any detail that could carry the key
        return status_html("warn", f"Could not check the key ({type(exc).__name__}).")
    if sandbox:
        return status_html("sandbox", f"No key typed: the {label} sandbox answers ({what}). Paste a key to test it.")
    if not key:
        return status_html("ok", f"No key typed: the server's key works ({what}).")
    return status_html("ok", f"Key works: {label} answered ({what}).")


def _remember_js(provider_id: str) -> str:
    """Keep the typed key for this tab (sessionStorage) and, if asked, for this browser (localStorage)."""
    name = STORAGE_PREFIX + provider_id
    return (
        f"(k, r) => {{ try {{ if (k) sessionStorage.setItem('{name}', k); else sessionStorage.removeItem('{name}'); "
        f"if (r && k) localStorage.setItem('{name}', k); "
        f"else localStorage.removeItem('{name}'); }} catch (e) {{}} return []; }}"
    )


def stored_key_js(provider_id: str) -> str:
    """A JS expression: the key this tab holds for the provider ('' when none)."""
    name = STORAGE_PREFIX + provider_id
    return (
        f"(() => {{ try {{ return localStorage.getItem('{name}') || sessionStorage.getItem('{name}') || ''; }} "
        f"catch (e) {{ return ''; }} }})()"
    )


def _restore_js(provider_id: str) -> str:
    name = STORAGE_PREFIX + provider_id
    return (
        f"() => {{ let r = null; try {{ r = localStorage.getItem('{name}'); }} catch (e) {{}} "
        f"return [{stored_key_js(provider_id)}, !!r]; }}"
    )


def keep_value_js(name: str) -> str:
    """JS for an input event: keep a non-secret typed value (e.g. a base URL) for this tab."""
    return (
        f"(v) => {{ try {{ if (v) sessionStorage.setItem('{name}', v); else sessionStorage.removeItem('{name}'); }} "
        f"catch (e) {{}} return []; }}"
    )


def stored_value_js(name: str) -> str:
    return f"(() => {{ try {{ return sessionStorage.getItem('{name}') || ''; }} catch (e) {{ return ''; }} }})()"


def build_hidden_keys(provider_ids: list[str], values: tuple[str, ...] = ()) -> tuple[list[gr.Textbox], Any]:
    """Invisible key boxes for a page without key panels (the voice library), filled on load with the
    key this tab holds for each provider (typed on a provider page, or remembered), then invisible
    boxes for the held `values` (sessionStorage names, e.g. a typed base URL). Returns the boxes and
    the load event, for the page to chain its first refresh after it."""
    boxes = [gr.Textbox("", visible=False, type="password", elem_id=f"vcp-held-key-{pid}") for pid in provider_ids]
    boxes += [gr.Textbox("", visible=False, elem_id=f"vcp-held-{name}") for name in values]
    js = "() => [" + ", ".join([*(stored_key_js(pid) for pid in provider_ids), *map(stored_value_js, values)]) + "]"
    root = Context.root_block
    load = None
    if root is not None and boxes:
        load = root.load(None, None, boxes, js=js, api_visibility="private", queue=False)
    return boxes, load


def build_key_panel(provider_id: str) -> gr.Textbox:
    """The panel; returns the password Textbox (elem_id `{provider_id}-key`) the tab's events read."""
    spec = presets.load(provider_id)
    where = "the sandbox" if hosted.server_keys() == "off" else f"{spec['env_key']} or the sandbox"
    with gr.Group(elem_id=f"{provider_id}-key-panel", elem_classes=["vcp-key-panel"]):
        key = gr.Textbox(
            label=f"{spec['label']} API key (optional, this browser session only)",
            placeholder=f"Leave empty to use {where}",
            type="password",
            value="",
            elem_id=f"{provider_id}-key",
            info=spec.get("key_help"),
        )
        with gr.Row(equal_height=True):
            test_btn = gr.Button(
                "Test key", size="sm", elem_id=f"{provider_id}-key-test", scale=0, elem_classes=["vcp-button"]
            )
            remember = gr.Checkbox(
                False,
                label="Remember on this browser (stored only in this browser)",
                elem_id=f"{provider_id}-key-remember",
                scale=2,
            )
            status = gr.HTML(IDLE, elem_id=f"{provider_id}-key-status", padding=False)

    async def on_test_key(api_key):
        return await test_key(provider_id, api_key)

    private: EventOptions = {"api_visibility": "private", "queue": False}
    test_btn.click(on_test_key, [key], [status], api_visibility="private", concurrency_id=f"{provider_id}-calls")
    # browser-only events: the key never leaves the page for these
    key.input(None, None, [status], js=f"() => {IDLE!r}", **private)
    for trigger in (key.change, remember.change):  # change: typed, pasted or filled in by a script
        trigger(None, [key, remember], None, js=_remember_js(provider_id), **private)
    root = Context.root_block
    if root is not None:
        root.load(None, None, [key, remember], js=_restore_js(provider_id), **private)
    return key
