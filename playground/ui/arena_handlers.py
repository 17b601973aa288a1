"""The Arena's handlers: UI values in, one playground.arena call, UI values out. Their parameter
names are the API's (arena_clone, arena_speak, arena_vote, arena_report, score_take). Keys typed in
the Arena come from a per-session State, never from an API parameter."""

from __future__ import annotations

from typing import Any

from playground import downloads, messages
from playground.arena import cloning, entrants, report, runs, speaking
from playground.audio import VoiceSample
from playground.errors import InputError
from playground.ui.common import ui_errors

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


@ui_errors
async def arena_speak(
    family: float | int | None,
    script: str | None = None,
    text: str = "",
    providers: list[str] | None = None,
    _keys_state: Any = None,
):
    """Every clone of the family speaks the script at once; yields (takes, scorecard, run id, the blind
    pair, vote note) once when the speech is in and again with the scores."""
    if family in (None, "") or int(family) <= 0:
        raise InputError("No voice family yet.", hint="Run Clone everywhere first (or give its family number).")
    script_id, spoken = speaking.script_text(script, text)
    chosen = entrants.by_keys(list(providers or []))
    keys = _keys(_keys_state)
    run = runs.keep(await speaking.speak_all(int(family), spoken, chosen, script=script_id, api_keys=keys))
    pair, note = _pair_outputs(run)
    t = messages.translate
    yield report.takes_html(run), report.scorecard_rows(run), run.token, pair, f"{t('Scoring…')} {note}"
    await speaking.score_run(run, keys)
    yield report.takes_html(run), report.scorecard_rows(run), run.token, pair, f"{t('Scores are in.')} {note}"


@ui_errors
async def arena_vote(run_id: str, choice: str = "A"):
    """Vote on the pending blind pair; returns (what it was, ratings, agreement, the next pair)."""
    run = runs.get(run_id)
    entry = runs.vote(run, choice)
    word = {"a": "A", "b": "B", "tie": messages.translate("a tie")}[entry["winner"]]
    reveal = messages.translate(f"You chose **{word}**. A was **{entry['a']}**, B was **{entry['b']}**.")
    table, agreement = runs.standings(run)
    return reveal, table, agreement, _pair_outputs(run)[0]


@ui_errors
async def arena_report(run_id: str):
    """(HTML report, CSV, zip of raw takes) as downloads."""
    run = runs.get(run_id)
    table, agreement = runs.standings(run)
    stamp = f"arena-family{run.family_id}-{run.token[:6]}"
    return (
        downloads.write("arena", f"{stamp}.html", report.report_html(run, table, agreement)),
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
