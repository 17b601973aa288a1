"""Clone everywhere: one sample, every chosen entrant at once, one progress line each.

`clone_everywhere` is an async generator: it yields the whole table (a list of Row) every time a
row changes, so a page (or a benchmark) sees each provider's progress as it happens. Every entrant
runs its own chain (fit the sample, upload, clone, record) concurrently; a failure stays in its
row with the provider's clear message and the others go on. Everything created is recorded in
the library (voices and uploads as usual, plus the family's member row), so a second run with
the same sample reuses the voices instead of cloning again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

from playground import cpu, messages, providers
from playground.arena import recipes
from playground.arena.entrants import Entrant
from playground.arena.owner import owner_scope, provider_scope
from playground.arena.transcribe import transcribe_sample
from playground.audio import VoiceSample
from playground.errors import InputError, PlaygroundError
from playground.library import default_store, families
from playground.library.hooks import record_upload, record_voice

STATES = ("waiting", "working", "ready", "reused", "failed")
_FAILURES_KEPT = 256
_failures: dict[tuple[str, int, str], str] = {}  # (owner, family, entrant) -> why its last clone failed


def _remember_failure(family_id: int, entrant_key: str, reason: str | None) -> None:
    key = (owner_scope(), int(family_id), entrant_key)
    _failures.pop(key, None)
    if reason:
        _failures[key] = reason
        while len(_failures) > _FAILURES_KEPT:
            _failures.pop(next(iter(_failures)))


def failure_of(family_id: int, entrant_key: str) -> str | None:
    """Why this visitor's last clone of this entrant in this family failed (None: it did not, or long ago)."""
    return _failures.get((owner_scope(), int(family_id), entrant_key))


@dataclass
class Row:
    entrant: Entrant
    state: str = "waiting"
    message: str = "waiting"
    voice_id: str | None = None
    seconds: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state in ("ready", "reused")


@dataclass
class CloneRun:
    family_id: int
    new_family: bool
    rows: list[Row]
    done: bool = False

    def summary(self) -> str:
        ok = sum(r.ok for r in self.rows)
        reused = sum(r.state == "reused" for r in self.rows)
        failed = [r.entrant.label for r in self.rows if r.state == "failed"]
        if not self.done:
            return f"Family #{self.family_id}: cloning… {ok} of {len(self.rows)} ready so far."
        text = f"Family #{self.family_id}: {ok} of {len(self.rows)} ready"
        text += f" ({reused} reused from an earlier run)" if reused else ""
        return text + (f"; failed: {', '.join(failed)}." if failed else ".")


def check_inputs(sample: VoiceSample | None, transcript: str, consent: bool) -> str:
    if not consent:
        raise InputError(
            "Tick \u201cI have the right to clone this voice\u201d before cloning.",
            hint="Only clone your own voice, or a voice whose owner agreed to it.",
        )
    if sample is None:
        raise InputError("Record or upload one voice sample first.")
    sample.check({"label": "voice sample"}, "the Arena")
    transcript = (transcript or "").strip()
    if not transcript:
        raise InputError("The transcript is empty.", hint="Wait for it to fill in, or type what the sample says.")
    return transcript


async def _still_there(adapter, voice_id: str, api_key: str | None) -> bool:
    """Does the provider still list this voice? When it cannot say, assume yes (a clone may cost money)."""
    if not adapter.SUPPORTS_LIST:
        return True
    try:
        return any(v.id == voice_id for v in await adapter.list_voices(api_key=api_key))
    except PlaygroundError:
        return True


async def _chain(
    row: Row, sample: VoiceSample, transcript: str, family_id: int, api_key: str | None, changed: asyncio.Event
) -> None:
    e = row.entrant
    start = time.monotonic()

    def say(state: str, message: str) -> None:
        row.state, row.message = state, message
        row.seconds = round(time.monotonic() - start, 2)
        if state in ("ready", "reused", "failed"):
            _remember_failure(family_id, e.key, message if state == "failed" else None)
        changed.set()

    try:
        if e.kind == "control":
            row.voice_id = e.voice
            return say("ready", "system voice: nothing to clone (the control)")
        adapter = providers.get(e.provider_id)
        target = adapter.target(api_key)  # a missing key (and no sandbox) fails this row only
        store = default_store()
        scope = provider_scope(e.provider_id, api_key)
        if e.kind == "clone":
            known = await asyncio.to_thread(families.member, store, family_id, e.key, scope)
            if known and await _still_there(adapter, known["voice_id"], api_key):
                row.voice_id = known["voice_id"]
                return say("reused", "reused the voice made for this sample earlier")
            if known:  # e.g. a sandbox that restarted, or a voice deleted at the provider
                await asyncio.to_thread(families.drop_member, store, family_id, e.key, scope)
                row.notes.append("the provider no longer has the earlier voice: cloned again")
        say("working", "fitting the sample to the provider's limits")
        prepared = await cpu.run(recipes.prepare, sample, e, kind="before")
        row.notes += prepared.notes
        text = transcript
        if prepared.windowed:
            say("working", "transcribing the chosen window")
            text, note = await transcribe_sample(prepared.sample, e.provider_id, api_key, fallback=transcript)
            row.notes += [note] if note else []
        if e.kind == "zero_shot":
            return say("ready", "inline reference: sent with every request, nothing is created")
        name = recipes.voice_name(e, family_id)
        result, uploads = await recipes.clone(
            e, prepared.sample, text, name, api_key=api_key, progress=lambda m: say("working", m)
        )
        for upload in uploads:
            await record_upload(upload, target)
        # the library shows a name a person reads (family + provider); the provider keeps its own id
        result.name = recipes.library_name(e, family_id)
        note = await record_voice(
            result, target, transcript=text, source_file_id=str(uploads[-1].voice_id) if uploads else None
        )
        await asyncio.to_thread(
            families.add_member,
            store,
            family_id,
            e.key,
            scope,
            e.provider_id,
            result.model or e.model,
            str(result.voice_id),
        )
        row.voice_id = str(result.voice_id)
        # the sample carries the clinic's own notes ("kept the best 10.0 s ..."), already in the row as the
        # fix's sentence: a note said once
        said = " ".join(row.notes).lower()
        row.notes += [n for n in result.notes if n and n.lower() not in said] + ([note.strip(" ·")] if note else [])
        say("ready", f"cloned{' (sandbox)' if result.sandbox else ''}: {result.voice_id}")
    except PlaygroundError as exc:
        say("failed", messages.user_message(exc))  # the page's language (the task keeps its context)
    except Exception as exc:  # one provider's bug must not sink the others
        say("failed", f"Unexpected error ({type(exc).__name__}).")


async def clone_everywhere(
    sample: VoiceSample | None,
    transcript: str,
    consent: bool,
    entrants: list[Entrant],
    *,
    api_keys: dict[str, str] | None = None,
) -> AsyncIterator[CloneRun]:
    """Yield the table as it changes; the last one is final. Raises InputError before anything runs."""
    transcript = check_inputs(sample, transcript, consent)
    assert sample is not None
    if not entrants:
        raise InputError("Choose at least one provider.")
    store = default_store()
    family_id, new = await asyncio.to_thread(
        families.family_for, store, owner_scope(), sample.data, sample.format, transcript
    )
    rows = [Row(e) for e in entrants]
    changed = asyncio.Event()
    keys = api_keys or {}
    tasks = [
        asyncio.create_task(_chain(r, sample, transcript, family_id, keys.get(r.entrant.provider_id), changed))
        for r in rows
    ]

    def snapshot(done: bool = False) -> CloneRun:
        return CloneRun(family_id, new, [replace(r, notes=list(r.notes)) for r in rows], done)

    yield snapshot()
    try:
        while not all(t.done() for t in tasks):
            waiter = asyncio.create_task(changed.wait())
            await asyncio.wait([waiter, *[t for t in tasks if not t.done()]], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            changed.clear()
            yield snapshot()
    finally:
        for t in tasks:
            t.cancel()
    yield snapshot(True)
