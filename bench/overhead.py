"""Overhead: a 200-character sentence spoken through the app's API vs straight to the sandbox.

Total time: gradio_client `predict` on /siliconflow_speak vs one httpx POST to the simulator's
/audio/speech (same body). First audio (streamed): from submitting the job to the first PCM
bytes on the app's live route /vcp-live/<token>, vs the sandbox's first body byte to httpx.
"""

from __future__ import annotations

import re
import subprocess
import time

import httpx

from bench import PY, ROOT, App, Figure, Sandbox, clean_env, free_port, median, stop, wait_http

MODEL = "FunAudioLLM/CosyVoice2-0.5B"
SENTENCE = (
    "The quick brown fox jumps over the lazy dog while the playground measures how long "
    "each request takes, from the first byte of audio to the last, so that users wait only "
    "for the provider itself."
)[:200]
SPEED = 2.0  # espeak at double speed: about 5 s of audio for 200 characters
FIRST_BYTE_S = 0.3
ROUNDS = 5


def speech_body(stream: bool) -> dict:
    return {
        "model": MODEL,
        "input": SENTENCE,
        "voice": f"{MODEL}:alex",
        "response_format": "mp3",
        "sample_rate": 44100,
        "stream": stream,
        "speed": SPEED,
        "gain": 0.0,
    }


def api_args(stream: bool) -> dict:
    return dict(
        text=SENTENCE,
        model=MODEL,
        voice_source="voice",
        voice=f"{MODEL}:alex",
        reference_audio=None,
        reference_text="",
        response_format="mp3",
        sample_rate=44100,
        stream=stream,
        speed=SPEED,
        gain=0.0,
        max_tokens=None,
        api_key="",
    )


def direct(sandbox: Sandbox, http: httpx.Client, stream: bool) -> tuple[float, float, int]:
    """(first byte s, total s, bytes) of one request straight to the simulator."""
    start = time.perf_counter()
    first = None
    size = 0
    with http.stream(
        "POST",
        sandbox.base_url("siliconflow") + "/audio/speech",
        json=speech_body(stream),
        headers={"Authorization": "Bearer bench"},
    ) as resp:
        resp.raise_for_status()
        for chunk in resp.iter_bytes():
            if chunk and first is None:
                first = time.perf_counter() - start
            size += len(chunk)
    return first or 0.0, time.perf_counter() - start, size


def through_app(client) -> float:
    start = time.perf_counter()
    client.predict(**api_args(False), api_name="/siliconflow_speak")
    return time.perf_counter() - start


def first_audio_through_app(app: App, client, http: httpx.Client) -> float:
    """Seconds from submit to the first PCM bytes on /vcp-live/<token>."""
    start = time.perf_counter()
    job = client.submit(**api_args(True), api_name="/siliconflow_speak")
    token = None
    while token is None:
        for out in job.outputs():
            match = re.search(r'data-token="([^"]+)"', str(out[3]) if len(out) > 3 else "")
            if match:
                token = match.group(1)
                break
        if token is None:
            if job.done():
                raise RuntimeError(f"no live player in the outputs: {job.outputs()!r}")
            time.sleep(0.002)
    with http.stream("GET", f"{app.url}vcp-live/{token}") as resp:
        for chunk in resp.iter_bytes():
            if chunk:
                first = time.perf_counter() - start
                break
        else:
            raise RuntimeError("the live route sent no audio")
    job.result(timeout=60)
    return first


# The floor any Gradio app pays: one async handler that forwards the same request with httpx.
MINIMAL_PROXY = """
import os, sys, httpx, gradio as gr
URL = sys.argv[1]
async def speak(body_json):
    import json
    async with httpx.AsyncClient(timeout=60, trust_env=False) as c:
        r = await c.post(URL, json=json.loads(body_json), headers={"Authorization": "Bearer bench"})
    return r.content[:16].hex()
with gr.Blocks() as demo:
    t = gr.Textbox(); o = gr.Textbox()
    t.submit(speak, t, o, api_name="speak")
demo.queue(default_concurrency_limit=32).launch(server_name="127.0.0.1",
                                                server_port=int(os.environ["GRADIO_SERVER_PORT"]))
"""


def minimal_proxy(sandbox: Sandbox) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [PY, "-c", MINIMAL_PROXY, sandbox.base_url("siliconflow") + "/audio/speech"],
        cwd=ROOT,
        env=clean_env(GRADIO_SERVER_PORT=str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    wait_http(url, timeout_s=120, proc=proc)
    return proc, url


def audio_seconds(sandbox: Sandbox, http: httpx.Client) -> float:
    from playground.audio import decode

    resp = http.post(
        sandbox.base_url("siliconflow") + "/audio/speech",
        json=speech_body(False),
        headers={"Authorization": "Bearer bench"},
    )
    return len(decode(resp.content)) / 1000


def through_queue(app: App, rounds: int) -> list[float]:
    """Totals over Gradio's queue protocol (join + the session's event stream), as the page does it."""
    import asyncio
    import uuid

    from bench.concurrency import QueueClient

    async def measure() -> list[float]:
        async with httpx.AsyncClient(base_url=app.url, timeout=60, trust_env=False) as http:
            queue = await QueueClient.open(http, "siliconflow_speak", api_args(False))
            session = uuid.uuid4().hex[:11]
            await queue.speak(session)  # opens the session
            totals = []
            for _ in range(rounds):
                start = time.perf_counter()
                await queue.speak(session)
                totals.append(time.perf_counter() - start)
            return totals

    return asyncio.run(measure())


def run(sandbox: Sandbox, app: App) -> list[Figure]:
    sandbox.reset()
    sandbox.latency("siliconflow", first_byte_s=FIRST_BYTE_S)
    import json

    from gradio_client import Client

    client = app.client(download_files=False)
    http = httpx.Client(timeout=60, trust_env=False)
    proxy, proxy_url = minimal_proxy(sandbox)
    floor_client = Client(proxy_url, verbose=False, download_files=False)
    body = json.dumps(speech_body(False))

    def through_floor() -> float:
        start = time.perf_counter()
        floor_client.predict(body, api_name="/speak")
        return time.perf_counter() - start

    try:
        audio_s = audio_seconds(sandbox, http)
        direct(sandbox, http, False)  # warm every path (ffmpeg, espeak, connections)
        through_app(client)
        through_floor()
        first_audio_through_app(app, client, http)
        d_total, a_total, f_total, d_first, a_first = [], [], [], [], []
        for _ in range(ROUNDS):
            _, total, _size = direct(sandbox, http, False)
            d_total.append(total)
            a_total.append(through_app(client))
            f_total.append(through_floor())
            first, _, _ = direct(sandbox, http, True)
            d_first.append(first)
            a_first.append(first_audio_through_app(app, client, http))
        q_total = through_queue(app, ROUNDS)
    finally:
        http.close()
        client.close()
        floor_client.close()
        stop(proxy)
        sandbox.reset()
    ratio = median(q_total) / median(d_total)
    client_ratio = median(a_total) / median(d_total)
    floor = median(f_total) / median(d_total)
    added_ms = (median(a_first) - median(d_first)) * 1000
    return [
        Figure(
            "overhead: total time, app API / direct",
            f"{ratio:.2f}x",
            "<= 1.10x",
            ratio <= 1.10,
            f"median of {ROUNDS}: app {median(q_total):.3f} s over Gradio's queue protocol (what the page and "
            f"any API client pay), direct {median(d_total):.3f} s (first byte {FIRST_BYTE_S:g} s, "
            f"{audio_s:.1f} s of mp3)",
        ),
        Figure(
            "overhead: the same through gradio_client / direct",
            f"{client_ratio:.2f}x",
            "reference",
            None,
            f"median {median(a_total):.3f} s with download_files=False; the extra "
            f"{(median(a_total) - median(q_total)) * 1000:.0f} ms over the protocol is gradio_client's own per-call "
            "work (a new httpx client and TLS context per call), which no server can remove",
        ),
        Figure(
            "overhead: a minimal Gradio proxy via gradio_client / direct",
            f"{floor:.2f}x",
            "reference",
            None,
            f"median {median(f_total):.3f} s: one async handler forwarding the same request; "
            f"the playground adds {(median(a_total) - median(f_total)) * 1000:.0f} ms on top of it",
        ),
        Figure(
            "overhead: first audio added (streamed, live route)",
            f"{added_ms:.0f} ms",
            "<= 100 ms",
            added_ms <= 100,
            f"app {median(a_first) * 1000:.0f} ms to first PCM on /vcp-live vs sandbox "
            f"first byte {median(d_first) * 1000:.0f} ms",
        ),
    ]
