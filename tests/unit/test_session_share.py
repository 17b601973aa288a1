"""The per-address session share applies in hosted mode only: locally, every session comes from the
one machine, and a share made 32 sessions from loopback evict each other's state (bench/concurrency.py
took 8 s instead of 1.5 s)."""

from __future__ import annotations

import gradio as gr
import pytest

from playground.ui.guards import ClientStateHolder


@pytest.fixture
def holder():
    with gr.Blocks() as demo:
        gr.Textbox()
    state = ClientStateHolder()
    state.capacity = 100
    state.set_blocks(demo)
    return state


def open_sessions(holder: ClientStateHolder, n: int) -> None:
    for i in range(n):
        holder[f"session-{i}"]  # every session from the same address
        holder.update(f"session-{i}")


def test_local_sessions_of_one_address_all_stay(holder, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MODE", "local")
    open_sessions(holder, 32)
    assert len(holder.session_data) == 32


def test_hosted_address_keeps_its_share(holder, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    monkeypatch.setenv("PLAYGROUND_SESSIONS_PER_CLIENT", "20")
    open_sessions(holder, 32)
    assert len(holder.session_data) == 20 and "session-31" in holder.session_data
