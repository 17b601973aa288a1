"""Arena runs and votes belong to their visitor: a flood of runs from one visitor (or one address
rotating sessions) drops only its own, a run and its take URLs open only for its owner in hosted
mode, and a run takes a bounded number of votes. Real runs: the sandbox speaks over loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import secrets

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from playground import visitors
from playground.arena import cloning, entrants, runs, speaking
from playground.audio import VoiceSample
from playground.errors import InputError
from playground.ui import arena_routes
from tests.conftest import speech_wav

CONTROL = "siliconflow:control:alex"
ZERO_SHOT = "siliconflow:reference:FunAudioLLM/CosyVoice2-0.5B"
TRANSCRIPT = "Hello there, this is my voice sample for cloning."
VISITOR, ATTACKER = "198.51.100.20", "203.0.113.66"


@pytest.fixture(autouse=True)
def small_shares(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_ARENA_RUNS", "6")
    monkeypatch.setenv("PLAYGROUND_ARENA_RUNS_PER_VISITOR", "2")
    monkeypatch.setenv("PLAYGROUND_ARENA_RUNS_PER_CLIENT", "3")
    with runs._lock:
        runs._runs.clear()
        runs._client_of.clear()
    visitors.LIMITER.reset()
    yield
    with runs._lock:
        runs._runs.clear()
        runs._client_of.clear()


def as_visitor(names: dict, session: str, address: str):
    names["session"] = session
    return visitors.use_client(address)


def make_run(keys: list[str]) -> speaking.Run:
    """A family of the current session (the sample, no clone needed) and one run of it."""

    async def go() -> speaking.Run:
        chosen = entrants.by_keys(keys)
        async for clone in cloning.clone_everywhere(VoiceSample(speech_wav(TRANSCRIPT)), TRANSCRIPT, True, chosen):
            family = clone.family_id
        return await speaking.speak_all(int(family), "A short line to say.", chosen)

    return asyncio.run(go())


def copies(run: speaking.Run, n: int) -> list[speaking.Run]:
    return [dataclasses.replace(run, token=secrets.token_urlsafe(12)) for _ in range(n)]


def test_a_flood_of_runs_drops_only_the_flooders_own(visitor):
    token = as_visitor(visitor, "visitor", VISITOR)
    mine = runs.keep(make_run([CONTROL]))
    visitors.forget_client(token)

    token = as_visitor(visitor, "attacker", ATTACKER)
    theirs = make_run([CONTROL])
    for run in copies(theirs, 25):  # the 25 runs
        runs.keep(run)
    for n in range(10):  # and fresh sessions from the same address
        visitor["session"] = f"attacker-{n}"
        for run in copies(dataclasses.replace(theirs, owner=runs.owner_scope()), 3):
            runs.keep(run)
    visitors.forget_client(token)
    assert sum(1 for c in runs._client_of.values() if c == ATTACKER) == 3  # the address's share

    token = as_visitor(visitor, "visitor", VISITOR)
    try:
        assert runs.get(mine.token) is mine  # still here
        assert runs.audio_of(mine.token, "ref")
    finally:
        visitors.forget_client(token)


def test_a_run_and_its_takes_open_only_for_its_owner(visitor):
    token = as_visitor(visitor, "visitor", VISITOR)
    run = runs.keep(make_run([CONTROL]))
    visitors.forget_client(token)
    app = TestClient(Starlette(routes=arena_routes.ROUTES))
    url = f"/{arena_routes.ROUTE_PREFIX}/{run.token}/0"
    assert app.get(url).status_code == 200

    token = as_visitor(visitor, "stranger", ATTACKER)  # holds the token, is not the owner
    try:
        assert app.get(url).status_code == 404 and app.get(url.replace("/0", "/ref")).status_code == 404
        with pytest.raises(InputError, match="no longer here"):
            runs.get(run.token)
    finally:
        visitors.forget_client(token)


def test_votes_are_bounded_per_run(visitor):
    token = as_visitor(visitor, "visitor", VISITOR)
    try:
        run = runs.keep(make_run([CONTROL, ZERO_SHOT]))
        assert sum(t.ok for t in run.takes) == 2
        for _ in range(runs.most_votes(run)):  # one pair: two votes
            assert runs.next_pair(run) is not None
            runs.vote(run, "A")
        assert runs.next_pair(run) is None
        run.pending = (0, 1)  # a client that votes anyway
        with pytest.raises(InputError, match="This run has had its 2 votes"):
            runs.vote(run, "A")
    finally:
        visitors.forget_client(token)
