"""A page's first screen arrives first: what it does not show is fetched just after it, not before.

Gradio's browser code fetches the module of every component of a page whose own `visible` is not
False, whether or not it is on screen (inside a hidden column, a closed accordion, an unselected tab),
and those fetches compete with the ones the first screen needs. The audio player alone is ~10 files
and 500 KB (hls.js); a provider page holds a few hundred components across its steps. On a 2-core
machine that decides when a visitor first sees the page (issue 22).

`defer(page_path)` starts hidden (`visible=False`) every component of that page that is heavy (the
audio player, tables, files, JSON, code, plots, images) or not on its first screen (under a hidden
container, a closed accordion or an unselected tab), and adds a browser-only load event (no call to the
server) that makes them visible again the moment the page is drawn. Their containers still decide what
shows: a component in a closed accordion is drawn when the accordion opens, as before. A component
built hidden on purpose is not touched, and nothing else changes: names, values, events and the API
are the same.
"""

from __future__ import annotations

import json

import gradio as gr
from gradio.context import Context

# component classes whose browser modules are heavy (measured in Chromium: file count and size)
HEAVY: tuple[type, ...] = (
    gr.Audio,
    gr.Dataframe,
    gr.File,
    gr.JSON,
    gr.Code,
    gr.BarPlot,
    gr.ScatterPlot,
    gr.LinePlot,
    gr.Image,
    gr.Gallery,
    gr.Video,
)
# components that draw nothing (no browser module to fetch)
NOT_DRAWN: tuple[type, ...] = (gr.State, gr.BrowserState, gr.Timer, gr.Navbar)
SHOW = {"__type__": "update", "visible": True}


def on_first_screen(block: gr.blocks.Block) -> bool:
    """Drawn when the page opens: it and every container above it visible, no closed accordion above
    it, and every tab above it the selected one (the first, unless its Tabs say otherwise)."""
    child, parent = block, getattr(block, "parent", None)
    if child.visible is not True:
        return False
    while parent is not None:
        if getattr(parent, "visible", True) is not True:
            return False
        if isinstance(parent, gr.Accordion) and not parent.open:
            return False
        if isinstance(parent, gr.Tabs) and isinstance(child, gr.Tab):
            tabs = [c for c in parent.children if isinstance(c, gr.Tab)]
            selected = parent.selected
            if selected is None:
                if tabs and child is not tabs[0]:
                    return False
            elif selected not in (child.id, tabs.index(child) if child in tabs else None):
                return False
        child, parent = parent, getattr(parent, "parent", None)
    return True


def deferrable(page_path: str) -> list[gr.components.Component]:
    """The page's components that start visible but are heavy or not on its first screen."""
    root = Context.root_block
    if root is None:
        return []
    return [
        block
        for block in root.blocks.values()
        if isinstance(block, gr.components.Component)
        and not isinstance(block, NOT_DRAWN)
        and getattr(block, "page", "") == page_path
        and block.visible is True
        and (isinstance(block, HEAVY) or not on_first_screen(block))
    ]


def defer(page_path: str) -> list[gr.components.Component]:
    """Start those components hidden; a browser-only load event shows them once the page is drawn.
    Call it inside the page's context, after its components are built. Returns them."""
    root = Context.root_block
    blocks = deferrable(page_path)
    if root is None or not blocks:
        return []
    for block in blocks:
        block.visible = False
    shown = json.dumps([SHOW] * len(blocks))
    root.load(None, None, blocks, js=f"() => {shown}", api_visibility="private", queue=False)
    return blocks


__all__ = ["HEAVY", "defer", "deferrable", "on_first_screen"]
