"""The API gateway: /v1/audio/speech through the official openai SDK vs the same request straight
to the sandbox (its OpenAI-compatible simulator, first byte 0.3 s), measured in the same run.

Total time and time to first byte: median of ROUNDS alternating calls. Concurrency: CONCURRENT
streamed requests at once from one AsyncOpenAI client, wall time until the last byte, through the
gateway vs direct. Run alone with `python -m bench.gateway`.
"""

from __future__ import annotations

import asyncio
import time

from bench import BENCH_KEY, App, Figure, Sandbox, median

FIRST_BYTE_S = 0.3
ROUNDS = 21
CONCURRENT = 64
CONCURRENT_ROUNDS = 5
TEXT = (
    "The playground passes the provider's audio straight through to the caller, chunk by chunk, so an "
    "OpenAI client waits only for the provider itself."
)[:200]


def clients(sandbox: Sandbox, app: App):
    direct = dict(base_url=sandbox.base_url("openai_compat"), api_key=BENCH_KEY, max_retries=0, timeout=60)
    gateway = dict(base_url=app.url + "v1", api_key="unused-locally", max_retries=0, timeout=60)
    return direct, gateway


async def one(client, model: str) -> tuple[float, float, int]:
    """(first byte s, total s, bytes) of one streamed speech request."""
    start = time.perf_counter()
    first = None
    size = 0
    async with client.audio.speech.with_streaming_response.create(model=model, voice="alloy", input=TEXT) as resp:
        async for chunk in resp.iter_bytes():
            if chunk and first is None:
                first = time.perf_counter() - start
            size += len(chunk)
    return first or 0.0, time.perf_counter() - start, size


async def measure(sandbox: Sandbox, app: App) -> dict:
    import httpx
    import openai

    direct_kw, gateway_kw = clients(sandbox, app)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with (
        httpx.AsyncClient(limits=limits, trust_env=False, timeout=60) as h1,
        httpx.AsyncClient(limits=limits, trust_env=False, timeout=60) as h2,
    ):
        direct = openai.AsyncOpenAI(http_client=h1, **direct_kw)
        gateway = openai.AsyncOpenAI(http_client=h2, **gateway_kw)
        paths = {"direct": (direct, "tts-1"), "gateway": (gateway, "openai_compat/tts-1")}
        for client, model in paths.values():  # warm connections, caches and the sandbox's rendering
            await one(client, model)
            await asyncio.gather(*(one(client, model) for _ in range(CONCURRENT)))
        out: dict = {k: {"first": [], "total": [], "bytes": 0, "wall": []} for k in paths}
        for _ in range(ROUNDS):
            for name, (client, model) in paths.items():
                first, total, size = await one(client, model)
                out[name]["first"].append(first)
                out[name]["total"].append(total)
                out[name]["bytes"] = size
        for _ in range(CONCURRENT_ROUNDS):
            for name, (client, model) in paths.items():
                start = time.perf_counter()
                results = await asyncio.gather(*(one(client, model) for _ in range(CONCURRENT)))
                out[name]["wall"].append(time.perf_counter() - start)
                assert all(r[2] == out[name]["bytes"] for r in results), "a streamed answer came back incomplete"
    return out


def run(sandbox: Sandbox, app: App) -> list[Figure]:
    sandbox.reset()
    sandbox.latency("openai_compat", first_byte_s=FIRST_BYTE_S)
    try:
        m = asyncio.run(measure(sandbox, app))
    finally:
        sandbox.reset()
    d, g = m["direct"], m["gateway"]
    total = median(g["total"]) / median(d["total"])
    added_ms = (median(g["first"]) - median(d["first"])) * 1000
    wall = median(g["wall"]) / median(d["wall"])
    return [
        Figure(
            "gateway: total time, openai SDK via /v1/audio/speech / direct",
            f"{total:.3f}x",
            "<= 1.02x",
            total <= 1.02,
            f"median of {ROUNDS}: gateway {median(g['total']):.3f} s, "
            f"direct {median(d['total']):.3f} s (first byte {FIRST_BYTE_S:g} s, "
            f"{g['bytes'] / 1024:.0f} KiB mp3, same bytes)",
        ),
        Figure(
            "gateway: time to first byte added",
            f"{added_ms:.1f} ms",
            "<= 5 ms",
            added_ms <= 5,
            f"median: gateway {median(g['first']) * 1000:.1f} ms, direct {median(d['first']) * 1000:.1f} ms",
        ),
        Figure(
            f"gateway: {CONCURRENT} concurrent streamed requests / direct",
            f"{wall:.3f}x",
            "<= 1.10x",
            wall <= 1.10,
            f"median of {CONCURRENT_ROUNDS}: gateway {median(g['wall']):.3f} s, direct {median(d['wall']):.3f} s "
            f"until the last byte of all {CONCURRENT}",
        ),
    ]


if __name__ == "__main__":
    from bench import run_alone

    run_alone(run)
