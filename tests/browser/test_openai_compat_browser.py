"""Speak a sentence in the OpenAI-compatible tab with SSE streaming; check the audio that plays,
the live character counter, and the model-dependent instructions box."""

from __future__ import annotations

import base64
import json
import re

import pytest

from playground.audio import VoiceSample, sniff_format
from tests.browser.conftest import assert_played_live, fetch_audio_bytes, live_stats
from tests.browser.steps import open_page

pytestmark = pytest.mark.browser


def test_speak_a_sentence_streamed_as_sse(page, sandbox):
    open_page(page, "openai")
    assert "Sandbox mode" in page.locator("#openai_compat-badge").inner_text()

    sentence = "Streaming speech, one event at a time."
    page.locator("#oa-speak-text textarea").fill(sentence)
    page.wait_for_function(
        f"() => document.querySelector('#oa-speak-counter')?.innerText.includes('{len(sentence)} / 4,096')"
    )
    page.locator("#oa-speak-instructions textarea").fill("Speak calmly.")
    page.locator("#oa-speak-voice input").fill("coral")
    page.locator("#oa-speak-voice input").press("Enter")
    page.locator("#oa-speak-stream").get_by_text("SSE events").click()
    sandbox.set_latency(
        "openai_compat", first_byte_s=0.3, chunk_delay_s=0.1
    )  # a slow stream: it plays while it arrives
    page.locator("#oa-speak-btn").click()
    stats = live_stats(page, "oa-speak-live")

    try:
        data = fetch_audio_bytes(page, "oa-speak-audio")
    finally:
        page.screenshot(path="/tmp/oa_speak.png", full_page=True)
    assert sniff_format(data) == "mp3"
    info = VoiceSample(data).info
    assert info.sample_rate == 24000 and info.duration_s > 1.0
    page.wait_for_function("() => document.querySelector('#oa-speak-info')?.innerText.includes('SSE events')")
    assert "first audio chunk" in page.locator("#oa-speak-info").inner_text()

    speech = [r for r in sandbox.requests("openai_compat") if r["path"].endswith("/audio/speech")][-1]
    assert_played_live(stats, speech)
    body = json.loads(base64.b64decode(speech["body_b64"]))
    assert body == {
        "model": "gpt-4o-mini-tts",
        "input": sentence,
        "voice": "coral",
        "instructions": "Speak calmly.",
        "stream_format": "sse",
    }
    listing = re.sub(r"\s+", "", page.locator("#oa-speak-file").inner_text())
    assert re.search(r"openai_compat-coral-\d{8}-\d{6}\.mp3", listing), listing


def test_legacy_model_hides_instructions_and_gateway_check_says_no_models(page, sandbox):
    open_page(page, "openai")
    page.locator("#oa-gateway-btn").click()
    page.wait_for_function(
        "() => (document.querySelector('#oa-base-url textarea, #oa-base-url input')?.value || '').includes('/gateway/v1')"
    )
    page.locator("#oa-speak-instructions").wait_for(state="hidden")
    page.locator("#oa-check-btn").click()
    page.wait_for_function(
        "() => document.querySelector('#oa-check-info')?.innerText.includes('no /models endpoint; type the model name')"
    )
