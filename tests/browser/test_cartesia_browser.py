"""Cartesia in the browser: record one clip through the fake microphone, clone (multipart `clip`
with the Cartesia-Version header), speak with the clone, streamed (SSE), and download it."""

from __future__ import annotations

import base64
import json
import re
import uuid
from urllib.parse import unquote

import pytest

from playground.audio import VoiceSample, sniff_format
from tests.browser.conftest import assert_played_live, fetch_audio_bytes, live_stats, record

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def field(page, elem_id: str):
    return page.locator(f"#{elem_id} textarea, #{elem_id} input").first


def wait_value(page, elem_id: str) -> str:
    page.wait_for_function(
        f"() => (document.querySelector('#{elem_id} textarea, #{elem_id} input')?.value || '').trim() !== ''",
        timeout=60_000,
    )
    return field(page, elem_id).input_value().strip()


def test_record_clone_and_speak_streamed_with_the_clone(page, sandbox):
    page.locator("button[role=tab]").filter(has_text="Cartesia").first.click()
    page.locator("#ca-clone-btn").wait_for()
    version = field(page, "ca-clone-version").input_value()

    record(page, "ca-clone-audio", seconds=6)  # one clip of about 5-10 s
    name = f"browser-{uuid.uuid4().hex[:6]}"
    field(page, "ca-clone-name").fill(name)
    page.locator("#ca-clone-consent input[type=checkbox]").check()  # "I have the right to clone this voice"
    page.locator("#ca-clone-btn").click()
    try:
        voice = wait_value(page, "ca-clone-voice-id")
    finally:
        page.screenshot(path="/tmp/ca_clone.png", full_page=True)
    assert re.fullmatch(UUID, voice), voice
    clone = [r for r in sandbox.requests("cartesia") if r["path"].endswith("/voices/clone")][-1]
    headers = {k.lower(): v for k, v in clone["headers"].items()}
    assert headers["content-type"].startswith("multipart/form-data")
    assert headers["cartesia-version"] == version == "2025-04-16"
    body = base64.b64decode(clone["body_b64"])
    assert len(re.findall(rb'name="clip"; filename=', body)) == 1  # exactly one clip
    assert re.search(rb'name="name"\r\n\r\n' + name.encode() + rb"\r\n", body)
    assert re.search(rb'name="language"\r\n\r\nen\r\n', body)

    page.locator("button[role=tab]:visible").filter(has_text="Speak").last.click()
    voice_input = field(page, "ca-speak-voice")
    if voice not in voice_input.input_value():
        voice_input.fill(voice)
        voice_input.press("Enter")
    field(page, "ca-speak-text").fill("Speaking with my cloned voice.")
    assert page.locator("#ca-speak-stream input").is_checked()  # streamed by default
    sandbox.set_latency("cartesia", first_byte_s=0.3, chunk_delay_s=0.1)  # it plays while it arrives
    page.locator("#ca-speak-btn").click()
    try:
        stats = live_stats(page, "ca-speak-live")
        data = fetch_audio_bytes(page, "ca-speak-audio")
    finally:
        page.screenshot(path="/tmp/ca_speak.png", full_page=True)
    speech = [r for r in sandbox.requests("cartesia") if r["path"].endswith("/tts/sse")][-1]
    assert {k.lower(): v for k, v in speech["headers"].items()}["cartesia-version"] == version
    assert json.loads(base64.b64decode(speech["body_b64"]))["voice"] == {"mode": "id", "id": voice}
    assert_played_live(stats, speech)
    info = VoiceSample(data).info
    assert sniff_format(data) == "wav" and info.sample_rate == 44100 and info.duration_s > 0.5
    href = page.locator("#ca-speak-file a[href]").first.get_attribute("href")
    assert unquote(href).rsplit("/", 1)[-1].startswith("cartesia-")
