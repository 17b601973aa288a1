"""Zhipu in the browser: record through the fake microphone, upload, clone (the preview plays),
then speak with the clone."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from playground.audio import VoiceSample, sniff_format
from tests.browser.conftest import assert_played_live, fetch_audio_bytes, live_stats, record
from tests.browser.steps import open_page

pytestmark = pytest.mark.browser


def field(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def wait_value(page, elem_id: str, prefix: str) -> str:
    page.wait_for_function(
        f"() => (document.querySelector('#{elem_id} textarea, #{elem_id} input')?.value || '').startsWith('{prefix}')",
        timeout=60_000,
    )
    return field(page, elem_id).input_value()


def test_record_upload_clone_preview_and_speak_with_the_clone(page, sandbox):
    open_page(page, "zhipu")
    assert "Sandbox mode" in page.locator("#zhipu-badge").inner_text()

    record(page, "zp-upload-audio", seconds=5)
    page.locator("#zp-upload-consent input[type=checkbox]").check()  # "I have the right to clone this voice"
    page.locator("#zp-upload-btn").click()
    file_id = wait_value(page, "zp-upload-file-id", "file_")
    upload = [r for r in sandbox.requests("zhipu") if r["path"].endswith("/paas/v4/files")][-1]
    assert upload["headers"]["content-type"].startswith("multipart/form-data")
    assert b"voice-clone-input" in base64.b64decode(upload["body_b64"])

    page.get_by_role("tab", name="2 · Clone voice").click()
    assert field(page, "zp-clone-file-id").input_value() == file_id  # carried over from step 1
    name = f"browser_{uuid.uuid4().hex[:6]}"
    field(page, "zp-clone-name").fill(name)
    page.locator("#zp-clone-btn").click()
    voice = wait_value(page, "zp-clone-voice", "voice_clone_")
    try:
        preview = fetch_audio_bytes(page, "zp-clone-preview")
        # autoplay: the waveform player's clock moves (it plays through its own media element)
        page.wait_for_function(
            "() => !['', '0:00'].includes(document.querySelector('#zp-clone-preview time#time')?.innerText ?? '')",
            timeout=20_000,
        )
    finally:
        page.screenshot(path="/tmp/zp_clone.png", full_page=True)
    assert sniff_format(preview) == "wav" and VoiceSample(preview).info.duration_s > 0.5

    page.get_by_role("tab", name="3 · Speak").click()
    text = field(page, "zp-speak-text")
    text.fill("字" * 1030)
    page.wait_for_function("() => document.querySelector('#zp-speak-counter')?.innerText.includes('1030 / 1,024')")
    assert "refuses to send" in page.locator("#zp-speak-counter").inner_text()
    text.fill("Speaking with my cloned voice.")
    page.wait_for_function("() => document.querySelector('#zp-speak-counter')?.innerText.startsWith('30 / 1,024')")
    assert name in field(page, "zp-speak-voice").input_value()  # the new clone is selected
    assert page.locator("#zp-speak-stream input").is_checked()  # streamed by default
    sandbox.set_latency("zhipu", first_byte_s=0.3, chunk_delay_s=0.1)  # a slow stream: it plays while it arrives
    page.locator("#zp-speak-btn").click()
    stats = live_stats(page, "zp-speak-live")
    try:
        data = fetch_audio_bytes(page, "zp-speak-audio")
    finally:
        page.screenshot(path="/tmp/zp_speak.png", full_page=True)
    info = VoiceSample(data).info
    assert sniff_format(data) == "wav" and info.sample_rate == 24000 and info.duration_s > 0.5
    speech = [r for r in sandbox.requests("zhipu") if r["path"].endswith("/audio/speech")][-1]
    assert json.loads(base64.b64decode(speech["body_b64"]))["voice"] == voice
    assert_played_live(stats, speech)
    assert f"zhipu-{voice}-" in page.locator("#zp-speak-file").inner_text()  # a meaningful download name
    assert "pcm wrapped" in page.locator("#zp-speak-info").inner_text()
