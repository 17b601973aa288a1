"""The live route on the app's own server: a streamed speak hands out a token, and
/vcp-live/<token> serves the speech as 16-bit mono PCM while (and after) it arrives."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from playground.audio import VoiceSample
from tests.integration.test_siliconflow import SPEAK_DEFAULTS


def _token(html: str) -> tuple[str, int]:
    match = re.search(r'data-token="([^"]+)" data-rate="(\d+)"', html or "")
    assert match, html
    return match.group(1), int(match.group(2))


def test_streamed_speak_is_served_live_as_pcm(client, app_url, sandbox):
    sandbox.set_latency("siliconflow", first_byte_s=0.2, chunk_delay_s=0.02)
    job = client.submit(
        **{**SPEAK_DEFAULTS, "stream": True, "response_format": "mp3", "sample_rate": 32000},
        api_name="/siliconflow_speak",
    )
    final = job.result(timeout=60)
    outputs = job.outputs()
    assert len(outputs) >= 2  # the player first, then the finished take
    token, rate = _token(outputs[0][3])
    assert rate == 32000
    pcm = httpx.get(f"{app_url}vcp-live/{token}", timeout=30).content
    take = VoiceSample(Path(final[0]).read_bytes()).info
    assert abs(len(pcm) / 2 / rate - take.duration_s) < 0.15
    assert "first audio chunk after" in final[2] and "streamed live" in final[2]


def test_unknown_tokens_get_a_404(app_url):
    answer = httpx.get(f"{app_url}vcp-live/not-a-token", timeout=10)
    assert answer.status_code == 404 and "ended or never existed" in answer.text


def test_without_stream_there_is_no_live_player(client, sandbox):
    *_, live = client.predict(**{**SPEAK_DEFAULTS, "stream": False}, api_name="/siliconflow_speak")
    assert not live
