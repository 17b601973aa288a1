"""Concurrency: 32 clients speak at once through the app while the provider takes 1 s each.

Wall time from a common start to the last answer, vs the same 32 requests sent straight to
the sandbox at once (what the provider alone allows) and vs serial (32 x 1 s).

The 32 clients are 32 Gradio sessions driven by one asyncio load generator speaking Gradio's
own queue protocol (join, then the session's event stream), exactly what a browser tab does.
32 gradio_client threads in one process spend ~2 s of CPU of their own on this 2-core machine
(a new httpx client and TLS context per call), which would measure the load generator, not
the app. Each session speaks once before the clock starts: opening a session makes Gradio build
that session's copy of the page config (reported beside the figure).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx

from bench import App, Figure, Sandbox

CLIENTS = 32
LATENCY_S = 1.0
MODEL = "FunAudioLLM/CosyVoice2-0.5B"
TEXT = "Thirty two voices at once."
BODY = {
    "model": MODEL,
    "input": TEXT,
    "voice": f"{MODEL}:alex",
    "response_format": "wav",
    "sample_rate": 24000,
    "stream": False,
    "speed": 1.0,
    "gain": 0.0,
}
ARGS = dict(
    text=TEXT,
    model=MODEL,
    voice_source="voice",
    voice=f"{MODEL}:alex",
    reference_audio=None,
    reference_text="",
    response_format="wav",
    sample_rate=24000,
    stream=False,
    speed=1.0,
    gain=0.0,
    max_tokens=None,
    api_key="",
)


class QueueClient:
    """One browser-like Gradio session per `speak()` session hash, over one shared connection pool."""

    def __init__(self, http: httpx.AsyncClient, fn_index: int, args: dict) -> None:
        self.http = http
        self.fn_index = fn_index
        self.args = args

    @classmethod
    async def open(cls, http: httpx.AsyncClient, api_name: str, args: dict = ARGS) -> QueueClient:
        config = (await http.get("/config")).json()
        fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
        return cls(http, fn_index, args)

    async def speak(self, session: str) -> bool:
        join = {
            "data": list(self.args.values()),
            "event_data": None,
            "fn_index": self.fn_index,
            "trigger_id": None,
            "session_hash": session,
        }
        (await self.http.post("/gradio_api/queue/join", json=join)).raise_for_status()
        async with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as resp:
            async for line in resp.aiter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        if not message.get("success"):
                            raise RuntimeError(str(message.get("output"))[:200])
                        return True
        raise RuntimeError("the event stream ended without a result")


async def _timed(calls) -> tuple[float, list]:
    start = time.perf_counter()
    results = await asyncio.gather(*calls, return_exceptions=True)
    return time.perf_counter() - start, list(results)


async def _measure(sandbox: Sandbox, app: App) -> tuple[float, float, float, list, int | None]:
    limits = httpx.Limits(max_connections=4 * CLIENTS, max_keepalive_connections=4 * CLIENTS)
    async with (
        httpx.AsyncClient(base_url=app.url, timeout=60, trust_env=False, limits=limits) as http,
        httpx.AsyncClient(timeout=60, trust_env=False, limits=limits) as direct,
    ):
        queue = await QueueClient.open(http, "siliconflow_speak")
        sessions = [uuid.uuid4().hex[:11] for _ in range(CLIENTS)]
        opened_s, _ = await _timed([queue.speak(s) for s in sessions])  # opens the 32 sessions (provider 0 s)
        sandbox.latency("siliconflow", first_byte_s=LATENCY_S)
        url = sandbox.base_url("siliconflow") + "/audio/speech"

        async def straight() -> None:
            (await direct.post(url, json=BODY, headers={"Authorization": "Bearer b"})).raise_for_status()

        direct_s, direct_res = await _timed([straight() for _ in range(CLIENTS)])
        sandbox.http.delete("/_sandbox/requests")
        app_s, app_res = await _timed([queue.speak(s) for s in sessions])
        peak = sandbox.stats()["max_in_flight"].get("siliconflow")
    failed = [r for r in app_res + direct_res if isinstance(r, Exception)]
    return app_s, direct_s, opened_s, failed, peak


def run(sandbox: Sandbox, app: App) -> list[Figure]:
    sandbox.reset()
    try:
        app_s, direct_s, opened_s, failed, peak = asyncio.run(_measure(sandbox, app))
    finally:
        sandbox.reset()
    ok = app_s <= 1.5 and not failed
    return [
        Figure(
            f"concurrency: {CLIENTS} clients at once, provider 1 s",
            f"{app_s:.2f} s",
            "<= 1.5 s",
            ok,
            f"direct to the sandbox {direct_s:.2f} s; serial would be {CLIENTS * LATENCY_S:.0f} s "
            f"({CLIENTS * LATENCY_S / app_s:.0f}x better); peak {peak} in flight at the provider; opening "
            f"the {CLIENTS} sessions (first call each, provider 0 s) took {opened_s:.2f} s"
            + (f"; {len(failed)} failed: {failed[0]!r}" if failed else ""),
        )
    ]
