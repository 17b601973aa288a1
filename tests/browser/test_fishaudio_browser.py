"""Fish Audio in the browser: record two samples through the fake microphone, create a voice model
(multipart `voices` + `texts` in the same order, then polled until trained), speak with it as
reference_id, streamed, and download it."""

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

TRANSCRIPT = "Hello, this is my voice. I am recording a sample for the playground."

# a few seconds of mp3 at 128 kbps: with the pacing below the stream lasts long enough to be
# heard before it ends, even when the browser joins the relay late on a busy machine
SPOKEN = (
    "Speaking with my new voice model. This second sentence makes the stream last a few seconds, "
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


def test_record_create_model_and_speak_streamed_with_it(page, sandbox):
    page.locator("button[role=tab]").filter(has_text="Fish Audio").first.click()
    page.locator("#fa-clone-btn").wait_for()

    record(page, "fa-clone-audio", seconds=4)
    # the sample clinic transcribes a new recording into the empty transcript box: wait for it, then correct it
    assert "sandbox transcript" in wait_value(page, "fa-clone-text")
    field(page, "fa-clone-text").fill(TRANSCRIPT)
    record(page, "fa-clone-audio-2", seconds=3)
    field(page, "fa-clone-text-2").fill("Second sample.")
    title = f"browser-{uuid.uuid4().hex[:6]}"
    field(page, "fa-clone-title").fill(title)
    page.locator("#fa-clone-consent input[type=checkbox]").check()  # "I have the right to clone this voice"
    page.locator("#fa-clone-btn").click()
    try:
        model_id = wait_value(page, "fa-clone-model-id")
    finally:
        page.screenshot(path="/tmp/fa_clone.png", full_page=True)
    assert re.fullmatch(r"[0-9a-f]{32}", model_id), model_id
    log = sandbox.requests("fishaudio")
    create = [r for r in log if r["method"] == "POST" and r["path"].endswith("/model")][-1]
    assert create["headers"]["content-type"].startswith("multipart/form-data")
    body = base64.b64decode(create["body_b64"])
    assert len(re.findall(rb'name="voices"; filename=', body)) == 2
    texts = re.findall(rb'name="texts"\r\n\r\n([^\r]*)\r\n', body)
    assert texts == [TRANSCRIPT.encode(), b"Second sample."]  # in the samples' order
    for name, value in ((b"type", b"tts"), (b"title", title.encode()), (b"visibility", b"private")):
        assert re.search(rb'name="' + name + rb'"\r\n\r\n' + value + rb"\r\n", body), name
    polls = [r for r in log if r["method"] == "GET" and r["path"].endswith(f"/model/{model_id}")]
    assert len(polls) >= 2  # polled until trained (the simulator answers "training" first)

    page.locator("button[role=tab]:visible").filter(has_text="Speak").last.click()
    voice_input = field(page, "fa-speak-voice")
    if model_id not in voice_input.input_value():
        voice_input.fill(model_id)
        voice_input.press("Enter")
    field(page, "fa-speak-text").fill(SPOKEN)
    sandbox.set_latency("fishaudio", first_byte_s=0.3, chunk_delay_s=0.15)  # it plays while it arrives
    page.locator("#fa-speak-btn").click()
    try:
        stats = live_stats(page, "fa-speak-live")
        data = fetch_audio_bytes(page, "fa-speak-audio")
    finally:
        page.screenshot(path="/tmp/fa_speak.png", full_page=True)
    speech = [r for r in sandbox.requests("fishaudio") if r["path"].endswith("/v1/tts")][-1]
    assert json.loads(base64.b64decode(speech["body_b64"]))["reference_id"] == model_id
    assert_played_live(stats, speech)
    info = VoiceSample(data).info
    assert sniff_format(data) == "mp3" and info.duration_s > 0.5
    href = page.locator("#fa-speak-file a[href]").first.get_attribute("href")
    assert unquote(href).rsplit("/", 1)[-1].startswith("fishaudio-")
