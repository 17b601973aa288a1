"""What every provider tab shares: the sandbox/live badge, the session key box,
error translation, and per-request download files with meaningful names."""

from __future__ import annotations

import collections
import functools
import inspect
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import gradio as gr

from playground import config, downloads, hosted, messages, presets
from playground.errors import PlaygroundError
from playground.providers.base import SpeechResult

log = logging.getLogger("playground.ui")


def badge_markdown(provider_id: str) -> str:
    spec = presets.load(provider_id)
    if config.is_sandbox(provider_id):
        return (
            f"🧪 **Sandbox mode**: {spec['label']} calls go to the built-in simulator of its API "
            f"(synthetic espeak voice, nothing is billed). To use the real service, set `{spec['env_key']}` "
            f"in `.env` (or the environment) and restart, or paste a key below for this session only."
        )
    return (
        f"🟢 **Live**: using `{spec['env_key']}` from the environment against "
        f"`{config.configured_base_url(provider_id)}`. Calls may be billed."
    )


def step_tabs(**kwargs: Any) -> gr.Tabs:
    """The tab bar of a page's steps: on a phone the tabs wrap onto a second row, none is folded
    into Gradio's "•••" menu (tests/browser/test_layout_browser.py checks every page)."""
    return gr.Tabs(overflow_behavior="wrap", **kwargs)


def build_badge(provider_id: str) -> gr.Markdown:
    return gr.Markdown(badge_markdown(provider_id), elem_id=f"{provider_id}-badge", elem_classes=["mode-badge"])


def build_key_box(provider_id: str) -> gr.Textbox:
    """The key panel (ui/keys.py); returns its password Textbox, elem_id `{provider_id}-key`."""
    from playground.ui.keys import build_key_panel

    return register(f"{provider_id}.key", build_key_panel(provider_id))


def register(name: str, component: Any) -> Any:
    """Remember a component by name on the Blocks being built (e.g. `siliconflow.key`,
    `siliconflow.voice`), so a later tab (the voice library) can wire to it. Returns it."""
    root = gr.context.Context.root_block
    if root is not None:
        root.__dict__.setdefault("vcp_registry", {})[name] = component
    return component


def registered(name: str) -> Any:
    """A component registered on the Blocks being built, or None."""
    root = gr.context.Context.root_block
    return None if root is None else root.__dict__.get("vcp_registry", {}).get(name)


def _translated(fn_name: str, exc: Exception) -> gr.Error:
    if isinstance(exc, gr.Error):
        if isinstance(exc.message, str):
            exc.message = messages.translate(exc.message)
        exc.title = messages.translate(exc.title)
        return exc
    if isinstance(exc, PlaygroundError):
        return gr.Error(
            messages.user_message(exc), title=messages.translate("Could not complete that"), print_exception=False
        )
    # a bug of ours: log the type and place, show a plain message
    log.error("unexpected error in %s", fn_name, exc_info=exc)
    return gr.Error(
        messages.translate(
            f"Unexpected error ({type(exc).__name__}). Your inputs are unchanged; try again, "
            "and report it if it persists."
        ),
        title=messages.translate("Error"),
        print_exception=False,
    )


def _request_headers() -> dict[str, str] | None:
    request = gr.context.LocalContext.request.get(None)
    headers = getattr(request, "headers", None)
    return {k.lower(): v for k, v in dict(headers).items()} if headers is not None else None


def register_language_lookup() -> None:
    """Handler messages follow the page's language (playground/messages.py)."""
    messages.use_headers_lookup(_request_headers)


def _localized(value: Any) -> Any:
    """A handler's return value with its message strings in the reader's language (summaries are
    str; tuples of outputs are walked one level; anything unknown is unchanged)."""
    if isinstance(value, str):
        return messages.translate(value)
    if isinstance(value, tuple):
        return tuple(messages.translate(v) if isinstance(v, str) else v for v in value)
    return value


_LAST_ERRORS: collections.OrderedDict[tuple[str, str], str] = collections.OrderedDict()
_LAST_ERRORS_MAX = 2000


def _remember_error(fn_name: str, error: gr.Error) -> None:
    """The message of this visitor's last failed call of `fn_name`, for the result area (last_error)."""
    key = (hosted.session_id(), fn_name)
    _LAST_ERRORS[key] = str(error.message)
    _LAST_ERRORS.move_to_end(key)
    while len(_LAST_ERRORS) > _LAST_ERRORS_MAX:
        _LAST_ERRORS.popitem(last=False)


def last_error(fn_name: str) -> Callable[[], str]:
    """A handler for an event's `.failure()`: the error stays in the result area with its message
    (the toast goes away; the result area keeps saying what went wrong)."""

    def show() -> Any:
        message = _LAST_ERRORS.pop((hosted.session_id(), fn_name), None)
        return f"❌ {message}" if message else gr.update()  # none: cancelled, nothing to say

    show.__name__ = f"{fn_name}_error"
    return show


def ui_errors(fn: Callable) -> Callable:
    """Typed errors become readable messages in the page; nothing else leaks a traceback.
    Works for async handlers and async-generator handlers (streamed speech)."""

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def generator_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                async for item in fn(*args, **kwargs):
                    yield _localized(item)
            except Exception as exc:
                error = _translated(fn.__name__, exc)
                _remember_error(fn.__name__, error)
                raise error from None

        return generator_wrapper

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return _localized(await fn(*args, **kwargs))
        except Exception as exc:
            error = _translated(fn.__name__, exc)
            _remember_error(fn.__name__, error)
            raise error from None

    return wrapper


def slug(text: str, limit: int = 40) -> str:
    """A file-name-safe short form of a voice: `speech:name:...` -> name, `model:alex` -> alex."""
    if text.startswith("speech:"):
        text = text.split(":")[1] if text.count(":") >= 1 else text
    elif ":" in text:
        text = text.rsplit(":", 1)[-1]
    return (re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "voice")[:limit]


def download_file(result: SpeechResult) -> str:
    """Write the provider's audio to a file of this request only: {provider}-{voice}-{timestamp}.{ext}."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"{result.provider}-{slug(result.voice_label)}-{stamp}.{result.audio.extension}"
    return downloads.write("take", name, result.audio.download_bytes())


def speech_summary(result: SpeechResult) -> str:
    t = result.timing
    parts = [f"**Done** in {t.total_s or 0:.2f} s (first byte {t.first_byte_s or 0:.2f} s)"]
    audio = result.audio
    parts.append(f"{audio.format}{f' · {audio.sample_rate} Hz' if audio.sample_rate else ''}")
    parts.append(f"{len(audio.data) / 1024:.1f} KiB")
    parts.append(f"voice `{result.voice_label}`")
    parts.append("sandbox" if result.sandbox else "live")
    return " · ".join(parts)
