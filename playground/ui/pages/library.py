"""The voice library page: every voice made here and every take (History), per account."""

from __future__ import annotations

from playground.ui.library_tab import build_library_tab


def build() -> None:
    build_library_tab()
