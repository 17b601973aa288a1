"""Read an .srt or .vtt file into cues to dub, with pysubs2 doing the reading.

What pysubs2 (1.8) leaves to us, checked case by case (tests/unit/test_scripts_parse.py):
- CRLF: it keeps a `\\r` in the text; we normalise line ends first (a BOM it handles; we strip it too).
- A broken time line: it silently glues the cue onto the previous one; we check every time line
  first and name the cue and the line.
- WebVTT cue identifiers: it glues them onto the previous cue's text; we drop them.
- WebVTT `<v Name>` voice tags: it drops them, and the speaker with them; we turn them into a
  `Name: ` prefix first, so one rule (a `Name: text` prefix) picks the voice.
- HTML entities (`&amp;`) and WebVTT timestamp tags (`<00:01.500>`): it keeps them; we unescape
  and strip. Cue settings (`align:start`) and styling tags (`<i>`, `<c.red>`, `{\\an8}`) it strips.
Then: cues sorted by start, overlapping cues refused, at most max_lines cues. No Gradio here.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass

import pysubs2

from playground.errors import InputError
from playground.scripts.parse import limits, speaker_prefix

_TS = r"(?:\d{1,3}:)?\d{1,2}:\d{2}[,.]\d{1,3}"
TIME_LINE = re.compile(rf"^\s*({_TS})\s*-->\s*({_TS})(?:\s+.*)?$")
VOICE_TAG = re.compile(r"<v(?:\.[^\s>]+)*\s+([^>]+)>", re.I)
TAG = re.compile(r"<[^>]*>")
ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")
SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")


@dataclass(frozen=True)
class Cue:
    number: int  # its place in the file (1-based)
    line: int  # the line of its time line in the file
    start_s: float
    end_s: float
    text: str  # what is spoken, without a speaker prefix
    speaker: str | None  # from <v Name> or a `Name:` prefix
    tagged: bool  # the speaker came from a <v> tag (always a speaker, never spoken)
    full_text: str  # the text with its prefix, for a prefix that turns out not to be a speaker

    @property
    def slot_s(self) -> float:
        return self.end_s - self.start_s


def stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def _decode(data: bytes) -> str:
    top = int(limits()["max_subtitle_bytes"])
    if len(data) > top:
        raise InputError(
            f"The subtitle file is {len(data) / 1e6:.1f} MB; at most {top / 1e6:.0f} MB is read.",
            hint="Split it into several files.",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"The subtitle file is not UTF-8 text (line {line}).",
            hint="Save it as UTF-8 (any subtitle editor or text editor can) and upload it again.",
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of each block between blank lines."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _clean(text: str) -> str:
    text = ASS_OVERRIDE.sub("", text)
    text = TAG.sub("", html.unescape(TAG.sub("", text)))
    return re.sub(r"\s+", " ", text).strip()


def _checked_blocks(text: str, vtt: bool) -> tuple[list[tuple[int, str, list[str], bool]], str]:
    """(time line number, time line, text lines, has a voice tag) per cue, and the text for pysubs2."""
    cues: list[tuple[int, str, list[str], bool]] = []
    blocks = _blocks(text)
    if vtt and blocks and blocks[0][1][0].strip().startswith("WEBVTT"):
        blocks = blocks[1:]
    for first, lines in blocks:
        if vtt and lines[0].split(" ", 1)[0].strip() in SKIPPED_BLOCKS:
            continue
        number = len(cues) + 1
        at = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if at is None or at > 1:
            where = first if at is None else first + at
            raise InputError(
                f"Cue {number} (line {where}) has no time line.",
                hint="Each cue is an optional number, then start --> end (like 00:00:01,000 --> 00:00:02,500), "
                "then its text, then a blank line.",
            )
        time_line = lines[at]
        if not TIME_LINE.match(time_line):
            raise InputError(
                f"Cue {number}, line {first + at}: {time_line.strip()[:60]!r} is not a time line I can read.",
                hint="Write it as 00:00:01,000 --> 00:00:02,500 (a comma or a dot before the milliseconds).",
            )
        body = lines[at + 1 :]
        if not body:
            raise InputError(f"Cue {number} (line {first + at}) has no text.", hint="Add its words or remove the cue.")
        tagged = any(VOICE_TAG.search(line) for line in body)
        body = [VOICE_TAG.sub(lambda m: m.group(1).strip() + ": ", line) for line in body]
        cues.append((first + at, time_line, body, tagged))
    out = ["WEBVTT", ""] if vtt else []
    for i, (_, time_line, body, _) in enumerate(cues, start=1):
        out += ([] if vtt else [str(i)]) + [time_line, *body, ""]
    return cues, "\n".join(out)


def parse_subtitles(data: bytes, filename: str = "") -> list[Cue]:
    """The cues of an .srt or .vtt file, sorted by start. InputError names the cue and the line."""
    text = _decode(data).lstrip("\ufeff")
    vtt = text.lstrip().startswith("WEBVTT") or filename.lower().endswith(".vtt")
    checked, cleaned = _checked_blocks(text, vtt)
    if not checked:
        raise InputError("The subtitle file has no cues.", hint="Upload an .srt or .vtt file with timed lines.")
    top = int(limits()["max_lines"])
    if len(checked) > top:
        raise InputError(f"The file has {len(checked)} cues; one run takes at most {top}.", hint="Split the file.")
    events = pysubs2.SSAFile.from_string(cleaned, format_="vtt" if vtt else "srt").events
    if len(events) != len(checked):
        raise InputError(
            f"The subtitle file could not be read: {len(checked)} cues found, {len(events)} read.",
            hint="Check it in a subtitle editor, save it as .srt, and upload it again.",
        )
    cues: list[Cue] = []
    for number, ((line, _, _, tagged), event) in enumerate(zip(checked, events, strict=True), start=1):
        start, end = event.start / 1000.0, event.end / 1000.0
        if end <= start:
            raise InputError(
                f"Cue {number} (line {line}) ends at {stamp(end)}, not after its start {stamp(start)}.",
                hint="Give it an end time later than its start.",
            )
        full = _clean(event.plaintext)
        prefix = speaker_prefix(full)
        speaker, spoken = prefix if prefix else (None, full)
        if not spoken:
            raise InputError(f"Cue {number} (line {line}) has no text.", hint="Add its words or remove the cue.")
        cues.append(Cue(number, line, start, end, spoken, speaker, tagged and speaker is not None, full))
    chars, most = sum(len(c.full_text) for c in cues), int(limits()["max_chars"])
    if chars > most:
        raise InputError(
            f"The subtitles have {chars:,} characters of text; one run takes at most {most:,}.",
            hint="Split the file.",
        )
    return _ordered(cues)


def _ordered(cues: list[Cue]) -> list[Cue]:
    cues = sorted(cues, key=lambda c: (c.start_s, c.number))
    for before, after in itertools.pairwise(cues):
        if after.start_s < before.end_s - 1e-6:
            raise InputError(
                f"Cues {before.number} and {after.number} overlap: cue {after.number} (line {after.line}) starts at "
                f"{stamp(after.start_s)}, before cue {before.number} ends at {stamp(before.end_s)}.",
                hint="Make each cue end before the next one starts (one voice at a time).",
            )
    top = float(limits()["max_track_s"])
    if cues and cues[-1].end_s > top:
        last = cues[-1]
        raise InputError(
            f"Cue {last.number} (line {last.line}) ends at {stamp(last.end_s)}; "
            f"a dub covers at most {top / 60:g} minutes.",
            hint="Split the file into parts of at most that length.",
        )
    return cues
