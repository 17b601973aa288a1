"""ElevenLabs in the browser: record two samples through the fake microphone, clone (Instant Voice
Cloning: one `files` part per sample), then speak with the clone, streamed, and download it."""

from __future__ import annotations

import base64
import re
import uuid

import pytest

from playground.audio import VoiceSample, sniff_format
from tests.browser.conftest import assert_played_live, record
from tests.browser.steps import clone_voice, download_name, fill_speak, open_tab, speak_streamed

pytestmark = pytest.mark.browser

# a few seconds of mp3 at 128 kbps: with the pacing below the stream lasts long enough to be
# heard before it ends, even when the browser joins the relay late on a busy machine
SPOKEN = (
    "Speaking with my cloned voice. This second sentence makes the stream last a few seconds, "
    "so that it plays while it is still arriving from the provider."
)


def test_record_clone_and_speak_streamed_with_the_clone(page, sandbox):
    open_tab(page, "ElevenLabs", "el")

    record(page, "el-clone-sample", seconds=4)
    page.locator("#el-clone-samples").get_by_text("More samples (optional)").click()  # optional: closed at first
    record(page, "el-clone-sample-2", seconds=3)
    name = f"browser-{uuid.uuid4().hex[:6]}"
    voice = clone_voice(page, "el", name_id="el-clone-name", name=name, result_id="el-clone-id")
    clone = [r for r in sandbox.requests("elevenlabs") if r["path"].endswith("/v1/voices/add")][-1]
    assert clone["method"] == "POST" and clone["headers"]["content-type"].startswith("multipart/form-data")
    body = base64.b64decode(clone["body_b64"])
    assert len(re.findall(rb'name="files"; filename=', body)) == 2  # one repeated `files` part per sample
    assert re.search(rb'name="name"\r\n\r\n' + name.encode(), body)

    fill_speak(page, "el", voice, SPOKEN)
    assert page.locator("#el-speak-stream input").is_checked()  # streamed by default
    stats, data = speak_streamed(page, sandbox, "elevenlabs", "el", chunk_delay_s=0.15)
    speech = [r for r in sandbox.requests("elevenlabs") if "/v1/text-to-speech/" in r["path"]][-1]
    assert speech["path"].endswith(f"/v1/text-to-speech/{voice}/stream")
    assert_played_live(stats, speech)
    info = VoiceSample(data).info
    assert sniff_format(data) == "mp3" and info.duration_s > 0.5
    assert download_name(page, "el").startswith("elevenlabs-")
