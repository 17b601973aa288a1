"""The landing page: the Voice Arena (one sample cloned at every provider, heard and scored)."""

from __future__ import annotations

import gradio as gr

from playground.ui.arena_tab import build_arena_tab

FIRST_STEP = (
    "**Start here:** record or upload 10-30 s of your voice, tick the consent box and press "
    "**Clone everywhere**; then listen to every provider's clone side by side and see which sounds most "
    "like you."
)


def build() -> None:
    gr.Markdown(FIRST_STEP, elem_id="vcp-first-step")  # the one line that says what to do
    build_arena_tab()
