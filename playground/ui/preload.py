"""The files a page's first screen needs, announced in its HTML so the browser fetches them at once.

Gradio's page loads its code as a chain: the entry script, then the app shell, then the page's
renderer, then (once the config is read) each component's module and what that imports. Every link
waits for the one before, so on a slow phone or a busy server the first screen waits for four
round trips in a row. `links(config)` lists, as `<link rel=modulepreload>` (scripts) and
`<link rel=preload as=style>` (style sheets), the shell, the renderer and the modules of the page's
components that start visible (ui/deferred.py hides the rest until the first screen is drawn); the
page cache (ui/page_cache.py) puts them in the page's head, where the browser starts them all at once.

The names come from the installed Gradio frontend's own import maps (Vite's `__vite__mapDeps`), read
once. Should their shape ever differ, nothing is announced and pages load as they did.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

log = logging.getLogger(__name__)

_DEPS_LIST = re.compile(r"m\.f=\[([^\]]*)\]")
# a dynamic import and the files Vite loads with it: import(`./X.js`)…,__vite__mapDeps([1,2,…])
_IMPORT = re.compile(r"import\(`\./([\w.-]+)`\)(?:(?!import\()[^\[]){0,80}?__vite__mapDeps\(\[([\d,]*)\]\)")
# the start of one entry of the component map: `name:{base:…,example:…,component:…}` (no braces inside)
_ENTRY_START = re.compile(r"[{,](\w+):\{(?=(?:base|example|component):\(\)=>)")
_ENTRY = re.compile(r'<script type="module" crossorigin src="\./assets/([\w.-]+\.js)"')
_SHEET = re.compile(r'<link rel="stylesheet" crossorigin href="\./assets/([\w.-]+\.css)"')


def assets_dir() -> Path:
    import gradio

    return Path(gradio.__file__).parent / "templates" / "frontend" / "assets"


def _names(text: str) -> list[str]:
    found = _DEPS_LIST.search(text)
    if not found:
        return []
    return [n.strip().strip('"').removeprefix("./") for n in found.group(1).split(",") if n.strip()]


def _imports(file: str) -> dict[str, list[str]]:
    """A module's dynamic imports: target -> the files Vite loads with it (the target first)."""
    text = (assets_dir() / file).read_text(encoding="utf-8")
    names = _names(text)
    out: dict[str, list[str]] = {}
    for target, indexes in _IMPORT.findall(text):
        deps = [names[int(i)] for i in indexes.split(",") if i and int(i) < len(names)]
        out.setdefault(target, [target, *deps])
    return out


@functools.cache
def frontend() -> tuple[list[str], dict[str, list[str]], set[str]]:
    """(the files every page loads before its components, {component type: its files}, the files the
    page's HTML already names); empty when the installed frontend does not have the expected shape."""
    try:
        folder = assets_dir()
        template = (folder.parent / "index.html").read_text(encoding="utf-8")
        entry_match = _ENTRY.search(template)
        if entry_match is None:
            raise LookupError("no entry script")
        entry = entry_match.group(1)
        shell: list[str] = []
        for target, files in _imports(entry).items():
            if target.startswith("Index-"):  # the app shell; it imports the page's renderer (Blocks)
                shell += files
                blocks = next((f for t, f in _imports(target).items() if t.startswith("Blocks-")), [])
                shell += blocks
        core = next(p for p in sorted(folder.glob("core-*.js")) if "accordion:{component:" in p.read_text("utf-8"))
        text = core.read_text(encoding="utf-8")
        names = _names(text)
        components: dict[str, list[str]] = {}
        for start in _ENTRY_START.finditer(text):
            body = text[start.end() : text.find("}", start.end())]
            part = body[body.find("component:") :] if "component:" in body else ""
            found = _IMPORT.search(part)
            if found:
                target, indexes = found.groups()
                deps = [names[int(i)] for i in indexes.split(",") if i and int(i) < len(names)]
                components.setdefault(start.group(1), [target, *deps])
        if not shell or not components:
            raise LookupError("no shell or no component map")
        named = {entry, *_SHEET.findall(template)}
        return list(dict.fromkeys(shell)), components, named
    except (OSError, LookupError, StopIteration, ValueError) as exc:
        log.warning("pages announce no files to preload: %s", exc)
        return [], {}, set()


def first_screen_types(config: dict) -> list[str]:
    """Component types of the page that start visible (their modules load before the first screen)."""
    types = []
    for comp in config.get("components") or []:
        props = comp.get("props") or {}
        if props.get("visible", True) is not False and isinstance(comp.get("type"), str):
            types.append("state" if comp["type"] == "api" else comp["type"])
    return list(dict.fromkeys(types))


def files(config: dict) -> list[str]:
    """The shell's files, then those of each component type that starts visible (once each, in order)."""
    shell, components, named = frontend()
    out = list(shell)
    for kind in first_screen_types(config):
        out += components.get(kind, [])
    return [f for f in dict.fromkeys(out) if f.endswith((".js", ".css")) and f not in named]


def links(config: dict) -> str:
    """The <link> tags for the page's head."""
    tags = []
    for name in files(config):
        if name.endswith(".css"):
            tags.append(f'<link rel="preload" as="style" crossorigin href="./assets/{name}">')
        else:
            tags.append(f'<link rel="modulepreload" crossorigin href="./assets/{name}">')
    return "".join(tags)


__all__ = ["files", "first_screen_types", "frontend", "links"]
