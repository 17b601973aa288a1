"""The Scripts page: a dialogue in several cloned voices, and subtitles dubbed on time (ui/scripts_tab.py)."""

from __future__ import annotations

from playground.ui.scripts_tab import build_scripts_tab


def build() -> None:
    build_scripts_tab()
