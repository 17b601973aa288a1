"""What a page's first screen does not show is fetched just after it (playground/ui/deferred.py)."""

from __future__ import annotations

import json

import gradio as gr

from playground.ui import deferred


def _page():
    with gr.Blocks() as demo:
        button = gr.Button("Go")
        text = gr.Textbox(label="On screen")
        audio = gr.Audio(label="Heavy, on screen")
        kept_hidden = gr.Textbox(visible=False)
        state = gr.State(1)
        with gr.Column(visible=False):
            in_hidden = gr.Textbox()
        with gr.Accordion("Closed", open=False):
            in_closed = gr.Slider()
        with gr.Accordion("Open"):
            in_open = gr.Checkbox()
        with gr.Tabs():
            with gr.Tab("First"):
                first_tab = gr.Dropdown(["a"])
            with gr.Tab("Second"):
                second_tab = gr.Number()
        shown = deferred.defer("")
    return demo, locals()


def _shown_by(demo, trigger: str):
    return [fn for fn in demo.fns.values() if fn.fn is None and fn.js and {t[1] for t in fn.targets} == {trigger}]


def test_heavy_and_offscreen_components_start_hidden_and_a_browser_only_event_shows_them():
    demo, c = _page()
    assert set(map(id, c["shown"])) == set(map(id, [c["audio"], c["in_hidden"], c["in_closed"], c["second_tab"]]))
    assert all(b.visible is False for b in c["shown"])
    # first-screen light components, components hidden on purpose and state are left as they were
    assert c["button"].visible and c["text"].visible and c["in_open"].visible and c["first_tab"].visible
    assert c["kept_hidden"].visible is False
    show = [{"__type__": "update", "visible": True}]
    (load,) = _shown_by(demo, "load")  # the page's own: as soon as it is drawn
    assert [o._id for o in load.outputs] == [c["audio"]._id, c["in_hidden"]._id]
    assert json.loads(load.js.split("return ", 1)[1].rstrip("; }")) == show * 2
    assert load.queue is False and load.api_visibility == "private"
    (expand,) = _shown_by(demo, "expand")  # the closed accordion's: when it first opens
    assert [o._id for o in expand.outputs] == [c["in_closed"]._id]
    (select,) = _shown_by(demo, "select")  # the unselected tab's: when it is first chosen
    assert [o._id for o in select.outputs] == [c["second_tab"]._id]
    for once in (expand, select):
        assert once.queue is False and once.api_visibility == "private"
        # shown the first time; later openings change nothing (a part a handler hid stays hidden)
        assert json.dumps(show) in once.js and '[{"__type__": "update"}]' in once.js and "__vcpShown" in once.js


def test_a_page_with_nothing_to_defer_gets_no_load_event():
    with gr.Blocks() as demo:
        gr.Button("Go")
        assert deferred.defer("") == []
    assert not demo.fns


def test_only_the_pages_own_components_are_touched():
    with gr.Blocks() as demo:
        landing = gr.Audio(label="landing")
    with demo.route("Other", "/other"):
        other = gr.Audio(label="other page")
        assert deferred.defer("other") == [other]
    assert landing.visible is True and other.visible is False
