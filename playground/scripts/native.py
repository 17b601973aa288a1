"""A two-speaker dialogue spoken natively by SiliconFlow's MOSS-TTSD, in one take.

MOSS-TTSD takes the whole dialogue as one input, its turns marked `[S1]` and `[S2]`, with two
reference clips (audio + transcript): the first speaker's and the second's. The references are the
samples the voice library kept for two voices uploaded for that model (cast both speakers with
them). The model chooses its own timing between turns, so a native take has no per-line times: no
SRT, no per-line files, no retry of one line; `[pause]` lines and the gap do not apply.
No Gradio here.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground import providers
from playground.audio import VoiceSample
from playground.compare import Pair
from playground.errors import InputError
from playground.scripts.cast import Cast
from playground.scripts.parse import Script

MODEL = "fnlp/MOSS-TTSD-v0.5"
NEEDS = (
    "Cast both speakers with voices of your library uploaded for fnlp/MOSS-TTSD-v0.5 "
    "(their samples and transcripts are the two references)."
)


@dataclass(frozen=True)
class Reference:
    speaker: str
    pair: Pair
    sample: bytes
    transcript: str


def _model_of(pair: Pair) -> str | None:
    if pair.model:
        return pair.model
    return pair.voice.rsplit(":", 1)[0] if ":" in pair.voice and not pair.voice.startswith("speech:") else None


def _library_row(pair: Pair) -> dict | None:
    from playground.library import default_store

    store = default_store()
    try:
        scope = store.scope(providers.get("siliconflow").target())
    except Exception:  # no key and no sandbox: nothing of the caller's to find
        return None
    rows = [r for r in store.voices([scope]) if r.get("voice_id") == pair.voice and r.get("sample_path")]
    return rows[0] if rows else None


def references(script: Script, cast: Cast) -> list[Reference]:
    """The two references, [S1] first (the first to speak). InputError says what to change.
    Blocking (reads the library)."""
    speakers = script.speakers
    if len(speakers) != 2:
        raise InputError(
            f"A native MOSS-TTSD dialogue has exactly two speakers; this script has {len(speakers)}.",
            hint="Untick native dialogue, or keep two speakers.",
        )
    refs = []
    for speaker in speakers:
        pair = cast.pair_for(speaker)
        if pair is None or pair.provider_id != "siliconflow" or _model_of(pair) != MODEL:
            raise InputError(f"{speaker} is not cast at SiliconFlow's {MODEL}.", hint=NEEDS)
        row = _library_row(pair)
        from playground.library import default_store

        sample = default_store().read_file(row["sample_path"]) if row else None
        if not row or not sample or not (row.get("transcript") or "").strip():
            raise InputError(f"{speaker}'s voice has no sample and transcript in your library.", hint=NEEDS)
        refs.append(Reference(speaker, pair, sample, row["transcript"].strip()))
    return refs


def request(script: Script, refs: list[Reference], rate: int):  # -> SiliconFlowSpeech
    from playground.providers.siliconflow import Reference as SFReference
    from playground.providers.siliconflow import SiliconFlowSpeech

    tag = {ref.speaker: f"[S{i + 1}]" for i, ref in enumerate(refs)}
    text = "".join(tag[line.speaker] + line.text for line in script.lines)  # the guide: no spaces between turns
    return SiliconFlowSpeech(
        text=text,
        model=MODEL,
        references=[SFReference(VoiceSample(ref.sample), ref.transcript) for ref in refs],
        response_format="pcm",
        sample_rate=rate,
        stream=False,
    )
