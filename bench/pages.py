"""Pages under a crowd and in a browser, each against a minimal Gradio app measured in the same run.

- crowd: 50 and 200 visitors (new connections, gzip accepted, as browsers send) open a page at once;
  the wall time until the last has its page, against the minimal app's for the same crowd; meanwhile
  one API call after another (GET /v1/models) is timed, and the worst wait reported; bytes on the
  wire per page view. The app is in hosted mode (the public Space). One visit opens each page first,
  as the Space's first visitor would (the page is built once, then served from memory).
- first screen: Debian's Chromium loads the page until its main button is visible (5 visits, a
  fresh browser context each time, each against a visit of the minimal app just before it: the median
  of those ratios), and the JS heap once the page has settled, against the minimal app; for the
  landing page also the time until its recorder (which arrives just after) is visible.
Every page of ui/pages/ is measured; a failed request or load is counted, never dropped.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench import PY, ROOT, App, Figure, Sandbox, clean_env, free_port, stop, wait_http

CROWDS = (50, 200)
ROUNDS = 5
TOKEN = "bench-pages-token"
MINIMAL = r"""
import os, gradio as gr
with gr.Blocks() as demo:
    gr.Markdown("hello")
    gr.Button("Go", variant="primary", elem_id="go")
demo.launch(server_name="127.0.0.1", server_port=int(os.environ["GRADIO_SERVER_PORT"]))
"""
SETTLE_MS = 1000  # after the first screen, before the heap is read
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _main_button(path: str) -> str:
    """The selector of a page's main action (what a visitor came to press)."""
    from playground.ui.pages import PAGES

    kind = next(p.kind for p in PAGES if p.path == path)
    return {
        "arena": "#arena-clone",
        "library": "#lib-voices-refresh",
        "compare": "#cmp-run",
        "scripts": "#dlg-run",
        "about": "#about-example",
    }.get(kind, "button.primary >> visible=true")


def crowd(url: str, n: int) -> tuple[float, int, int]:
    """(wall seconds until every visitor has the page, bytes per view, failures)."""
    sizes: list[int] = []
    failures = [0]
    lock = threading.Lock()
    gate = threading.Barrier(n + 1)

    def visit() -> None:
        try:
            with httpx.Client(trust_env=False, timeout=60, headers={"Accept-Encoding": "gzip"}) as c:
                gate.wait()
                with c.stream("GET", url) as r:
                    wire = sum(len(chunk) for chunk in r.iter_raw())
                    ok = r.status_code == 200
            with lock:
                if ok:
                    sizes.append(wire)
                else:
                    failures[0] += 1
        except Exception:
            with lock:
                failures[0] += 1

    threads = [threading.Thread(target=visit, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    gate.wait()
    start = time.perf_counter()
    for t in threads:
        t.join(120)
    wall = time.perf_counter() - start
    return wall, int(statistics.median(sizes)) if sizes else 0, failures[0]


TIMER = r"""
import sys, time, httpx
url, token, stop_file = sys.argv[1], sys.argv[2], sys.argv[3]
import os
worst, failed = 0.0, 0
with httpx.Client(trust_env=False, timeout=60, headers={"Authorization": "Bearer " + token}) as c:
    print("ready", flush=True)
    while not os.path.exists(stop_file):
        t = time.perf_counter()
        try:
            ok = c.get(url).status_code == 200
        except httpx.HTTPError:
            ok = False
        worst = max(worst, time.perf_counter() - t)
        failed += 0 if ok else 1
        time.sleep(0.01)
print(worst, failed, flush=True)
"""


def worst_api_wait(api_url: str, during) -> tuple[float, int]:
    """Run `during()` while another process calls GET api_url one after another (its own process, so the
    crowd's threads here cannot delay it): the slowest call (s) and the failures."""
    stop_file = Path(tempfile.mkdtemp(prefix="vcp-bench-timer-")) / "stop"
    proc = subprocess.Popen(
        [PY, "-c", TIMER, api_url, TOKEN, str(stop_file)], stdout=subprocess.PIPE, text=True, env=clean_env()
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # ready
    time.sleep(0.3)
    try:
        during()
    finally:
        stop_file.touch()
        out, _ = proc.communicate(timeout=60)
    worst, failed = out.split()
    return float(worst), int(failed)


def _load(browser, url: str, selector: str, whole: str | None = None) -> tuple[float, float, float]:
    """One visit in a fresh context: seconds until `selector` is visible, seconds until `whole` is (what
    arrives just after the first screen, ui/deferred.py; else the same), and the JS heap (MB) once the
    page has settled (a second later: what arrives after the first screen is counted too)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url)
        page.locator(selector).first.wait_for(state="visible", timeout=60_000)
        seconds = time.perf_counter() - start
        if whole:
            page.locator(whole).first.wait_for(state="visible", timeout=60_000)
        whole_s = time.perf_counter() - start
        page.wait_for_timeout(SETTLE_MS)
        cdp = context.new_cdp_session(page)
        cdp.send("HeapProfiler.collectGarbage")
        return seconds, whole_s, cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6
    finally:
        context.close()


def first_screen(
    browser, url: str, selector: str, base_url: str, rounds: int = ROUNDS, whole: str | None = None
) -> dict:
    """The page against the minimal app, visited in turn (a visit of each per round), so that the
    machine's load weighs on both alike: medians of time to the main button, to `whole` (the part that
    arrives just after the first screen) and of the JS heap once settled; `ratio` is the median of each
    round's page time over the minimal app's time in the same round (the machine's speed drifts between
    rounds here by more than the difference measured, so each visit is compared with its neighbour)."""
    times, wholes, heaps, base_times, base_heaps, failed, base_failed = [], [], [], [], [], 0, 0
    ratios: list[float] = []
    for _ in range(rounds):
        base_t = None
        try:
            base_t, _, h = _load(browser, base_url, "#go")
            base_times.append(base_t)
            base_heaps.append(h)
        except Exception:
            base_failed += 1
        try:
            t, w, h = _load(browser, url, selector, whole)
            times.append(t)
            wholes.append(w)
            heaps.append(h)
            if base_t:
                ratios.append(t / base_t)
        except Exception:
            failed += 1
    med = statistics.median
    return {
        "ratio": med(ratios) if ratios else float("inf"),
        "t": med(times) if times else float("inf"),
        "whole": med(wholes) if wholes else float("inf"),
        "heap": med(heaps) if heaps else 0.0,
        "base_t": med(base_times) if base_times else float("inf"),
        "base_heap": med(base_heaps) if base_heaps else 0.0,
        "failed": failed,
        "base_failed": base_failed,
    }


class Minimal:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.dir = Path(tempfile.mkdtemp(prefix="vcp-bench-minimal-"))
        (self.dir / "minimal.py").write_text(MINIMAL)
        self.proc = subprocess.Popen(
            [PY, str(self.dir / "minimal.py")],
            cwd=ROOT,
            env=clean_env(GRADIO_SERVER_PORT=str(self.port)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(self.url, timeout_s=120, proc=self.proc)

    def close(self) -> None:
        stop(self.proc)


def run(sandbox: Sandbox, app_unused: App | None = None) -> list[Figure]:
    from playground.ui.pages import PAGES

    figures: list[Figure] = []
    app = App(sandbox, PLAYGROUND_MODE="hosted", PLAYGROUND_API_TOKEN=TOKEN, PLAYGROUND_CLIENT_RATE="100000")
    minimal = Minimal()
    try:
        for spec in PAGES:
            httpx.get(app.url + spec.path, trust_env=False, timeout=60)  # the Space's first visitor
        httpx.get(minimal.url, trust_env=False, timeout=60)
        api = app.url + "v1/models"
        # -- the crowd on the landing page, against the minimal app
        for n in CROWDS:
            base_wall, base_bytes, base_failed = crowd(minimal.url, n)
            got: dict = {}
            wait, api_failed = worst_api_wait(api, lambda n=n, got=got: got.update(r=crowd(app.url, n)))
            wall, size, failed = got["r"]
            ratio = wall / base_wall if base_wall else float("inf")
            figures.append(
                Figure(
                    f"crowd: {n} visitors open the landing page at once",
                    f"{wall:.2f} s ({ratio:.1f}x the minimal app's {base_wall:.2f} s)",
                    "≤ 3x",
                    ratio <= 3 and failed == 0,
                    f"{size / 1024:.1f} KiB per view on the wire (minimal {base_bytes / 1024:.1f} KiB); "
                    f"{failed} failed (minimal {base_failed})",
                )
            )
            figures.append(
                Figure(
                    f"crowd: worst API call wait while {n} arrive",
                    f"{wait * 1000:.0f} ms",
                    "≤ 200 ms" if n == CROWDS[0] else "reported",
                    (wait <= 0.2 and api_failed == 0) if n == CROWDS[0] else None,
                    f"GET /v1/models one after another during the burst; {api_failed} failed",
                )
            )
        # -- every page: bytes on the wire, a crowd of 50, against the minimal app's crowd of 50
        base_wall, _, _ = crowd(minimal.url, CROWDS[0])
        worst_page = ("", 0.0, 0, 0)
        for spec in PAGES:
            wall, size, failed = crowd(app.url + spec.path, CROWDS[0])
            ratio = wall / base_wall if base_wall else float("inf")
            if spec.path != "" and (ratio > worst_page[1] or size > worst_page[2] or failed):
                name = spec.path if ratio > worst_page[1] or size > worst_page[2] else worst_page[0]
                worst_page = (name, max(ratio, worst_page[1]), max(size, worst_page[2]), worst_page[3] + failed)
            if spec.path == "":
                figures.append(
                    Figure(
                        "landing page on the wire",
                        f"{size / 1024:.1f} KiB",
                        "≤ 100 KiB",
                        size <= 100 * 1024 and failed == 0,
                        "gzip, as a browser asks; 1,769 KiB before the pages",
                    )
                )
        figures.append(
            Figure(
                "every other page: heaviest on the wire and slowest crowd of 50",
                f"{worst_page[2] / 1024:.1f} KiB; {worst_page[1]:.1f}x",
                "≤ 100 KiB; ≤ 3x",
                worst_page[2] <= 100 * 1024 and worst_page[1] <= 3 and worst_page[3] == 0,
                f"worst: /{worst_page[0]}; {worst_page[3]} failed",
            )
        )
        # -- first screen in Chromium, each page in turn with the minimal app
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            try:
                slowest, heaviest, failed_loads = ("", 0.0), ("", 0.0), 0
                each: list[str] = []
                for spec in PAGES:
                    landing = spec.path == ""
                    r = first_screen(
                        browser,
                        app.url + spec.path,
                        _main_button(spec.path),
                        minimal.url,
                        ROUNDS,
                        whole="#arena-sample" if landing else None,
                    )
                    tr = r["ratio"]
                    hr = r["heap"] / r["base_heap"] if r["base_heap"] else float("inf")
                    if not landing:
                        each.append(f"{spec.path} {tr:.2f}x")
                    if landing:
                        figures.append(
                            Figure(
                                "first screen: landing page's main button visible (Chromium)",
                                f"{tr:.2f}x the minimal app; JS heap {r['heap']:.1f} MB ({hr:.1f}x)",
                                "≤ 1.5x; heap ≤ 3x",
                                tr <= 1.5 and hr <= 3 and r["failed"] == 0,
                                f"median of {ROUNDS} visits, each against the minimal app's visit just before it "
                                f"(medians of the times: {r['t']:.2f} s and {r['base_t']:.2f} s); heap once settled "
                                f"(minimal {r['base_heap']:.1f} MB); {r['failed']} failed (minimal {r['base_failed']})",
                            )
                        )
                        figures.append(
                            Figure(
                                "first screen: the landing page's recorder too (it arrives just after)",
                                f"{r['whole']:.2f} s ({r['whole'] / r['base_t']:.2f}x the minimal app's button)",
                                "reported",
                                None,
                                "the audio player arrives once the first screen is drawn (ui/deferred.py)",
                            )
                        )
                    else:
                        slowest = max(slowest, (spec.path, tr), key=lambda x: x[1])
                        heaviest = max(heaviest, (spec.path, hr), key=lambda x: x[1])
                        failed_loads += r["failed"]
            finally:
                browser.close()
        figures.append(
            Figure(
                "first screen: every other page (worst)",
                f"{slowest[1]:.2f}x; heap {heaviest[1]:.1f}x",
                "≤ 1.5x; heap ≤ 3x",
                slowest[1] <= 1.5 and heaviest[1] <= 3 and failed_loads == 0,
                f"slowest /{slowest[0]}, heaviest /{heaviest[0]}; each page {ROUNDS} visits, each against the "
                f"minimal app's visit just before it ({', '.join(each)}); {failed_loads} failed loads",
            )
        )
    finally:
        minimal.close()
        app.close()
        app.remove()
    return figures


if __name__ == "__main__":
    from bench import run_alone

    run_alone(run, with_app=False)
