"""The Compare page: one text at up to 8 provider/voice pairs at once, and long text."""

from __future__ import annotations

from playground.ui.compare_tab import build_compare_tab


def build() -> None:
    build_compare_tab()
