"""One provider's page: key panel, upload or clone, speak, voices (built from the adapter's
declarations by ui/tab_builder.py). A voice chosen with "Use it" on the library page arrives here
through this browser tab's sessionStorage and is selected in the speak form."""

from __future__ import annotations

import gradio as gr
from gradio.context import Context

from playground.ui.common import registered
from playground.ui.pages import Page
from playground.ui.tab_builder import build_provider_tab
from playground.ui.tabs import TABS

USE_STORAGE = "vcp-use"  # written by the library page (ui/library_tab.py)


def _tab_chain(component) -> list[tuple[int | str | None, gr.Tabs]]:
    """(tab id, its Tabs) from the component outwards."""
    chain: list[tuple[int | str | None, gr.Tabs]] = []
    node = component
    while node is not None:
        if isinstance(node, gr.Tab) and isinstance(node.parent, gr.Tabs):
            chain.append((node.id, node.parent))
        node = getattr(node, "parent", None)
    return chain


def _receive_used_voice(pid: str) -> None:
    """On load: if the library sent a voice of this provider, select it in the speak form (and its tab)."""
    speak = registered(f"{pid}.speak")
    root = Context.root_block
    if not speak or "voice" not in speak or root is None:
        return
    chain = _tab_chain(speak["voice"])
    arrived = gr.Textbox("", visible=False, elem_id=f"{pid}-used-voice")
    js = f"""() => {{
      let t = null;
      try {{ t = JSON.parse(sessionStorage.getItem('{USE_STORAGE}') || 'null'); }} catch (e) {{}}
      if (!t || t.provider !== '{pid}') return '';
      try {{ sessionStorage.removeItem('{USE_STORAGE}'); }} catch (e) {{}}
      return JSON.stringify(t);
    }}"""
    root.load(None, None, [arrived], js=js, api_visibility="private", queue=False)
    outputs: list = [tabs for _, tabs in reversed(chain)] + [speak["voice"]]
    extra = [k for k in ("model", "voice_source") if k in speak and pid == "siliconflow"]
    outputs += [speak[k] for k in extra]

    def on_arrived(value: str):
        import json

        try:
            target = json.loads(value) if value else None
        except ValueError:
            target = None
        if not target:
            return [gr.skip()] * len(outputs)
        values: list = [gr.Tabs(selected=tab_id) for tab_id, _ in reversed(chain)]
        values.append(gr.update(value=target.get("voice")))
        for k in extra:
            if k == "model":
                values.append(gr.update(value=target["model"]) if target.get("model") else gr.skip())
            else:
                values.append(gr.update(value="voice"))
        return values

    arrived.change(on_arrived, [arrived], outputs, api_visibility="private", queue=False)


def build(page: Page) -> None:
    tab = next(t for t in TABS if t.pid == page.provider)
    load = getattr(build_provider_tab(tab.pid, tab.hooks), "load_event", None)
    root = Context.root_block
    if load and root is not None:
        root.load(**load)
    _receive_used_voice(tab.pid)
