"""Work that calls no provider is metered too: Arena scoring (the score_take endpoint and the MCP tool
arena_score) measures only a bounded part of a long take, runs one job of a visitor at a time in a
bounded pool, and is charged to the visitor's share; another visitor is answered meanwhile."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import time
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from playground import cpu, hosted, visitors
from playground.audio import ffmpeg_exe
from tests.conftest import tone_wav
from tests.security.conftest import no_traceback

A, B = "203.0.113.5", "198.51.100.6"
LONG_S = 590  # the ten-minute clip


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    """A 6 s reference and a 590 s Opus take (about 1.2 MB, as in the issue)."""
    folder = tmp_path_factory.mktemp("cpu")
    ref = folder / "ref.wav"
    ref.write_bytes(tone_wav(6.0))
    take = folder / "long.opus"
    source = ["-f", "lavfi", "-i", "sine=frequency=220:sample_rate=48000", "-t", str(LONG_S)]
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", *source, "-c:a", "libopus", "-b:a", "16k", str(take)],
        check=True,
        timeout=120,
    )
    return {"ref": ref, "take": take}


@pytest.fixture(autouse=True)
def small_shares(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_SCORE_MAX_S", "5")
    monkeypatch.setenv("PLAYGROUND_CLIENT_CPU_S", "2")
    monkeypatch.setenv("PLAYGROUND_CPU_WORKERS", "1")
    visitors.LIMITER.reset()
    cpu.reset()
    yield
    visitors.LIMITER.reset()
    cpu.reset()


def visitor(url: str, address: str) -> Client:
    return Client(url, verbose=False, headers={"X-Forwarded-For": address})


def answer_time(client: Client) -> float:
    """Seconds to answer a cheap call (a page event that lists models from the sandbox)."""
    started = time.monotonic()
    client.predict("", "sk-visitor", api_name="/openai_models")
    return time.monotonic() - started


def score(client: Client, clips: dict[str, Path]):
    return client.submit(handle_file(str(clips["ref"])), handle_file(str(clips["take"])), "", api_name="/score_take")


def test_a_long_take_is_scored_on_a_bounded_part_and_says_so(hosted_app, clips, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CLIENT_CPU_S", "60")
    card = score(visitor(hosted_app, A), clips).result(timeout=120)
    assert card["duration_s"] == pytest.approx(5.0, abs=0.1)
    assert any(f"Only the first 5 s of the take were measured (it lasts {LONG_S} s)" in n for n in card["notes"])


def test_one_visitors_scoring_stays_within_its_share_and_others_are_answered(hosted_app, clips):
    attacker = visitor(hosted_app, A)
    jobs = [score(attacker, clips) for _ in range(6)]  # ten at once in the issue; six is enough here
    other = visitor(hosted_app, B)
    answer_time(other)  # its first call pays for the client's own start
    deadline = time.monotonic() + 60
    while cpu._lanes.get(A, (0,))[0] < 3 and time.monotonic() < deadline:  # uploaded, in A's lane, working
        time.sleep(0.05)
    for _ in range(3):
        answer_time(other)  # answered meanwhile (that it is not queued behind A's work: the test below)
    mine = score(other, clips)  # another visitor's scoring has a share of its own

    outcomes = []
    for job in jobs:
        try:
            outcomes.append(job.result(timeout=180))
        except AppError as exc:
            outcomes.append(exc)
    refused = [o for o in outcomes if isinstance(o, AppError)]
    assert refused and len(refused) < len(jobs), outcomes
    for exc in refused:
        text = str(exc)
        assert "Slow down: your share of this server's processing" in text and "Try again in" in text
        assert no_traceback(text)
    charged = [seconds for _, seconds in cpu._spent[A]]
    assert sum(charged[:-1]) < 2.0  # every job started within the share: at most one job past it
    assert mine.result(timeout=180)["duration_s"] == pytest.approx(5.0, abs=0.1)


def test_another_visitor_is_answered_while_one_visitors_job_holds_the_processor(hosted_app):
    """Deterministic, no timing: A's job holds the only CPU worker until B has been answered."""
    import threading

    holding, release = threading.Event(), threading.Event()

    def held() -> None:
        holding.set()
        release.wait(60)

    def as_a() -> None:
        async def go() -> None:
            token = visitors.use_client(A)
            try:
                await cpu.run(held)
            finally:
                visitors.forget_client(token)

        asyncio.run(go())

    worker = threading.Thread(target=as_a)
    worker.start()
    try:
        assert holding.wait(30)
        # answered only if B is not waiting behind A's job (which waits for this answer)
        visitor(hosted_app, B).submit("", "sk-visitor", api_name="/openai_models").result(timeout=60)
        assert not release.is_set() and worker.is_alive()  # A's job was still holding the worker
    finally:
        release.set()
        worker.join(60)


def test_a_visitors_jobs_run_one_at_a_time(monkeypatch):
    """Ten jobs of one visitor at once: never two of them in the pool together (a lane per visitor)."""
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    monkeypatch.setenv("PLAYGROUND_CPU_WORKERS", "4")
    monkeypatch.setenv("PLAYGROUND_CLIENT_CPU_S", "60")
    running, most = [0], [0]

    def job() -> None:
        running[0] += 1
        most[0] = max(most[0], running[0])
        time.sleep(0.05)
        running[0] -= 1

    async def burst() -> None:
        token = visitors.use_client(A)
        try:
            await asyncio.gather(*[cpu.run(job) for _ in range(10)])
        finally:
            visitors.forget_client(token)

    asyncio.run(burst())
    assert most[0] == 1
    assert len(cpu._spent[A]) == 10


def test_the_mcp_tool_is_metered_like_the_endpoint(monkeypatch, clips):
    """arena_score runs outside Gradio's queue: it meets the same share."""
    from playground.ui import mcp_tools

    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    monkeypatch.setenv("PLAYGROUND_API_TOKEN", "t0ken")
    monkeypatch.setenv("PLAYGROUND_CLIENT_CPU_S", "0.1")
    monkeypatch.setattr(hosted, "_session_lookup", lambda: "mcp-visitor")

    def uri(path: Path, mime: str) -> str:
        return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()

    async def call() -> str:
        token = visitors.use_client(A)
        try:
            return await mcp_tools.arena_score(
                uri(clips["ref"], "audio/wav"), uri(clips["take"], "audio/ogg"), "", "Bearer t0ken"
            )
        finally:
            visitors.forget_client(token)

    assert "Only the first 5 s of the take" in asyncio.run(call())
    with pytest.raises(Exception, match="Slow down: your share of this server's processing"):
        asyncio.run(call())
