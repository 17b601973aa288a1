"""The Scripts page: a dialogue in several cloned voices (`script_speak`), and subtitles dubbed on
time (`dub`). Thin handlers over playground/scripts: values in, one run, values out.

Both stream their progress: the timing table fills in line by line (and the progress bar moves)
while the lines are spoken; Cancel stops every line still running. Like Compare, calls use the
configured key of each provider or its sandbox. A failed line keeps its row (the provider's words)
and can be spoken again alone (private events, with the run kept in a gr.State).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import gradio as gr

from playground import compare, cpu, downloads, messages, presets
from playground.errors import InputError
from playground.scripts import dialogue, dubbing
from playground.scripts.cast import library_voices
from playground.scripts.parse import limits
from playground.scripts.speaking import Item
from playground.ui.common import step_tabs, ui_errors
from playground.ui.event_args import EventOptions
from playground.ui.fair_queue import build_cancel_button, wire_cancel

YIELD_EVERY_S = 0.4  # the table is re-sent at most this often while lines come in


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def _file(name: str, data: bytes | None) -> str | None:
    return downloads.write("scripts", name, data) if data else None


async def _progressing(
    items: list[Item], work, progress: Any, what: str, rows_of
) -> AsyncIterator[tuple[Any, list[list], str]]:
    """Run `work(on_change)`; yield (None, rows, summary) as items finish, then (output, rows, '')."""
    done: list[int] = []
    task = asyncio.create_task(work(lambda item: done.append(item.number)))
    total, shown = len(items), 0
    try:
        yield None, rows_of(), messages.translate(f"Speaking: 0 of {total} {what} done…")
        while not task.done():
            await asyncio.wait({task}, timeout=YIELD_EVERY_S)  # returns at once when the run ends
            if task.done() or len(done) == shown:
                continue
            shown = len(done)
            text = messages.translate(f"Speaking: {shown} of {total} {what} done…")
            progress(shown / max(total, 1), desc=text)
            yield None, rows_of(), text
        yield task.result(), rows_of(), ""
    finally:
        if not task.done():  # Cancel, or the page went away: stop every line still running
            task.cancel()


# -- dialogue: handlers (= API endpoints) ---------------------------------------------------------------
@ui_errors
async def script_speak(script, cast, gap_s=0.3, output_format="wav", native_dialogue=False, progress=gr.Progress()):
    """Speak a dialogue. script: one turn per line `Name: text` (a line without a name continues the
    previous speaker; `[pause 1.5s]` or `[pause 800ms]` on its own line sets the silence between the
    lines around it). cast: one line per speaker `Name = provider|voice` (the pairs of `compare`, or a
    library voice by name); a single `provider|voice` line casts everyone. gap_s: silence between
    lines. output_format: wav or mp3. native_dialogue: a two-speaker script cast at SiliconFlow's
    fnlp/MOSS-TTSD-v0.5 with two library voices is spoken by the model in one take ([S1]/[S2] with
    both references; no per-line times). Returns the track, a zip with one file per line (and the
    SRT), the SRT with the real times, the timing table and a summary."""
    run = await cpu.run(dialogue.plan, script, cast, gap_s, output_format, bool(native_dialogue), kind="before")
    progress(0.02, desc=messages.translate(f"Speaking {len(run.items)} lines…"))
    async for out, rows, note in _progressing(
        run.items, lambda cb: dialogue.speak(run, cb), progress, "lines", lambda: dialogue.rows(run)
    ):
        if out is None:
            yield run, None, None, None, rows, note
        else:
            yield (run, *_dialogue_files(run, out))


def _dialogue_files(run: dialogue.Dialogue, out: dialogue.Output) -> tuple:
    stamp = _stamp()
    return (
        out.track,
        _file(f"script-{stamp}.zip", out.zip),
        _file(f"script-{stamp}.srt", out.srt.encode("utf-8")) if out.srt else None,
        out.rows,
        out.summary,
    )


@ui_errors
async def _on_retry_line(run, number):
    if not isinstance(run, dialogue.Dialogue):
        raise InputError("Speak the script first.")
    out = await dialogue.retry(run, _number(number))
    return (run, *_dialogue_files(run, out))


def _number(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise InputError("Type the number to retry.") from None


# -- dubbing: handlers -------------------------------------------------------------------------------------
def _subtitle_bytes(subtitles: Any) -> tuple[bytes, str]:
    if not subtitles:
        raise InputError("Choose a subtitle file (.srt or .vtt) first.")
    path = Path(subtitles if isinstance(subtitles, (str, Path)) else subtitles.get("path"))
    top = int(limits()["max_subtitle_bytes"])
    with path.open("rb") as fh:  # read no more than the limit (and one byte to know it is over)
        data = fh.read(top + 1)
    return data, path.name


@ui_errors
async def dub(subtitles, cast, max_tempo=1.25, output_format="wav", progress=gr.Progress()):
    """Dub subtitles: an .srt or .vtt file (UTF-8; `<v Name>` tags or `Name: text` prefixes pick the
    voice from cast, written as for `script_speak`). Each cue's speech starts at the cue's start;
    a take longer than its slot is sped up without a pitch change up to max_tempo; what still does
    not fit is never cut (the next cue waits, and the table says by how much). Returns the track (at
    least as long as the last cue's end), a zip of per-cue files, the timing table and a summary."""
    data, name = await asyncio.to_thread(_subtitle_bytes, subtitles)
    run = await cpu.run(dubbing.plan, data, name, cast, max_tempo, output_format, kind="before")
    progress(0.02, desc=messages.translate(f"Speaking {len(run.items)} cues…"))
    async for out, rows, note in _progressing(
        run.items, lambda cb: dubbing.speak(run, cb), progress, "cues", lambda: dubbing.rows(run)
    ):
        if out is None:
            yield run, None, None, rows, note
        else:
            yield (run, *_dub_files(out))


def _dub_files(out: dubbing.Output) -> tuple:
    return out.track, _file(f"dub-{_stamp()}.zip", out.zip), out.rows, out.summary


@ui_errors
async def _on_retry_cue(run, number):
    if not isinstance(run, dubbing.Dub):
        raise InputError("Dub the subtitles first.")
    out = await dubbing.retry(run, _number(number))
    return (run, *_dub_files(out))


# -- helpers of the page (private) ----------------------------------------------------------------------------
def _examples(language):
    ex = presets.load("scripts")["examples"]
    lang = "zh" if language == "zh" else "en"
    return ex[f"script_{lang}"], ex[f"cast_{lang}"]


def _example_subtitles():
    return downloads.write("scripts", "example.srt", presets.load("scripts")["examples"]["subtitles_en"].encode())


def _voice_choices() -> list[tuple[str, str]]:
    """Compare's system voices, then the caller's library voices by name (what the cast reads too)."""
    seen: dict[str, str] = {}
    for name, pair in library_voices():  # each voice comes under its name first, then its id: keep the name
        seen.setdefault(pair.key, f"{presets.load(pair.provider_id)['label']} · {name} (library)")
    return compare.system_pairs() + [(label, key) for key, label in seen.items()]


def _on_add_to_cast(cast, name, pair):
    if not pair:
        raise gr.Error("Choose a voice to add.")
    name = (name or "").strip()
    line = f"{name} = {pair}" if name else pair
    current = (cast or "").rstrip("\n")
    return f"{current}\n{line}" if current else line


def _on_refresh_voices(current):
    return gr.update(choices=_voice_choices(), value=current)


# -- layout ------------------------------------------------------------------------------------------------
INTRO = (
    "Cast each speaker with the voice that suits them, at any provider: **Dialogue** speaks a script "
    "line by line into one track with subtitles; **Dubbing** speaks a subtitle file so each line starts "
    "on its cue. Every line is kept in the voice library's History."
)
SCRIPT_HELP = (
    "One turn per line: `Name: text`. A line without a name continues the previous speaker. "
    "`[pause 1.5s]` or `[pause 800ms]` on its own line sets the silence between the lines around it."
)
DUB_HELP = (
    "An `.srt` or `.vtt` file in UTF-8. A `<v Name>` voice tag or a `Name: text` prefix picks the voice "
    "from the cast; a cue without one takes the cast's line for everyone. Each cue's speech starts at the "
    "cue's start. A take longer than its cue is sped up without a pitch change, up to the highest tempo; "
    "what still does not fit is never cut: the next cue waits for it, and the table says by how much."
)
NATIVE_LABEL = "Native dialogue: MOSS-TTSD speaks both speakers in one take (two library voices uploaded for it)"
CAST_HELP = (
    "One line per speaker: `Name = provider|voice` (as in Compare), or a voice of your library by name. "
    "A single `provider|voice` line casts everyone."
)


def _cast_helper(cast: gr.Textbox, prefix: str) -> None:
    with gr.Row(elem_classes=["scripts-cast-helper"]):
        name = gr.Textbox(label="Speaker", scale=1, min_width=100, elem_id=f"{prefix}-cast-name")
        voice = gr.Dropdown(
            compare.system_pairs(), value=None, label="Voice", scale=3, min_width=180, elem_id=f"{prefix}-cast-voice"
        )
    with gr.Row():
        add = gr.Button("Add to cast", size="sm", elem_id=f"{prefix}-cast-add")
        refresh = gr.Button("Add voices from the library", size="sm", elem_id=f"{prefix}-cast-refresh")
    private: EventOptions = {"api_visibility": "private", "queue": False}
    add.click(_on_add_to_cast, [cast, name, voice], [cast], **private)
    refresh.click(_on_refresh_voices, [voice], [voice], api_visibility="private")


def _results_and_runs(
    prefix: str, *, files: list[tuple[str, str]], headers: list[str], retry: tuple, run: tuple
) -> None:
    """Under a form: the summary, the track, the downloads, the table of lines (or cues) and "retry one";
    the run (an endpoint), the retry of one line and the cancel button wired to them.

    `retry`: (elem_id suffix, number label, button label, handler); `run`: (button, cancel button,
    handler, inputs, api_name). Both handlers answer [state, track, *files, table, summary]."""
    retry_suffix, number_label, retry_label, on_retry = retry
    run_btn, cancel, handler, inputs, api_name = run
    summary = gr.Markdown(elem_id=f"{prefix}-summary")
    track = gr.Audio(label="Track", interactive=False, elem_id=f"{prefix}-track")
    with gr.Row():
        downloads = [gr.File(label=label, interactive=False, elem_id=f"{prefix}-{key}") for key, label in files]
    table = gr.Dataframe(headers=headers, interactive=False, wrap=True, elem_id=f"{prefix}-table")
    with gr.Row():
        number = gr.Number(1, label=number_label, precision=0, minimum=1, elem_id=f"{prefix}-{retry_suffix}", scale=1)
        retry_btn = gr.Button(retry_label, size="md", elem_id=f"{prefix}-retry", scale=1)
    state = gr.State(None)
    outputs = [state, track, *downloads, table, summary]
    running = run_btn.click(handler, inputs, outputs, api_name=api_name, show_progress_on=[summary])
    retrying = retry_btn.click(on_retry, [state, number], outputs, api_visibility="private", show_progress_on=[summary])
    wire_cancel(cancel, running, retrying)


def _build_dialogue() -> None:
    script_en, cast_en = _examples("en")
    gap = limits()["gap_s"]
    with gr.Row():
        with gr.Column(scale=3):
            script = gr.Textbox(
                script_en, label="Script", lines=9, max_lines=30, info=SCRIPT_HELP, elem_id="dlg-script"
            )
            example = gr.Radio(
                [("English example", "en"), ("中文示例", "zh")], value="en", label="Example", elem_id="dlg-example"
            )
        with gr.Column(scale=2):
            cast = gr.Textbox(cast_en, label="Cast", lines=4, info=CAST_HELP, elem_id="dlg-cast")
            _cast_helper(cast, "dlg")
            gap_s = gr.Slider(
                gap["min"],
                gap["max"],
                value=gap["default"],
                step=0.05,
                label="Gap between lines (s)",
                elem_id="dlg-gap",
            )
            fmt = gr.Radio(["wav", "mp3"], value="wav", label="Track format", elem_id="dlg-format")
            native = gr.Checkbox(False, label=NATIVE_LABEL, elem_id="dlg-native")
            with gr.Row():
                run_btn = gr.Button("Speak script", variant="primary", elem_id="dlg-run")
                cancel = build_cancel_button("dlg-cancel")
    _results_and_runs(
        "dlg",
        files=[("zip", "One file per line (zip)"), ("srt", "Subtitles (SRT)")],
        headers=dialogue.HEADERS,
        retry=("retry-line", "Line to retry", "Retry this line", _on_retry_line),
        run=(run_btn, cancel, script_speak, [script, cast, gap_s, fmt, native], "script_speak"),
    )
    example.change(_examples, [example], [script, cast], api_visibility="private", queue=False)


def _build_dubbing() -> None:
    tempo = limits()["max_tempo"]
    with gr.Row():
        with gr.Column(scale=3):
            subtitles = gr.File(
                label="Subtitles (.srt or .vtt)", file_types=[".srt", ".vtt"], type="filepath", elem_id="dub-file"
            )
            example_btn = gr.Button("Use the example subtitles", size="sm", elem_id="dub-example")
            gr.Markdown(DUB_HELP, elem_id="dub-help")
        with gr.Column(scale=2):
            cast = gr.Textbox(_examples("en")[1], label="Cast", lines=4, info=CAST_HELP, elem_id="dub-cast")
            _cast_helper(cast, "dub")
            max_tempo = gr.Slider(
                tempo["min"],
                tempo["max"],
                value=tempo["default"],
                step=0.05,
                label="Highest tempo (speed-up without pitch change)",
                elem_id="dub-tempo",
            )
            fmt = gr.Radio(["wav", "mp3"], value="wav", label="Track format", elem_id="dub-format")
            with gr.Row():
                run_btn = gr.Button("Dub", variant="primary", elem_id="dub-run")
                cancel = build_cancel_button("dub-cancel")
    _results_and_runs(
        "dub",
        files=[("zip", "One file per cue (zip)")],
        headers=dubbing.HEADERS,
        retry=("retry-cue", "Cue to retry", "Retry this cue", _on_retry_cue),
        run=(run_btn, cancel, dub, [subtitles, cast, max_tempo, fmt], "dub"),
    )
    example_btn.click(_example_subtitles, None, [subtitles], api_visibility="private", queue=False)


def build_scripts_tab() -> None:
    """The page's components and events (endpoints `script_speak` and `dub`)."""
    gr.Markdown(INTRO, elem_id="scripts-intro")
    with step_tabs():
        with gr.Tab("Dialogue", id="scripts-dialogue"):
            _build_dialogue()
        with gr.Tab("Dubbing", id="scripts-dubbing"):
            _build_dubbing()
