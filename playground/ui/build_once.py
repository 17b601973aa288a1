"""The page config built once per start, not four times.

Gradio builds the whole page config (every block's props and API info, every event: about a quarter
of a second for this app's ~1,100 blocks and ~400 events) at four points of start-up:
1. when the `with gr.Blocks()` block closes, for `demo.config`;
2. right after, for the server app it makes there (its MCP step rebuilds the config);
3. in launch(), for `demo.config`;
4. in launch() again, once the MCP server is set up (only the top-level `mcp_server` flag changes).
build_app() changes the blocks after the `with` block (i18n markers, concurrency groups, MCP marks),
and launch() replaces both the config and the server app made in 1-2, so 1 and 2 are thrown away,
and 4 rebuilds what 3 just built.

`hold(demo)` (inside the `with` block): until `release(demo)`, the page part of the config (layout,
components, dependencies) is left empty; the top-level settings are still read as usual.
`release(demo)` (when build_app() is done with the blocks): the next build is kept and reused by
later ones, so launch() builds once. `forget(demo)` (after launch): every later build is fresh again.
Only the whole page is kept: a `gr.render` block's own config (`renderable`) is always built.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

HELD, KEEP, OFF = "held", "keep", "off"


class _PageConfig:
    """Stands in for demo.default_config.get_config (see the module doc)."""

    def __init__(self, demo: gr.Blocks) -> None:
        self.demo = demo
        self.config = demo.default_config
        self.build = type(self.config).get_config  # Gradio's own, called unbound with our instance
        self.mode = HELD
        self.kept: dict[str, Any] | None = None
        self.builds = 0  # how many times the whole page was built (tests)

    def __call__(self, renderable: Any = None) -> Any:
        if renderable is not None or self.mode == OFF:
            return self._build(renderable)
        if self.mode == HELD:
            return {"page": {}, "components": [], "dependencies": [], "layout": {}}
        if self.kept is None:
            self.kept = self._build(None)
        return self.kept

    def _build(self, renderable: Any) -> Any:
        if renderable is None:
            self.builds += 1
        return self.build(self.config, renderable)


def _of(demo: gr.Blocks) -> _PageConfig | None:
    page = demo.default_config.__dict__.get("get_config")
    return page if isinstance(page, _PageConfig) else None


def hold(demo: gr.Blocks) -> None:
    if _of(demo) is None:
        demo.default_config.get_config = _PageConfig(demo)  # type: ignore[method-assign]


def release(demo: gr.Blocks) -> None:
    page = _of(demo)
    if page is not None:
        page.mode, page.kept = KEEP, None


def forget(demo: gr.Blocks) -> None:
    page = _of(demo)
    if page is not None:
        page.mode, page.kept = OFF, None


def builds(demo: gr.Blocks) -> int:
    page = _of(demo)
    return page.builds if page is not None else 0
