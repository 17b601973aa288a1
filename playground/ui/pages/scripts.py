"""The Scripts page: a dialogue in several cloned voices, and subtitles dubbed on time."""

from __future__ import annotations

import gradio as gr


def build() -> None:
    intro = "### Scripts\nA dialogue in several cloned voices, and subtitles dubbed on time."
    gr.Markdown(intro, elem_id="scripts-intro")
