"""ElevenLabs in the browser: record two samples through the fake microphone, clone (Instant Voice
Cloning: one `files` part per sample), then speak with the clone, streamed, and download it."""

from __future__ import annotations

import base64
import re
import uuid

import pytest

from playground.audio import VoiceSample, sniff_format
from tests.browser.conftest import assert_played_live, fetch_audio_bytes, live_stats, record

pytestmark = pytest.mark.browser

# a few seconds of mp3 at 128 kbps: with the pacing below the stream lasts long enough to be
# heard before it ends, even when the browser joins the relay late on a busy machine
SPOKEN = (
    "Speaking with my cloned voice. This second sentence makes the stream last a few seconds, "
    "so that it plays while it is still arriving from the provider."
)


def field(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def wait_value(page, elem_id: str) -> str:
    page.wait_for_function(
        f"() => (document.querySelector('#{elem_id} textarea, #{elem_id} input')?.value || '').trim() !== ''",
        timeout=60_000,
    )
    return field(page, elem_id).input_value().strip()


def test_record_clone_and_speak_streamed_with_the_clone(page, sandbox):
    page.locator("button[role=tab]").filter(has_text="ElevenLabs").first.click()
    page.locator("#el-clone-btn").wait_for()

    record(page, "el-clone-sample", seconds=4)
    record(page, "el-clone-sample-2", seconds=3)
    name = f"browser-{uuid.uuid4().hex[:6]}"
    field(page, "el-clone-name").fill(name)
    page.locator("#el-clone-consent input[type=checkbox]").check()  # "I have the right to clone this voice"
    page.locator("#el-clone-btn").click()
    try:
        voice = wait_value(page, "el-clone-id")
    finally:
        page.screenshot(path="/tmp/el_clone.png", full_page=True)
    clone = [r for r in sandbox.requests("elevenlabs") if r["path"].endswith("/v1/voices/add")][-1]
    assert clone["method"] == "POST" and clone["headers"]["content-type"].startswith("multipart/form-data")
    body = base64.b64decode(clone["body_b64"])
    assert len(re.findall(rb'name="files"; filename=', body)) == 2  # one repeated `files` part per sample
    assert re.search(rb'name="name"\r\n\r\n' + name.encode(), body)

    page.locator("button[role=tab]:visible").filter(has_text="Speak").last.click()
    voice_input = field(page, "el-speak-voice")
    if voice not in voice_input.input_value():
        voice_input.fill(voice)
        voice_input.press("Enter")
    field(page, "el-speak-text").fill(SPOKEN)
    assert page.locator("#el-speak-stream input").is_checked()  # streamed by default
    sandbox.set_latency("elevenlabs", first_byte_s=0.3, chunk_delay_s=0.15)  # it plays while it arrives
    page.locator("#el-speak-btn").click()
    try:
        stats = live_stats(page, "el-speak-live")
        data = fetch_audio_bytes(page, "el-speak-audio")
    finally:
        page.screenshot(path="/tmp/el_speak.png", full_page=True)
    speech = [r for r in sandbox.requests("elevenlabs") if "/v1/text-to-speech/" in r["path"]][-1]
    assert speech["path"].endswith(f"/v1/text-to-speech/{voice}/stream")
    assert_played_live(stats, speech)
    info = VoiceSample(data).info
    assert sniff_format(data) == "mp3" and info.duration_s > 0.5
    href = page.locator("#el-speak-file a[href]").first.get_attribute("href")
    from urllib.parse import unquote

    assert unquote(href).rsplit("/", 1)[-1].startswith("elevenlabs-")
