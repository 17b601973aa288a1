"""Transport: retries only where safe, Retry-After honoured, typed errors, keys scrubbed (respx)."""

from __future__ import annotations

import httpx
import pytest
import respx

from playground import config, errors
from playground.config import Secret, Target
from playground.http import Transport, scrub
from playground.providers.siliconflow import SiliconFlow

KEY = "sk-canary-transport-0123456789abcdef"
TARGET = Target("siliconflow", "https://api.example.test/v1", Secret(KEY), sandbox=False)


@pytest.fixture
def transport():
    return Transport("siliconflow", "SiliconFlow", SiliconFlow.parse_error)


@respx.mock
async def test_429_with_retry_after_is_retried(transport, monkeypatch):
    monkeypatch.setattr(config, "MAX_RETRIES", 2)
    route = respx.post("https://api.example.test/v1/audio/speech").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0"}, json={"message": "TPM limit", "data": ""}),
            httpx.Response(200, content=b"ID3audio", headers={"content-type": "audio/mpeg"}),
        ]
    )
    _, body = await transport.request(TARGET, "POST", "/audio/speech", idempotent=True, json={})
    assert body == b"ID3audio" and route.call_count == 2
    assert route.calls[0].request.headers["authorization"] == f"Bearer {KEY}"


@respx.mock
async def test_non_idempotent_calls_are_not_retried_on_503(transport):
    route = respx.post("https://api.example.test/v1/uploads/audio/voice").mock(
        return_value=httpx.Response(503, json={"code": 50505, "message": "Model service overloaded.", "data": ""})
    )
    with pytest.raises(errors.OverloadedError) as exc:
        await transport.request(TARGET, "POST", "/uploads/audio/voice", idempotent=False, json={})
    assert route.call_count == 1 and exc.value.code == 50505


@respx.mock
async def test_status_map_and_plain_string_bodies(transport, monkeypatch):
    monkeypatch.setattr(config, "MAX_RETRIES", 0)
    for status, body, cls in [
        (401, '"Invalid token"', errors.AuthenticationError),
        (403, '"Forbidden"', errors.PermissionDeniedError),
        (404, "404 page not found", errors.NotFoundError),
        (504, '"timeout"', errors.ProviderTimeoutError),
        (400, '{"code":20012,"message":"bad","data":""}', errors.BadRequestError),
        (500, "boom", errors.ServerError),
    ]:
        respx.get("https://api.example.test/v1/x").mock(return_value=httpx.Response(status, text=body))
        with pytest.raises(cls) as exc:
            await transport.request(TARGET, "GET", "/x", idempotent=True)
        assert f"HTTP {status}" in exc.value.user_message()


@respx.mock
async def test_a_key_echoed_by_the_provider_is_scrubbed(transport):
    respx.get("https://api.example.test/v1/x").mock(return_value=httpx.Response(401, text=f"Invalid token {KEY}"))
    with pytest.raises(errors.AuthenticationError) as exc:
        await transport.request(TARGET, "GET", "/x", idempotent=True)
    assert KEY not in exc.value.user_message() and KEY[:14] not in exc.value.user_message()


@respx.mock
async def test_connection_refused_is_a_clear_error(transport, monkeypatch):
    monkeypatch.setattr(config, "MAX_RETRIES", 1)
    respx.get("https://api.example.test/v1/x").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(errors.ConnectionFailedError, match="could not be reached"):
        await transport.request(TARGET, "GET", "/x", idempotent=False)


def test_secret_never_prints_itself():
    s = Secret(KEY)
    assert KEY not in repr(s) and KEY not in str(s) and KEY not in repr(TARGET)
    assert scrub(f"bad key {KEY}!", KEY) == "bad key ****!"


@respx.mock
async def test_a_connection_reset_before_the_answer_is_retried_only_when_idempotent(transport, monkeypatch):
    # a pooled connection the server closed just as it was reused: the request meets a reset
    monkeypatch.setattr(config, "MAX_RETRIES", 2)
    monkeypatch.setattr(config, "RETRY_BASE_S", 0.0)
    route = respx.post("https://api.example.test/v1/audio/speech").mock(
        side_effect=[httpx.ReadError("reset"), httpx.Response(200, content=b"ID3audio")]
    )
    _, body = await transport.request(TARGET, "POST", "/audio/speech", idempotent=True, json={})
    assert body == b"ID3audio" and route.call_count == 2
    clone = respx.post("https://api.example.test/v1/uploads/audio/voice").mock(side_effect=httpx.ReadError("reset"))
    with pytest.raises(errors.StreamInterruptedError):
        await transport.request(TARGET, "POST", "/uploads/audio/voice", idempotent=False, json={})
    assert clone.call_count == 1
