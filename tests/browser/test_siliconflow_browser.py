"""Record a voice through Chromium's fake microphone, upload it, speak with it, check the audio."""

from __future__ import annotations

import pytest

from playground.audio import VoiceSample, sniff_format
from tests.browser.conftest import fetch_audio_bytes, record

pytestmark = pytest.mark.browser


def test_record_upload_and_speak_with_the_uploaded_voice(page, sandbox):
    # sandbox badge is visible
    assert "Sandbox mode" in page.locator("#siliconflow-badge").inner_text()

    record(page, "sf-upload-audio", seconds=5)
    page.locator("#sf-upload-name textarea, #sf-upload-name input").first.fill("browser-voice")
    page.locator("#sf-upload-text textarea").fill(
        "Hello, this is my voice. I am recording a sample for the playground."
    )
    page.locator("#sf-upload-consent input[type=checkbox]").check()  # "I have the right to clone this voice"
    page.locator("#sf-upload-btn").click()
    page.wait_for_function(
        "() => (document.querySelector('#sf-upload-uri textarea, #sf-upload-uri input')?.value || '').startsWith('speech:')"
    )
    uri = page.locator("#sf-upload-uri textarea, #sf-upload-uri input").first.input_value()
    upload = [r for r in sandbox.requests("siliconflow") if r["path"].endswith("/uploads/audio/voice")][-1]
    assert upload["headers"]["content-type"].startswith("multipart/form-data")

    page.get_by_role("tab", name="Speak").click()
    voice_input = page.locator("#sf-speak-voice input")
    voice_input.fill(uri)
    voice_input.press("Enter")
    page.locator("#sf-speak-text textarea").fill("Speaking with my uploaded voice.")
    page.locator("#sf-speak-btn").click()

    data = fetch_audio_bytes(page, "sf-speak-audio")
    assert sniff_format(data) == "mp3"
    info = VoiceSample(data).info
    assert info.sample_rate == 44100 and info.duration_s > 0.5
    speech = [r for r in sandbox.requests("siliconflow") if r["path"].endswith("/audio/speech")][-1]
    import base64
    import json

    assert json.loads(base64.b64decode(speech["body_b64"]))["voice"] == uri
    # the download carries a meaningful name
    from urllib.parse import unquote

    href = page.locator("#sf-speak-file a[href]").first.get_attribute("href")
    name = unquote(href).rsplit("/", 1)[-1]
    assert name.startswith("siliconflow-browser-voice-") and name.endswith(".mp3")
