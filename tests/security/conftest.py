"""Helpers for the hostile-visitor suite: a loopback "internal service" that answers with a secret (or
drips, floods, gzip-bombs) and counts what reaches it; an "evil" server that records what reaches it; a
memory sampler (VmRSS of this process, where the app runs); hosted mode with a named browser session;
archives built the way a stranger would; and audio made by ffmpeg at test time."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import os
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest

from playground import hosted
from playground.audio import ffmpeg_exe
from playground.library.archive import FORMAT, VERSION
from playground.library.store import sha256


class EvilServer:
    """Answers everything with 200 and remembers every request (path, headers, body)."""

    def __init__(self) -> None:
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                seen.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length) if length else b"",
                    }
                )
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.end_headers()
                self.wfile.write(b"ID3")

            do_GET = do_POST = do_PUT = _any

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def evil():
    server = EvilServer()
    yield server
    server.close()


def vm_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextlib.contextmanager
def peak_rss():
    """Samples this process's VmRSS every 20 ms; yields a dict whose 'peak_over_idle_mb' is set at exit."""
    idle = vm_rss_mb()
    out = {"idle_mb": idle, "peak_over_idle_mb": 0.0}
    stop = threading.Event()
    peak = [idle]

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], vm_rss_mb())
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield out
    finally:
        stop.set()
        thread.join()
        out["peak_over_idle_mb"] = max(peak[0], vm_rss_mb()) - idle


@pytest.fixture
def visitor(monkeypatch, tmp_path, sandbox):
    """Hosted mode in this process, an empty data folder, and a browser session named by the test
    (visitor["session"] = "b" switches to another visitor). Every provider's real base URL is the sandbox."""
    names = {"session": "visitor-a"}
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "data"))
    from tests.conftest import PROVIDER_ENV

    for pid, prefix in PROVIDER_ENV.items():
        monkeypatch.setenv(f"{prefix}_BASE_URL", sandbox.base_url(pid))
    monkeypatch.setenv("PLAYGROUND_ALLOW_PRIVATE_TARGETS", sandbox.url)  # the operator's configured (loopback) URLs
    monkeypatch.setattr(hosted, "_session_lookup", lambda: names["session"])
    hosted.BUDGET.reset()
    yield names
    hosted.BUDGET.reset()


def make_archive(path: Path, *, voices=(), takes=(), files: dict[str, bytes] | None = None, extra_members=()) -> Path:
    """An archive as a stranger would write it: library.json with whatever fields they like."""
    files = dict(files or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, data in extra_members:
            zf.writestr(name, data)
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": 0,
            "voices": list(voices),
            "takes": list(takes),
            "files": {name: sha256(data) for name, data in files.items()},
        }
        zf.writestr("library.json", json.dumps(doc))
    return path


def take(provider: str, handler: str, params: dict, audio: str, **fields) -> dict:
    return {
        "provider": provider,
        "model": params.get("model"),
        "voice": params.get("voice") or "",
        "text": params.get("text", ""),
        "handler": handler,
        "params": json.dumps(params),
        "format": "wav",
        "sample_rate": 24000,
        "timing": "{}",
        "created_at": fields.pop("created_at", 1_700_000_000.0),
        "sandbox": False,
        "audio": audio,
        **fields,
    }


def silent_wav(seconds: float = 1.0, rate: int = 24000) -> bytes:
    from playground.audio import wrap_pcm

    return wrap_pcm(b"\x00\x00" * int(seconds * rate), rate)


def lavfi_audio(
    path: Path, *, rate: int, layout: str, seconds: float, codec: str = "flac", streamed: bool = False
) -> Path:
    """Silence from ffmpeg's lavfi source. streamed=True writes through a pipe, so the FLAC header
    states no length (only decoding finds out how long it is)."""
    args = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"anullsrc=r={rate}:cl={layout}",
        "-t",
        str(seconds),
        "-c:a",
        codec,
    ]
    if streamed:
        with open(path, "wb") as fh:
            subprocess.run([*args, "-f", "flac", "pipe:1"], stdout=fh, check=True, timeout=120)
    else:
        subprocess.run([*args, str(path)], check=True, timeout=120)
    return path


def zip_bomb(path: Path, size: int = 1 << 30) -> Path:
    """A small zip whose library.json unpacks to `size` bytes of spaces."""
    chunk = b" " * (16 << 20)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("library.json", "w", force_zip64=True) as fh,
    ):
        left = size
        while left > 0:
            fh.write(chunk[:left])
            left -= len(chunk)
    return path


def lying_zip(path: Path, real_size: int = 64 << 20, claimed: int = 1000) -> Path:
    """library.json of `real_size` bytes whose zip headers claim `claimed` bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("library.json", b" " * real_size)
    data = bytearray(buf.getvalue())
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = claimed.to_bytes(4, "little")
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = claimed.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def message_of(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc)


def no_traceback(text: str) -> bool:
    return "Traceback" not in text and 'File "' not in text


os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


SECRET = "INTERNAL-SECRET-7f3a"


class Internal:
    """Answers everything with SECRET (or drips / floods / redirects, by path); counts requests."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self):
                outer.requests.append((self.path, dict(self.headers)))
                if self.path.startswith("/drip"):  # a slow-drip server: one byte at a time, forever
                    self.send_response(200)
                    self.send_header("Content-Type", "audio/mpeg")
                    self.end_headers()
                    try:
                        for _ in range(600):
                            self.wfile.write(b"\xff")
                            self.wfile.flush()
                            time.sleep(0.05)
                    except OSError:
                        pass
                    return
                if self.path.startswith(("/bomb", "/gzip")):  # gzip although identity was asked for
                    import gzip

                    raw = bytes(50 * 1024 * 1024) if self.path.startswith("/bomb") else b"\xff\xf3" + bytes(4094)
                    body = gzip.compress(raw, compresslevel=1)
                    self.send_response(200)
                    self.send_header("Content-Type", "audio/mpeg")
                    self.send_header("Content-Encoding", "gzip")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if self.path.startswith("/flood"):  # an endless body
                    self.send_response(200)
                    self.send_header("Content-Type", "audio/mpeg")
                    self.end_headers()
                    try:
                        chunk = b"\xff\xf3" + bytes(65534)
                        for _ in range(4096):
                            self.wfile.write(chunk)
                    except OSError:
                        pass
                    return
                body = SECRET.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def internal():
    server = Internal()
    yield server
    server.close()


def closed_port() -> int:
    from playground.sandbox.server import free_port

    return free_port()


@pytest.fixture
def fresh_limits(request, monkeypatch):
    """Per-address limits, the global budget and the CPU shares start empty (and are emptied after);
    a module's TOKEN, if it has one, is the gateway's token."""
    from playground import cpu, visitors

    token = getattr(request.module, "TOKEN", None)
    if token:
        monkeypatch.setenv("PLAYGROUND_API_TOKEN", token)
    visitors.LIMITER.reset()
    hosted.BUDGET.reset()
    cpu.reset()
    yield
    visitors.LIMITER.reset()
    hosted.BUDGET.reset()
    cpu.reset()
