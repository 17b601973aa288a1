"""Read a dialogue script (`Name: text` turns, `[pause 1.5s]` lines) into lines to speak.

Rules: one turn per line; a line without `Name:` continues the previous speaker (a new line of
theirs); `[pause 1.5s]` or `[pause 800ms]` on its own line is the silence between the lines around
it (instead of the gap), pauses in a row add up; blank lines are ignored. `Name：` (full-width
colon) works too. Every problem names the line to fix. Nothing here imports Gradio.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playground import presets
from playground.errors import InputError

# a speaker name: up to 32 characters and 4 words, no brackets or colons, not starting with a digit
SPEAKER = re.compile(r"^\s*([^\s\d:：\[\]<>{}()][^:：\[\]<>{}()]{0,31}?)\s*[:：]\s*(.*)$")
PAUSE = re.compile(r"^\s*\[\s*pause\s+(\d+(?:\.\d+)?|\.\d+)\s*(s|ms|sec|secs|seconds?)?\s*\]\s*$", re.I)
LOOKS_LIKE_PAUSE = re.compile(r"^\s*\[\s*pause\b", re.I)


def limits() -> dict:
    return presets.load("scripts")


@dataclass(frozen=True)
class Line:
    """One line to speak: its number among spoken lines (1-based), where it is in the script."""

    number: int
    source_line: int
    speaker: str
    text: str
    pause_before_s: float | None = None  # an explicit [pause] before it; None: the gap


@dataclass(frozen=True)
class Script:
    lines: list[Line]
    lead_s: float = 0.0  # a [pause] before the first line
    tail_s: float = 0.0  # a [pause] after the last line

    @property
    def speakers(self) -> list[str]:
        seen: dict[str, None] = {}
        for line in self.lines:
            seen.setdefault(line.speaker, None)
        return list(seen)


def speaker_prefix(text: str) -> tuple[str, str] | None:
    """(name, rest) when the text starts with `Name:` (at most 4 words), else None."""
    match = SPEAKER.match(text)
    if not match:
        return None
    name = match.group(1).strip()
    if len(name.split()) > 4 or name.startswith(("http", "www")):
        return None
    return name, match.group(2).strip()


def pause_seconds(text: str, line_no: int) -> float | None:
    """The seconds of a `[pause ...]` line, None when the line is not one. Over the limit: InputError."""
    match = PAUSE.match(text)
    if not match:
        if LOOKS_LIKE_PAUSE.match(text):
            raise InputError(
                f"Line {line_no}: {text.strip()[:60]!r} is not a pause I can read.",
                hint="Write it as [pause 1.5s] or [pause 800ms] on its own line.",
            )
        return None
    value = float(match.group(1))
    seconds = value / 1000 if (match.group(2) or "s").lower() == "ms" else value
    top = float(limits()["max_pause_s"])
    if seconds > top:
        raise InputError(
            f"Line {line_no}: a pause of {seconds:g} s is longer than {top:g} s.",
            hint=f"Use at most [pause {top:g}s] (several pause lines in a row add up).",
        )
    return seconds


def check_size(text: str) -> None:
    top = int(limits()["max_chars"])
    if len(text) > top:
        raise InputError(
            f"The script has {len(text):,} characters; one run takes at most {top:,}.",
            hint="Split it into several runs (by scene, say).",
        )


def parse_script(text: str | None) -> Script:
    """The lines of a script, in order. InputError for an empty script, a line with no speaker yet,
    a pause that cannot be read or is too long, more lines than the limit."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    check_size(text)
    lines: list[Line] = []
    speaker: str | None = None
    pending: float | None = None  # pauses since the last spoken line
    lead = 0.0
    for line_no, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        seconds = pause_seconds(raw, line_no)
        if seconds is not None:
            pending = (pending or 0.0) + seconds
            continue
        prefix = speaker_prefix(raw)
        if prefix is not None:
            speaker, spoken = prefix
        elif speaker is None:
            raise InputError(
                f"Line {line_no} has no speaker: {raw.strip()[:60]!r}.",
                hint="Start the first line with a name and a colon, e.g. Anna: Hello.",
            )
        else:
            spoken = raw.strip()
        if not spoken:
            raise InputError(
                f"Line {line_no}: {speaker} says nothing.", hint="Write the words after the colon, or remove the line."
            )
        if not lines and pending is not None:
            lead, pending = pending, None
        lines.append(Line(len(lines) + 1, line_no, speaker, spoken, pending))
        pending = None
        top = int(limits()["max_lines"])
        if len(lines) > top:
            raise InputError(
                f"The script has more than {top} lines.", hint="Split it into several runs (by scene, say)."
            )
    if not lines:
        raise InputError("The script is empty.", hint="Write one turn per line, e.g. Anna: Hello.")
    return Script(lines, lead_s=lead, tail_s=pending or 0.0)
