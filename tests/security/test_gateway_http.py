"""The gateway speaks HTTP: this server's own rate limit is a 429 with Retry-After in OpenAI's error
shape (it was a 500 server_error, which SDKs retry), and a key with characters a key cannot have is
a 400 that says so, at the gateway and in the page (it was "Unexpected error (UnicodeEncodeError)")."""

from __future__ import annotations

import httpx
import openai
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.security.conftest import no_traceback

TOKEN = "gw-token"
SPEECH = {"model": "siliconflow/FunAudioLLM/CosyVoice2-0.5B", "voice": "alex", "input": "Hi."}


pytestmark = pytest.mark.usefixtures("fresh_limits")  # tests/security/conftest.py


def test_the_rate_limit_is_a_429_with_retry_after(hosted_app, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_CLIENT_RATE", "1")
    headers = {"Authorization": f"Bearer {TOKEN}", "X-SiliconFlow-Key": "sk-caller", "X-Forwarded-For": "203.0.113.9"}
    assert httpx.post(hosted_app + "v1/audio/speech", json=SPEECH, headers=headers, timeout=30).status_code == 200
    refused = httpx.post(hosted_app + "v1/audio/speech", json=SPEECH, headers=headers, timeout=30)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    error = refused.json()["error"]
    assert error["type"] == "rate_limit_error" and error["code"] == "rate_limit_exceeded"
    assert "Slow down" in error["message"] and no_traceback(error["message"])
    sdk = openai.OpenAI(
        base_url=hosted_app + "v1",
        api_key=TOKEN,
        max_retries=0,
        default_headers={"X-SiliconFlow-Key": "sk-caller", "X-Forwarded-For": "203.0.113.9"},
    )
    with pytest.raises(openai.RateLimitError):  # what an SDK waits on, instead of a server fault
        sdk.audio.speech.create(**SPEECH)


@pytest.mark.parametrize(
    ("value", "kind"),
    [("sk-“zebra”".encode(), "non-ASCII"), ("sk-ｚｅｂｒａ".encode(), "non-ASCII"), (b"sk-zebra\tb", "control")],
)
def test_a_bad_key_header_is_a_400_that_says_what_is_wrong(hosted_app, value, kind):
    headers = [(b"Authorization", f"Bearer {TOKEN}".encode()), (b"X-SiliconFlow-Key", value)]
    answer = httpx.post(hosted_app + "v1/audio/speech", json=SPEECH, headers=headers, timeout=30)
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]["message"]
    assert "a character an API key cannot have" in message and kind in message
    assert "zebra" not in message and "ｚｅｂｒａ" not in message  # the key is never quoted


def test_a_typed_key_with_odd_characters_gets_words_not_unexpected_error(hosted_app):
    client = Client(hosted_app, verbose=False)
    with pytest.raises(AppError) as info:
        client.predict("", "sk-“pasted from a document”", api_name="/openai_models")
    text = str(info.value)
    assert "a character an API key cannot have: a non-ASCII character" in text
    assert "Unexpected error" not in text and "pasted from" not in text and no_traceback(text)
