"""Dubbing: subtitles -> a track where each cue's speech starts at the cue's start time.

Each cue is spoken (speaking.py), its own leading and trailing silence trimmed, loudness-matched,
and fitted into its slot (start to end): when it is longer, sped up without a pitch change (ffmpeg
atempo) up to `max_tempo`. What still does not fit is never cut: it runs over its slot, the row
says by how much, and the next cue waits until it has finished, plus a short breath (pushed_gap_s
in presets/scripts.json): two cues never play on top of each other; the row of a cue that waited
says how much later it starts. The track lasts at least
until the last cue's end. A failed cue leaves its slot silent. No Gradio here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from playground import compare, cpu, messages
from playground.errors import InputError
from playground.scripts import assemble, speaking
from playground.scripts.cast import Cast, parse_cast
from playground.scripts.dialogue import check_format
from playground.scripts.parse import limits
from playground.scripts.speaking import Item
from playground.scripts.subtitles import Cue, parse_subtitles, stamp

HANDLER = "dub"
TEMPO_MARGIN = 1.01
OVER_S = 0.01  # an overrun or a delay shorter than this is not worth a note
HEADERS = ["cue", "speaker", "provider", "slot", "natural (s)", "tempo", "starts at", "overrun (s)", "note"]


@dataclass
class Placed:
    start_s: float
    end_s: float
    natural_s: float
    tempo: float
    overrun_s: float
    delay_s: float


@dataclass
class Dub:
    cues: list[Cue]
    items: list[Item]
    max_tempo: float
    fmt: str = "wav"
    placed: list[Placed | None] = field(default_factory=list)

    @property
    def settings(self) -> dict:
        return {"max_tempo": self.max_tempo}


def check_tempo(max_tempo: float | None) -> float:
    bounds = limits()["max_tempo"]
    try:
        value = float(bounds["default"] if max_tempo is None or max_tempo == "" else max_tempo)
    except (TypeError, ValueError):
        raise InputError("The highest tempo must be a number, e.g. 1.25.") from None
    if not bounds["min"] <= value <= bounds["max"]:
        raise InputError(
            f"The highest tempo must be between {bounds['min']:g} and {bounds['max']:g}; got {value:g}.",
            hint="1.25 means at most 25% faster.",
        )
    return value


def _voice_of(cue: Cue, cast: Cast) -> tuple[str | None, str]:
    """(speaker, text to speak): a `Name:` prefix is a speaker when it came from a <v> tag or the
    name is in the cast; otherwise it is part of the words."""
    if cue.speaker is not None and (cue.tagged or cast.knows(cue.speaker)):
        return cue.speaker, cue.text
    return None, cue.full_text


def plan(data: bytes, filename: str, cast_text: str | None, max_tempo: float | None = None, fmt: str = "wav") -> Dub:
    """Read and check everything before a single call (blocking: reads the library)."""
    tempo = check_tempo(max_tempo)
    fmt = check_format(fmt)
    cues = parse_subtitles(data, filename)
    cast = parse_cast(cast_text)
    missing: dict[str, str] = {}
    items = []
    for cue in cues:
        speaker, text = _voice_of(cue, cast)
        pair = cast.pair_for(speaker)
        if pair is None:
            if speaker is None:
                raise InputError(
                    f"Cue {cue.number} (line {cue.line}) names no speaker, and the cast has no voice for everyone.",
                    hint="Add one provider|voice line to the cast for the cues without a name.",
                )
            missing.setdefault(speaker, f"cue {cue.number}, line {cue.line}")
            continue
        items.append(Item(cue.number, speaker or "", pair, text))
    if missing:
        listed = ", ".join(f"{name} ({where})" for name, where in missing.items())
        raise InputError(
            f"Not in the cast: {listed}.",
            hint="Add a line Name = provider|voice for each, or one provider|voice line for everyone.",
        )
    return Dub(cues, items, tempo, fmt)


def fit(run: Dub) -> tuple[np.ndarray, list[tuple[str, bytes]]]:
    """Place every spoken cue; the track and the per-cue files (blocking: ffmpeg atempo)."""
    placed: list[tuple[float, np.ndarray]] = []
    files: list[tuple[str, bytes]] = []
    run.placed = []
    cursor = 0.0  # where the previous cue's speech ends
    for cue, item in zip(run.cues, run.items, strict=True):
        if item.pcm is None:
            run.placed.append(None)
            continue
        natural = assemble.seconds(item.pcm)
        # a hair faster than the exact ratio: atempo's output is a few ms longer than length / factor
        factor = 1.0 if natural <= cue.slot_s else min(natural / cue.slot_s * TEMPO_MARGIN, run.max_tempo)
        pcm = assemble.tempo(item.pcm, factor)
        start = cue.start_s if cursor <= cue.start_s else cursor + float(limits()["pushed_gap_s"])
        end = start + assemble.seconds(pcm)
        run.placed.append(Placed(start, end, natural, factor, max(0.0, end - cue.end_s), start - cue.start_s))
        placed.append((start, pcm))
        files.append((f"{cue.number:03d}-{item.pair.provider_id}.wav", assemble.encode(pcm, "wav")))
        cursor = end
    length = max([run.cues[-1].end_s, cursor])
    return assemble.lay_out(length, placed), files


def rows(run: Dub) -> list[list]:
    out = []
    for i, (cue, item) in enumerate(zip(run.cues, run.items, strict=True)):
        p = run.placed[i] if i < len(run.placed) else None
        slot = f"{stamp(cue.start_s)} → {stamp(cue.end_s)}"
        if p is None:
            note = speaking.state_text(item) if item.state != speaking.DONE else ""
            out.append([cue.number, item.speaker, item.pair.label, slot, "", "", "", "", note])
            continue
        notes = []
        if p.delay_s > OVER_S:
            notes.append(messages.translate(f"starts {p.delay_s:.2f} s late: the cue before ran over"))
        if p.overrun_s > OVER_S:
            notes.append(messages.translate(f"runs {p.overrun_s:.2f} s past its end even at {p.tempo:.2f}×"))
        out.append(
            [
                cue.number,
                item.speaker,
                item.pair.label,
                slot,
                f"{p.natural_s:.2f}",
                f"{p.tempo:.2f}×",
                f"{p.start_s:.3f}",
                f"{p.overrun_s:.2f}",
                "; ".join(n or "" for n in notes),
            ]
        )
    return out


def summary(run: Dub, duration_s: float) -> str:
    ok = sum(item.ok for item in run.items)
    total = len(run.items)
    done = [p for p in run.placed if p is not None]
    parts = [f"**{ok} of {total} cues dubbed**"]
    if ok:
        parts.append(f"track {duration_s:.1f} s")
        parts.append(f"loudness-matched to {compare.TARGET_LUFS:g} LUFS")
    faster = [p.tempo for p in done if p.tempo > 1.0001]
    if faster:
        parts.append(f"{len(faster)} sped up (at most {max(faster):.2f}×)")
    over = [p for p in done if p.overrun_s > OVER_S]
    if over:
        parts.append(f"{len(over)} run over their slot: never cut, the next cue waits (see the overrun column)")
    if ok < total:
        parts.append(f"{total - ok} failed: retry each alone by its cue number")
    notes = {note for item in run.items for note in item.notes}
    return " · ".join(messages.translate(p) or p for p in parts) + "".join(f"\n\n- ⚠️ {n}" for n in sorted(notes))


@dataclass
class Output:
    track: bytes | None
    zip: bytes
    rows: list[list]
    summary: str
    duration_s: float


def build(run: Dub) -> Output:
    if not any(item.ok for item in run.items):
        run.placed = [None] * len(run.items)
        return Output(None, b"", rows(run), summary(run, 0.0), 0.0)
    track, files = fit(run)
    duration = assemble.seconds(track)
    table = rows(run)
    csv = "\n".join(",".join(f'"{v!s}"' for v in row) for row in [HEADERS, *table])
    files.append(("timing.csv", csv.encode("utf-8")))
    return Output(assemble.encode(track, run.fmt), assemble.zip_bytes(files), table, summary(run, duration), duration)


def _built(run: Dub) -> Output:
    """The output; then the lines' PCM moves to mapped files (the run may be kept for a retry)."""
    out = build(run)
    speaking.spill(run.items)
    return out


async def speak(run: Dub, on_change: Callable[[Item], None] | None = None) -> Output:
    await speaking.speak_all(run.items, HANDLER, run.settings, on_change)
    return await cpu.run(_built, run, kind="after")


async def retry(run: Dub, number: int) -> Output:
    item = next((i for i in run.items if i.number == number), None)
    if item is None:
        raise InputError(f"There is no cue {number}.", hint=f"Cues are numbered 1 to {len(run.items)}.")
    await speaking.speak_item(item, speaking.Gates(), HANDLER, run.settings)
    return await cpu.run(_built, run, kind="after")
