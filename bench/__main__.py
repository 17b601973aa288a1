"""`python -m bench`: every figure with its target, printed and written to bench/results.md."""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from pathlib import Path

from bench import App, Figure, Sandbox, table

HERE = Path(__file__).resolve().parent


def versions() -> str:
    import gradio
    import gradio_client
    import httpx

    from playground.audio import ffmpeg_exe

    ffmpeg = ffmpeg_exe()
    return (
        f"Python {platform.python_version()}, gradio {gradio.__version__}, "
        f"gradio_client {gradio_client.__version__}, "
        f"httpx {httpx.__version__}, ffmpeg {ffmpeg}"
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs"


def main() -> int:
    from bench import arena, audio_prep, concurrency, gateway, overhead, pages, scoring, scripts, soak, startup

    started = time.monotonic()
    figures: list[Figure] = []
    sandbox = Sandbox()
    try:
        app = App(sandbox)
        try:
            for name, module in (
                ("overhead", overhead),
                ("concurrency", concurrency),
                ("gateway", gateway),
                ("arena", arena),
                ("scripts", scripts),
            ):
                print(f"… {name}", file=sys.stderr, flush=True)
                figures += module.run(sandbox, app)
        finally:
            app.close()
            app.remove()
        print("… audio preparation", file=sys.stderr, flush=True)
        figures += audio_prep.run()
        print("… arena scoring", file=sys.stderr, flush=True)
        figures += scoring.run()
        print("… pages (crowd, first screen)", file=sys.stderr, flush=True)
        figures += pages.run(sandbox)
        print("… start-up", file=sys.stderr, flush=True)
        figures += startup.run()
        print("… soak (60 s)", file=sys.stderr, flush=True)
        figures += soak.run(sandbox)
    finally:
        sandbox.close()
    elapsed = time.monotonic() - started
    text = table(figures)
    print(text)
    print(
        f"\n{sum(1 for f in figures if f.ok)} of {sum(1 for f in figures if f.ok is not None)} targets met "
        f"in {elapsed:.0f} s"
    )
    (HERE / "results.md").write_text(
        "# Benchmark results\n\n"
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}\n"
        f"- machine: {machine()}\n- versions: {versions()}\n- run time: {elapsed:.0f} s\n\n"
        f"{text}\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
