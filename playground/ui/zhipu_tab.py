"""What the Zhipu tab adds to the generic one (ui/tab_builder.py builds the rest from
presets/zhipu.json `ui`): voice choices per model (system, legacy, your clones from the voice
list), the new clone selected in Speak, and the summaries of upload, clone and speak.
"""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from playground import providers
from playground.ui import tab_handlers
from playground.ui.common import speech_summary, ui_errors
from playground.ui.live_player import live_summary

PID = "zhipu"
PRIVATE = dict(api_visibility="private", queue=False)


def _zp():
    return providers.get(PID)


def _mode(sandbox: bool) -> str:
    return "sandbox" if sandbox else "live"


def upload_summary(result, raw: dict) -> str:
    extra = result.extra
    notes = "".join(f"\n\n⚠️ {note}" if "recommends" in note else f"\n\nℹ️ {note}" for note in result.notes)
    return (
        f"**Uploaded** `{result.name}` ({extra['duration_s']:.1f} s, {extra.get('bytes') or result.sample.size:,} "
        f"bytes, purpose `{extra['purpose']}`) · {_mode(result.sandbox)}. "
        f"The file id is filled in *Clone voice*.{notes}"
    )


def clone_summary(result, raw: dict) -> str:
    notes = "".join(f"\n\n⚠️ {note}" for note in result.notes)
    return (
        f"**Cloned** `{result.name}` as voice `{result.voice_id}` with {result.model} · request id "
        f"`{result.extra['request_id']}` · preview file `{result.extra.get('preview_file_id')}` "
        f"({result.extra.get('file_purpose')}, played from the voice list's download link) · "
        f"{_mode(result.sandbox)}. The voice is selected in *Speak*.{notes}"
    )


def speak_summary(result, update) -> str:
    summary = speech_summary(result) + live_summary(update)
    if update.stream:
        summary += f" ({result.request_fields.get('encode_format', 'base64')} SSE)"
    if result.audio.format == "pcm":
        summary += " · pcm wrapped as 16-bit mono wav to play"
    return summary


def _clones(rows) -> list[list[str]]:
    """[name, voice id] of your clones among the voice table's rows [name, voice, type, ...]."""
    return [[r[0], r[1]] for r in (rows or []) if len(r) > 2 and r[2] == "PRIVATE"]


def voice_choices(model: str, clones) -> list[tuple[str, str]]:
    spec = _zp().spec
    legacy = spec["speech_models"].get(model, {}).get("legacy_voices", [])
    return (
        [(f"{label} (system)", v) for v, label in spec["system_voices"].items()]
        + [(f"{v} (legacy {model})", v) for v in legacy]
        + [(f"{name} (clone)", vid) for name, vid in (clones or [])]
    )


def _on_voice_options(model, rows, current):
    """New choices; the value only when the current one is not among them (an event that set a new
    voice meanwhile, e.g. after a clone, must not be undone by a stale `current`)."""
    choices = voice_choices(model, _clones(rows))
    if current in [v for _, v in choices]:
        return gr.update(choices=choices)
    return gr.update(choices=choices, value=_zp().spec["default_voice"])


@ui_errors
async def _after_clone(voice, model, api_key):
    """The voice list and the Speak voice in one answer, so the new clone stays selected."""
    rows = tab_handlers.voice_rows(PID, await _zp().list_voices(api_key=api_key))
    return rows, gr.update(choices=voice_choices(model, _clones(rows)), value=voice)


def after_field(ctx: SimpleNamespace, op: str, name: str, component) -> None:
    if op == "speak" and name == "voice":
        component.choices = voice_choices(ctx.spec["default_speech_model"], [])


def wire(ctx: SimpleNamespace) -> None:
    speak, table = ctx.forms["speak"], ctx.forms["voices"].outputs[0]
    model, voice = speak.fields["model"], speak.fields["voice"]
    for trigger in (model.change, table.change):
        trigger(_on_voice_options, [model, table, voice], [voice], **PRIVATE)
    ctx.events["clone"].success(
        _after_clone, [ctx.forms["clone"].outputs[0], model, ctx.api_key], [table, voice], api_visibility="private"
    )


HOOKS = SimpleNamespace(
    after_field=after_field,
    wire=wire,
    upload_summary=upload_summary,
    clone_summary=clone_summary,
    speak_summary=speak_summary,
)
