"""The Compare tab: one text across up to 8 provider/voice pairs at once, and a Long text sub-tab.

Handlers are thin (playground.compare / playground.longtext do the work). Named endpoints:
`compare` (text, text_zh, pairs, blind) -> figures table, zip of all takes, summary;
`longtext_segments` and `longtext`. The grid, blind voting and tally are UI-only events.
"""

from __future__ import annotations

import random
import string
import time

import gradio as gr

from playground import compare, downloads, longtext, messages, presets
from playground.ui.common import download_file, step_tabs, ui_errors
from playground.ui.event_args import EventOptions

SLOTS = compare.MAX_PAIRS
LETTERS = string.ascii_uppercase[:SLOTS]
DEFAULT_PAIRS = ["siliconflow|FunAudioLLM/CosyVoice2-0.5B:alex", "minimax|English_Graceful_Lady", "zhipu|tongtong"]
SEGMENT_HEADERS = ["#", "characters", "text"]


def _pairs(keys: list[str] | None) -> list[compare.Pair]:
    return [compare.Pair.parse(k) for k in (keys or [])]


def _write_zip(data: bytes) -> str:
    return downloads.write("compare", f"comparison-{time.strftime('%Y%m%d-%H%M%S')}.zip", data)


def _labels(run: dict) -> list[str]:
    if run.get("blind") and not run.get("voted"):
        return [f"Take {LETTERS[run['order'].index(i)]}" for i in range(len(run["cells"]))]
    return [
        f"{c.pair.label}" + (f" · {c.text[:24]}…" if len({x.text for x in run["cells"]}) > 1 else "")
        for c in run["cells"]
    ]


def _summary(cells: list[compare.Cell]) -> str:
    ok = sum(c.ok for c in cells)
    failed = len(cells) - ok
    line = f"**{ok} of {len(cells)} takes finished**" + (f" · {failed} failed (see their cells)" if failed else "")
    return line + (
        f" · playback loudness-matched to {compare.TARGET_LUFS:g} LUFS; downloads are the providers' raw files."
    )


# -- handlers (= API endpoints) -------------------------------------------------------------
@ui_errors
async def compare_run(text, text_zh, pairs, blind, progress=gr.Progress()):
    """Speak `text` (and `text_zh` if given) with every provider/voice pair at once (at most 8 takes).
    pairs: list of "provider|voice" (see the Compare tab). Returns the figures table, a zip of every
    take (raw and loudness-matched) with figures.json, and a summary."""
    chosen = _pairs(pairs)
    progress(0.1, desc=f"Speaking with {len(chosen)} pair(s) at once…")
    cells = await compare.compare([text, text_zh or ""], chosen)
    order = list(range(len(cells)))
    if blind:
        random.shuffle(order)
    run = {"cells": cells, "order": order, "blind": bool(blind), "voted": False}
    table = _table(cells, _labels(run))
    return run, table, _write_zip(compare.zip_bytes(cells)), _summary(cells)


@ui_errors
async def longtext_segments(text, pair):
    """How `text` would be split for `pair` ("provider|voice"): rows of [#, characters, text]."""
    chosen = compare.Pair.parse(pair or "")
    segments = longtext.split_text(longtext.check_length(text), longtext.segment_limit(chosen.provider_id))
    return [[i + 1, len(s), s] for i, s in enumerate(segments)]


@ui_errors
async def longtext_speak(text, pair, output_format, progress=gr.Progress()):
    """Speak a text of any length with one pair: split at sentence ends within the provider's limit,
    synthesize the segments (3 at a time), stitch without clicks or gaps into one file."""
    chosen = compare.Pair.parse(pair or "")
    fmt = output_format if output_format in ("mp3", "wav") else "mp3"

    def report(done: int, total: int, message: str) -> None:
        progress(done / max(total, 1), desc=f"{message} ({done}/{total})")

    long = await longtext.speak_long(chosen, text, fmt=fmt, progress=report)
    stitched = long.stitched
    path = downloads.write(
        "long", f"{chosen.provider_id}-longtext-{time.strftime('%Y%m%d-%H%M%S')}.{fmt}", stitched.data
    )
    info = (
        f"**Stitched {len(long.segments)} segments** into {stitched.duration_s:.1f} s of audio "
        f"({fmt}, {stitched.sample_rate} Hz, {len(stitched.data) / 1024:.0f} KiB) · "
        f"{'sandbox' if long.results[0].sandbox else 'live'}"
    )
    return stitched.data, path, info


# -- UI-only: grid, blind vote, library voices ------------------------------------------------
def _table(cells: list, labels: list[str]) -> list[list]:
    """The figures table with its words ("ok", "n/a") in the page's language (values stay as they are)."""
    return [
        [row[0], messages.translate(row[1]), *(messages.translate(v) if v == "n/a" else v for v in row[2:])]
        for row in compare.figures_table(cells, labels)
    ]


def _slot_updates(run: dict | None) -> list:
    cells = (run or {}).get("cells") or []
    order = (run or {}).get("order") or list(range(len(cells)))
    labels = _labels(run) if run else []
    hidden = bool(run and run.get("blind") and not run.get("voted"))
    out: list = []
    for slot in range(SLOTS):
        if slot >= len(cells):
            out += [gr.update(visible=False), "", None, None, ""]
            continue
        index = order[slot]
        cell = cells[index]
        title = f"### {labels[index]}"
        if cell.figures is None:
            out += [gr.update(visible=True), title, None, None, f"❌ {cell.error or messages.translate('failed')}"]
            continue
        rows = cell.figures.rows()
        if hidden:  # format and rate would give the provider away
            rows = [r for r in rows if r[0] not in ("format", "sample rate", "size")]
        colon = "：" if messages.language() == messages.ZH else ": "
        figures = "\n".join(f"- {messages.label(name)}{colon}**{messages.translate(value)}**" for name, value in rows)
        if cell.notes:
            figures += "\n\n" + "; ".join(messages.translate(n) for n in cell.notes)
        raw = None if hidden else download_file(cell.result)
        out += [gr.update(visible=True), title, cell.playback, raw, figures]
    return out


def _tally_markdown(tally: dict | None) -> str:
    if not tally:
        return "No votes yet."
    ranked = sorted(tally.items(), key=lambda kv: -kv[1])
    return "**Your blind votes** (this browser): " + " · ".join(f"{name} {count}" for name, count in ranked)


def _on_results(run):
    cells = (run or {}).get("cells") or []
    blind = bool(run and run.get("blind"))
    letters = list(LETTERS[: len(cells)])
    vote = gr.update(choices=letters, value=None, visible=blind)
    return [*_slot_updates(run), vote, gr.update(visible=blind)]


def _on_vote(choice, run, tally):
    if not run or not run.get("blind") or run.get("voted"):
        raise gr.Error(messages.translate("Run a blind comparison first."), title=messages.translate("Error"))
    if choice not in LETTERS[: len(run["cells"])]:
        raise gr.Error(messages.translate("Pick the take you liked best."), title=messages.translate("Error"))
    winner = run["cells"][run["order"][LETTERS.index(choice)]]
    tally = dict(tally or {})
    tally[winner.pair.label] = tally.get(winner.pair.label, 0) + 1
    run = {**run, "voted": True}
    reveal = f"You chose **Take {choice}**: {winner.pair.label}."
    table = _table(run["cells"], _labels(run))
    return [
        run,
        tally,
        _tally_markdown(tally),
        reveal,
        table,
        *_slot_updates(run),
        gr.update(visible=False),
        gr.update(visible=False),
    ]


def library_pairs() -> list[tuple[str, str]]:
    """(label, pair key) of the cloned voices in the voice library, if the library is there."""
    try:
        from playground.library import default_store
        from playground.library.access import Keys, scopes_for

        store = default_store()
        rows = store.voices(list(scopes_for(store, Keys()).values()))
    except Exception:  # no library yet, or it cannot be read: system voices still work
        return []
    out = []
    for row in rows:
        pid, vid = row.get("provider"), row.get("voice_id")
        if pid in compare.REQUEST_BUILDERS and vid:
            model = row.get("model") if pid != "siliconflow" or str(vid).startswith("speech:") else None
            key = compare.Pair(pid, str(vid), model or None).key
            label = f"{presets.load(pid)['label']} · {row.get('name') or vid} {messages.translate('(library)')}"
            out.append((label, key))
    return out


def _pair_choices() -> list[tuple[str, str]]:
    return compare.system_pairs() + library_pairs()


def _on_refresh_pairs(current):
    choices = _pair_choices()
    keys = {k for _, k in choices}
    return gr.update(choices=choices, value=[c for c in (current or []) if c in keys])


# -- layout -----------------------------------------------------------------------------------
def build_compare_tab() -> None:
    choices = compare.system_pairs()
    with step_tabs():
        with gr.Tab("Side by side", id="cmp-side-tab"):
            gr.Markdown(
                "Speak one text with up to 8 provider/voice pairs **at once**. Every take is played "
                f"loudness-matched ({compare.TARGET_LUFS:g} LUFS); the download is the provider's raw file."
            )
            with gr.Row():
                with gr.Column(scale=3):
                    text = gr.Textbox(
                        label="Text", lines=3, value=presets.load("zhipu")["examples"]["en"][1], elem_id="cmp-text"
                    )
                    text_zh = gr.Textbox(
                        label="Second text, e.g. Chinese (optional: every pair speaks both)",
                        lines=2,
                        elem_id="cmp-text-zh",
                        placeholder="今天天气不错，我们一起去公园散步吧。",
                    )
                with gr.Column(scale=2):
                    pairs = gr.Dropdown(
                        choices,
                        value=DEFAULT_PAIRS,
                        multiselect=True,
                        max_choices=SLOTS,
                        label="Provider / voice pairs (up to 8)",
                        elem_id="cmp-pairs",
                    )
                    refresh_pairs = gr.Button("Add voices from the library", size="sm", elem_id="cmp-pairs-refresh")
                    blind = gr.Checkbox(
                        False, label="Blind mode: hide which is which until I vote", elem_id="cmp-blind"
                    )
                    run_btn = gr.Button("Compare", variant="primary", elem_id="cmp-run")
            summary = gr.Markdown(elem_id="cmp-summary")
            with gr.Row(visible=False, elem_id="cmp-vote-row") as vote_row:
                vote = gr.Radio([], label="Which take did you like best?", elem_id="cmp-vote", scale=3)
                vote_btn = gr.Button("Vote and reveal", elem_id="cmp-vote-btn", scale=1)
            reveal = gr.Markdown(elem_id="cmp-reveal")
            slots: list = []
            for row_start in range(0, SLOTS, 4):
                with gr.Row():
                    for i in range(row_start, row_start + 4):
                        with gr.Column(visible=False, elem_id=f"cmp-cell-{i}", elem_classes=["cmp-cell"]) as col:
                            title = gr.Markdown(elem_id=f"cmp-cell-{i}-title")
                            player = gr.Audio(
                                label="Loudness-matched", interactive=False, elem_id=f"cmp-cell-{i}-audio"
                            )
                            raw = gr.File(label="Raw file", interactive=False, elem_id=f"cmp-cell-{i}-file")
                            figures = gr.Markdown(elem_id=f"cmp-cell-{i}-figures")
                        slots += [col, title, player, raw, figures]
            table = gr.Dataframe(headers=compare.TABLE_HEADERS, interactive=False, wrap=True, elem_id="cmp-table")
            zip_file = gr.File(label="Download all (zip)", interactive=False, elem_id="cmp-zip")
            tally_md = gr.Markdown("No votes yet.", elem_id="cmp-tally")

        with gr.Tab("Long text", id="cmp-long-tab"):
            gr.Markdown(
                "Text longer than a provider's input limit is split at sentence ends (Chinese and English "
                "punctuation), spoken 3 segments at a time and stitched into one file without clicks or gaps."
            )
            with gr.Row():
                with gr.Column(scale=3):
                    long_text = gr.Textbox(
                        _long_example("en"), label="Long text", lines=8, max_lines=20, elem_id="cmp-long-text"
                    )
                    language = gr.Radio(
                        [("English example", "en"), ("中文示例", "zh")],
                        value="en",
                        label="Example",
                        elem_id="cmp-long-example",
                    )
                with gr.Column(scale=2):
                    long_pair = gr.Dropdown(
                        choices, value=DEFAULT_PAIRS[2], label="Provider / voice", elem_id="cmp-long-pair"
                    )
                    long_format = gr.Radio(
                        ["mp3", "wav"], value="mp3", label="Output format", elem_id="cmp-long-format"
                    )
                    preview_btn = gr.Button("Preview segments", elem_id="cmp-long-preview")
                    long_btn = gr.Button("Speak long text", variant="primary", elem_id="cmp-long-run")
            segments = gr.Dataframe(headers=SEGMENT_HEADERS, interactive=False, wrap=True, elem_id="cmp-long-segments")
            long_audio = gr.Audio(label="Stitched result", interactive=False, elem_id="cmp-long-audio")
            long_file = gr.File(label="Download", interactive=False, elem_id="cmp-long-file")
            long_info = gr.Markdown(elem_id="cmp-long-info")

    run_state = gr.State(None)
    tally = gr.BrowserState({}, storage_key="vcp-blind-tally")
    private: EventOptions = {"api_visibility": "private"}

    run_btn.click(
        compare_run,
        [text, text_zh, pairs, blind],
        [run_state, table, zip_file, summary],
        api_name="compare",
        concurrency_limit=8,
    ).then(_on_results, [run_state], [*slots, vote, vote_row], **private).then(lambda: "", None, [reveal], **private)
    vote_btn.click(
        _on_vote,
        [vote, run_state, tally],
        [run_state, tally, tally_md, reveal, table, *slots, vote, vote_row],
        **private,
    )
    refresh_pairs.click(_on_refresh_pairs, [pairs], [pairs], **private)
    preview_btn.click(longtext_segments, [long_text, long_pair], [segments], api_name="longtext_segments")
    long_btn.click(
        longtext_speak, [long_text, long_pair, long_format], [long_audio, long_file, long_info], api_name="longtext"
    ).then(longtext_segments, [long_text, long_pair], [segments], **private)
    language.change(_long_example, [language], [long_text], **private)


def _long_example(language):
    """A few paragraphs of the presets' example texts (long enough to split)."""
    lang = "zh" if language == "zh" else "en"
    texts = []
    for pid in compare.REQUEST_BUILDERS:
        texts += [t for t in presets.load(pid).get("examples", {}).get(lang, []) if "<" not in t and "(" not in t]
    joiner = "" if lang == "zh" else " "
    return joiner.join(texts * 3)
