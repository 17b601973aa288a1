"""The Voice Arena: "clone everywhere" + "hear them all" through the app, every entrant at once,
against the sandbox with set latencies per provider (each request waits that long before its
first byte). Target: the wall time is the slowest provider's own chain (upload, clone, speak,
run directly with the adapters in this process) plus at most 2 s. Speech is timed to the first
answer of arena_speak that carries the run (the takes are in; the answers before it are progress only;
scoring follows and is not part of the figure). A second row reports 3 takes per entrant.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from bench import BENCH_KEY, PROVIDERS, App, Figure, Sandbox

LATENCY_S = {"siliconflow": 0.4, "zhipu": 0.7, "minimax": 1.0}
TEXT = "Hello, this is my voice. I am recording a sample for the playground."
SCRIPT = "en-question"
TARGET_S = 2.0


def _sample(folder: Path) -> Path:
    from playground.audio import wrap_pcm
    from playground.sandbox.speech import ESPEAK_RATE, synthesize_pcm

    pcm = synthesize_pcm(TEXT, "bench-speaker", 1.0)
    while len(pcm) / 2 / ESPEAK_RATE < 12.0:
        pcm += pcm
    path = folder / "me.wav"
    path.write_bytes(wrap_pcm(pcm, ESPEAK_RATE))
    return path


def _direct_chain(sandbox: Sandbox, sample: Path, provider: str = "minimax") -> float:
    """The slowest provider's chain with the adapters, no app in between: prepare, upload, clone, speak."""
    key_var, url_var, _ = PROVIDERS[provider]
    os.environ[key_var], os.environ[url_var] = BENCH_KEY, sandbox.base_url(provider)
    from playground import compare, providers
    from playground.arena import entrants, recipes
    from playground.arena.speaking import script_text
    from playground.audio import VoiceSample

    entrant = next(e for e in entrants.all_entrants() if e.provider_id == provider and e.kind == "clone")
    text = script_text(SCRIPT, "")[1]

    async def chain() -> float:
        start = time.monotonic()
        prepared = recipes.prepare(VoiceSample.from_path(sample), entrant)
        result, _ = await recipes.clone(entrant, prepared.sample, TEXT, recipes.voice_name(entrant, 0), api_key=None)
        cell = await compare.run_cell(
            compare.Pair(provider, result.voice_id),
            text,
            request=recipes.speech_request(entrant, text, result.voice_id),
        )
        assert cell.ok, cell.error
        return time.monotonic() - start

    try:
        return asyncio.run(chain())
    finally:
        providers.get.cache_clear()


def _run_id(output) -> str | None:
    """The run id of one arena_speak answer (a progress-only answer skips it: None or an update dict)."""
    if not isinstance(output, (list, tuple)) or len(output) < 3:
        return None
    value = output[2]
    return value if isinstance(value, str) and value else None


def _speak(client, family: int, takes: int) -> tuple[float, float, list]:
    """(seconds until the takes are in, seconds until the scores are in, the scorecard rows) of one
    Hear them all; the first answers carry progress only, the takes are in once the run id is."""
    start = time.monotonic()
    job = client.submit(family, SCRIPT, "", takes_per_entrant=takes, api_name="/arena_speak")
    first = None
    while first is None and not job.done():
        first = next((o for o in job.outputs() if _run_id(o)), None)
        time.sleep(0.01)
    takes_in = time.monotonic() - start
    final = job.result()
    scored = time.monotonic() - start
    first = first or final
    table = first[1]["data"] if isinstance(first[1], dict) else first[1]
    return takes_in, scored, table


def run(sandbox: Sandbox, app: App) -> list[Figure]:
    from gradio_client import handle_file

    for provider, seconds in LATENCY_S.items():
        sandbox.latency(provider, first_byte_s=seconds)
    folder = Path(tempfile.mkdtemp(prefix="vcp-bench-arena-"))
    sample = _sample(folder)
    client = app.client()
    try:
        start = time.monotonic()
        _rows, family, summary = client.predict(handle_file(str(sample)), TEXT, True, api_name="/arena_clone")
        cloned = time.monotonic() - start
        speech_s, scored_s, table = _speak(client, family, 1)
        wall = cloned + speech_s
        scored = cloned + scored_s
        ok = sum(1 for r in table if str(r[-1]).startswith("ok"))
        three_in, three_scored, three_table = _speak(client, family, 3)
    finally:
        client.close()
    direct = _direct_chain(sandbox, sample)
    sandbox.reset()
    gap = wall - direct
    return [
        Figure(
            "arena: clone everywhere + hear them all, over the slowest provider's own chain",
            f"+{gap:.2f} s",
            f"<= +{TARGET_S:g} s",
            gap <= TARGET_S,
            f"{len(table)} entrants, one take each ({ok} ok; latency per request: "
            f"{', '.join(f'{p} {s:g} s' for p, s in LATENCY_S.items())}): clone {cloned:.2f} s, takes in at "
            f"{wall:.2f} s; MiniMax alone (upload, clone, speak, direct) {direct:.2f} s; {summary} "
            f"Scores in at {scored:.2f} s (scoring {scored_s - speech_s:.2f} s, not part of the target). Load "
            f"average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        ),
        Figure(
            "arena: hear them all with 3 takes per entrant (wall, scoring)",
            f"{three_scored:.2f} s",
            "reported",
            None,
            f"{len(three_table)} entrants x 3 takes: takes in at {three_in:.2f} s, scoring "
            f"{three_scored - three_in:.2f} s more (one take each: {speech_s:.2f} s + {scored_s - speech_s:.2f} s).",
        ),
    ]


if __name__ == "__main__":  # the arena rows alone: python -m bench.arena
    from bench import run_alone

    run_alone(run)
