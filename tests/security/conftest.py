"""Hostile-visitor fixtures: a tiny "internal service" on another loopback port that counts what reaches it."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SECRET = "INTERNAL-SECRET-7f3a"


class Internal:
    """Answers everything with SECRET (or drips / floods / redirects, by path); counts requests."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
