"""A page's first screen arrives first: what it does not show is fetched just after it, not before.

Gradio's browser code fetches the module of every component of a page whose own `visible` is not
False, whether or not it is on screen (inside a hidden column, a closed accordion, an unselected tab),
and those fetches compete with the ones the first screen needs. The audio player alone is ~10 files
and 500 KB (hls.js); a provider page holds a few hundred components across its steps. On a 2-core
machine that decides when a visitor first sees the page (issue 22).

`defer(page_path)` starts hidden (`visible=False`) every component of that page that is heavy (the
audio player, tables, files, JSON, code, plots, images) or not on its first screen (under a hidden
container, a closed accordion or an unselected tab), and adds a browser-only event (no call to the
server) that makes them visible again: the page's load, once its first frame is drawn; or the first
opening of their accordion or tab (a tab chosen by a click or by a handler: Gradio sends `select`
either way). Their containers still decide what shows: a component in a hidden column is drawn when
the column is shown, as before. A component built hidden on purpose is not touched, one a handler
hides later stays hidden when its tab opens again, and nothing else changes: names, values, events and
the API are the same.
"""

from __future__ import annotations

import json
from typing import Any

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
# the page's load event runs as soon as the page is mounted: wait for its first frame to be painted
# (or 300 ms: a page in a background tab or an off-screen frame paints no frames until it is seen)
AFTER_PAINT = (
    "async () => { await new Promise((r) => { requestAnimationFrame(() => requestAnimationFrame(r)); "
    "setTimeout(r, 300); });"
)


def gate(block: gr.blocks.Block) -> gr.blocks.Block | None:
    """The nearest container above `block` that opens later: a closed accordion or an unselected tab
    (the first tab of its Tabs unless they say otherwise). None when there is none."""
    child, parent = block, getattr(block, "parent", None)
    while parent is not None:
        if isinstance(parent, gr.Accordion) and not parent.open:
            return parent
        if isinstance(parent, gr.Tabs) and isinstance(child, gr.Tab):
            tabs = [c for c in parent.children if isinstance(c, gr.Tab)]
            selected = parent.selected
            first = tabs[0] if tabs else None
            if (selected is None and child is not first) or (
                selected is not None and selected not in (child.id, tabs.index(child))
            ):
                return child
        child, parent = parent, getattr(parent, "parent", None)
    return None


def on_first_screen(block: gr.blocks.Block) -> bool:
    """Drawn when the page opens: it and every container above it visible, and no closed accordion or
    unselected tab above it."""
    node: Any = block
    while node is not None:
        if getattr(node, "visible", True) is not True:
            return False
        node = getattr(node, "parent", None)
    return gate(block) is None


def deferrable(page_path: str) -> dict[gr.blocks.Block | None, list[gr.components.Component]]:
    """The page's components that start visible but are heavy or not on its first screen, by the
    container that shows them later: None (the page itself, once drawn), a closed accordion or an
    unselected tab (when it is first opened)."""
    root = Context.root_block
    out: dict[gr.blocks.Block | None, list[gr.components.Component]] = {}
    if root is None:
        return out
    for block in root.blocks.values():
        if (
            not isinstance(block, gr.components.Component)
            or isinstance(block, NOT_DRAWN)
            or getattr(block, "page", "") != page_path
            or block.visible is not True
            or not (isinstance(block, HEAVY) or not on_first_screen(block))
        ):
            continue
        out.setdefault(gate(block), []).append(block)
    return out


def _once(key: str, n: int) -> str:
    """Browser-only js: shows the `n` outputs the first time it runs in this page, later a no-op (a
    part a handler has hidden since stays hidden when its tab or accordion is opened again)."""
    keep = json.dumps([{"__type__": "update"}] * n)
    return (
        f"() => {{ const seen = (window.__vcpShown ||= {{}}); if (seen[{json.dumps(key)}]) return {keep}; "
        f"seen[{json.dumps(key)}] = true; return {json.dumps([SHOW] * n)}; }}"
    )


def defer(page_path: str) -> list[gr.components.Component]:
    """Start those components hidden; a browser-only event shows them once the page is drawn (or, in a
    closed accordion or an unselected tab, when it first opens). Call it inside the page's context,
    after its components are built. Returns them."""
    root = Context.root_block
    groups = deferrable(page_path)
    if root is None or not groups:
        return []
    shown_all: list[gr.components.Component] = []
    for opener, blocks in groups.items():
        for block in blocks:
            block.visible = False
        if opener is None:
            js = f"{AFTER_PAINT} return {json.dumps([SHOW] * len(blocks))}; }}"
            root.load(None, None, blocks, js=js, api_visibility="private", queue=False)
        else:
            js = _once(f"{page_path}/{opener._id}", len(blocks))
            if isinstance(opener, gr.Tab):
                opener.select(None, None, blocks, js=js, api_visibility="private", queue=False)
            else:
                assert isinstance(opener, gr.Accordion)
                opener.expand(None, None, blocks, js=js, api_visibility="private", queue=False)
        shown_all += blocks
    return shown_all


__all__ = ["HEAVY", "defer", "deferrable", "on_first_screen"]
