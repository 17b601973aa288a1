"""Soak: 50 simulated users for 60 s mixing upload/clone/speak across providers, with about 5%
of provider calls failing on purpose (429, 503, timeouts, cut streams).

Checks: no unhandled error (every failure is an AppError with a readable message, never
"Unexpected error" or a traceback), every take the app wrote is complete audio, the app's
memory (VmRSS) grows < 10% after warm-up, its file descriptors stay flat.

Warm-up ends when the app has reached its steady state, measured rather than guessed: every user
has run every action once (each session's first run of an endpoint adds to Gradio's per-session
state) and the live streams, kept 20 s after they end (playground/live.py), have turned over.
"""

from __future__ import annotations

import collections
import random
import threading
import time

from bench import App, Figure, Sandbox

USERS = 50
DURATION_S = 60.0
MIN_WARMUP_S = 20.0  # playground.live.KEEP_AFTER_END_S
FAULT_RATE = 0.05
FAULTS = [
    ("429", {"retry_after": 0}),
    ("503", {}),
    ("slow_first_byte", {"delay_s": 4.0}),
    ("cut_stream", {"cut_after_bytes": 3000}),
]
SF = "FunAudioLLM/CosyVoice2-0.5B"


def actions(sample: str):
    from gradio_client import handle_file

    return [
        # a parameter left out takes the endpoint's default (CosyVoice2's alex, mp3, streamed)
        ("siliconflow", "speech", "/siliconflow_speak", dict(text="A soak test sentence.", sample_rate=32000)),
        (
            "siliconflow",
            "upload",
            "/siliconflow_upload",
            dict(
                audio=handle_file(sample),
                name="soak",
                transcript="Hello there, this is my voice.",
                model=SF,
                send_as="multipart",
                consent=True,
                api_key="",
            ),
        ),
        ("zhipu", "speech", "/zhipu_speak", dict(text="A soak test sentence.")),
        ("minimax", "speech", "/minimax_speak", dict(text="A soak test sentence.", voice_id="English_Graceful_Lady")),
        ("openai_compat", "speech", "/openai_speak", dict(text="A soak test sentence.")),
        ("zhipu", "upload", "/zhipu_upload", dict(audio=handle_file(sample), consent=True)),
    ]


def run(sandbox: Sandbox, app_unused: App | None = None) -> list[Figure]:
    from playground.audio import decode, wrap_pcm
    from playground.sandbox.speech import ESPEAK_RATE, synthesize_pcm

    sandbox.reset()
    for provider in ("siliconflow", "zhipu", "minimax", "openai_compat"):
        sandbox.latency(provider, first_byte_s=0.3)
    app = App(sandbox, PLAYGROUND_READ_TIMEOUT_S="2.5")
    sample = app.tmp / "sample.wav"
    sample.write_bytes(
        wrap_pcm(synthesize_pcm("Hello there, this is my voice sample for cloning.", "s", 1.0) * 2, ESPEAK_RATE)
    )
    plan = actions(str(sample))
    counts = {"ok": 0, "clear_error": 0, "unhandled": 0, "faults": 0, "no_connect": 0}
    unhandled: list[str] = []
    reasons: collections.Counter = collections.Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + DURATION_S
    samples: list[tuple[float, int, int]] = []
    covered_at: list[float] = []  # when each user had run every action once

    def user(seed: int) -> None:
        from gradio_client import Client
        from gradio_client.exceptions import AppError

        rnd = random.Random(seed)
        try:
            client = Client(app.url, verbose=False, download_files=False)
        except Exception as exc:  # a visitor who never got in is a failure too, counted and said
            with lock:
                counts["unhandled"] += 1
                counts["no_connect"] += 1
                unhandled.append(f"could not connect: {exc!r}"[:200])
            return
        done: set[int] = set()
        try:
            while time.monotonic() < stop_at:
                index = rnd.randrange(len(plan))
                provider, op, api, kwargs = plan[index]
                if rnd.random() < FAULT_RATE:
                    kind, kw = rnd.choice(FAULTS)
                    if kind == "cut_stream" and op != "speech":
                        kind, kw = "503", {}
                    sandbox.fault(provider, op, kind, **kw)
                    with lock:
                        counts["faults"] += 1
                try:
                    client.predict(**kwargs, api_name=api)
                    key = "ok"
                except AppError as exc:
                    text = str(exc)
                    key = (
                        "clear_error"
                        if text and "Unexpected error" not in text and "Traceback" not in text
                        else "unhandled"
                    )
                    if key == "unhandled":
                        unhandled.append(text[:200])
                    with lock:
                        reasons[f"{api}: {text[:70]}"] += 1
                except Exception as exc:  # the client itself failed: a hang, a dropped connection
                    key = "unhandled"
                    unhandled.append(repr(exc)[:200])
                with lock:
                    counts[key] += 1
                    if index not in done:
                        done.add(index)
                        if len(done) == len(plan):
                            covered_at.append(time.monotonic())
                time.sleep(rnd.uniform(0.5, 2.0))  # a user reads, listens, types
        finally:
            client.close()

    try:
        threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(USERS)]
        start = time.monotonic()
        for t in threads:
            t.start()
        while time.monotonic() < stop_at:
            samples.append((time.monotonic() - start, app.rss_kb(), app.fds()))
            time.sleep(1.0)
        for t in threads:
            t.join(timeout=60)
        time.sleep(2.0)
        samples.append((time.monotonic() - start, app.rss_kb(), app.fds()))
        takes = sorted(app.tmp.glob("vcp-downloads-*/take-*/*"))
        broken = []
        for path in random.Random(0).sample(takes, min(80, len(takes))):
            try:
                if len(decode(path.read_bytes())) < 200:
                    broken.append(path.name)
            except Exception:
                broken.append(path.name)
        log_problems = [
            line for line in app.log_text().splitlines() if "Traceback" in line or "unexpected error" in line
        ]
    finally:
        app.close()
        sandbox.reset()
    left = [f for f in app.tmp.glob("vcp-downloads-*/**/*") if f.is_file()]
    app.remove()
    if len(covered_at) == USERS:
        warmup_s = max(MIN_WARMUP_S, max(covered_at) - start)
        why = f"warm-up: every user had run all {len(plan)} actions"
    else:
        warmup_s = DURATION_S / 2
        why = f"warm-up: half the run; {len(covered_at)} of {USERS} users had run all {len(plan)} actions by the end"
    after_warmup = [s for s in samples if s[0] >= warmup_s]
    from_15 = next(s for s in samples if s[0] >= 15.0)
    rss0, rss1 = after_warmup[0][1], samples[-1][1]
    fd0, fd1 = after_warmup[0][2], samples[-1][2]
    growth = (rss1 - rss0) / rss0 * 100
    total = counts["ok"] + counts["clear_error"] + counts["unhandled"]
    return [
        Figure(
            "soak: unhandled errors",
            str(counts["unhandled"] + len(log_problems)),
            "0",
            counts["unhandled"] == 0 and not log_problems,
            f"{total} requests by {USERS} users in {DURATION_S:.0f} s ({counts['no_connect']} users could not "
            f"connect, counted as unhandled): {counts['ok']} ok, {counts['clear_error']} "
            f"clear errors, {counts['faults']} injected faults; most common errors: {reasons.most_common(3)}"
            + (f"; e.g. {unhandled[:2]}" if unhandled else "")
            + (f"; app log: {log_problems[:2]}" if log_problems else ""),
        ),
        Figure(
            "soak: takes that are not complete audio",
            f"{len(broken)} of {min(80, len(takes))} checked",
            "0",
            not broken,
            f"{len(takes)} takes written" + (f"; e.g. {broken[:3]}" if broken else ""),
        ),
        Figure(
            "soak: download files left after the app stopped",
            str(len(left)),
            "0",
            not left,
            f"the {len(takes)} takes' download copies were removed when the app exited on SIGTERM "
            "(Gradio keeps its own cached copy an hour; the voice library keeps its own)"
            if not left
            else f"e.g. {[str(f) for f in left[:3]]}",
        ),
        Figure(
            "soak: memory growth after warm-up",
            f"{growth:+.1f}%",
            "< 10%",
            growth < 10,
            f"VmRSS {rss0 / 1024:.0f} MB at {after_warmup[0][0]:.0f} s ({why}) -> {rss1 / 1024:.0f} MB at the end; "
            f"from 15 s: {(rss1 - from_15[1]) / from_15[1] * 100:+.1f}%",
        ),
        Figure(
            "soak: file descriptors",
            f"{fd0} -> {fd1}",
            "flat",
            fd1 <= fd0 + 5,
            "open fds of the app process after warm-up and after the run",
        ),
    ]
