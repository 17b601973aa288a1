"""The Arena's handlers: UI values in, one playground.arena call, UI values out. Their parameter
names are the API's (arena_clone, arena_speak, arena_vote, arena_report, score_take). Keys typed in
the Arena come from a per-session State, never from an API parameter."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import AsyncIterator
from typing import Any

import gradio as gr
import pandas as pd

from playground import cpu, downloads, messages
from playground.arena import cloning, entrants, report, results, runs, speaking
from playground.audio import VoiceSample
from playground.errors import InputError
from playground.ui.common import ui_errors

log = logging.getLogger(__name__)
PROGRESS_HEADERS = ["entrant", "state", "progress", "seconds", "notes"]
ICONS = {"waiting": "⏳", "working": "🔄", "ready": "✅", "reused": "♻️", "failed": "❌"}


def _keys(state: Any) -> dict[str, str]:
    return {k: v for k, v in (state or {}).items() if isinstance(v, str) and v.strip()}


def _rows(run: cloning.CloneRun) -> list[list[Any]]:
    """One progress line per entrant, its words in the page's language (the entrant's name and the
    provider's own words stay as they are)."""
    t = messages.translate
    return [
        [r.entrant.label, f"{ICONS.get(r.state, '')} {t(r.state)}", t(r.message), r.seconds, "; ".join(map(t, r.notes))]
        for r in run.rows
    ]


def _merge(previous: Any, fresh: list[list[Any]]) -> list[list[Any]]:
    """A retried row replaces its old line; the other lines stay."""
    rows = [list(r) for r in (previous or []) if isinstance(r, (list, tuple)) and r and r[0]]
    by_label = {r[0]: i for i, r in enumerate(rows)}
    for r in fresh:
        if r[0] in by_label:
            rows[by_label[r[0]]] = r
        else:
            rows.append(r)
    return rows


@ui_errors
async def arena_clone(
    sample: Any, transcript: str, consent: bool, providers: list[str] | None = None, _keys_state: Any = None
):
    """Clone one sample at every chosen provider at once; yields (progress table, family id, summary)."""
    chosen = entrants.by_keys(list(providers or []))
    async for run in cloning.clone_everywhere(
        VoiceSample.from_input(sample), transcript, bool(consent), chosen, api_keys=_keys(_keys_state)
    ):
        yield _rows(run), run.family_id, run.summary()


@ui_errors
async def on_retry(sample: Any, transcript: str, consent: bool, entrant: str, table: Any, keys_state: Any):
    if not entrant:
        raise InputError("Choose the row to retry.")
    async for run in cloning.clone_everywhere(
        VoiceSample.from_input(sample),
        transcript,
        bool(consent),
        entrants.by_keys([entrant]),
        api_keys=_keys(keys_state),
    ):
        yield _merge(table, _rows(run)), run.family_id, run.summary()


def _pair_outputs(run: speaking.Run) -> tuple[str, str]:
    t = messages.translate
    if runs.next_pair(run) is None:
        if run.voted and len(run.voted) >= runs.most_votes(run):
            return "", t("This run has had its votes; run Hear them all again to vote more.")
        return "", t("Two finished takes are needed for a blind vote.")
    return runs.pair_html(run), t("Listen to A and B (names hidden), then vote: which sounds more like you?")


PROGRESS_EVERY_S = 0.1
SPEAK_ICONS = {"queued": "⏳", "speaking": "🗣️", "scoring": "📏", "done": "✅", "failed": "❌"}


def progress_html(tracker: speaking.Tracker) -> str:
    """One line per entrant: where it is, and the provider's own words when it failed."""
    t = messages.translate
    rows = "".join(
        f'<li class="arena-step" data-state="{html.escape(state)}">{SPEAK_ICONS.get(state, "")} '
        f"<b>{html.escape(label)}</b> · {html.escape(t(state))}"
        + (f" · <span class='arena-step-note'>{html.escape(t(note))}</span>" if note else "")
        + "</li>"
        for label, state, note in tracker.table()
    )
    return f'<ul class="arena-steps">{rows}</ul>'


def _similarity_frame(run: speaking.Run) -> dict:
    """The similarity chart's data, its axis titles in the page's language (the columns keep their names)."""
    t = messages.translate
    rows = [
        {**r, "kind": t(r["kind"]), "entrant": t(r["entrant"]) if r["kind"] == "ceiling" else r["entrant"]}
        for r in results.similarity_rows(run)
    ]
    frame = pd.DataFrame(rows, columns=["entrant", "similarity", "kind"])
    return gr.update(value=frame, x_title=" ", y_title=messages.label("similarity"), color_title=" ")


def _quality_frame(run: speaking.Run) -> dict:
    frame = pd.DataFrame(results.quality_rows(run), columns=["entrant", "first audio s", "DNSMOS OVRL"])
    t = messages.translate
    return gr.update(
        value=frame,
        x_title=t("seconds to the first audio (left is faster)"),
        y_title=t("DNSMOS OVRL (higher is cleaner)"),
        color_title=" ",
    )


def _run_label(run: speaking.Run) -> str:
    t = messages.translate
    return t(f"Run {run.token[:6]} · voice family #{run.family_id} · {run.takes_per_entrant} take(s) per entrant")


async def _while_running(tracker: speaking.Tracker, task: asyncio.Task) -> AsyncIterator[None]:
    """Yield whenever the tracker changes, until the task is done."""
    while not task.done():
        waiter = asyncio.create_task(tracker.changed.wait())
        await asyncio.wait([waiter, task], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if tracker.changed.is_set() and not task.done():
            await asyncio.wait([task], timeout=PROGRESS_EVERY_S)  # changes close together make one update
            tracker.changed.clear()
            if not task.done():
                yield


@ui_errors
async def arena_speak(
    family: float | int | None,
    script: str | None = None,
    text: str = "",
    providers: list[str] | None = None,
    _keys_state: Any = None,
    takes_per_entrant: float | int | None = 1,
):
    """Every clone of the family speaks the script `takes_per_entrant` times (1-5) at once. Yields
    (cards, scorecard, run id, the blind pair, vote note, verdict, progress, similarity chart, quality
    chart, run label): the progress as it changes, once when the speech is in, and again with the scores."""
    if family in (None, "") or int(family) <= 0:
        raise InputError("No voice family yet.", hint="Run Clone everywhere first (or give its family number).")
    count = speaking.check_takes(takes_per_entrant)
    script_id, spoken = speaking.script_text(script, text)
    chosen = entrants.by_keys(list(providers or []))
    keys = _keys(_keys_state)
    t = messages.translate
    tracker = speaking.Tracker.of(chosen)
    skip = gr.skip()
    task = asyncio.create_task(
        speaking.speak_all(
            int(family), spoken, chosen, script=script_id, api_keys=keys, takes_per_entrant=count, tracker=tracker
        )
    )
    try:
        yield (
            skip,
            skip,
            skip,
            "",
            skip,
            t("Speaking… the verdict follows the scores."),
            progress_html(tracker),
            skip,
            skip,
            skip,
        )
        async for _ in _while_running(tracker, task):
            yield skip, skip, skip, skip, skip, skip, progress_html(tracker), skip, skip, skip
        run = runs.keep(task.result())
        waiting = t("Scoring… the verdict follows the scores.")
        yield (
            report.cards_html(run, scored=False),
            report.scorecard_rows(run),
            run.token,
            "",
            t("Scoring…"),
            waiting,
            progress_html(tracker),
            skip,
            skip,
            _run_label(run),
        )
        task = asyncio.create_task(speaking.score_run(run, keys, tracker))
        async for _ in _while_running(tracker, task):
            yield skip, skip, skip, skip, skip, skip, progress_html(tracker), skip, skip, skip
        task.result()
        try:
            await asyncio.to_thread(speaking.record_takes, run)  # the library's History lists Arena takes
        except Exception as exc:  # the history is a convenience: a full disk must not lose the run
            log.warning("Arena takes not kept in the history (%s)", type(exc).__name__)
    finally:
        task.cancel()
    pair, note = await cpu.run(_pair_outputs, run, kind="after")  # the blind copies are decoded: the CPU pool
    yield (
        report.cards_html(run),
        report.scorecard_rows(run),
        run.token,
        pair,
        f"{t('Scores are in.')} {note}",
        "**" + results.judge(run).sentence() + "**",
        progress_html(tracker),
        _similarity_frame(run),
        _quality_frame(run),
        _run_label(run),
    )


@ui_errors
async def arena_vote(run_id: str, choice: str = "A"):
    """Vote on the pending blind pair; returns (what it was, ratings, agreement, the next pair)."""
    run = runs.get(run_id)
    entry = runs.vote(run, choice)
    word = {"a": "A", "b": "B", "tie": messages.translate("a tie")}[entry["winner"]]
    reveal = messages.translate(f"You chose **{word}**. A was **{entry['a']}**, B was **{entry['b']}**.")
    table, agreement = runs.standings(run)
    pair, _ = await cpu.run(_pair_outputs, run, kind="after")  # the vote itself was counted (runs.vote)
    return reveal, table, agreement, pair


@ui_errors
async def arena_report(run_id: str):
    """(HTML report, CSV, zip of raw takes) as downloads."""
    run = runs.get(run_id)
    table, agreement = runs.standings(run)
    stamp = f"arena-family{run.family_id}-{run.token[:6]}"
    return (
        downloads.write(
            "arena", f"{stamp}.html", report.report_html(run, table, agreement, results.judge(run).sentence())
        ),
        downloads.write("arena", f"{stamp}.csv", report.csv_bytes(run)),
        downloads.write("arena", f"{stamp}-takes.zip", report.zip_bytes(run)),
    )


@ui_errors
async def score_take(reference_audio: Any, take_audio: Any, text: str = ""):
    """The scorecard of one take against one reference (playground.scoring), as a dict."""
    ref, take = VoiceSample.from_input(reference_audio), VoiceSample.from_input(take_audio)
    if ref is None or take is None:
        raise InputError("Give a reference clip and a take.")
    from playground import scoring
    from playground.arena.transcribe import hears, transcriber

    listening = hears(None)
    try:
        card = await scoring.score_take(
            ref.data, take.data, text or "", transcribe=transcriber(None) if listening else None
        )
    except NotImplementedError:
        raise InputError("Scoring is not available in this build yet.") from None
    if text and not listening:
        card.notes.append(messages.translate(speaking.NO_WER_IN_SANDBOX))
    return card.as_dict()


def on_key(state: Any, provider_id: str, value: str) -> dict:
    return {**(state or {}), provider_id: value or ""}
