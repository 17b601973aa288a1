"""Shared fixtures: the sandbox on loopback, the app launched on a free port, sample audio.

Tests never reach a real provider: every provider key and base URL variable is removed
from the environment before anything is imported.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import math
import os
import re
import shutil
import struct
import sys
import tempfile
import wave
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["PLAYGROUND_DATA_DIR"] = tempfile.mkdtemp(prefix="vcp-data-")  # never ./data
atexit.register(shutil.rmtree, os.environ["PLAYGROUND_DATA_DIR"], ignore_errors=True)
os.environ.setdefault("PLAYGROUND_RETRY_BASE_S", "0.01")
for _var in [
    v
    for v in os.environ
    if v.endswith(("_API_KEY", "_BASE_URL", "_GROUP_ID", "_VERSION"))
    and v.split("_")[0] in {"SILICONFLOW", "MINIMAX", "ZHIPU", "OPENAI", "ELEVENLABS", "FISHAUDIO", "CARTESIA"}
]:
    del os.environ[_var]

from playground.sandbox.server import SandboxServer, free_port  # noqa: E402


@pytest.fixture(scope="session")
def sandbox():
    """The simulators on 127.0.0.1, registered as every keyless provider's base URL."""
    server = SandboxServer().start().register()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_sandbox(request):
    """Each test starts with no faults, no latency and an empty request log."""
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").reset()


@pytest.fixture(scope="session")
def app_url(sandbox):
    """The whole Gradio app, launched on a free loopback port."""
    from playground.ui.layout import build_app, launch_kwargs

    demo = build_app()
    port = free_port()
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_kwargs()
    )
    yield url.rstrip("/") + "/"
    demo.close()


LAUNCHED: dict = {}  # url -> the Blocks launched there by hosted_app_url (tests inspect its server app)
PROVIDER_ENV = {
    "siliconflow": "SILICONFLOW",
    "minimax": "MINIMAX",
    "zhipu": "ZHIPU",
    "openai_compat": "OPENAI",
    "elevenlabs": "ELEVENLABS",
    "fishaudio": "FISHAUDIO",
    "cartesia": "CARTESIA",
}


@contextlib.contextmanager
def hosted_app_url(sandbox):
    """The whole app built in hosted mode on a free port. Every provider's "real" base URL is the
    sandbox, so typed keys travel the live path without leaving the machine."""
    saved = dict(os.environ)
    os.environ["PLAYGROUND_MODE"] = "hosted"
    for pid, prefix in PROVIDER_ENV.items():
        os.environ[f"{prefix}_BASE_URL"] = sandbox.base_url(pid)
    # hosted mode contacts public addresses only; these configured base URLs (never a typed one) are
    # the loopback sandbox, so the operator's test-only allowance names exactly its origin
    os.environ["PLAYGROUND_ALLOW_PRIVATE_TARGETS"] = sandbox.url
    # every test visitor comes from 127.0.0.1: the per-address call rate and CPU share are the security tests' to set
    os.environ.setdefault("PLAYGROUND_CLIENT_RATE", "100000")
    os.environ.setdefault("PLAYGROUND_CLIENT_CPU_S", "100000")
    from playground import cpu, visitors

    visitors.LIMITER.reset()
    cpu.reset()
    from playground.ui.layout import build_app, launch_kwargs

    demo = build_app()
    try:
        _, url, _ = demo.launch(
            server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, **launch_kwargs()
        )
        LAUNCHED[url.rstrip("/") + "/"] = demo
        yield url.rstrip("/") + "/"
    finally:
        LAUNCHED.pop(url.rstrip("/") + "/", None) if "url" in locals() else None
        demo.close()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="module")
def hosted_app(sandbox):
    """The app in hosted mode (hosted_app_url), once per test module that asks for it."""
    with hosted_app_url(sandbox) as url:
        yield url


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


def tone_wav(
    seconds: float = 3.0, rate: int = 16000, freq: float = 220.0, amplitude: float = 0.5, channels: int = 1
) -> bytes:
    """A WAV of a voice-like tone (a fundamental with harmonics), or silence with amplitude 0."""
    frames = bytearray()
    for i in range(int(seconds * rate)):
        t = i / rate
        v = sum(math.sin(2 * math.pi * freq * k * t) / k for k in (1, 2, 3)) / 1.8
        sample = int(max(-1.0, min(1.0, v * amplitude)) * 32767)
        frames += struct.pack("<h", sample) * channels
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))
    return buf.getvalue()


def speech_wav(text: str = "Hello there, this is my voice sample for cloning.", seconds_min: float = 0.0) -> bytes:
    """Real speech (espeak) as WAV, repeated until it lasts at least `seconds_min`."""
    from playground.audio import wrap_pcm
    from playground.sandbox.speech import ESPEAK_RATE, synthesize_pcm

    pcm = synthesize_pcm(text, "sample-speaker", 1.0)
    out = pcm
    while len(out) / 2 / ESPEAK_RATE < seconds_min:
        out += pcm
    return wrap_pcm(out, ESPEAK_RATE)


@pytest.fixture
def speech_file(tmp_path) -> Path:
    path = tmp_path / "sample.wav"
    path.write_bytes(speech_wav())
    return path


HAN = re.compile(r"[\u4e00-\u9fff]")
TWO_ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}[,:;]?\s+[A-Za-z]{2,}")  # ids like speech:my-voice:... are no sentence


@pytest.fixture
def untranslated(monkeypatch):
    """Every message text that went through the catalog for a Chinese reader and came back English
    (the app runs in this process, so its handlers call the recording translate)."""
    from playground import messages

    real = messages.translate
    left: list[str] = []

    def recording(text, lang=None):
        out = real(text, lang)
        chinese = (lang or messages.language()) == messages.ZH
        if not (chinese and text and out == text) or text.lstrip().startswith("<"):  # translated, or HTML
            return out
        if TWO_ENGLISH_WORDS.search(text) and not HAN.search(text):  # Han: Chinese already, provider's words kept
            left.append(text)
        return out

    monkeypatch.setattr(messages, "translate", recording)
    return left
