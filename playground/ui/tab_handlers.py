"""Generic endpoint handlers built from a provider's declarations (see tab_builder.py).

A handler's signature is the named API endpoint's: its parameters are the operation's fields,
then the account fields (then the fields declared "after_account"), then `api_key`, with the
declared defaults (so a caller of the API sends only what it needs), then the session state when
the operation keeps one (a gr.State: not part of the API). Handlers are thin: values in, one
adapter call, values out. They do not depend on the Blocks, so the voice library can re-run a take
with `tabs.speak_handler(pid)`.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from playground import presets, providers
from playground.errors import InputError
from playground.library.hooks import record_take, record_upload, record_voice
from playground.ui.clinic_ui import require_consent
from playground.ui.common import download_file, speech_summary, ui_errors
from playground.ui.form_fields import INPUT_TYPES, coerce, default_of, resolve
from playground.ui.live_player import live_summary, player_value, speak_live, streaming_outputs

SpeakSummary = Callable[[Any, Any], str]  # (result, live update) -> Markdown


def ui_spec(pid: str) -> dict:
    spec = presets.load(pid)
    if "ui" not in spec:
        raise KeyError(f"presets/{pid}.json has no 'ui' section")
    return spec["ui"]


def operation(pid: str, op: str) -> dict:
    return ui_spec(pid)["operations"][op]


def _called(pid: str, f: dict) -> dict:
    """`default_call` / `choices_call`: the default or the choices an adapter method returns (no
    arguments; e.g. the region the configured base URL points at, a fresh voice id suggestion)."""
    if "default_call" not in f and "choices_call" not in f:
        return f
    adapter, out = providers.get(pid), dict(f)
    for key in ("default", "choices"):
        if f"{key}_call" in out:
            out[key] = getattr(adapter, out.pop(f"{key}_call"))()
    return out


def _resolved(pid: str, decls: list[dict]) -> list[dict]:
    spec = presets.load(pid)
    return [_called(pid, resolve(f, spec)) for f in decls]


def fields(pid: str, op: str, *, inputs_only: bool = True) -> list[dict]:
    """The resolved fields of an operation (presets values filled in); notes only when asked."""
    out = _resolved(pid, operation(pid, op).get("fields", []))
    return [f for f in out if f["type"] in INPUT_TYPES] if inputs_only else out


def account_fields(pid: str) -> list[dict]:
    return _resolved(pid, ui_spec(pid).get("account", []))


def delete_fields(pid: str) -> list[dict]:
    """The delete row's own fields (e.g. a voice type), parameters after the id."""
    return _resolved(pid, operation(pid, "voices").get("delete", {}).get("fields", []))


def parameters(pid: str, op: str) -> list[dict]:
    """An endpoint's fields in parameter order: the operation's, the account fields, then the ones
    declared `"after_account": true` (an order an earlier API had, kept for positional callers)."""
    own = fields(pid, op)
    after = [f for f in own if f.get("after_account")]
    return [f for f in own if not f.get("after_account")] + account_fields(pid) + after


def state_name(pid: str, op: str) -> str | None:
    """The session state an operation reads and returns (`ui.state` + the operation's "state": true):
    a hidden last parameter and a last output, e.g. MiniMax's clones of this session."""
    state = ui_spec(pid).get("state")
    decl = operation(pid, op) if op != "delete" else operation(pid, "voices").get("delete", {})
    return state["name"] if state and decl.get("state") else None


def _signature(decls: list[dict], state: str | None, progress: bool) -> inspect.Signature:
    params, seen_default = [], False
    for f in decls:
        required = f.get("required") and not seen_default
        default = inspect.Parameter.empty if required else default_of(f)
        seen_default = seen_default or not required
        params.append(inspect.Parameter(f["name"], inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default))
    params.append(inspect.Parameter("api_key", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=""))
    if state:  # a gr.State input: Gradio keeps it out of the API
        params.append(inspect.Parameter(state, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None))
    if progress:
        params.append(inspect.Parameter("progress", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=gr.Progress()))
    return inspect.Signature(params)


def signature(pid: str, op: str, *, progress: bool = False) -> inspect.Signature:
    """name=default for every field (required fields first have none), then api_key="" (then the
    session state, when the operation declares one)."""
    return _signature(parameters(pid, op), state_name(pid, op), progress)


@dataclass
class Call:
    """One call of a generated handler: the request's values (by request field name), the account
    values, the key, and the raw arguments by API name (what a take keeps, minus the key)."""

    values: dict
    account: dict
    api_key: str
    raw: dict
    progress: Any = None
    state: Any = None


def _call(pid: str, op: str, sig: inspect.Signature, args: tuple, kwargs: dict) -> Call:
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    raw = dict(bound.arguments)
    decls = fields(pid, op)
    for f in decls:  # consent first (before a sample is even read), then a missing sample
        if f["type"] == "consent":
            require_consent(raw[f["name"]])
    values = {f.get("to", f["name"]): coerce(f, raw[f["name"]]) for f in decls}
    for f in decls:
        if f["type"] == "audio" and f.get("required") and values[f.get("to", f["name"])] is None:
            raise InputError("Record or upload a voice sample first.")
    every = {f["name"]: coerce(f, raw[f["name"]]) for f in account_fields(pid)}
    # keywords of the adapter's operations and target(): only the ones it declares (ACCOUNT_FIELDS);
    # the others reach it inside the request (from_fields) and as list/delete filters
    account = {k: v for k, v in every.items() if k in providers.get(pid).ACCOUNT_FIELDS}
    progress = raw.pop("progress", None)
    name = state_name(pid, op)
    state = raw.pop(name, None) if name else None
    return Call({**values, **every}, account, raw.pop("api_key", "") or "", raw, progress, state)


def default_speak_summary(result: Any, update: Any) -> str:
    text = speech_summary(result) + live_summary(update)
    notes = getattr(result, "notes", None) or []
    return text + "".join(f"\n\n- ℹ️ {note}" for note in notes)


def _named(fn: Callable, name: str, doc: str, sig: inspect.Signature) -> Callable:
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    wrapped = ui_errors(fn)
    # what Gradio names the API parameters by (and their defaults): inspect.signature() honours __signature__
    wrapped.__signature__ = sig  # type: ignore[attr-defined]  # a function attribute Callable does not declare
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
        # the request is read and checked off the event loop (a reference clip is decoded), and a bad
        # field fails here, before the live player opens
        call = await asyncio.to_thread(_call, pid, "speak", sig, args, kwargs)
        api_key, account = call.api_key, call.account
        request = await asyncio.to_thread(
            lambda: adapter.check_speak(adapter.request_from_fields("speak", call.values))
        )
        if isinstance(call.progress, gr.Progress):
            call.progress(0.3, desc="Synthesising…")
        async for update in speak_live(
            lambda on_chunk: adapter.speak(request, api_key=api_key, on_chunk=on_chunk, **account),
            **adapter.live_options(request),
        ):
            if update.result is None:
                yield streaming_outputs(update)
                continue
            result = update.result
            # the take keeps the call's arguments (never the key) for a re-run from History
            await record_take(api_name, result, adapter.target(api_key, **account), call.raw)
            yield result.audio.playable(), download_file(result), summarize(result, update), player_value(update)

    return _named(handler, api_name, decl.get("description", f"Text to speech with {pid}."), sig)


def _mode(result: Any) -> str:
    return "sandbox" if result.sandbox else "live"


def default_created_summary(verb: str) -> Callable:
    def summary(result: Any, raw: dict) -> str:
        notes = "".join(f"\n\n- ℹ️ {note}" for note in result.notes)
        return f"**{verb}** `{result.name}` as `{result.voice_id}` · {_mode(result)}.{notes}"

    return summary


def make_create_handler(pid: str, op: str, summary: Callable | None = None, hooks: Any = None) -> Callable:
    """upload / clone: request from the fields (consent required where declared), one adapter call,
    recorded in the voice library ("records": "voice" or "file"), then (id, [preview,] summary)
    (a clone declared `"returns_id": false` returns (preview, summary)), then the session state
    `hooks.<op>_state(result, raw, state)` makes, when the operation declares "state"."""
    decl = operation(pid, op)
    sig = signature(pid, op, progress=True)
    summarize = summary or default_created_summary("Uploaded" if op == "upload" else "Cloned")
    keeps_state = state_name(pid, op) is not None

    async def handler(*args: Any, **kwargs: Any):
        adapter = providers.get(pid)
        call = await asyncio.to_thread(_call, pid, op, sig, args, kwargs)  # samples are read off the loop
        if isinstance(call.progress, gr.Progress):
            call.progress(0.3, desc="Sending…")
        request = adapter.request_from_fields(op, call.values)
        method = adapter.upload_voice if op == "upload" else adapter.clone_voice
        result = await method(request, api_key=call.api_key, **call.account)
        target = adapter.target(call.api_key, **call.account)
        info = summarize(result, call.raw)
        if decl.get("records", "voice") == "voice":
            source = decl.get("source_field")
            transcript = decl.get("transcript_field", "text")  # null: the library keeps no transcript
            info += await record_voice(
                result,
                target,
                transcript=str(call.values.get(transcript) or "") if transcript else "",
                source_file_id=str(call.raw.get(source) or "").strip() if source else None,
            )
        else:
            info += await record_upload(result, target)
        out: tuple = (result.voice_id, info)
        if op == "clone":
            preview = result.extra.get("preview") or result.extra.get("demo_audio")
            out = (result.voice_id, (preview.playable() if preview else None), info)
            if not decl.get("returns_id", True):
                out = out[1:]
        if keeps_state:
            out += (getattr(hooks, f"{op}_state")(result, call.raw, call.state),)
        return out

    return _named(handler, decl["api_name"], decl.get("description", f"{op} with {pid}."), sig)


def voice_rows(pid: str, voices: list) -> list[list[str]]:
    """Rows of the voices table: the declared columns, read off each Voice ("extra.x" reads Voice.extra)."""
    rows = []
    for v in voices:
        row = []
        for column in operation(pid, "voices")["columns"]:
            value = v.extra.get(column[6:]) if column.startswith("extra.") else getattr(v, column, None)
            row.append("" if value is None else str(value))
        rows.append(row)
    return rows


def make_voices_handler(pid: str, hooks: Any = None) -> Callable:
    """The voice list: the declared columns, then `hooks.voices_rows(rows, voices, raw, state)` when
    given (computed columns; voices the provider does not list yet, kept in the session state)."""
    decl = operation(pid, "voices")
    sig = signature(pid, "voices")
    finish = getattr(hooks, "voices_rows", None)

    async def handler(*args: Any, **kwargs: Any):
        call = _call(pid, "voices", sig, args, kwargs)
        filters = {k: v for k, v in call.values.items() if v is not None}  # filters and account fields
        voices = await providers.get(pid).list_voices(api_key=call.api_key, **filters)
        rows = voice_rows(pid, voices)
        return finish(rows, voices, call.raw, call.state) if finish else rows

    return _named(handler, decl["api_name"], decl.get("description", f"The voices of this {pid} key."), sig)


def delete_signature(pid: str) -> inspect.Signature:
    """The id (required), the delete row's fields, the account fields, api_key (, the session state)."""
    name = operation(pid, "voices")["delete"]["name"]
    decls = [{"name": name, "type": "text", "required": True}, *delete_fields(pid), *account_fields(pid)]
    return _signature(decls, state_name(pid, "delete"), False)


def make_delete_handler(pid: str, hooks: Any = None) -> Callable:
    """Delete one voice: `hooks.delete_summary(voice_id, answer)` words the answer and
    `hooks.delete_state(voice_id, state)` drops it from the session state, when declared."""
    decl = operation(pid, "voices")["delete"]
    sig = delete_signature(pid)
    state = state_name(pid, "delete")
    summarize = getattr(hooks, "delete_summary", None)

    async def handler(*args: Any, **kwargs: Any):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        raw = dict(bound.arguments)
        voice_id = str(raw[decl["name"]] or "").strip()
        options = {f["name"]: coerce(f, raw[f["name"]]) for f in delete_fields(pid)}
        options = {k: v for k, v in options.items() if v is not None}  # empty: the adapter's default
        options.update({f["name"]: coerce(f, raw[f["name"]]) for f in account_fields(pid)})
        answer = await providers.get(pid).delete_voice(voice_id, api_key=raw.get("api_key") or "", **options)
        info = summarize(voice_id, answer) if summarize else f"**Deleted** `{voice_id}` ({answer})."
        if state:
            return info, hooks.delete_state(voice_id, raw.get(state))
        return info

    return _named(handler, decl["api_name"], decl.get("description", "Delete one voice by its id."), sig)
