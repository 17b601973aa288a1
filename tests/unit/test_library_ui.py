"""The library tab finds every provider's key box and speak form; a failed record never leaks the key."""

from __future__ import annotations

import asyncio
import logging

import gradio as gr
import pytest

from playground.config import Secret, Target
from playground.library import hooks
from playground.providers.base import UploadResult


def test_the_library_page_holds_the_tabs_keys_and_use_it_reaches_every_speak_form():
    """The library is a page of its own (ui/pages/): its key boxes are invisible, empty in the config and
    filled in the browser with what the tab holds; "Use it" lands on the provider's page, which selects
    the voice (and its speak sub-tab)."""
    from playground.ui.layout import build_app

    demo = build_app()
    by_elem = {getattr(b, "elem_id", None): b for b in demo.blocks.values()}
    for pid in ("siliconflow", "minimax", "zhipu", "openai_compat"):
        held = by_elem[f"vcp-held-key-{pid}"]
        assert held.page == "library" and held.value == "" and held.visible is False
    registry = demo.__dict__["vcp_registry"]
    pages = {"siliconflow": "siliconflow", "minimax": "minimax", "zhipu": "zhipu", "openai_compat": "openai"}
    for pid, page in pages.items():
        assert registry[f"{pid}.key"].elem_id == f"{pid}-key" and registry[f"{pid}.key"].page == page
        assert registry[f"{pid}.key"].value == ""  # keys are inputs, never values in the page config
        arrived = by_elem[f"{pid}-used-voice"]
        receiver = next(fn for fn in demo.fns.values() if any(t[0] == arrived._id for t in fn.targets))
        outputs = receiver.outputs
        assert registry[f"{pid}.speak"]["voice"] in outputs and arrived.page == page
        if pid in ("siliconflow", "minimax", "zhipu"):
            assert any(isinstance(o, gr.Tabs) for o in outputs)  # the speak sub-tab is selected too


def test_a_failed_record_is_a_note_and_the_log_has_no_key(monkeypatch, caplog):
    def broken():
        raise OSError("disk full for sk-canary-hooks")

    monkeypatch.setattr(hooks, "default_store", broken)
    result = UploadResult(
        voice_id="speech:x:1", provider="siliconflow", model="m", name="x", sample=None, sandbox=False
    )
    with caplog.at_level(logging.ERROR):
        note = asyncio.run(
            hooks.record_voice(result, Target("siliconflow", "https://x", Secret("sk-canary-hooks"), False))
        )
    assert "not saved in the voice library" in note
    assert "sk-canary" not in caplog.text and "OSError" in caplog.text


def test_the_history_filter_keeps_one_arena_family():
    from playground.ui.families_ui import only_family

    rows = [
        {"id": 1, "handler": "arena", "params": '{"family": 3}'},
        {"id": 2, "handler": "arena", "params": '{"family": 4}'},
        {"id": 3, "handler": "siliconflow_speak", "params": '{"family": 3}'},  # not an Arena take
    ]
    assert only_family(rows, "all") == rows and only_family(rows, None) == rows
    assert [r["id"] for r in only_family(rows, "3")] == [1] and [r["id"] for r in only_family(rows, "#4")] == [2]
    with pytest.raises(Exception, match="Choose a family"):
        only_family(rows, "three")
