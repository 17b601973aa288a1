"""Cartesia in the browser: record one clip through the fake microphone, clone (multipart `clip`
with the Cartesia-Version header), speak with the clone, streamed (SSE), and download it."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest

from playground.audio import VoiceSample, sniff_format
from tests.browser.conftest import assert_played_live, record
from tests.browser.steps import clone_voice, download_name, field, fill_speak, open_tab, speak_streamed

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_record_clone_and_speak_streamed_with_the_clone(page, sandbox):
    open_tab(page, "Cartesia", "ca")
    page.locator("#ca-clone-options").get_by_text("More options").click()  # optional fields: closed at first
    version = field(page, "ca-clone-version").input_value()

    record(page, "ca-clone-audio", seconds=6)  # one clip of about 5-10 s
    name = f"browser-{uuid.uuid4().hex[:6]}"
    voice = clone_voice(page, "ca", name_id="ca-clone-name", name=name, result_id="ca-clone-voice-id")
    assert re.fullmatch(UUID, voice), voice
    clone = [r for r in sandbox.requests("cartesia") if r["path"].endswith("/voices/clone")][-1]
    headers = {k.lower(): v for k, v in clone["headers"].items()}
    assert headers["content-type"].startswith("multipart/form-data")
    assert headers["cartesia-version"] == version == "2025-04-16"
    body = base64.b64decode(clone["body_b64"])
    assert len(re.findall(rb'name="clip"; filename=', body)) == 1  # exactly one clip
    assert re.search(rb'name="name"\r\n\r\n' + name.encode() + rb"\r\n", body)
    assert re.search(rb'name="language"\r\n\r\nen\r\n', body)

    fill_speak(page, "ca", voice, "Speaking with my cloned voice.")
    assert page.locator("#ca-speak-stream input").is_checked()  # streamed by default
    stats, data = speak_streamed(page, sandbox, "cartesia", "ca", chunk_delay_s=0.1)
    speech = [r for r in sandbox.requests("cartesia") if r["path"].endswith("/tts/sse")][-1]
    assert {k.lower(): v for k, v in speech["headers"].items()}["cartesia-version"] == version
    assert json.loads(base64.b64decode(speech["body_b64"]))["voice"] == {"mode": "id", "id": voice}
    assert_played_live(stats, speech)
    info = VoiceSample(data).info
    assert sniff_format(data) == "wav" and info.sample_rate == 44100 and info.duration_s > 0.5
    assert download_name(page, "ca").startswith("cartesia-")
