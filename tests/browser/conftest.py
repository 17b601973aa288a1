"""Playwright driving Debian's Chromium (never a downloaded browser).

Browser tests run when CI=true or PLAYGROUND_BROWSER_TESTS=1; elsewhere they are skipped
with a message. In CI a missing /usr/bin/chromium is a failure, not a skip.
The fake microphone plays `mic_wav` (real espeak speech) into every recording.
"""

from __future__ import annotations

import os
import wave
from pathlib import Path

import pytest

from tests.conftest import speech_wav

CHROMIUM = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
ENABLED = IN_CI or os.environ.get("PLAYGROUND_BROWSER_TESTS") == "1"
SKIP_REASON = (
    "browser tests are off: run with PLAYGROUND_BROWSER_TESTS=1 (needs Debian's chromium: apt-get install -y chromium)"
)


def pytest_collection_modifyitems(config, items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def mic_wav(tmp_path_factory) -> Path:
    """12 s of speech at 48 kHz mono: long enough for every provider's minimum."""
    from playground.audio import VoiceSample

    seg = VoiceSample(speech_wav("Hello, this is my voice. I am recording a sample for the playground.", 12.0)).segment
    seg = seg.set_frame_rate(48000).set_channels(1)
    path = tmp_path_factory.mktemp("mic") / "mic.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(seg.raw_data)
    return path


@pytest.fixture(scope="module")
def browser(mic_wav):
    """Module-scoped: Playwright's sync API runs an event loop in this thread while it lives,
    which async tests must not find running."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} not found: apt-get install -y chromium"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--autoplay-policy=no-user-gesture-required",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={mic_wav}",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(permissions=["microphone"], viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(app_url + "siliconflow")  # the Voice Arena is the landing page; every provider has its own
    page.wait_for_selector("#siliconflow-badge")
    yield page
    context.close()


def record(page, audio_elem_id: str, seconds: float = 4.0) -> None:
    """Record from the fake microphone into the gr.Audio with this elem_id."""
    root = page.locator(f"#{audio_elem_id}")
    root.locator("button.record-button").click()
    page.wait_for_timeout(int(seconds * 1000))
    root.locator("button.stop-button").click()
    # the recording is uploaded to the app before the component offers it for download
    root.locator("a[data-testid=download-link], a.download-link").first.wait_for(state="attached")


def fetch_audio_bytes(page, audio_elem_id: str, timeout_ms: int = 60_000) -> bytes:
    """The bytes the gr.Audio with this elem_id plays (its download link, else its <audio> src)."""
    find = f"""() => {{
        const root = document.querySelector('#{audio_elem_id}');
        const link = root?.querySelector('a.download-link, a[data-testid=download-link]');
        return link?.href || root?.querySelector('audio')?.src || null;
    }}"""
    page.wait_for_function(f"({find})() !== null", timeout=timeout_ms)
    data = page.evaluate(
        f"""async () => {{
            const src = ({find})();
            const buf = await (await fetch(src)).arrayBuffer();
            return Array.from(new Uint8Array(buf));
        }}"""
    )
    return bytes(data)


def live_stats(page, live_elem_id: str, timeout_ms: int = 60_000) -> dict:
    """Figures of the live player with this elem_id once its stream has ended (Date.now() ms):
    requested, firstByte, firstSound, ended, seconds of audio played live."""
    token = f"document.querySelector('#{live_elem_id} .vcp-live')?.dataset.token"
    page.wait_for_function(
        f"() => {{ const t = {token}; return t && window.vcpLiveStats?.[t]?.ended; }}", timeout=timeout_ms
    )
    return page.evaluate(f"() => window.vcpLiveStats[{token}]")


def assert_played_live(stats: dict, sandbox_request: dict) -> float:
    """Sound started before the stream ended; returns the gap (ms) from the sandbox's first byte to first sound."""
    assert stats.get("seconds", 0) > 0.5, stats
    assert stats["firstSound"] < stats["ended"], stats
    return stats["firstSound"] - sandbox_request["first_body_at"] * 1000
