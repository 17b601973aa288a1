"""The files a page's first screen needs, named in its head (playground/ui/preload.py), read from the
installed Gradio frontend's own import maps."""

from __future__ import annotations

import json

from playground.ui import page_cache, preload


def _config(*components: tuple[str, bool]) -> dict:
    return {
        "components": [{"id": i, "type": t, "props": {"visible": v}} for i, (t, v) in enumerate(components)],
        "dependencies": [],
    }


def test_the_installed_frontend_is_read_and_every_named_file_exists():
    shell, components, named = preload.frontend()
    assert any(f.startswith("Blocks-") for f in shell)  # the page's renderer comes with the shell
    for kind in ("textbox", "button", "markdown", "html", "audio", "dataframe", "row", "column", "state"):
        assert components.get(kind), kind
    folder = preload.assets_dir()
    every = set(shell) | {f for files in components.values() for f in files} | named
    assert every and all((folder / f).is_file() for f in every)


def test_a_page_names_what_starts_visible_and_not_what_arrives_after():
    _, components, named = preload.frontend()
    files = preload.files(_config(("textbox", True), ("audio", False), ("button", True)))
    assert components["textbox"][0] in files and components["button"][0] in files
    assert not any(f.startswith("hls-") for f in files)  # the audio player arrives after the first screen
    assert not set(files) & named  # the entry script and its style sheet are already in the page
    assert len(files) == len(set(files))


def test_the_cached_page_carries_the_links_in_its_head():
    config = _config(("textbox", True))
    page = f"<html><head><title>x</title></head><body><script>window.gradio_config = {json.dumps(config)};</script></body></html>"
    body = page_cache.slim_html(page.encode()).decode()
    head = body.split("</head>")[0]
    assert '<link rel="modulepreload" crossorigin href="./assets/' in head
    assert '<link rel="preload" as="style" crossorigin href="./assets/' in head


def test_a_frontend_of_another_shape_names_nothing(monkeypatch, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<html></html>")
    monkeypatch.setattr(preload, "assets_dir", lambda: tmp_path / "assets")
    preload.frontend.cache_clear()
    try:
        assert preload.frontend() == ([], {}, set())
        assert preload.links(_config(("textbox", True))) == ""
    finally:
        preload.frontend.cache_clear()
