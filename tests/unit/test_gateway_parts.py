"""Gateway pieces without a server: model ids from the registry, the generic request builder any new
provider gets, the OpenAI error mapping, caller keys from headers."""

from __future__ import annotations

import dataclasses

import pytest

from playground import errors
from playground.gateway import callers, catalog, requests
from playground.gateway.problems import GatewayError, body, classify


def test_model_ids_come_from_the_presets_of_every_registered_provider():
    ids = {mid for mid, _, _ in catalog.model_ids()}
    assert {
        "siliconflow/FunAudioLLM/CosyVoice2-0.5B",
        "minimax/speech-02-hd",
        "zhipu/glm-tts",
        "openai_compat/tts-1",
    } <= ids
    assert catalog.split_model("siliconflow/FunAudioLLM/CosyVoice2-0.5B") == (
        "siliconflow",
        "FunAudioLLM/CosyVoice2-0.5B",
    )
    with pytest.raises(catalog.UnknownModelError):
        catalog.split_model("minimax/not-a-model")


@pytest.mark.parametrize(
    "pid,model,voice,fmt",
    [
        ("zhipu", "glm-tts", "tongtong", "pcm"),
        ("openai_compat", "tts-1", "alloy", "mp3"),
        ("minimax", "speech-02-hd", "English_Graceful_Lady", "mp3"),
    ],
)
def test_the_generic_builder_fills_a_speech_request_by_field_names(pid, model, voice, fmt):
    ask = requests.Ask(pid=pid, model=model, text="Hello.", voice=voice, fmt=fmt, speed=1.25)
    built = dataclasses.asdict(requests.generic(ask))
    assert built["text"] == "Hello." and built["model"] == model and built["speed"] == 1.25
    assert voice in (built.get("voice"), built.get("voice_id"))
    assert fmt in (built.get("response_format"), built.get("format"))


def test_errors_map_to_openai_status_type_and_code_keeping_the_provider_evidence():
    err = classify(
        errors.RateLimitError(
            "MiniMax is rate limiting this key",
            provider="minimax",
            status=200,
            code=1002,
            provider_message="rate limit",
            retry_after_s=3,
        )
    )
    assert (err.status, err.type, err.headers) == (429, "rate_limit_error", {"Retry-After": "3"})
    assert "code 1002" in err.message and "rate limit" in err.message
    assert classify(errors.InputError("Text is empty.")).param == "input"
    assert (
        body(classify(errors.AuthenticationError("x", provider="zhipu", status=401)))["error"]["code"]
        == "invalid_api_key"
    )
    assert classify(ValueError("secret detail")).status == 500
    assert "secret detail" not in classify(ValueError("secret detail")).message


def test_caller_keys_come_from_headers_and_hosted_requires_them(monkeypatch):
    headers = {"X-SiliconFlow-Key": "sk-a", "X-Provider-Key": "sk-any"}
    assert callers.provider_key(headers, "siliconflow") == "sk-a"
    assert callers.provider_key(headers, "openai_compat") == "sk-any"
    assert callers.key_header("openai_compat") == "x-openai-compat-key"
    monkeypatch.delenv("PLAYGROUND_API_TOKEN", raising=False)
    monkeypatch.setenv("PLAYGROUND_MODE", "local")
    assert callers.provider_key({}, "zhipu") is None
    callers.check_token(None)
    monkeypatch.setenv("PLAYGROUND_MODE", "hosted")
    with pytest.raises(GatewayError) as exc:
        callers.check_token("Bearer x")
    assert exc.value.status == 503
    with pytest.raises(GatewayError) as exc:
        callers.provider_key({}, "zhipu")
    assert exc.value.status == 401 and "X-Zhipu-Key" in exc.value.message
