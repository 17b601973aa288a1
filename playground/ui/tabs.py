"""The provider pages, in the navigation bar's order: one line per provider (ui/pages/ makes each a page).

Every tab is made by ui/tab_builder.py from the provider's declarations (adapter + presets `ui`);
`hooks` adds what a declaration cannot say (see tab_builder.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from playground.ui import minimax_tab, openai_compat_tab, siliconflow_tab, zhipu_tab


@dataclass(frozen=True)
class Tab:
    pid: str
    title: str
    hooks: Any = None
    path: str = ""  # the provider's page, "/<path>" (default: its id)

    @property
    def page_path(self) -> str:
        return self.path or self.pid


TABS: list[Tab] = [
    Tab("siliconflow", "SiliconFlow", hooks=siliconflow_tab.HOOKS),
    Tab("minimax", "MiniMax", hooks=minimax_tab.HOOKS),
    Tab("zhipu", "Zhipu BigModel", hooks=zhipu_tab.HOOKS),
    Tab("openai_compat", "OpenAI-compatible", hooks=openai_compat_tab.HOOKS, path="openai"),
    Tab("elevenlabs", "ElevenLabs"),
    Tab("fishaudio", "Fish Audio"),
    Tab("cartesia", "Cartesia"),
]


def hooks_of(pid: str) -> Any:
    return next((t.hooks for t in TABS if t.pid == pid), None)


@cache
def speak_handler(pid: str) -> Callable:
    """The speak endpoint of a provider as the app wires it (its page's summary included): one function
    per provider, shared by the page's events and the library's re-run."""
    from playground.ui.tab_handlers import make_speak_handler

    return make_speak_handler(pid, getattr(hooks_of(pid), "speak_summary", None))
