"""Fish Audio in the browser: record two samples through the fake microphone, create a voice model
(multipart `voices` + `texts` in the same order, then polled until trained), speak with it as
reference_id, streamed, and download it."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest

from playground.audio import VoiceSample, sniff_format
from tests.browser.conftest import assert_played_live, record
from tests.browser.steps import clone_voice, download_name, field, fill_speak, open_tab, speak_streamed, wait_value

pytestmark = pytest.mark.browser

TRANSCRIPT = "Hello, this is my voice. I am recording a sample for the playground."

# a few seconds of mp3 at 128 kbps: with the pacing below the stream lasts long enough to be
# heard before it ends, even when the browser joins the relay late on a busy machine
SPOKEN = (
    "Speaking with my new voice model. This second sentence makes the stream last a few seconds, "
    "so that it plays while it is still arriving from the provider."
)


def test_record_create_model_and_speak_streamed_with_it(page, sandbox):
    open_tab(page, "Fish Audio", "fa")

    record(page, "fa-clone-audio", seconds=4)
    # the sample clinic transcribes a new recording into the empty transcript box: wait for it, then correct it
    assert "sandbox transcript" in wait_value(page, "fa-clone-text")
    field(page, "fa-clone-text").fill(TRANSCRIPT)
    page.locator("#fa-clone-more").get_by_text("More samples (optional)").click()  # optional: closed at first
    record(page, "fa-clone-audio-2", seconds=3)
    field(page, "fa-clone-text-2").fill("Second sample.")
    title = f"browser-{uuid.uuid4().hex[:6]}"
    model_id = clone_voice(page, "fa", name_id="fa-clone-title", name=title, result_id="fa-clone-model-id")
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

    fill_speak(page, "fa", model_id, SPOKEN)
    stats, data = speak_streamed(page, sandbox, "fishaudio", "fa", chunk_delay_s=0.15)
    speech = [r for r in sandbox.requests("fishaudio") if r["path"].endswith("/v1/tts")][-1]
    assert json.loads(base64.b64decode(speech["body_b64"]))["reference_id"] == model_id
    assert_played_live(stats, speech)
    info = VoiceSample(data).info
    assert sniff_format(data) == "mp3" and info.duration_s > 0.5
    assert download_name(page, "fa").startswith("fishaudio-")
