"""Benchmarks: what the playground adds to the provider's own time, under load and faults.

`python -m bench` runs every figure against the sandbox (its own process, controlled
latency and faults) and the app (`python app.py`, its own process, pointed at that sandbox
with the real client code through the *_BASE_URL settings). Each figure is compared with a
direct call measured in the same run, so it holds on a noisy machine.

This module holds what the figures share: the two processes and the result rows.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PROVIDERS = {  # provider id -> (key variable, base URL variable, simulator prefix)
    "siliconflow": ("SILICONFLOW_API_KEY", "SILICONFLOW_BASE_URL", "/siliconflow/v1"),
    "minimax": ("MINIMAX_API_KEY", "MINIMAX_BASE_URL", "/minimax"),
    "zhipu": ("ZHIPU_API_KEY", "ZHIPU_BASE_URL", "/zhipu/api"),
    "openai_compat": ("OPENAI_API_KEY", "OPENAI_BASE_URL", "/openai_compat/v1"),
}
BENCH_KEY = "bench-key-not-a-secret"


@dataclass
class Figure:
    name: str
    value: str
    target: str
    ok: bool | None  # None: reported only
    detail: str = ""


def table(figures: list[Figure]) -> str:
    rows = ["| figure | result | target | met | detail |", "| --- | --- | --- | --- | --- |"]
    for f in figures:
        met = "—" if f.ok is None else ("yes" if f.ok else "**no**")
        rows.append(f"| {f.name} | {f.value} | {f.target} | {met} | {f.detail} |")
    return "\n".join(rows)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any real provider key or base URL."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not (
            k.split("_")[0] in {"SILICONFLOW", "MINIMAX", "ZHIPU", "OPENAI"}
            and k.endswith(("_API_KEY", "_BASE_URL", "_GROUP_ID"))
        )
    }
    env.update(GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def wait_http(
    url: str, timeout_s: float = 60.0, proc: subprocess.Popen | None = None, headers: dict[str, str] | None = None
) -> float:
    """Poll until `url` answers 200; seconds waited."""
    start = time.monotonic()
    while True:
        try:
            if httpx.get(url, timeout=2, trust_env=False, headers=headers).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {proc.returncode}")
        if time.monotonic() - start > timeout_s:
            raise RuntimeError(f"{url} did not answer within {timeout_s:g} s")
        time.sleep(0.05)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Sandbox:
    """The simulators in their own process, controlled over /_sandbox."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        token = secrets.token_urlsafe(32)  # the /_sandbox control routes answer only to it
        self.proc = subprocess.Popen(
            [PY, "-m", "playground.sandbox", "--port", str(self.port)],
            cwd=ROOT,
            env={**clean_env(), "PLAYGROUND_SANDBOX_CONTROL_TOKEN": token},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(self.url + "/_sandbox/stats", proc=self.proc, headers={"X-Sandbox-Control": token})
        self.http = httpx.Client(base_url=self.url, timeout=30, trust_env=False, headers={"X-Sandbox-Control": token})

    def base_url(self, provider: str) -> str:
        return self.url + PROVIDERS[provider][2]

    def latency(self, provider: str, first_byte_s: float = 0.0, chunk_delay_s: float = 0.0) -> None:
        self.http.post(
            "/_sandbox/latency",
            json={"provider": provider, "first_byte_s": first_byte_s, "chunk_delay_s": chunk_delay_s},
        ).raise_for_status()

    def fault(self, provider: str, op: str, kind: str, **kw) -> None:
        self.http.post("/_sandbox/faults", json={"provider": provider, "op": op, "kind": kind, **kw}).raise_for_status()

    def reset(self) -> None:
        self.http.delete("/_sandbox/faults")
        self.http.delete("/_sandbox/requests")
        for provider in PROVIDERS:
            self.latency(provider)

    def stats(self) -> dict:
        return self.http.get("/_sandbox/stats").json()

    def close(self) -> None:
        self.http.close()
        stop(self.proc)


class App:
    """`python app.py` in its own process, every provider pointed at the sandbox process."""

    def __init__(self, sandbox: Sandbox, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.tmp = Path(tempfile.mkdtemp(prefix="vcp-bench-app-"))  # the app's temp dir: its takes land here
        # a library of its own: runs don't fill the user's ./data, and don't depend on its size
        extra = {
            "GRADIO_SERVER_PORT": str(self.port),
            "TMPDIR": str(self.tmp),
            "PLAYGROUND_DATA_DIR": str(self.tmp / "data"),
            **env,
        }
        for provider, (key_var, url_var, _) in PROVIDERS.items():
            extra[key_var] = BENCH_KEY
            extra[url_var] = sandbox.base_url(provider)
        self.log = open(self.tmp / "app.log", "wb")  # noqa: SIM115  # the app's log for its lifetime; closed in close()
        self.proc = subprocess.Popen(
            [PY, "app.py"], cwd=ROOT, env=clean_env(**extra), stdout=self.log, stderr=subprocess.STDOUT
        )
        wait_http(self.url, timeout_s=120, proc=self.proc)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def client(self, **kw):
        from gradio_client import Client

        return Client(self.url, verbose=False, **kw)

    def log_text(self) -> str:
        self.log.flush()
        return (self.tmp / "app.log").read_text(errors="replace")

    def close(self) -> None:
        stop(self.proc)
        self.log.close()

    def remove(self) -> None:
        """Delete the app's temp dir and library (after close(), once its files were checked)."""
        shutil.rmtree(self.tmp, ignore_errors=True)


def median(values: list[float]) -> float:
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def run_alone(run, *, with_app: bool = True) -> None:
    """`python -m bench.<module>`: one module's figures, against its own sandbox (and app), as a table."""
    box = Sandbox()
    try:
        if not with_app:
            print(table(run(box)))
            return
        application = App(box)
        try:
            print(table(run(box, application)))
        finally:
            application.close()
            application.remove()
    finally:
        box.close()
