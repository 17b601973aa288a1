"""Who speaks with which voice: `Name = provider|voice` lines (the pairs of Compare), library voices
by name, and a single `provider|voice` line (or `* = ...`) that casts everyone not named.

A voice is known when it is a system voice of the presets (by its id or its short name, e.g.
`siliconflow|anna`, `elevenlabs|George`) or a voice of the caller's library (by id or name).
Reading the library is blocking (SQLite): call `parse_cast` in a thread. No Gradio here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playground import compare, presets, providers
from playground.compare import Pair
from playground.errors import InputError

EVERYONE = "*"
ASSIGN = re.compile(r"^\s*([^=＝]+?)\s*[=＝]\s*(.+?)\s*$")


@dataclass
class Cast:
    named: dict[str, tuple[str, Pair]] = field(default_factory=dict)  # casefolded name -> (name, pair)
    default: Pair | None = None

    def pair_for(self, speaker: str | None) -> Pair | None:
        if speaker is not None and speaker.casefold() in self.named:
            return self.named[speaker.casefold()][1]
        return self.default

    def knows(self, speaker: str) -> bool:
        return speaker.casefold() in self.named

    @property
    def pairs(self) -> list[Pair]:
        found = [p for _, p in self.named.values()] + ([self.default] if self.default else [])
        return list(dict.fromkeys(found))


def _short(voice: str) -> str:
    return voice.rsplit(":", 1)[-1]


def system_voices(provider_id: str) -> list[tuple[str, Pair]]:
    """(short name, pair) of a provider's system voices (the preset's label words and the id)."""
    out: list[tuple[str, Pair]] = []
    for label, key in compare.system_pairs():
        pair = Pair.parse(key)
        if pair.provider_id != provider_id:
            continue
        name = label.split(" · ", 1)[-1]
        out += [(_short(pair.voice), pair), (name, pair)]
        out += [(word, pair) for word in name.replace("(", " ").replace(")", " ").split() if word.isascii()]
    return out


def library_voices() -> list[tuple[str, Pair]]:
    """(name, pair) of the caller's library voices at every provider (empty if it cannot be read)."""
    try:
        from playground.library import default_store

        store = default_store()
        scopes = []
        for pid in compare.REQUEST_BUILDERS:
            try:
                scopes.append(store.scope(providers.get(pid).target()))
            except Exception:  # no usable key for this provider: its voices are not the caller's
                continue
        rows = store.voices(scopes)
    except Exception:  # no library yet: system voices still work
        return []
    out: list[tuple[str, Pair]] = []
    for row in rows:
        pid = str(row.get("provider") or "")
        vid = str(row.get("voice_id") or "")
        if pid not in compare.REQUEST_BUILDERS or not vid:
            continue
        model = row.get("model") if pid != "siliconflow" or vid.startswith("speech:") else None
        pair = Pair(pid, vid, model or None)
        out += [(str(row.get("name") or vid), pair), (vid, pair)]
    return out


def _resolve_pair(text: str, where: str, library: list[tuple[str, Pair]]) -> Pair:
    parts = text.split("|")
    pair = Pair.parse(text) if parts[0] in compare.REQUEST_BUILDERS else None
    if pair is None:
        raise InputError(
            f"{where}: unknown provider {parts[0]!r} in {text!r}.",
            hint=f"Use one of: {', '.join(compare.REQUEST_BUILDERS)} (as in Compare: provider|voice).",
        )
    wanted = pair.voice.casefold()
    for name, known in system_voices(pair.provider_id) + library:
        if known.provider_id == pair.provider_id and wanted in (name.casefold(), known.voice.casefold()):
            return Pair(known.provider_id, known.voice, pair.model or known.model)
    label = presets.load(pair.provider_id)["label"]
    raise InputError(
        f"{where}: {label} has no voice {pair.voice!r}.",
        hint="Use a voice from Compare's list (e.g. siliconflow|anna) or a voice of your library by name.",
    )


def _resolve(value: str, where: str, library: list[tuple[str, Pair]]) -> Pair:
    if "|" in value:
        return _resolve_pair(value, where, library)
    found = {p for name, p in library if name.casefold() == value.casefold()}
    if len(found) == 1:
        return found.pop()
    if found:
        raise InputError(
            f"{where}: several library voices are called {value!r}.",
            hint="Write it as provider|name to say which one.",
        )
    raise InputError(
        f"{where}: {value!r} is not a provider|voice pair nor a voice in your library.",
        hint="Write Name = provider|voice, e.g. Anna = siliconflow|anna.",
    )


def parse_cast(text: str | None) -> Cast:
    """Read the cast. InputError names the line to fix."""
    cast = Cast()
    lines = [(n, raw.strip()) for n, raw in enumerate((text or "").splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
    if not lines:
        raise InputError("The cast is empty.", hint="Write one line per speaker, e.g. Anna = siliconflow|anna.")
    library = library_voices()
    for number, line in lines:
        where = f"Cast line {number}"
        match = ASSIGN.match(line)
        name, value = (match.group(1).strip(), match.group(2).strip()) if match else (EVERYONE, line)
        pair = _resolve(value, where, library)
        if name == EVERYONE:
            if cast.default is not None:
                raise InputError(f"{where}: everyone is cast twice.", hint="Keep one line without a name.")
            cast.default = pair
        elif cast.knows(name):
            raise InputError(f"{where}: {name} is cast twice.", hint="Keep one line per speaker.")
        else:
            cast.named[name.casefold()] = (name, pair)
    return cast


def check_speakers(speakers: dict[str, str], cast: Cast) -> None:
    """Every speaker (name -> where it first speaks) has a voice, or InputError listing who has none."""
    missing = [f"{name} ({where})" for name, where in speakers.items() if cast.pair_for(name) is None]
    if missing:
        raise InputError(
            f"Not in the cast: {', '.join(missing)}.",
            hint="Add a line Name = provider|voice for each, or one provider|voice line for everyone.",
        )
