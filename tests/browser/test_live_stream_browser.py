"""Streamed speech plays in the browser before the provider's stream ends (issue 7's live path)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_siliconflow_stream_plays_before_the_stream_ends(page, sandbox):
    # 0.4 s to the first byte, then a slow stream (about 2.5 s for the whole body)
    sandbox.set_latency("siliconflow", first_byte_s=0.4, chunk_delay_s=0.12)
    page.get_by_role("tab", name="Speak").click()
    page.locator("#sf-speak-text textarea").fill("This sentence streams from the simulator and plays while it arrives.")
    page.locator("#sf-speak-btn").click()
    page.wait_for_function("() => Object.values(window.vcpLiveStats || {}).some(s => s.firstSound)", timeout=30_000)
    stats = page.evaluate("() => Object.values(window.vcpLiveStats)[0]")
    page.wait_for_function("() => Object.values(window.vcpLiveStats || {}).some(s => s.ended)", timeout=30_000)
    speech = [r for r in sandbox.requests("siliconflow") if r["path"].endswith("/audio/speech")][-1]
    ended = page.evaluate("() => Object.values(window.vcpLiveStats)[0].ended")
    first_byte_ms = speech["first_body_at"] * 1000
    print(
        f"gap first byte -> first sound: {stats['firstSound'] - first_byte_ms:.0f} ms; "
        f"stream lasted {ended - first_byte_ms:.0f} ms after first byte",
        stats,
    )
    assert stats["firstSound"] < ended  # sound started before the stream ended
