"""Run the sandbox with uvicorn on 127.0.0.1, in a background thread or as its own process."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from playground import config
from playground.sandbox.app import SIMULATORS, create_app
from playground.sandbox.control import SandboxState


class SandboxServer:
    """A sandbox served on loopback in a daemon thread. `url` is its root."""

    def __init__(
        self, state: SandboxState | None = None, host: str = "127.0.0.1", port: int = 0, warm: bool = True
    ) -> None:
        self.state = state or SandboxState()
        self.host = host
        self.port = port or free_port(host)
        self.app = create_app(self.state, warm=warm)  # warm: see create_app
        cfg = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_keep_alive=config.KEEP_ALIVE_S,  # longer than clients keep theirs (config.py)
        )
        self.server = uvicorn.Server(cfg)
        self.thread: threading.Thread | None = None

    def control_headers(self) -> dict[str, str]:
        """The header the /_sandbox control routes require (this process only knows it)."""
        from playground.sandbox.control import CONTROL_HEADER

        return {CONTROL_HEADER: self.state.control_token}

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, provider_id: str) -> str:
        return self.url + SIMULATORS[provider_id][0]

    def start(self, timeout_s: float = 15.0) -> SandboxServer:
        self.thread = threading.Thread(target=self.server.run, name="sandbox", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.02)
        return self

    def register(self) -> SandboxServer:
        """Point every provider without a key at this sandbox."""
        for provider_id in SIMULATORS:
            config.register_sandbox(provider_id, self.base_url(provider_id))
        return self

    # -- control helpers for tests and benchmarks (direct access to the shared state) --
    def add_fault(self, provider: str, op: str, kind: str, **kw) -> None:
        from playground.sandbox.control import FAULT_KINDS, Fault

        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        with self.state.lock:
            self.state.faults.append(Fault(provider=provider, op=op, kind=kind, **kw))

    def set_latency(self, provider: str, first_byte_s: float = 0.0, chunk_delay_s: float = 0.0) -> None:
        self.state.first_byte_s[provider] = first_byte_s
        self.state.chunk_delay_s[provider] = chunk_delay_s

    def requests(self, provider: str | None = None) -> list[dict]:
        with self.state.lock:
            return [r for r in self.state.requests if provider is None or r["provider"] == provider]

    def reset(self) -> None:
        """Forget faults, latency, the request log and counters (stored voices stay)."""
        with self.state.lock:
            self.state.faults.clear()
            self.state.requests.clear()
            self.state.max_in_flight.clear()
            self.state.first_byte_s.clear()
            self.state.chunk_delay_s.clear()

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]
