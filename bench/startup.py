"""Start-up: `python app.py` until the page answers, vs a minimal gr.Blocks app; and proof that
start-up touches no network: every socket connect is audited (sys.addaudithook) and the proxy
variables point at a dead port, so any attempt to leave the machine is seen and fails."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

from bench import PY, ROOT, App, Figure, Sandbox, clean_env, free_port, median, stop, wait_http

ROUNDS = 3
AUDITED = r"""
import json, os, runpy, sys
log = open(os.environ["VCP_AUDIT_LOG"], "a")
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
        target = args[1] if event != "socket.getaddrinfo" else args[0]
        log.write(json.dumps([event, repr(target)]) + "\n"); log.flush()
sys.addaudithook(hook)
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
MINIMAL = r"""
import os, gradio as gr
with gr.Blocks() as demo:
    gr.Markdown("hello")
demo.launch(server_name="127.0.0.1", server_port=int(os.environ["GRADIO_SERVER_PORT"]))
"""
# The same minimal app with app.py's start-up GC treatment: a reference that shows how much of the
# app's start is its own size rather than what every Gradio app pays.
MINIMAL_GC = "import gc; gc.disable()\n" + MINIMAL
LOOPBACK = ("127.0.0.1", "localhost", "::1", "'0.0.0.0'")


def launch(args: list[str], env: dict) -> float:
    port = free_port()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [PY, *args],
            cwd=ROOT,
            env=clean_env(GRADIO_SERVER_PORT=str(port), **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_http(f"http://127.0.0.1:{port}/", timeout_s=120, proc=proc)
            return time.perf_counter() - start
        except RuntimeError as exc:
            log.seek(0)
            raise RuntimeError(f"{exc}: {log.read()[-1500:].decode(errors='replace')}") from None
        finally:
            stop(proc)


def run(sandbox: Sandbox | None = None, app: App | None = None) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="vcp-bench-start-") as tmp:
        return _measure(Path(tmp))


def _measure(tmp: Path) -> list[Figure]:
    audit = tmp / "connects.jsonl"
    dead = f"http://127.0.0.1:{free_port()}"
    offline = {
        "HTTP_PROXY": dead,
        "HTTPS_PROXY": dead,
        "ALL_PROXY": dead,
        "http_proxy": dead,
        "https_proxy": dead,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",  # loopback stays direct
        "VCP_AUDIT_LOG": str(audit),
        "PLAYGROUND_DATA_DIR": str(tmp / "data"),
        "TMPDIR": str(tmp),
    }
    launch(["app.py"], offline), launch(["-c", MINIMAL], offline)  # warm the page cache
    apps, minimal, minimal_gc = [], [], []
    for _ in range(ROUNDS):
        apps.append(launch(["-c", AUDITED, "app.py"], offline))
        minimal.append(launch(["-c", MINIMAL], offline))
        minimal_gc.append(launch(["-c", MINIMAL_GC], offline))
    events = [json.loads(line) for line in audit.read_text().splitlines()] if audit.exists() else []
    outside = [e for e in events if not any(h in e[1] for h in LOOPBACK)]
    ratio = median(apps) / median(minimal)
    return [
        Figure(
            "start-up: python app.py / minimal gr.Blocks app",
            f"{ratio:.2f}x",
            "<= 1.3x",
            ratio <= 1.3,
            f"median of {ROUNDS}: app {median(apps):.2f} s, minimal {median(minimal):.2f} s (until GET / is 200); "
            "app.py keeps the cyclic GC off while it builds (see app.py)",
        ),
        Figure(
            "start-up: python app.py / the minimal app with the same GC treatment",
            f"{median(apps) / median(minimal_gc):.2f}x",
            "reference",
            None,
            f"minimal with gc.disable() {median(minimal_gc):.2f} s: what is left is the app's size "
            "(about 1,100 blocks and 400 events, whose config is built once: ui/build_once.py)",
        ),
        Figure(
            "start-up: network connections outside the machine",
            str(len(outside)),
            "0",
            not outside,
            f"{len(events)} socket events audited over {ROUNDS} start-ups, all loopback"
            if not outside
            else f"e.g. {outside[:3]}",
        ),
    ]


if __name__ == "__main__":
    from bench import table

    print(table(run()))
