"""Generic endpoint handlers built from a provider's declarations (see tab_builder.py).

A handler's signature is the named API endpoint's: its parameters are the operation's fields,
then the account fields, then `api_key`, with the declared defaults (so a caller of the API sends
only what it needs). Handlers are thin: values in, one adapter call, values out. They do not
depend on the Blocks, so the voice library can re-run a take with `speak_handler(pid)`.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import Any, Callable

import gradio as gr

from playground import presets, providers
from playground.library.hooks import record_take
from playground.ui.common import download_file, speech_summary, ui_errors
from playground.ui.form_fields import coerce, default_of, resolve
from playground.ui.live_player import live_summary, player_value, speak_live, streaming_outputs

SpeakSummary = Callable[[Any, Any], str]  # (result, live update) -> Markdown


def ui_spec(pid: str) -> dict:
    spec = presets.load(pid)
    if "ui" not in spec:
        raise KeyError(f"presets/{pid}.json has no 'ui' section")
    return spec["ui"]


def operation(pid: str, op: str) -> dict:
    return ui_spec(pid)["operations"][op]


def fields(pid: str, op: str) -> list[dict]:
    """The resolved fields of an operation (presets values filled in)."""
    spec = presets.load(pid)
    return [resolve(f, spec) for f in operation(pid, op).get("fields", [])]


def account_fields(pid: str) -> list[dict]:
    spec = presets.load(pid)
    return [resolve(f, spec) for f in ui_spec(pid).get("account", [])]


def signature(pid: str, op: str, *, progress: bool = False) -> inspect.Signature:
    """name=default for every field (required fields first have none), then api_key=""."""
    params, seen_default = [], False
    for f in [*fields(pid, op), *account_fields(pid)]:
        required = f.get("required") and not seen_default
        default = inspect.Parameter.empty if required else default_of(f)
        seen_default = seen_default or not required
        params.append(inspect.Parameter(f["name"], inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))
    params.append(inspect.Parameter("api_key", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=""))
    if progress:
        params.append(inspect.Parameter("progress", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=gr.Progress()))
    return inspect.Signature(params)


def _values(pid: str, op: str, sig: inspect.Signature, args: tuple, kwargs: dict) -> tuple[dict, dict, str, Any]:
    """(coerced field values, account values, api_key, progress) of one call."""
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    raw = dict(bound.arguments)
    by_name = {f["name"]: f for f in [*fields(pid, op), *account_fields(pid)]}
    values = {name: coerce(by_name[name], raw[name]) for name in by_name}
    account = {f["name"]: values[f["name"]] for f in account_fields(pid)}
    return values, account, raw.get("api_key") or "", raw.get("progress")


def default_speak_summary(result: Any, update: Any) -> str:
    text = speech_summary(result) + live_summary(update)
    notes = getattr(result, "notes", None) or []
    return text + "".join(f"\n\n- ℹ️ {note}" for note in notes)


def _named(fn: Callable, name: str, doc: str, sig: inspect.Signature) -> Callable:
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    wrapped = ui_errors(fn)
    wrapped.__signature__ = sig  # what Gradio names the API parameters by (and their defaults)
    return wrapped


def make_speak_handler(pid: str, summary: SpeakSummary | None = None) -> Callable:
    """The speak endpoint: request from the fields, checked before the live player opens, streamed
    when the adapter says so, recorded in the library (without the key)."""
    decl = operation(pid, "speak")
    api_name = decl["api_name"]
    sig = signature(pid, "speak", progress=True)
    summarize = summary or default_speak_summary

    async def handler(*args: Any, **kwargs: Any):
        adapter = providers.get(pid)
        values, account, api_key, progress = _values(pid, "speak", sig, args, kwargs)
        settings = dict(values)  # kept with the take (the key never is) for a re-run from History
        request = adapter.check_speak(adapter.request_from_fields("speak", values))  # fails before the player opens
        if isinstance(progress, gr.Progress):
            progress(0.3, desc="Synthesising…")
        async for update in speak_live(lambda on_chunk: adapter.speak(request, api_key=api_key, on_chunk=on_chunk,
                                                                       **account),
                                       **adapter.live_options(request)):
            if update.result is None:
                yield streaming_outputs(update)
                continue
            result = update.result
            await record_take(api_name, result, adapter.target(api_key, **account), settings)
            yield result.audio.playable(), download_file(result), summarize(result, update), player_value(update)

    return _named(handler, api_name, decl.get("description", f"Text to speech with {pid}."), sig)


@lru_cache(maxsize=None)
def speak_handler(pid: str) -> Callable:
    """The speak endpoint of a provider as the app wires it (its tab's summary included)."""
    from playground.ui.tabs import hooks_of

    return make_speak_handler(pid, getattr(hooks_of(pid), "speak_summary", None))
