"""What the MiniMax tab adds to the generic one (ui/tab_builder.py builds the rest from
presets/minimax.json `ui`): the clones of this session (MiniMax lists a clone only after its first
use in speech, so the session state `clones` keeps them and the voice list shows them), the voice_id
helpers (a fresh suggestion per page load, Suggest, the rules check), the pause/interjection buttons,
the voice choices (system voices and your clones) and the summaries of upload, clone, speak and delete.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import gradio as gr

from playground import messages, providers
from playground.library.access import library_voice_ids
from playground.providers.minimax_checks import suggest_voice_id, voice_id_problem
from playground.ui.common import speech_summary

PID = "minimax"
PRIVATE = dict(api_visibility="private", queue=False)
NOT_LISTED = "not yet listed by MiniMax (it appears after its first use in speech)"
SESSION_TYPE = "voice_cloning (this session)"
KEEP_IT = "Use it in *Speak* within 7 days, or MiniMax deletes it."


def _mm():
    return providers.get(PID)


def _mode(result) -> str:
    return "sandbox" if result.sandbox else "live"


def minimax_suggest_voice_id() -> str:
    """A fresh valid voice_id per page load (its name is the API endpoint's: provider-prefixed)."""
    return suggest_voice_id()


# -- summaries and the session state (called by the generic handlers, ui/tab_handlers.py) ----------
def upload_summary(result, raw: dict) -> str:
    notes = f" · {'; '.join(result.notes)}" if result.notes else ""
    return (
        f"**Uploaded** {result.sample.info.describe()} as `{result.extra['purpose']}` · "
        f"file_id `{result.voice_id}`{notes} · {_mode(result)}."
    )


def clone_summary(result, raw: dict) -> str:
    parts = [f"**Cloned** `{result.voice_id}`", _mode(result)]
    if result.extra.get("clone_prompt"):
        parts.append("with a prompt clip")
    if result.extra.get("demo_audio"):
        parts.append("preview below")
    else:
        parts.append("no preview (give a preview text and a model to get one)")
    parts += result.notes
    return " · ".join(parts) + "\n\n" + KEEP_IT


def clone_state(result, raw: dict, clones) -> list[dict]:
    """The new clone joins this session's list (MiniMax lists it only after its first use)."""
    clones = [c for c in (clones or []) if c.get("voice_id") != result.voice_id]
    return [*clones, {"voice_id": result.voice_id, "created": time.strftime("%Y-%m-%d %H:%M")}]


def speak_summary(result, update) -> str:
    extra = []
    if result.first_audio_s is not None:
        extra.append(
            f"first audio chunk {result.first_audio_s:.2f} s (streamed live)"
            if update.stream
            else f"first audio chunk {result.first_audio_s:.2f} s"
        )
    if result.audio_url:
        extra.append("downloaded from the returned link (valid 24 h)")
    if result.extra_info.get("audio_length"):
        extra.append(f"audio length {result.extra_info['audio_length'] / 1000:.1f} s")
    if result.request_id:
        extra.append(f"Trace-Id `{result.request_id}`")
    return " · ".join([speech_summary(result), *extra])


def voices_rows(rows: list, voices: list, raw: dict, clones) -> list[list[str]]:
    """[voice_id, name, type, status, created]: the status from the voice's kind, then this session's
    clones MiniMax does not list yet (when the list shows clones)."""
    tr = messages.translate  # the status is words for the reader; the type stays the API's value
    rows = [[*r[:3], tr("system voice" if r[3] == "system" else "listed by MiniMax"), r[4]] for r in rows]
    if (raw.get("voice_type") or "all") in ("all", "voice_cloning"):
        listed = {r[0] for r in rows}
        rows += [
            [c["voice_id"], c["voice_id"], SESSION_TYPE, tr(NOT_LISTED), c.get("created", "")]
            for c in (clones or [])
            if c.get("voice_id") not in listed
        ]
    return rows


def delete_summary(voice_id: str, answer: str) -> str:
    return f"`{voice_id}`: **{answer}**. This voice_id can never be used again."


def delete_state(voice_id: str, clones) -> list[dict]:
    return [c for c in (clones or []) if c.get("voice_id") != voice_id]


# -- UI-only helpers (private events) ------------------------------------------------------------
def voice_choices(rows) -> list[tuple[str, str]]:
    """The system voices, then your clones from the voice list (this session's too)."""
    spec = _mm().spec
    choices = [(f"{vid} · {label}", vid) for vid, label in spec["system_voices"].items()]
    seen = {c[1] for c in choices}
    for row in rows or []:
        if len(row) > 2 and row[0] and row[0] not in seen and "system" not in str(row[2]):
            mine = "your clone (this session)" if row[2] == SESSION_TYPE else "your clone"
            choices.append((f"{row[0]} · {messages.translate(mine)}", row[0]))
            seen.add(row[0])
    return choices


def _on_rows(rows, current):
    return gr.update(choices=voice_choices(rows), value=current or _mm().spec["default_voice"])


def check_voice_id(voice_id: str, rows=None, api_key: str = "") -> str:
    """The rules, then whether the id is taken: in the voice library (this key's scope) or in the
    provider's list as the tab shows it (MiniMax refuses an id it has seen, even a deleted one)."""
    voice_id = (voice_id or "").strip()
    problem = voice_id_problem(voice_id, _mm().spec["limits"]["voice_id_chars"])
    if problem is not None:
        return messages.translate(f"❌ The voice_id {problem}. Try `{suggest_voice_id(voice_id)}`.")
    if voice_id in library_voice_ids(PID, api_key):
        return messages.translate(
            f"❌ `{voice_id}` is already in your voice library: MiniMax refuses a voice_id twice. "
            f"Try `{suggest_voice_id(voice_id)}`."
        )
    if any(len(r) > 0 and r[0] == voice_id for r in rows or []):
        return messages.translate(
            f"❌ `{voice_id}` is already in MiniMax's voice list. Try `{suggest_voice_id(voice_id)}`."
        )
    return messages.translate(f"✅ `{voice_id}` follows the rules and is not in your library or MiniMax's list.")


def after_field(ctx: SimpleNamespace, op: str, name: str, component) -> None:
    if op == "clone" and name == "voice_id":
        # a new suggestion per page load: an explicit load event of this page (a callable value's own load
        # event is attached again at every page's end in a multipage app, onto whichever page closes last)
        root = gr.context.Context.root_block
        if root is not None:
            root.load(minimax_suggest_voice_id, None, [component], api_name="minimax_suggest_voice_id")
        ctx.suggest = gr.Button("Suggest", size="sm", elem_id="mm-clone-suggest")
        ctx.voice_check = gr.Markdown(elem_id="mm-clone-voice-check")
    elif op == "speak" and name == "text":
        with gr.Row():
            ctx.inserts = [
                gr.Button(tag, size="sm", elem_id=f"mm-speak-insert-{i}")
                for i, tag in enumerate(["<#0.5#>", *ctx.spec["interjections"]])
            ]
    elif op == "speak" and name == "voice_id":
        component.choices = voice_choices([])


def wire(ctx: SimpleNamespace) -> None:
    voice_id = ctx.forms["clone"].fields["voice_id"]
    table = ctx.forms["voices"].outputs[0]
    voice_id.change(check_voice_id, [voice_id, table, ctx.api_key], [ctx.voice_check], **PRIVATE)
    ctx.suggest.click(lambda v: suggest_voice_id(v), [voice_id], [voice_id], **PRIVATE)
    text, voice = ctx.forms["speak"].fields["text"], ctx.forms["speak"].fields["voice_id"]
    for button in ctx.inserts:
        button.click(None, [text], [text], js=f"(t) => t + ' {button.value} '", **PRIVATE)
    table.change(_on_rows, [table, voice], [voice], **PRIVATE)


HOOKS = SimpleNamespace(
    after_field=after_field,
    wire=wire,
    upload_summary=upload_summary,
    clone_summary=clone_summary,
    clone_state=clone_state,
    speak_summary=speak_summary,
    voices_rows=voices_rows,
    delete_summary=delete_summary,
    delete_state=delete_state,
)
