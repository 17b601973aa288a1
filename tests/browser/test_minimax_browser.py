"""Record through Chromium's fake microphone, upload, clone, then speak with the clone."""

from __future__ import annotations

import base64
import json

import pytest

from playground.audio import VoiceSample, sniff_format
from tests.browser.conftest import assert_played_live, fetch_audio_bytes, live_stats, record
from tests.browser.steps import open_page

pytestmark = pytest.mark.browser


def field(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def test_record_upload_clone_and_speak_with_the_clone(page, sandbox):
    open_page(page, "minimax")
    assert "Sandbox mode" in page.locator("#minimax-badge").inner_text()

    record(page, "mm-upload-audio", seconds=11.5)  # voice_clone needs at least 10 s
    # the recording is uploaded to the app after "stop": its download link appears when it is there
    page.locator("#mm-upload-audio a[data-testid=download-link]").wait_for(state="attached")
    page.locator("#mm-upload-consent input[type=checkbox]").check()  # "I have the right to clone this voice"
    page.locator("#mm-upload-btn").click()
    page.wait_for_function(
        "() => /^\\d{16,}$/.test(document.querySelector('#mm-upload-file-id textarea, #mm-upload-file-id input')?.value || '')"
        " || document.querySelector('.toast-body')",
        timeout=60_000,
    )
    assert page.locator(".toast-body").count() == 0, page.locator(".toast-body").all_inner_texts()
    file_id = field(page, "mm-upload-file-id").input_value()
    upload = [r for r in sandbox.requests("minimax") if r["path"].endswith("/v1/files/upload")][-1]
    assert upload["headers"]["content-type"].startswith("multipart/form-data")

    page.get_by_role("tab", name="Clone voice").click()
    assert field(page, "mm-clone-file-id").input_value() == file_id  # routed from the upload, digits intact
    assert "7 days" in page.locator("#mm-clone-lifecycle").inner_text()
    voice_id = "Browser_voice_" + file_id[-6:]
    field(page, "mm-clone-voice-id").fill(voice_id)
    page.locator("#mm-clone-btn").click()
    demo = fetch_audio_bytes(page, "mm-clone-demo")
    assert sniff_format(demo) == "mp3"
    clone = [r for r in sandbox.requests("minimax") if r["path"].endswith("/v1/voice_clone")][-1]
    assert json.loads(base64.b64decode(clone["body_b64"]))["file_id"] == int(file_id)

    page.get_by_role("tab", name="Text to speech").click()
    voice = page.locator("#mm-speak-voice input")
    voice.fill(voice_id)
    voice.press("Enter")
    field(page, "mm-speak-text").fill("Speaking with my brand new MiniMax clone.")
    page.locator("#mm-speak-stream input").check()
    sandbox.set_latency("minimax", first_byte_s=0.3, chunk_delay_s=0.1)  # a slow stream: it plays while it arrives
    page.locator("#mm-speak-btn").click()
    stats = live_stats(page, "mm-speak-live")
    try:
        data = fetch_audio_bytes(page, "mm-speak-audio")
    finally:
        page.screenshot(path="/tmp/mm_speak.png", full_page=True)
    assert sniff_format(data) == "mp3"
    info = VoiceSample(data).info
    assert info.sample_rate == 32000 and info.duration_s > 1.0
    speech = [r for r in sandbox.requests("minimax") if r["path"].endswith("/v1/t2a_v2")][-1]
    sent = json.loads(base64.b64decode(speech["body_b64"]))
    assert sent["voice_setting"]["voice_id"] == voice_id and sent["stream"] is True
    assert_played_live(stats, speech)
    assert "first audio chunk" in page.locator("#mm-speak-info").inner_text()
    assert f"minimax-{voice_id}-" in page.locator("#mm-speak-file").inner_text()

    page.get_by_role("tab", name="Voices (list / delete)").click()
    page.locator("#mm-voices-type").get_by_label("voice_cloning").check()  # the table is virtualised: keep it short
    page.wait_for_function(f"() => document.querySelector('#mm-voices-table')?.innerText.includes('{voice_id}')")
    assert "listed by MiniMax" in page.locator("#mm-voices-table").inner_text()
