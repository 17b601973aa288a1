"""Typed keyword arguments for Gradio event listeners: `.click(**spec)` with a plain `dict(...)` is typed
`dict[str, object]` and hides mistakes from mypy; these TypedDicts keep each argument's real type."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, TypedDict

from gradio.blocks import BlockContext
from gradio.components import Component

Targets = Component | BlockContext | Sequence[Component | BlockContext] | None


class EventOptions(TypedDict, total=False):
    """Listener options spread into many events (`**private`)."""

    api_visibility: Literal["public", "private", "undocumented"]
    queue: bool
    show_progress: Literal["full", "minimal", "hidden"]
    trigger_mode: Literal["once", "multiple", "always_last"] | None


class EventSpec(EventOptions, total=False):
    """A whole listener (function, inputs, outputs and options) reused on several triggers."""

    fn: Callable | None
    inputs: Targets
    outputs: Targets
    js: str | None
    api_name: str | None
