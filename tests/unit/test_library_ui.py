"""The library tab finds every provider's key box and speak form; a failed record never leaks the key."""

from __future__ import annotations

import asyncio
import logging

import gradio as gr
import pytest

from playground.config import Secret, Target
from playground.library import hooks
from playground.providers.base import UploadResult


def test_the_library_tab_wires_to_every_key_box_and_speak_form():
    from playground.ui import library_tab
    from playground.ui.layout import build_app

    captured = {}
    original = library_tab._use_targets

    def spy():
        captured["value"] = original()
        return captured["value"]

    library_tab._use_targets = spy
    try:
        demo = build_app()
    finally:
        library_tab._use_targets = original
    registry = demo.__dict__["vcp_registry"]
    for pid in ("siliconflow", "minimax", "zhipu", "openai_compat"):
        assert registry[f"{pid}.key"].elem_id == f"{pid}-key"
        assert registry[f"{pid}.speak"]["voice"] is not None
    outputs, slots = captured["value"]
    assert set(slots) == {"siliconflow", "minimax", "zhipu", "openai_compat"}
    # "use it" selects the provider's tab and, where it has one, its speak sub-tab
    assert "tab:siliconflow" in {w for _, w in slots["siliconflow"]} and "tab:sf-speak-tab" in {
        w for _, w in slots["siliconflow"]
    }
    assert "tab:mm-speak-tab" in {w for _, w in slots["minimax"]}
    assert sum(isinstance(o, gr.Tabs) for o in outputs) == 4  # the main tabs + three speak sub-tab groups
    # keys are inputs, never values in the page config
    for pid in ("siliconflow", "minimax", "zhipu", "openai_compat"):
        assert registry[f"{pid}.key"].value == ""


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
