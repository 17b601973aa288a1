"""The provider tabs, in page order: one line per provider.

Every tab is made by ui/tab_builder.py from the provider's declarations (adapter + presets `ui`);
`hooks` adds what a declaration cannot say (see tab_builder.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.ui import minimax_tab, openai_compat_tab, siliconflow_tab, zhipu_tab


@dataclass(frozen=True)
class Tab:
    pid: str
    title: str
    hooks: Any = None


TABS: list[Tab] = [
    Tab("siliconflow", "SiliconFlow", hooks=siliconflow_tab.HOOKS),
    Tab("minimax", "MiniMax", hooks=minimax_tab.HOOKS),
    Tab("zhipu", "Zhipu BigModel", hooks=zhipu_tab.HOOKS),
    Tab("openai_compat", "OpenAI-compatible", hooks=openai_compat_tab.HOOKS),
    Tab("elevenlabs", "ElevenLabs"),
    Tab("fishaudio", "Fish Audio"),
    Tab("cartesia", "Cartesia"),
]


def hooks_of(pid: str) -> Any:
    return next((t.hooks for t in TABS if t.pid == pid), None)


def build_tab(tab: Tab) -> dict | None:
    """Build one provider's tab (inside its gr.Tab); returns a page-load event or None."""
    from playground.ui.tab_builder import build_provider_tab

    return getattr(build_provider_tab(tab.pid, tab.hooks), "load_event", None)
