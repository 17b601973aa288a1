"""What a page's first screen does not show arrives later, in a real browser (playground/ui/deferred.py):
after the first frame, when a closed accordion or an unselected tab first opens (a tab chosen by a
click or by a handler), and a part a handler hid stays hidden when its tab opens again."""

from __future__ import annotations

import gradio as gr
import pytest

from playground.sandbox.server import free_port
from playground.ui import deferred


@pytest.fixture(scope="module")
def deferred_app():
    with gr.Blocks() as demo:
        with gr.Tabs() as tabs:
            with gr.Tab("One", id="one"):
                gr.Button("Go", variant="primary", elem_id="go")
                on_screen = gr.Audio(label="Heavy on screen", elem_id="heavy")
                to_two = gr.Button("To two", elem_id="to-two")
                with gr.Accordion("Closed", open=False):
                    gr.Code("print(1)", language="python", elem_id="in-closed")
            with gr.Tab("Two", id="two"):
                table = gr.Dataframe([[1, 2]], headers=["a", "b"], elem_id="in-tab")
                hide = gr.Button("Hide the table", elem_id="hide")
            with gr.Tab("Three", id="three"):
                gr.Markdown("third", elem_id="in-third")
        shown = deferred.defer("")
        to_two.click(lambda: gr.Tabs(selected="two"), None, tabs)
        hide.click(lambda: gr.Dataframe(visible=False), None, table)
    assert on_screen in shown and table in shown
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url)
    page.locator("#go").wait_for(state="visible")
    return context, page


def test_heavy_parts_arrive_after_the_first_screen_and_a_closed_accordions_when_it_opens(browser, deferred_app):
    context, page = _open(browser, deferred_app)
    try:
        page.locator("#heavy").wait_for(state="visible")  # once the first frame is drawn
        assert not page.locator("#in-closed").is_visible()
        page.get_by_text("Closed").click()
        page.locator("#in-closed").wait_for(state="visible")
    finally:
        context.close()


@pytest.mark.parametrize("how", ["click", "handler"])
def test_an_unselected_tabs_parts_are_drawn_when_it_is_chosen(browser, deferred_app, how):
    context, page = _open(browser, deferred_app)
    try:
        if how == "click":
            page.get_by_role("tab", name="Two").click()
        else:
            page.locator("#to-two").click()
        page.locator("#in-tab").wait_for(state="visible")
        assert page.locator("#in-tab").get_by_text("a", exact=True).count() >= 1  # its value, drawn
        page.get_by_role("tab", name="Three").click()
        page.locator("#in-third").wait_for(state="visible")
    finally:
        context.close()


def test_a_part_a_handler_hid_stays_hidden_when_its_tab_opens_again(browser, deferred_app):
    context, page = _open(browser, deferred_app)
    try:
        page.get_by_role("tab", name="Two").click()
        page.locator("#in-tab").wait_for(state="visible")
        page.locator("#hide").click()
        page.locator("#in-tab").wait_for(state="hidden")
        page.get_by_role("tab", name="One").click()
        page.locator("#go").wait_for(state="visible")
        page.get_by_role("tab", name="Two").click()
        page.locator("#hide").wait_for(state="visible")
        page.wait_for_timeout(500)  # the tab's select event has run by now
        assert not page.locator("#in-tab").is_visible()
    finally:
        context.close()
