"""Dialogue: a script in several voices -> one track, per-line files, SRT with the real times.

Every line is spoken at once within the providers' limits (speaking.py), trimmed of its own
silence and loudness-matched, then laid end to end: `gap_s` of silence between lines, or exactly
the `[pause]` written between them. A failed line is left out of the track (its row says why; it
can be retried alone) and the silence before the next line is that line's own. No Gradio here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from playground import compare, cpu, messages, providers
from playground.errors import InputError
from playground.library.hooks import record_take
from playground.scripts import assemble, speaking
from playground.scripts import native as native_moss
from playground.scripts.cast import check_speakers, parse_cast
from playground.scripts.parse import Script, limits, parse_script
from playground.scripts.speaking import Item

HANDLER = "script_speak"
HEADERS = ["line", "speaker", "provider", "start (s)", "end (s)", "text", "status"]
FORMATS = ("wav", "mp3")


@dataclass
class Dialogue:
    script: Script
    items: list[Item]
    gap_s: float
    fmt: str = "wav"
    placed: list[tuple[float, float]] = field(default_factory=list)  # (start, end) per item, (0, 0) if left out
    native: list[native_moss.Reference] = field(default_factory=list)  # MOSS-TTSD's references: one take

    @property
    def settings(self) -> dict:
        return {"gap_s": self.gap_s}


def check_gap(gap_s: float | None) -> float:
    bounds = limits()["gap_s"]
    try:
        gap = float(bounds["default"] if gap_s is None or gap_s == "" else gap_s)
    except (TypeError, ValueError):
        raise InputError("The gap must be a number of seconds.", hint="For example 0.3.") from None
    if not bounds["min"] <= gap <= bounds["max"]:
        raise InputError(
            f"The gap must be between {bounds['min']:g} and {bounds['max']:g} s; got {gap:g}.",
            hint="For example 0.3.",
        )
    return gap


def check_format(fmt: str | None) -> str:
    fmt = (fmt or "wav").lower()
    if fmt not in FORMATS:
        raise InputError(f"Unknown output format {fmt!r}.", hint="Choose wav or mp3.")
    return fmt


def plan(
    script_text: str | None,
    cast_text: str | None,
    gap_s: float | None = None,
    fmt: str = "wav",
    native: bool = False,
) -> Dialogue:
    """Read and check everything before a single call (blocking: reads the library). `native`: the
    whole dialogue in one MOSS-TTSD take (scripts/native.py)."""
    gap = check_gap(gap_s)
    fmt = check_format(fmt)
    script = parse_script(script_text)
    cast = parse_cast(cast_text)
    first: dict[str, str] = {}
    for line in script.lines:
        first.setdefault(line.speaker, messages.translate(f"line {line.source_line}") or "")
    check_speakers(first, cast)
    items = []
    for line in script.lines:
        pair = cast.pair_for(line.speaker)
        assert pair is not None  # check_speakers found every speaker a voice
        items.append(Item(line.number, line.speaker, pair, line.text))
    refs = native_moss.references(script, cast) if native else []
    return Dialogue(script, items, gap, fmt, native=refs)


def lay_out(run: Dialogue) -> tuple[np.ndarray, list[tuple[float, float, str]]]:
    """The track and the subtitle entries (start, end, 'Name: text') of the lines spoken."""
    placed: list[tuple[float, np.ndarray]] = []
    entries: list[tuple[float, float, str]] = []
    run.placed = []
    cursor = run.script.lead_s
    for line, item in zip(run.script.lines, run.items, strict=True):
        if item.pcm is None:
            run.placed.append((0.0, 0.0))
            continue
        gap = line.pause_before_s if line.pause_before_s is not None else run.gap_s
        start = cursor + (gap if placed else 0.0)
        end = start + assemble.seconds(item.pcm)
        placed.append((start, item.pcm))
        entries.append((start, end, f"{item.speaker}: {item.text}"))
        run.placed.append((start, end))
        cursor = end
    length = cursor + run.script.tail_s
    top = float(limits()["max_track_s"])
    if length > top:
        raise InputError(
            f"The track would last {length / 60:.1f} minutes; one run makes at most {top / 60:g}.",
            hint="Split the script into several runs.",
        )
    return assemble.lay_out(length, placed), entries


@dataclass
class Output:
    track: bytes | None
    zip: bytes
    srt: str
    rows: list[list]
    summary: str
    duration_s: float


def rows(run: Dialogue) -> list[list]:
    out = []
    for i, item in enumerate(run.items):
        start, end = run.placed[i] if i < len(run.placed) else (0.0, 0.0)
        done = item.ok and end > 0
        out.append(
            [
                item.number,
                item.speaker,
                item.pair.label,
                f"{start:.3f}" if done else "",
                f"{end:.3f}" if done else "",
                item.text,
                speaking.state_text(item),
            ]
        )
    return out


def summary(run: Dialogue, duration_s: float) -> str:
    ok = sum(item.ok for item in run.items)
    total = len(run.items)
    parts = [f"**{ok} of {total} lines spoken**"]
    if ok:
        parts.append(f"track {duration_s:.1f} s")
        parts.append(f"loudness-matched to {compare.TARGET_LUFS:g} LUFS")
    if ok < total:
        parts.append(f"{total - ok} failed: retry each alone by its line number")
    notes = {note for item in run.items for note in item.notes}
    return " · ".join(messages.translate(p) or p for p in parts) + "".join(f"\n\n- ⚠️ {n}" for n in sorted(notes))


def build(run: Dialogue) -> Output:
    """The whole output from the items as they are (blocking: ffmpeg for mp3)."""
    if not any(item.ok for item in run.items):
        run.placed = [(0.0, 0.0)] * len(run.items)
        return Output(None, b"", "", rows(run), summary(run, 0.0), 0.0)
    track, entries = lay_out(run)
    files = []
    for item in run.items:
        if item.pcm is not None:
            name = f"{item.number:03d}-{_safe(item.speaker)}-{item.pair.provider_id}.wav"
            files.append((name, assemble.encode(item.pcm, "wav")))
    text = assemble.srt(entries)
    files.append(("script.srt", text.encode("utf-8")))
    duration = assemble.seconds(track)
    return Output(
        assemble.encode(track, run.fmt), assemble.zip_bytes(files), text, rows(run), summary(run, duration), duration
    )


def _safe(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")
    return cleaned[:32] or "speaker"


def _built(run: Dialogue) -> Output:
    """The output; then the lines' PCM moves to mapped files (the run may be kept for a retry)."""
    out = build(run)
    speaking.spill(run.items)
    return out


async def speak(run: Dialogue, on_change: Callable[[Item], None] | None = None) -> Output:
    if run.native:
        return await speak_native(run)
    await speaking.speak_all(run.items, HANDLER, run.settings, on_change)
    return await cpu.run(_built, run, kind="after")


async def retry(run: Dialogue, number: int) -> Output:
    """Speak one line again (by its line number) and rebuild the track."""
    if run.native:
        raise InputError("A native take is one piece: no line can be retried alone.", hint="Speak the script again.")
    item = next((i for i in run.items if i.number == number), None)
    if item is None:
        raise InputError(f"There is no line {number}.", hint=f"Lines are numbered 1 to {len(run.items)}.")
    await speaking.speak_item(item, speaking.Gates(), HANDLER, run.settings)
    return await cpu.run(_built, run, kind="after")


async def speak_native(run: Dialogue) -> Output:
    """The whole dialogue in one MOSS-TTSD take with the two references; kept in History."""
    adapter = providers.get("siliconflow")
    request = native_moss.request(run.script, run.native, assemble.rate())
    for item in run.items:
        item.state = speaking.SPEAKING
    async with speaking.Gates().hold("siliconflow"):
        result = await adapter.speak(request)
    settings = {"text": request.text, "model": native_moss.MODEL, "native": True, "speakers": len(run.native)}
    note = await record_take(HANDLER, result, adapter.target(), settings)
    pcm, _ = await cpu.run(assemble.line_pcm, [result.audio.playable()], kind="after")
    for item in run.items:
        item.state = speaking.DONE
    return await cpu.run(_native_output, run, pcm, note, kind="after")


def _native_output(run: Dialogue, pcm: np.ndarray, note: str) -> Output:
    duration = assemble.seconds(pcm)
    table = [
        [item.number, item.speaker, item.pair.label, "", "", item.text, messages.translate("in the native take")]
        for item in run.items
    ]
    text = "\n".join(f"{item.speaker}: {item.text}" for item in run.items)
    files = [("dialogue-moss-ttsd.wav", assemble.encode(pcm, "wav")), ("script.txt", text.encode("utf-8"))]
    parts = [
        f"**Spoken natively by MOSS-TTSD in one take** ({len(run.items)} lines)",
        f"track {duration:.1f} s",
        "the model times the turns itself: no per-line times, subtitles or retries",
    ]
    summary = " · ".join(messages.translate(p) or p for p in parts) + (f"\n\n- ⚠️ {note.strip(' ·')}" if note else "")
    return Output(assemble.encode(pcm, run.fmt), assemble.zip_bytes(files), "", table, summary, duration)
