"""Request bodies are bounded before they are read, on Gradio's own call and queue routes too: a 100 MB
body is answered 413 (declared or streamed) with memory within 50 MB of idle, and JSON nested too
deep for a parser is a 400 with words, not a RecursionError and a generic 500."""

from __future__ import annotations

import json
import select
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from tests.security.conftest import no_traceback, peak_rss

HUNDRED_MB = 100 * 1024 * 1024
ROUTES = ["gradio_api/call/arena_vote", "gradio_api/queue/join", "gradio_api/run/arena_vote", "v1/audio/speech"]


def raw_post(url: str, path: str, headers: dict[str, str], body_chunks=()) -> tuple[int, bytes]:
    """POST over a plain socket, so nothing on this side buffers the body; stops sending as soon as the
    server answers. Returns (status, response bytes)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        head = f"POST /{path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock.sendall(head.encode())
        for chunk in body_chunks:
            if select.select([sock], [], [], 0)[0]:  # the server has answered: stop sending
                break
            try:
                sock.sendall(chunk)
            except OSError:
                break
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        head, _, body = answer.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.lower().split(b"\r\n")
                if line.startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:  # the body may come in a later segment than the headers
            data = sock.recv(65536)
            if not data:
                break
            body += data
            answer += data
    return int(answer.split(b" ", 2)[1]), answer


def chunked(total: int, size: int = 256 * 1024):
    piece = b"[" * size
    sent = 0
    while sent < total:
        yield f"{size:x}\r\n".encode() + piece + b"\r\n"
        sent += size
    yield b"0\r\n\r\n"


@pytest.mark.parametrize("route", ROUTES)
def test_a_declared_100_mb_body_is_refused_unread(hosted_app, route):
    with peak_rss() as mem:
        status, answer = raw_post(
            hosted_app, route, {"Content-Type": "application/json", "Content-Length": str(HUNDRED_MB)}
        )
    assert status == 413, answer
    assert b"larger than 1 MB" in answer
    assert mem["peak_over_idle_mb"] < 50


def test_a_streamed_100_mb_body_is_cut_at_the_limit(hosted_app):
    with peak_rss() as mem:
        status, answer = raw_post(
            hosted_app,
            "gradio_api/call/arena_vote",
            {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            chunked(HUNDRED_MB),
        )
    assert status == 413, answer
    assert mem["peak_over_idle_mb"] < 50


def test_the_limit_is_an_environment_setting(hosted_app, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_BODY_MB", "0.01")  # 10 KB
    body = json.dumps({"data": ["x" * 20_000, "A"]})
    answer = httpx.post(hosted_app + "gradio_api/call/arena_vote", content=body, timeout=30)
    assert answer.status_code == 413 and "larger than 10 KB" in answer.json()["detail"]


def test_uploads_keep_their_own_limit(hosted_app):
    files = {"files": ("a.wav", b"RIFF" + bytes(2 * 1024 * 1024), "audio/wav")}  # 2 MB: over the JSON limit
    assert httpx.post(hosted_app + "gradio_api/upload", files=files, timeout=30).status_code == 200


@pytest.mark.parametrize("route", ROUTES)
def test_deeply_nested_json_is_a_clear_400(hosted_app, route):
    depth = 100_000
    body = b'{"data": ' + b"[" * depth + b"]" * depth + b"}"
    answer = httpx.post(hosted_app + route, content=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert answer.status_code == 400, answer.text
    assert "nested more than 64 levels" in answer.text and no_traceback(answer.text)
    if route.startswith("v1"):
        assert answer.json()["error"]["type"] == "invalid_request_error"  # OpenAI's error shape


def test_malformed_json_to_the_gateway_is_a_clear_400(hosted_app, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_API_TOKEN", "t")
    answer = httpx.post(hosted_app + "v1/audio/speech", content=b'{"model": ', headers={"Authorization": "Bearer t"})
    assert answer.status_code == 400 and "could not parse the JSON body" in answer.json()["error"]["message"]
