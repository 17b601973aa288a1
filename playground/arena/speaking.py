"""Hear them all: one script spoken by every clone of a family at once, loudness-matched, then a
scorecard for every take (playground.scoring) and a combined ranking that keeps the parts.

Speech runs through compare.run_cell (the provider's own speak(), figures, -20 LUFS copies);
scoring starts when the speech is in, all takes at once. Streaming playback per row is not
offered (the Compare tab does not either): each take plays when it is complete.
"""

from __future__ import annotations

import asyncio
import collections
import secrets
import time
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from playground import compare, cpu, messages
from playground.arena import recipes
from playground.arena.entrants import Entrant, arena_spec
from playground.arena.owner import owner_scope, provider_scope
from playground.arena.transcribe import hears, transcriber
from playground.audio import VoiceSample
from playground.errors import InputError, PlaygroundError
from playground.library import default_store, families

MAX_TAKES = 12
MAX_TAKES_PER_ENTRANT = 5
PROGRESS_STATES = ("queued", "speaking", "scoring", "done", "failed")


@dataclass
class Tracker:
    """Where every entrant of a run is (queued, speaking, scoring, done, failed) and in whose words;
    `changed` is set on every step so a page can show it as it happens."""

    rows: dict[str, list[str]]  # entrant key -> [label, state, message]
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    def of(cls, entrants: list[Entrant]) -> Tracker:
        return cls({e.key: [e.label, "queued", ""] for e in entrants})

    def set(self, key: str, state: str, message: str = "") -> None:
        if key in self.rows:
            self.rows[key][1:] = [state, message]
            self.changed.set()

    def table(self) -> list[list[str]]:
        return [list(r) for r in self.rows.values()]


@dataclass
class Take:
    entrant: Entrant
    cell: compare.Cell
    number: int = 1  # which of the entrant's takes (1..takes_per_entrant)
    score: dict[str, Any] | None = None
    score_notes: list[str] = field(default_factory=list)
    combined: float | None = None
    cost: float | None = None
    currency: str | None = None

    @property
    def ok(self) -> bool:
        return self.cell.ok


@dataclass
class Run:
    token: str
    owner: str
    family_id: int
    text: str
    script: str
    reference: bytes
    reference_playback: bytes
    takes: list[Take]
    created_at: float
    settings: dict[str, Any]
    pending: tuple[int, int] | None = None  # the blind pair being voted on (take indexes)
    aliases: dict[str, int] = field(default_factory=dict)  # the pair's player addresses -> take index
    blind_audio: dict[str, bytes] = field(default_factory=dict)  # the pair's players' own copies, by address
    takes_per_entrant: int = 1
    voted: list[dict] = field(default_factory=list)


def script_text(script: str | None, text: str | None) -> tuple[str, str]:
    """(script id or "custom", text): the user's own text wins over a preset script."""
    scripts = arena_spec()["scripts"]
    own = (text or "").strip()
    if own:
        return "custom", own
    key = script or arena_spec()["default_script"]
    if key not in scripts:
        raise InputError(f"Unknown test script {key!r}.", hint=f"Choose one of: {', '.join(scripts)}.")
    return key, scripts[key]["text"]


def price_of(provider_id: str, chars: int) -> tuple[float | None, str | None]:
    row = arena_spec()["prices"]["per_million_chars"].get(provider_id)
    if not row:
        return None, None
    return row["amount"] * chars / 1e6, row["currency"]


_CACHE_SIZE = 16
_prepared: collections.OrderedDict[tuple, Any] = collections.OrderedDict()


def _cached(key: tuple, make: Any) -> Any:
    """A small per-process cache of what one reference always gives (a fitted clip, a playback copy)."""
    if key in _prepared:
        _prepared.move_to_end(key)
        return _prepared[key]
    value = _prepared[key] = make()
    while len(_prepared) > _CACHE_SIZE:
        _prepared.popitem(last=False)
    return value


def _prepared_reference(reference: VoiceSample, entrant: Entrant) -> VoiceSample:
    return _cached(
        ("fit", sha256(reference.data).hexdigest(), entrant.operation),
        lambda: recipes.prepare(reference, entrant).sample,
    )


def _reference_playback(reference: VoiceSample) -> bytes:
    return _cached(("play", sha256(reference.data).hexdigest()), lambda: compare.loudness_matched(reference.segment)[0])


async def _speak_one(
    entrant: Entrant, text: str, family_id: int, reference: VoiceSample, transcript: str, api_key: str | None
) -> Take:
    pair = compare.Pair(entrant.provider_id, entrant.voice or entrant.kind, entrant.model)
    try:
        voice_id = entrant.voice
        ref = None
        if entrant.kind == "clone":
            known = await asyncio.to_thread(
                families.member, default_store(), family_id, entrant.key, provider_scope(entrant.provider_id, api_key)
            )
            if not known:
                from playground.arena.cloning import failure_of

                reason = failure_of(family_id, entrant.key)
                if reason:
                    raise InputError(
                        f"{entrant.label} could not be cloned: {reason}",
                        hint="Fix that and retry this row, or leave it out of the run.",
                    )
                raise InputError(
                    f"{entrant.label} has no voice in this family yet.", hint="Run Clone everywhere first."
                )
            voice_id = known["voice_id"]
            pair = compare.Pair(entrant.provider_id, voice_id, entrant.model)
        elif entrant.kind == "zero_shot":
            ref = await cpu.run(_prepared_reference, reference, entrant, kind="before")
        request = recipes.speech_request(entrant, text, voice_id, ref, transcript)
    except PlaygroundError as exc:
        return Take(entrant, compare.Cell(pair=pair, text=text, error=messages.user_message(exc)))
    cell = await compare.run_cell(pair, text, {entrant.provider_id: api_key} if api_key else None, request=request)
    take = Take(entrant, cell)
    take.cost, take.currency = price_of(entrant.provider_id, len(text))
    return take


async def _speak_entrant(
    entrant: Entrant,
    text: str,
    family_id: int,
    reference: VoiceSample,
    transcript: str,
    api_key: str | None,
    count: int,
    tracker: Tracker | None,
) -> list[Take]:
    """One entrant's `count` takes of the same text, at once."""
    if tracker:
        tracker.set(entrant.key, "speaking")
    takes = list(
        await asyncio.gather(
            *[_speak_one(entrant, text, family_id, reference, transcript, api_key) for _ in range(count)]
        )
    )
    for n, take in enumerate(takes, 1):
        take.number = n
    if tracker:
        ok = [t for t in takes if t.ok]
        if ok:
            tracker.set(entrant.key, "scoring", f"{len(ok)} of {count} takes in" if count > 1 else "")
        else:
            tracker.set(entrant.key, "failed", takes[0].cell.error or "failed")
    return takes


def check_takes(takes_per_entrant: Any) -> int:
    try:
        n = int(takes_per_entrant if takes_per_entrant not in (None, "") else 1)
    except (TypeError, ValueError):
        raise InputError("Takes per entrant must be a whole number from 1 to 5.") from None
    if not 1 <= n <= MAX_TAKES_PER_ENTRANT:
        raise InputError("Takes per entrant must be a whole number from 1 to 5.")
    return n


async def speak_all(
    family_id: int,
    text: str,
    entrants: list[Entrant],
    *,
    script: str = "custom",
    api_keys: dict[str, str] | None = None,
    takes_per_entrant: int = 1,
    tracker: Tracker | None = None,
) -> Run:
    """Every entrant speaks `text` `takes_per_entrant` times, all at once. Failures stay in their take."""
    count = check_takes(takes_per_entrant)
    owner = owner_scope()
    fam = await asyncio.to_thread(families.family, default_store(), int(family_id), owner)
    if fam is None or not fam.get("sample"):
        raise InputError(f"No voice family #{family_id} here.", hint="Run Clone everywhere first.")
    if not entrants:
        raise InputError("Choose at least one provider.")
    if len(entrants) > MAX_TAKES:
        raise InputError(f"At most {MAX_TAKES} entrants per run.")
    reference = VoiceSample(data=fam["sample"], format=fam.get("sample_format"))
    keys = api_keys or {}
    jobs = [
        _speak_entrant(e, text, int(family_id), reference, fam["transcript"], keys.get(e.provider_id), count, tracker)
        for e in entrants
    ]
    ref_play = cpu.run(_reference_playback, reference, kind="after")
    playback, per_entrant = await asyncio.gather(ref_play, asyncio.gather(*jobs))
    takes = [t for group in per_entrant for t in group]
    settings = {
        "text": text,
        "script": script,
        "entrants": [e.key for e in entrants],
        "takes_per_entrant": count,
        "keys_for": sorted(pid for pid, k in keys.items() if k),  # which providers had a typed key (never the key)
        "loudness_target_lufs": compare.TARGET_LUFS,
    }
    return Run(
        token=secrets.token_urlsafe(12),
        owner=owner,
        family_id=int(family_id),
        text=text,
        script=script,
        reference=reference.data,
        reference_playback=playback,
        takes=takes,
        created_at=time.time(),
        settings=settings,
        takes_per_entrant=count,
    )


NO_WER_IN_SANDBOX = "no WER/CER: the sandbox's speech recognition returns a fixed text (set a provider key to measure)"


async def score_run(run: Run, api_keys: dict[str, str] | None = None, tracker: Tracker | None = None) -> Run:
    """A scorecard for every finished take, all at once, then the combined ranking."""
    keys = api_keys or {}
    left = collections.Counter(t.entrant.key for t in run.takes if t.ok)

    async def one(take: Take) -> None:
        await _score_one(run, take, keys.get(take.entrant.provider_id))
        left[take.entrant.key] -= 1
        if tracker and not left[take.entrant.key]:
            tracker.set(take.entrant.key, "done")

    await asyncio.gather(*[one(t) for t in run.takes if t.ok])
    rank(run.takes)
    return run


async def _score_one(run: Run, take: Take, api_key: str | None) -> None:
    try:
        from playground import scoring

        assert take.cell.result is not None
        listening = hears(take.entrant.provider_id, api_key)
        card = await scoring.score_take(
            run.reference,
            take.cell.playback or take.cell.result.audio.playable(),
            run.text,
            transcribe=transcriber(take.entrant.provider_id, api_key) if listening else None,
        )
        take.score = card.as_dict()
        if not listening:
            take.score_notes.append(NO_WER_IN_SANDBOX)
    except NotImplementedError:
        take.score_notes.append("scoring is not available in this build yet")
    except PlaygroundError as exc:
        take.score_notes.append(f"not scored: {messages.user_message(exc)}")
    except Exception as exc:  # a scoring bug must not lose the take
        take.score_notes.append(f"not scored ({type(exc).__name__})")


def combined(score: dict[str, Any] | None) -> float | None:
    """One number from 0 to 1: similarity (over the ceiling), intelligibility (1 - error rate) and
    quality (DNSMOS OVRL), weighted as presets/arena.json says, over the parts that are known."""
    if not score:
        return None
    w = arena_spec()["score_weights"]
    parts: list[tuple[float, float]] = []
    sim, ceiling = score.get("similarity"), score.get("similarity_ceiling")
    if sim is not None:
        top = ceiling if ceiling and ceiling > 0 else 1.0
        parts.append((w["similarity"], max(0.0, min(1.0, sim / top))))
    err = score.get("wer") if score.get("wer") is not None else score.get("cer")
    if err is not None:
        parts.append((w["intelligibility"], max(0.0, 1.0 - min(1.0, err))))
    if score.get("dnsmos_ovrl") is not None:
        parts.append((w["quality"], max(0.0, min(1.0, (score["dnsmos_ovrl"] - 1.0) / 4.0))))
    total = sum(weight for weight, _ in parts)
    return None if not total else round(sum(weight * v for weight, v in parts) / total, 4)


def rank(takes: list[Take]) -> list[Take]:
    for t in takes:
        t.combined = combined(t.score)
    return sorted(takes, key=lambda t: (t.combined is None, -(t.combined or 0.0)))


def record_takes(run: Run) -> int:
    """Keep every finished take in the history under the Arena owner's scope (handler "arena", the family,
    entrant, run and scores as its settings), so the library lists Arena work. Returns how many were kept."""
    store = default_store()
    kept = 0
    for t in run.takes:
        result = t.cell.result
        if not t.ok or result is None:
            continue
        score = t.score or {}
        params = {
            "family": run.family_id,
            "entrant": t.entrant.key,
            "entrant_label": t.entrant.label,
            "run": run.token[:8],
            "take": t.number,
            "script": run.script,
            "text": run.text,
            "similarity": score.get("similarity"),
            "combined": t.combined,
        }
        store.add_take(
            run.owner,
            t.entrant.provider_id,
            audio=result.audio.download_bytes(),
            fmt=result.audio.extension,
            model=result.model or t.entrant.model,
            voice=f"{t.entrant.label} · #{run.family_id}",
            text=run.text,
            handler=families.ARENA_HANDLER,
            params=params,
            sample_rate=result.audio.sample_rate,
            sandbox=bool(result.sandbox),
            timing={"first_byte_s": result.timing.first_byte_s, "total_s": result.timing.total_s},
        )
        kept += 1
    return kept
