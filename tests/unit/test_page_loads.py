"""Opening a page calls the server only for what that page lists (its voices), never for a value a
component could know in the browser: Gradio attaches a component's callable `value=` to the load of
every page of the app, so one such value made each visit call the server once per page (12 calls)."""

from __future__ import annotations

import collections

import gradio as gr
import pytest


@pytest.fixture(scope="module")
def demo(monkeypatch_module):
    monkeypatch_module.setenv("PLAYGROUND_MODE", "hosted")
    from playground.ui.layout import build_app

    return build_app()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_no_component_has_a_value_computed_on_the_server_at_each_load(demo):
    computed = [
        (type(b).__name__, b.elem_id)
        for b in demo.blocks.values()
        if isinstance(b, gr.components.Component) and getattr(b, "load_event_to_attach", None)
    ]
    assert computed == []


def test_each_load_event_belongs_to_one_page_and_few_reach_the_server(demo):
    by_page = collections.defaultdict(list)
    for fn in demo.fns.values():
        loads = [t for t in fn.targets if t[1] == "load"]
        assert len(loads) <= 1, (fn.name, len(loads))
        if loads and fn.fn is not None:
            by_page[fn.page].append(fn.name)
    assert all(len(names) <= 2 for names in by_page.values()), dict(by_page)  # a provider page's voices
    assert by_page.get("", []) == [] and by_page.get("about", []) == []
