"""Text limits and bounded work in the simulators and the long-text tool.

Each simulator refuses a text over its provider's documented limit (presets, shared docs) with
that provider's own error shape; a text at the limit is spoken (up to MAX_SPOKEN_CHARS) without
stalling other visitors behind the espeak engine, and the caches stay within their byte budget.
The long-text tool refuses an 11 MB text with a clear message."""

from __future__ import annotations

import threading

import httpx
import pytest
from gradio_client import Client

from playground import presets
from playground.sandbox import speech
from tests.conftest import hosted_app_url
from tests.security.conftest import message_of, no_traceback

AUTH = {"Authorization": "Bearer sandbox-key"}
WORDS = "Hello there, this is a rather long text for the sandbox to read aloud. "


def _text(n: int) -> str:
    return (WORDS * (n // len(WORDS) + 1))[:n]


def _limit(pid: str) -> int:
    limits = presets.load(pid)["limits"]
    return int((limits.get("input_chars") or limits.get("text_chars"))[1])


def _request(pid: str, text: str) -> tuple[str, dict]:
    return {
        "siliconflow": (
            "/audio/speech",
            {
                "model": "FunAudioLLM/CosyVoice2-0.5B",
                "input": text,
                "voice": "FunAudioLLM/CosyVoice2-0.5B:alex",
                "response_format": "wav",
                "sample_rate": 24000,
            },
        ),
        "zhipu": ("/paas/v4/audio/speech", {"model": "glm-tts", "input": text, "voice": "tongtong"}),
        "minimax": (
            "/v1/t2a_v2",
            {"model": "speech-2.8-hd", "text": text, "voice_setting": {"voice_id": "English_Graceful_Lady"}},
        ),
        "openai_compat": ("/audio/speech", {"model": "tts-1", "input": text, "voice": "alloy"}),
    }[pid]


def _post(sandbox, pid: str, text: str, timeout: float = 120) -> httpx.Response:
    path, body = _request(pid, text)
    return httpx.post(sandbox.base_url(pid) + path, json=body, headers=AUTH, timeout=timeout)


@pytest.mark.parametrize("pid", ["siliconflow", "zhipu", "minimax", "openai_compat"])
def test_each_simulator_refuses_text_over_its_providers_limit_in_its_own_shape(sandbox, pid):
    resp = _post(sandbox, pid, _text(128 * 1024))  # 128k characters
    assert len(_text(128 * 1024)) > _limit(pid)
    doc = resp.json()
    if pid == "siliconflow":
        assert resp.status_code == 400 and doc["code"] == 20012 and "128000" in doc["message"] and doc["data"] == ""
    elif pid == "zhipu":
        assert resp.status_code == 400 and doc["error"]["code"] == "1261"
    elif pid == "minimax":
        assert resp.status_code == 200 and doc["base_resp"]["status_code"] == 2013
        assert str(_limit("minimax")) in doc["base_resp"]["status_msg"]
    else:
        assert resp.status_code == 400 and doc["error"]["code"] == "string_above_max_length"
        assert doc["error"]["param"] == "input"


def test_a_text_at_the_limit_does_not_stall_other_visitors_and_caches_stay_bounded(sandbox):
    long_text = _text(_limit("siliconflow"))  # 128,000 characters: SiliconFlow's documented maximum
    done: dict = {}

    def long_call():
        done["long"] = _post(sandbox, "siliconflow", long_text, timeout=600)

    thread = threading.Thread(target=long_call)
    thread.start()
    try:
        for attempt in range(3):  # three other visitors, one after another, while the long text is read
            resp = _post(sandbox, "zhipu", f"Hi, visitor {attempt}.", timeout=120)
            assert resp.status_code == 200 and resp.content
        short_done_while_long_ran = thread.is_alive()
    finally:
        thread.join()
    assert done["long"].status_code == 200
    seconds = (len(done["long"].content) - 44) / 2 / 24000
    assert 60 < seconds < 1500  # real speech, bounded: only the first MAX_SPOKEN_CHARS characters are read
    assert short_done_while_long_ran, "other visitors waited for the whole long text"
    assert speech._PCM_CACHE.total <= speech.CACHE_BYTES and speech._RENDER_CACHE.total <= speech.CACHE_BYTES


def test_espeak_is_held_one_bounded_piece_at_a_time():
    text = _text(5000)
    parts = speech.pieces(text)
    assert "".join(parts) == text and max(len(p) for p in parts) <= speech.PIECE_CHARS
    cache = speech.ByteLRU(1000)
    for i in range(10):
        cache.put(i, b"x" * 200)
    assert cache.total <= 1000 and cache.get(0) is None and cache.get(9) == b"x" * 200


@pytest.fixture(scope="module")
def app(sandbox):
    with hosted_app_url(sandbox) as url:
        yield url


def test_long_text_tool_refuses_an_11_mb_text(app):
    client = Client(app, verbose=False)
    with pytest.raises(Exception) as exc:  # within the body bound (PLAYGROUND_MAX_BODY_MB): the tool's own words
        client.predict("x" * 200_000, "zhipu|tongtong", api_name="/longtext_segments")
    text = message_of(exc.value)
    assert "at most 20,000" in text and "Split it" in text and no_traceback(text)
    with pytest.raises(Exception) as exc:  # 11 MB: refused at the door, before it is read (413)
        client.predict("x" * (11 * 1024 * 1024), "zhipu|tongtong", api_name="/longtext_segments")
    assert "413" in message_of(exc.value)
