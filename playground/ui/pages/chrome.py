"""What every page carries above its own content: the title, the navigation bar (every section one
tap away, on a phone too), the language switch and, hosted, the demo's rules. Kept small: it is
part of every page's config."""

from __future__ import annotations

import html

import gradio as gr

from playground import hosted
from playground.ui import i18n
from playground.ui.pages import PAGES, PROVIDER_PAGES, Page

TITLE = "🎙️ Voice Clone Playground"

CSS = """
.nav-holder { display: none !important; }  /* Gradio's own page bar: ours (below) shows every page */
.vcp-top > #vcp-lang { flex: 0 0 auto !important; min-width: 170px !important; width: auto !important; }
#vcp-lang .wrap { flex-wrap: nowrap; gap: 4px; }
.vcp-top { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; }
.vcp-top h1 { font-size: 1.35rem; margin: 0; }
.vcp-nav { display: flex; flex-wrap: wrap; gap: 6px; margin: 2px 0 4px; }
.vcp-nav a { display: inline-block; padding: 5px 11px; border-radius: 999px; text-decoration: none;
  border: 1px solid var(--border-color-primary); color: var(--body-text-color); font-size: 0.92rem;
  line-height: 1.3; white-space: nowrap; }
.vcp-nav a[aria-current=page] { background: var(--color-accent); border-color: var(--color-accent); color: white; }
.vcp-nav .vcp-nav-providers a { font-size: 0.85rem; padding: 4px 9px; }
.vcp-nav .vcp-nav-group { display: contents; }
@media (max-width: 640px) {
  .vcp-nav { gap: 5px; }
  .vcp-nav a { padding: 6px 10px; font-size: 0.88rem; }
  .vcp-top h1 { font-size: 1.1rem; }
}
"""


def nav_html(current: Page) -> str:
    def link(page: Page) -> str:
        here = ' aria-current="page"' if page == current else ""
        return f'<a href="{page.href}" data-page="{page.path or "arena"}"{here}>{html.escape(page.name)}</a>'

    main = [p for p in PAGES if p.kind != "provider"]
    return (
        '<nav class="vcp-nav" aria-label="Pages">'
        f'<span class="vcp-nav-group">{"".join(link(p) for p in main)}</span>'
        f'<span class="vcp-nav-group vcp-nav-providers">{"".join(link(p) for p in PROVIDER_PAGES)}</span>'
        "</nav>"
    )


def build_chrome(current: Page) -> None:
    """The top of `current`: title and language switch on one line, then the navigation bar."""
    with gr.Row(elem_classes=["vcp-top"], equal_height=True):
        gr.HTML(f"<h1>{html.escape(TITLE)}</h1>", elem_id="vcp-title", padding=False, scale=1)
        i18n.build_language_switch()  # English / 中文 (follows the browser, remembers a choice)
    gr.HTML(nav_html(current), elem_id="vcp-nav", padding=False)
    if hosted.is_hosted():
        gr.Markdown(hosted.describe(), elem_id="vcp-hosted")
