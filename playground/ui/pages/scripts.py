"""The Scripts page: a dialogue in several cloned voices, and subtitles dubbed on time."""

from __future__ import annotations

import gradio as gr


def build() -> None:
    gr.Markdown("### Scripts\nA dialogue in several cloned voices, and subtitles dubbed on time.", elem_id="scripts-intro")
