"""OpenAI-compatible adapter, unit level: request bodies, target resolution, error parsing,
and response handling with the network faked at the HTTP boundary (respx)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx

from playground import config, errors, providers
from playground.providers.openai_compat import OpenAISpeech

GW = "https://gateway.test/v1"
KEY = "sk-canary-openai_compat-0123456789abcdef"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 64


@pytest.fixture
def oa():
    return providers.get("openai_compat")


def sse(*events: dict | str) -> bytes:
    out = b""
    for e in events:
        payload = e if isinstance(e, str) else json.dumps(e)
        out += b"event: speech\ndata: " + payload.encode() + b"\n\n"
    return out


def delta(data: bytes) -> dict:
    return {"type": "speech.audio.delta", "audio": base64.b64encode(data).decode()}


DONE = {"type": "speech.audio.done", "usage": {"input_tokens": 3, "output_tokens": 9, "total_tokens": 12}}


# -- request bodies -----------------------------------------------------------------------------
def test_defaults_are_omitted_like_the_sdk(oa):
    req = oa.check_speak(OpenAISpeech(text="  Hello  ", model="tts-1", voice="alloy"))
    assert oa.speech_body(req) == {"model": "tts-1", "input": "Hello", "voice": "alloy"}


def test_every_non_default_field_is_sent(oa):
    req = oa.check_speak(
        OpenAISpeech(
            text="Hi",
            model="gpt-4o-mini-tts",
            voice="coral",
            instructions=" Cheerful ",
            response_format="pcm",
            speed=1.5,
            stream_format="sse",
        )
    )
    assert oa.speech_body(req) == {
        "model": "gpt-4o-mini-tts",
        "input": "Hi",
        "voice": "coral",
        "instructions": "Cheerful",
        "response_format": "pcm",
        "speed": 1.5,
        "stream_format": "sse",
    }


@pytest.mark.parametrize("model", ["tts-1", "tts-1-hd", "tts-1-hd-1106"])
def test_legacy_models_get_no_instructions_and_no_sse(oa, model):
    req = oa.check_speak(OpenAISpeech(text="Hi", model=model, instructions="Whisper", stream_format="sse"))
    body = oa.speech_body(req)
    assert "instructions" not in body and "stream_format" not in body
    assert any("instructions not sent" in n for n in req.notes)
    assert any("SSE" in n for n in req.notes)


def test_typed_model_and_voice_pass_through_and_custom_voice_is_an_object(oa):
    req = oa.check_speak(OpenAISpeech(text="Hi", model="my-gateway-tts", voice="voice_1234"))
    assert oa.speech_body(req)["voice"] == {"id": "voice_1234"}
    assert oa.speech_body(oa.check_speak(OpenAISpeech(text="Hi", voice="Zephyr")))["voice"] == "Zephyr"
    assert oa.accepts_instructions("my-gateway-tts") and oa.accepts_sse("my-gateway-tts")


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(text=""), "empty"),
        (dict(text="x" * 4097), "4,097 characters"),
        (dict(text="Hi", speed=4.5), "Speed"),
        (dict(text="Hi", speed=0.2), "Speed"),
        (dict(text="Hi", response_format="ogg"), "Unknown format"),
        (dict(text="Hi", stream_format="chunked"), "stream_format"),
        (dict(text="Hi", model=" "), "model"),
        (dict(text="Hi", voice=""), "voice"),
        (dict(text="Hi", instructions="x" * 4097), "Instructions"),
    ],
)
def test_bad_input_is_caught_before_sending(oa, kwargs, fragment):
    with pytest.raises(errors.InputError) as info:
        oa.check_speak(OpenAISpeech(**kwargs))
    assert fragment in info.value.user_message()


def test_input_of_exactly_4096_characters_is_accepted(oa):
    assert len(oa.check_speak(OpenAISpeech(text="a" * 4096)).text) == 4096


# -- where calls go ------------------------------------------------------------------------------
def test_typed_base_url_needs_a_typed_key_and_never_gets_the_env_key(oa, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    with pytest.raises(errors.MissingKeyError) as info:
        oa.target(None, GW)
    assert KEY not in info.value.user_message() and "OPENAI_API_KEY" in info.value.user_message()
    target = oa.target("sk-typed-1234567890", GW + "/")
    assert target.base_url == GW and target.key.reveal() == "sk-typed-1234567890" and not target.sandbox
    env = oa.target(None, "")
    assert env.base_url == "https://api.openai.com/v1" and env.key.reveal() == KEY


def test_env_base_url_typed_again_may_use_the_env_key(oa, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", GW)
    assert oa.target(None, GW).key.reveal() == KEY
    assert oa.target(None, None).base_url == GW


def test_no_key_means_sandbox_and_sandbox_urls_stay_sandbox(oa, monkeypatch):
    monkeypatch.setitem(config._sandbox_urls, "openai_compat", "http://127.0.0.1:9/openai_compat/v1")
    assert oa.target(None, "").sandbox
    gateway = oa.sandbox_gateway_url()
    assert gateway == "http://127.0.0.1:9/openai_compat/gateway/v1"
    target = oa.target("", gateway)
    assert target.sandbox and target.base_url == gateway and target.key.reveal() == config.SANDBOX_KEY


def test_a_base_url_must_be_http(oa):
    with pytest.raises(errors.InputError):
        oa.target(KEY, "gateway.test/v1")


# -- error bodies ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, ctype, code, fragment",
    [
        (
            b'{"error":{"message":"Invalid value: \'wav\'.","type":"invalid_request_error","param":"response_format",'
            b'"code":"invalid_value"}}',
            "application/json",
            "invalid_value",
            "(param: response_format)",
        ),
        (
            b'{"error":{"message":"boom","type":"server_error","param":null,"code":null}}',
            "application/json",
            "server_error",
            "boom",
        ),
        (b'{"error":"no channel","code":"x1"}', "application/json", "x1", "no channel"),
        (b'{"message":"quota used up"}', "application/json", None, "quota used up"),
        (b'{"detail":[{"loc":["body","voice"],"msg":"field required"}]}', "application/json", None, "field required"),
        (b"Unauthorized: invalid or missing token", "text/plain", None, "Unauthorized"),
        (
            b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
            "text/html",
            None,
            "an HTML page: 502 Bad Gateway",
        ),
    ],
)
def test_parse_error_reads_openai_and_gateway_shapes(oa, body, ctype, code, fragment):
    got_code, message = oa.parse_error(400, body, ctype)
    assert got_code == code and fragment in message


@respx.mock
async def test_status_errors_become_typed_errors_without_the_key(oa):
    route = respx.post(f"{GW}/audio/speech")
    cases = [
        (
            httpx.Response(
                401,
                json={
                    "error": {
                        "message": f"Incorrect API key provided: {KEY}.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                },
            ),
            errors.AuthenticationError,
        ),
        (
            httpx.Response(
                429,
                json={
                    "error": {
                        "message": "You exceeded your current quota",
                        "type": "insufficient_quota",
                        "param": None,
                        "code": "insufficient_quota",
                    }
                },
            ),
            errors.QuotaError,
        ),
        (httpx.Response(400, text="bad request: voice"), errors.BadRequestError),
        (
            httpx.Response(
                500, text="<html><title>500 Internal Server Error</title></html>", headers={"content-type": "text/html"}
            ),
            errors.ServerError,
        ),
    ]
    for response, cls in cases:
        route.mock(return_value=response)
        with pytest.raises(cls) as info:
            await oa.speak(OpenAISpeech(text="Hi"), api_key=KEY, base_url=GW)
        assert KEY not in info.value.user_message()


# -- 200 answers that are not audio --------------------------------------------------------------
@respx.mock
@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"error": {"message": "upstream failed", "type": "x", "param": None, "code": "c"}}),
        httpx.Response(
            200, text="<!doctype html><html><title>Console</title></html>", headers={"content-type": "text/html"}
        ),
        httpx.Response(200, content=b'{"error":{"message":"upstream failed"}}', headers={"content-type": "audio/mpeg"}),
        httpx.Response(200, content=b"RIFF....WAVEfmt ", headers={"content-type": "audio/mpeg"}),
        httpx.Response(200, content=b"", headers={"content-type": "audio/mpeg"}),
    ],
)
async def test_a_200_without_audio_is_an_invalid_response(oa, response):
    respx.post(f"{GW}/audio/speech").mock(return_value=response)
    with pytest.raises(errors.InvalidResponseError):
        await oa.speak(OpenAISpeech(text="Hi"), api_key=KEY, base_url=GW)


@respx.mock
async def test_pcm_that_is_really_json_is_caught(oa):
    respx.post(f"{GW}/audio/speech").mock(
        return_value=httpx.Response(
            200, content=b'{"error": {"message": "no audio for you"}}', headers={"content-type": "audio/pcm"}
        )
    )
    with pytest.raises(errors.InvalidResponseError) as info:
        await oa.speak(OpenAISpeech(text="Hi", response_format="pcm"), api_key=KEY, base_url=GW)
    assert "no audio for you" in info.value.user_message()


# -- audio and SSE bodies --------------------------------------------------------------------------
@respx.mock
async def test_chunked_audio_is_delivered_chunk_by_chunk(oa):
    respx.post(f"{GW}/audio/speech").mock(
        return_value=httpx.Response(200, stream=httpx.ByteStream(MP3), headers={"content-type": "audio/mpeg"})
    )
    got: list[bytes] = []
    result = await oa.speak(OpenAISpeech(text="Hi"), api_key=KEY, base_url=GW, on_chunk=got.append)
    assert b"".join(got) == result.audio.data == MP3 and result.first_audio_s is not None
    request = respx.calls.last.request
    assert request.headers["accept"] == "application/octet-stream"
    assert request.headers["authorization"] == f"Bearer {KEY}"


@respx.mock
async def test_sse_deltas_are_decoded_in_order(oa):
    body = sse(delta(MP3[:100]), delta(MP3[100:]), DONE)
    respx.post(f"{GW}/audio/speech").mock(
        return_value=httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    )
    got: list[bytes] = []
    result = await oa.speak(OpenAISpeech(text="Hi", stream_format="sse"), api_key=KEY, base_url=GW, on_chunk=got.append)
    assert got == [MP3[:100], MP3[100:]] and result.audio.data == MP3 and result.chunks == 2
    assert respx.calls.last.request.headers["accept"] == "text/event-stream"


@respx.mock
async def test_sse_pcm_is_wrapped_as_24khz_wav(oa):
    pcm = b"\x01\x00\xff\xff" * 2400
    respx.post(f"{GW}/audio/speech").mock(
        return_value=httpx.Response(200, content=sse(delta(pcm), DONE), headers={"content-type": "text/event-stream"})
    )
    result = await oa.speak(
        OpenAISpeech(text="Hi", response_format="pcm", stream_format="sse"), api_key=KEY, base_url=GW
    )
    wav = result.audio.playable()
    assert wav[:4] == b"RIFF" and int.from_bytes(wav[24:28], "little") == 24000 and wav[22] == 1


@respx.mock
@pytest.mark.parametrize(
    "body, cls",
    [
        (sse(delta(MP3)), errors.StreamInterruptedError),  # no speech.audio.done
        (
            sse(delta(MP3), {"type": "error", "error": {"message": "moderation", "code": "content_filter"}}),
            errors.ProviderError,
        ),
        (sse("not json"), errors.InvalidResponseError),
        (sse({"type": "speech.audio.delta", "audio": "@@@"}), errors.InvalidResponseError),
    ],
)
async def test_broken_sse_streams_are_errors(oa, body, cls):
    respx.post(f"{GW}/audio/speech").mock(
        return_value=httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    )
    with pytest.raises(cls):
        await oa.speak(OpenAISpeech(text="Hi", stream_format="sse"), api_key=KEY, base_url=GW)


# -- models ------------------------------------------------------------------------------------------
@respx.mock
async def test_models_lists_ids_and_picks_the_speech_ones(oa):
    respx.get(f"{GW}/models").mock(
        return_value=httpx.Response(
            200,
            json={
                "object": "list",
                "data": [{"id": "gpt-4o"}, {"id": "tts-1"}, {"id": "gpt-4o-mini-tts"}, {"id": "kokoro-speech"}],
            },
        )
    )
    found = await oa.list_models(api_key=KEY, base_url=GW)
    assert found.has_endpoint and found.models == ["gpt-4o", "tts-1", "gpt-4o-mini-tts", "kokoro-speech"]
    assert found.speech_models == ["tts-1", "gpt-4o-mini-tts", "kokoro-speech"]


@respx.mock
@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(404, text="404 page not found"),
        httpx.Response(200, text="<!doctype html><html></html>", headers={"content-type": "text/html"}),
        httpx.Response(200, json={"status": "ok"}),
    ],
)
async def test_no_models_endpoint_is_said_plainly(oa, response):
    respx.get(f"{GW}/models").mock(return_value=response)
    found = await oa.list_models(api_key=KEY, base_url=GW)
    assert not found.has_endpoint and found.models == [] and found.detail


@respx.mock
async def test_models_auth_error_is_still_an_error(oa):
    respx.get(f"{GW}/models").mock(return_value=httpx.Response(401, text="Unauthorized"))
    with pytest.raises(errors.AuthenticationError):
        await oa.list_models(api_key=KEY, base_url=GW)


@respx.mock
async def test_sse_framing_variants_are_tolerated(oa):
    done = json.dumps(DONE).encode()
    body = (
        b": keep-alive\n\nid: 1\ndata: " + json.dumps(delta(MP3)).encode() + b"\n\nevent: done\r\ndata: " + done
    )  # CRLF lines and no closing blank line
    respx.post(f"{GW}/audio/speech").mock(
        return_value=httpx.Response(200, content=body, headers={"content-type": "text/event-stream; charset=utf-8"})
    )
    result = await oa.speak(OpenAISpeech(text="Hi", stream_format="sse"), api_key=KEY, base_url=GW)
    assert result.audio.data == MP3


@respx.mock
async def test_a_gateway_that_ignores_stream_format_still_works(oa):
    respx.post(f"{GW}/audio/speech").mock(
        return_value=httpx.Response(200, content=MP3, headers={"content-type": "audio/mpeg"})
    )
    result = await oa.speak(OpenAISpeech(text="Hi", stream_format="sse"), api_key=KEY, base_url=GW)
    assert result.audio.data == MP3
