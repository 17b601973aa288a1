"""Scripts: a 20-line, two-speaker dialogue through the app's `script_speak` endpoint, against the
sandbox with a set latency per provider (each request waits that long before its first byte).

The direct figure, measured in the same run: each of the 20 lines spoken once with the adapters in
this process (no app in between), one after the other; the slowest of them is the reference. Target:
the whole script (every line spoken, loudness-matched, laid out, the track, zip and SRT made) takes
at most 2x its slowest single line plus 1 s. Lines run concurrently within each provider's limit
(presets/scripts.json), so 10 lines at a provider that takes 8 at once are two rounds.
Run alone with `python -m bench.scripts`.
"""

from __future__ import annotations

import asyncio
import os
import time

from bench import BENCH_KEY, PROVIDERS, App, Figure, Sandbox

LATENCY_S = {"siliconflow": 0.5, "openai_compat": 0.8}
CAST = "Anna = siliconflow|anna\nBen = openai_compat|onyx"
LINES = 20
ROUNDS = 3


def script() -> str:
    turns = []
    for i in range(LINES):
        who = "Anna" if i % 2 == 0 else "Ben"
        turns.append(f"{who}: This is line {i + 1} of the benchmark dialogue, a sentence of ordinary length.")
    return "\n".join(turns)


def _direct_lines(sandbox: Sandbox) -> list[float]:
    """Each line alone with the adapter, straight to the sandbox: seconds per line."""
    for provider in LATENCY_S:
        key_var, url_var, _ = PROVIDERS[provider]
        os.environ[key_var], os.environ[url_var] = BENCH_KEY, sandbox.base_url(provider)
    from playground import providers
    from playground.scripts.cast import parse_cast
    from playground.scripts.parse import parse_script
    from playground.scripts.speaking import line_request

    cast = parse_cast(CAST)

    async def lines() -> list[float]:
        out = []
        for line in parse_script(script()).lines:
            pair = cast.pair_for(line.speaker)
            assert pair is not None
            start = time.monotonic()
            await providers.get(pair.provider_id).speak(line_request(pair, line.text))  # the script's own request
            out.append(time.monotonic() - start)
        return out

    try:
        return asyncio.run(lines())
    finally:
        providers.get.cache_clear()


def run(sandbox: Sandbox, app: App) -> list[Figure]:
    for provider, seconds in LATENCY_S.items():
        sandbox.latency(provider, first_byte_s=seconds)
    client = app.client()
    walls = []
    try:
        client.predict(script(), CAST, api_name="/script_speak")  # warm: the sandbox renders each line once
        for _ in range(ROUNDS):
            start = time.monotonic()
            *_, summary = client.predict(script(), CAST, api_name="/script_speak")
            walls.append(time.monotonic() - start)
    finally:
        client.close()
    direct = _direct_lines(sandbox)
    sandbox.reset()
    slowest = max(direct)
    wall = sorted(walls)[len(walls) // 2]
    target = 2 * slowest + 1.0
    return [
        Figure(
            f"scripts: {LINES}-line two-speaker dialogue / its slowest single line",
            f"{wall / slowest:.2f}x",
            f"<= 2x + 1 s ({target:.2f} s)",
            wall <= target and f"{LINES} of {LINES} lines spoken" in summary,
            f"median of {ROUNDS}: {wall:.2f} s for the script through the app; direct, one line at a time: slowest "
            f"{slowest:.2f} s, all {LINES} one after the other {sum(direct):.2f} s (latency per request: "
            f"{', '.join(f'{p} {s:g} s' for p, s in LATENCY_S.items())}); {summary}",
        )
    ]


if __name__ == "__main__":
    from bench import run_alone

    run_alone(run)
