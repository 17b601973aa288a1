"""The pages a visitor navigates, one module each (Gradio multipage: `demo.route`).

Each page's config holds only its own components and events, so a visit to one page downloads,
parses and renders only what it shows (README, "Pages"). `PAGES` is the table of contents: the
path, the name in the navigation bar, and the module that builds the page.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.ui.tabs import TABS


@dataclass(frozen=True)
class Page:
    path: str  # "" is the landing page ("/"); others are "/<path>"
    name: str  # in the navigation bar (translated like every UI string: presets/i18n.json)
    kind: str  # "arena", "provider", "library", "compare", "scripts", "about"
    provider: str | None = None  # provider pages: the provider id

    @property
    def href(self) -> str:
        """Relative to the page the link is on (every page sits one level under the root, which also
        holds behind a proxy's path prefix)."""
        return f"./{self.path}"


PROVIDER_PAGES = [Page(t.page_path, t.title, "provider", t.pid) for t in TABS]  # one per line of ui/tabs.py

PAGES: list[Page] = [
    Page("", "Arena", "arena"),
    *PROVIDER_PAGES,
    Page("library", "Voice library", "library"),
    Page("compare", "Compare", "compare"),
    Page("scripts", "Scripts", "scripts"),
    Page("about", "About & API", "about"),
]


def page_of_provider(provider_id: str) -> Page | None:
    return next((p for p in PROVIDER_PAGES if p.provider == provider_id), None)


def paths() -> list[str]:
    """Every page's URL path ("/", "/siliconflow", ...)."""
    return ["/" + p.path for p in PAGES]
