"""Recent Arena runs (in memory, a few per process) and the blind vote between two of their takes.

A run belongs to the visitor who made it: it is found by its random token and only by its owner
(owner_scope), and in hosted mode its take URLs are served only to that owner too. Hosted, each
visitor keeps a share of the runs (locally the machine is one visitor and keeps them all): at most
PLAYGROUND_ARENA_RUNS_PER_VISITOR (4) per owner and PLAYGROUND_ARENA_RUNS_PER_CLIENT (8) per client
address (a new run drops that visitor's own oldest), and past PLAYGROUND_ARENA_RUNS (24) in all, the
run dropped is the oldest of the address holding the most: one visitor making runs only ever drops
their own. A run takes at most two votes per pair of takes, and in hosted mode each vote counts
against the visitor's call rate (visitors.LIMITER).
Votes and ratings are kept in the library (families.py), so they outlive the process; the takes
themselves live in the history only as long as the run is kept here (or in the report the user
downloads).
"""

from __future__ import annotations

import collections
import io
import os
import random
import secrets
import threading

from playground import hosted, visitors
from playground.arena import rating, results
from playground.arena.owner import owner_scope
from playground.arena.report import ROUTE_PREFIX
from playground.arena.speaking import Run
from playground.errors import InputError
from playground.library import default_store, families

MAX_RUNS = 24
RUNS_PER_VISITOR = 4
RUNS_PER_CLIENT = 8
VOTES_PER_PAIR = 2
WINNERS = {"a": "a", "b": "b", "tie": "tie", "A": "a", "B": "b", "Tie": "tie", "same": "tie"}
_runs: collections.OrderedDict[str, Run] = collections.OrderedDict()
_client_of: dict[str, str] = {}  # run token -> the client address that made it
_lock = threading.Lock()


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "") or default))
    except ValueError:
        return default


def _drop(token: str) -> None:
    _runs.pop(token, None)
    _client_of.pop(token, None)


def _oldest(tokens: list[str]) -> str:
    return tokens[0]  # _runs is in insertion order, so every list built from it is too


def keep(run: Run) -> Run:
    """Keep `run` for its owner, within the shares of the module doc."""
    total = _env_int("PLAYGROUND_ARENA_RUNS", MAX_RUNS)
    per_owner = _env_int("PLAYGROUND_ARENA_RUNS_PER_VISITOR", RUNS_PER_VISITOR) if hosted.is_hosted() else total
    per_client = _env_int("PLAYGROUND_ARENA_RUNS_PER_CLIENT", RUNS_PER_CLIENT) if hosted.is_hosted() else total
    client = visitors.client_id()
    with _lock:
        _runs[run.token] = run
        _client_of[run.token] = client
        while len(mine := [t for t, r in _runs.items() if r.owner == run.owner]) > per_owner:
            _drop(_oldest(mine))
        while len(here := [t for t in _runs if _client_of.get(t) == client]) > per_client:
            _drop(_oldest(here))
        while len(_runs) > total:
            counts = collections.Counter(_client_of.get(t) for t in _runs)
            biggest = max(counts, key=lambda c: counts[c])
            _drop(_oldest([t for t in _runs if _client_of.get(t) == biggest]))
    return run


def get(token: str | None) -> Run:
    with _lock:
        run = _runs.get((token or "").strip())
    if run is None or run.owner != owner_scope():
        raise InputError("That Arena run is no longer here.", hint="Run Hear them all again.")
    return run


def blind_copy(wav: bytes | None) -> bytes | None:
    """A fresh copy of a take for the blind pair: a random gain of 0.1-0.4 dB either way and 20-180 ms
    of silence at each end, so neither its bytes nor its length match the labelled player's."""
    if not wav:
        return wav
    from pydub import AudioSegment

    from playground.audio import decode

    seg = decode(wav)
    rng = random.SystemRandom()
    gain = rng.uniform(0.1, 0.4) * rng.choice((-1, 1))

    def pad() -> AudioSegment:
        return (
            AudioSegment.silent(duration=rng.randint(20, 180), frame_rate=seg.frame_rate)
            .set_channels(seg.channels)
            .set_sample_width(seg.sample_width)
        )

    buf = io.BytesIO()
    (pad() + seg.apply_gain(gain) + pad()).export(buf, format="wav")
    return buf.getvalue()


def audio_of(token: str, which: str) -> bytes | None:
    """The loudness-matched WAV of one take ("0", "1", ...) or of the reference ("ref"), for the page's
    players. The token is random and unguessable, as the live player's are; in hosted mode the
    request must also come from the run's owner (a token seen elsewhere opens nothing)."""
    with _lock:
        run = _runs.get(token)
    if run is None or (hosted.is_hosted() and run.owner != owner_scope()):
        return None
    if which == "ref":
        return run.reference_playback
    if which in run.blind_audio:  # a blind pair's player: the alias says nothing about which take it is
        return run.blind_audio[which]
    if which.isdigit() and int(which) < len(run.takes):
        return run.takes[int(which)].cell.playback
    return None


def most_votes(run: Run) -> int:
    """The votes a run takes: two per pair of the entrants' best takes (the blind pairs)."""
    ok = len(results.best_indexes(run))
    return VOTES_PER_PAIR * ok * (ok - 1) // 2


def next_pair(run: Run) -> tuple[int, int] | None:
    """Two entrants' best takes, the least-voted pair first (random among equals), in random order; their
    players get fresh copies (blind_copy) under addresses that say nothing. None when there are not two,
    or the run has had its votes."""
    ok = results.best_indexes(run)
    if len(ok) < 2 or len(run.voted) >= most_votes(run):
        run.pending, run.blind_audio = None, {}
        return None
    counts = collections.Counter(frozenset((v["a_index"], v["b_index"])) for v in run.voted)
    pairs = [(a, b) for n, a in enumerate(ok) for b in ok[n + 1 :]]
    fewest = min(counts[frozenset(p)] for p in pairs)
    a, b = random.choice([p for p in pairs if counts[frozenset(p)] == fewest])
    run.pending = (a, b) if random.random() < 0.5 else (b, a)
    run.aliases = {f"x{secrets.token_hex(6)}": i for i in run.pending}
    run.blind_audio = {name: blind_copy(run.takes[i].cell.playback) or b"" for name, i in run.aliases.items()}
    return run.pending


def pair_html(run: Run) -> str:
    """The blind pair as two players, A and B, whose addresses do not tell which take is which."""
    if run.pending is None:
        return ""
    alias = {i: name for name, i in run.aliases.items()}
    players = "".join(
        f'<div class="arena-blind" data-side="{side}"><b>{side}</b>'
        f'<audio controls preload="none" src="{ROUTE_PREFIX}/{run.token}/{alias[i]}"></audio></div>'
        for side, i in zip("AB", run.pending, strict=False)
    )
    return f'<div class="arena-pair">{players}</div>'


def _similarity(run: Run, index: int) -> float | None:
    score = run.takes[index].score or {}
    return score.get("similarity")


def vote(run: Run, choice: str) -> dict:
    """Record the vote on the pending pair; returns what it was (names revealed) and the new ratings."""
    if not (choice or "").strip():
        raise InputError("Choose A, B or tie before voting.", hint="Listen to both, then pick one.")
    winner = WINNERS.get((choice or "").strip())
    if winner is None:
        raise InputError(f"A vote is A, B or tie; got {choice!r}.")
    if run.pending is None:
        raise InputError("There is no pair to vote on.", hint="Two finished takes are needed.")
    most = most_votes(run)
    if len(run.voted) >= most:
        raise InputError(
            f"This run has had its {most} votes (two per pair of takes).", hint="Run Hear them all again to vote more."
        )
    if hosted.is_hosted():
        visitors.LIMITER.count(visitors.client_id())  # a vote writes a row: it counts like a call
    a, b = run.pending
    ta, tb = run.takes[a], run.takes[b]
    store = default_store()
    current = families.ratings(store, run.family_id)
    updated = rating.elo(current, ta.entrant.key, tb.entrant.key, winner)
    families.add_vote(
        store,
        run.family_id,
        run.script,
        ta.entrant.key,
        tb.entrant.key,
        winner,
        _similarity(run, a),
        _similarity(run, b),
        updated,
    )
    entry = {
        "a_index": a,
        "b_index": b,
        "a": ta.entrant.label,
        "b": tb.entrant.label,
        "winner": winner,
        "a_similarity": _similarity(run, a),
        "b_similarity": _similarity(run, b),
    }
    run.voted.append(entry)
    run.pending = None
    return entry


def standings(run: Run) -> tuple[list[list], str]:
    """(rows of entrant, rating, votes) best first, and the agreement with the similarity score."""
    store = default_store()
    ratings = families.ratings(store, run.family_id)
    labels = {t.entrant.key: t.entrant.label for t in run.takes}
    ranked = sorted(ratings.items(), key=lambda item: -item[1][0])
    rows: list[list] = [[labels.get(k, k), round(r, 1), rating.interval_text(n), n] for k, (r, n) in ranked]
    agree = rating.agreement(families.votes(store, run.family_id), ratings)
    return rows, agree.describe()
