"""Zhipu adapter, unit level: checks before sending, request bodies, error codes and their fixes,
retry decisions, SSE parsing and the preview link, with the network faked by respx."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx

from playground import config, errors, providers
from playground.audio import VoiceSample, sniff_format
from playground.providers import zhipu_codes
from playground.providers.zhipu import Zhipu, ZhipuClone, ZhipuSpeech, ZhipuUpload
from tests.conftest import speech_wav, tone_wav

BASE = "https://zhipu.test/api"
KEY = "sk-canary-zhipu-0123456789abcdef"
PCM = bytes(range(256)) * 20


@pytest.fixture
def zp(monkeypatch):
    monkeypatch.setenv("ZHIPU_BASE_URL", BASE)
    monkeypatch.setattr(config, "RETRY_BASE_S", 0.0)
    return providers.get("zhipu")


def zerr(code: str, message: str = "msg") -> dict:
    return {"error": {"code": code, "message": message}}


def sse(*events, sep: str = "data: ") -> bytes:
    out = b""
    for e in events:
        out += (sep + (e if isinstance(e, str) else json.dumps(e)) + "\n\n").encode()
    return out


def chunk(content: str, rate: int | None = 24000, finish=None) -> dict:
    delta = {"role": "assistant", "content": content}
    if rate:
        delta["return_sample_rate"] = rate
    return {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


# -- checks before anything is sent ------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(text="x" * 1025), "1,025 characters"),
        (dict(text="   "), "empty"),
        (dict(text="Hi", model="tts-1"), "speech model"),
        (dict(text="Hi", voice=""), "Choose a voice"),
        (dict(text="Hi", voice="female"), "legacy voice of cogtts"),
        (dict(text="Hi", response_format="mp3"), "response_format"),
        (dict(text="Hi", response_format="wav", stream=True), "streams only pcm"),
        (dict(text="Hi", stream=True, encode_format="base32"), "encode_format"),
        (dict(text="Hi", speed=0.49), "Speed"),
        (dict(text="Hi", speed=2.01), "Speed"),
        (dict(text="Hi", volume=0), "Volume"),
        (dict(text="Hi", volume=10.5), "Volume"),
    ],
)
@respx.mock(assert_all_called=False)
async def test_speech_is_refused_before_sending(zp, kwargs, fragment):
    route = respx.post(f"{BASE}/paas/v4/audio/speech")
    with pytest.raises(errors.InputError) as exc:
        await zp.speak(ZhipuSpeech(**kwargs), api_key=KEY)
    assert fragment in exc.value.user_message() and not route.called


def test_speech_limits_accept_the_edges(zp):
    req = zp.check_speak(ZhipuSpeech(text="字" * 1024, model="cogtts", voice="female", speed=2.0, volume=10.0))
    assert req.volume == 10.0 and req.speed == 2.0
    zp.check_speak(ZhipuSpeech(text="Hi", speed=0.5, volume=0.01))


def test_speech_body_sends_stream_fields_only_when_streaming(zp):
    plain = zp.speech_body(zp.check_speak(ZhipuSpeech(text=" Hi ", watermark_enabled=False)))
    assert plain == {
        "model": "glm-tts",
        "input": "Hi",
        "voice": "tongtong",
        "response_format": "pcm",
        "speed": 1.0,
        "volume": 1.0,
        "watermark_enabled": False,
    }
    streamed = zp.speech_body(zp.check_speak(ZhipuSpeech(text="Hi", stream=True, encode_format="hex")))
    assert streamed["stream"] is True and streamed["encode_format"] == "hex"
    assert "watermark_enabled" not in streamed


def test_clone_generates_a_unique_request_id_and_keeps_the_users(zp):
    a = zp.check_clone(ZhipuClone(file_id="f", voice_name="n", input="Hi"))
    b = zp.check_clone(ZhipuClone(file_id="f", voice_name="n", input="Hi"))
    assert a.request_id != b.request_id and a.request_id.startswith("vcp-clone-")
    mine = zp.check_clone(ZhipuClone(file_id="f", voice_name="n", input="Hi", request_id=" mine-1 ", text=" "))
    assert zp.clone_body(mine) == {
        "model": "glm-tts-clone",
        "voice_name": "n",
        "input": "Hi",
        "file_id": "f",
        "request_id": "mine-1",
    }


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(file_id="", voice_name="n", input="Hi"), "file id"),
        (dict(file_id="f", voice_name=" ", input="Hi"), "unique name"),
        (dict(file_id="f", voice_name="n", input=""), "preview text"),
        (dict(file_id="f", voice_name="n", input="Hi", model="glm-tts"), "clone model"),
    ],
)
def test_clone_checks(zp, kwargs, fragment):
    with pytest.raises(errors.InputError) as exc:
        zp.check_clone(ZhipuClone(**kwargs))
    assert fragment in exc.value.user_message()


# -- samples -----------------------------------------------------------------------------------------
def test_other_formats_are_converted_and_noted(zp):
    flac = VoiceSample(speech_wav(seconds_min=4), filename="me.wav").converted("flac")
    req = zp.check_upload(ZhipuUpload(flac))
    assert req.sample.format == "mp3" and any("from flac to mp3" in n for n in req.sample.notes)
    assert not req.warnings


@pytest.mark.parametrize("seconds, word", [(1.5, "1.5 s"), (31.0, "31.0 s")])
def test_duration_outside_3_to_30_s_warns_but_does_not_block(zp, seconds, word):
    req = zp.check_upload(ZhipuUpload(VoiceSample(tone_wav(seconds, rate=8000))))
    assert req.sample.format == "wav" and word in req.warnings[0] and "sent anyway" in req.warnings[0]


def test_a_wav_over_10_mb_is_sent_as_mp3_and_a_sample_still_too_big_is_refused(zp, monkeypatch):
    small = Zhipu()
    wav = VoiceSample(tone_wav(4, rate=16000))
    samples = {"clone": {**small.spec["samples"]["clone"], "max_bytes": 100_000}}
    monkeypatch.setattr(small, "spec", {**small.spec, "samples": samples})
    req = small.check_upload(ZhipuUpload(wav))
    assert req.sample.format == "mp3" and "stay under 10 MB" in req.sample.notes[-1]
    samples["clone"]["max_bytes"] = 1000
    with pytest.raises(errors.AudioInputError, match="at most 10 MB"):
        small.check_upload(ZhipuUpload(wav))


def test_a_missing_or_silent_sample_is_refused(zp):
    with pytest.raises(errors.InputError, match="Record or upload"):
        zp.check_upload(ZhipuUpload(None))
    with pytest.raises(errors.AudioInputError, match=r"silent|no sound"):
        zp.check_upload(ZhipuUpload(VoiceSample(tone_wav(4, amplitude=0.0))))


# -- errors --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, expect",
    [
        (b'{"error":{"code":"1214","message":"bad"}}', ("1214", "bad")),
        (b'{"error":{"code":1113,"message":"arrears"}}', ("1113", "arrears")),
        (b'{"code":1002,"msg":"token"}', ("1002", "token")),
        (b'{"error":"oops","code":"500"}', ("500", "oops")),
        (b"<html>bad gateway</html>", (None, "<html>bad gateway</html>")),
    ],
)
def test_parse_error_shapes(body, expect):
    assert zhipu_codes.parse_error(400, body, "application/json") == expect


@pytest.mark.parametrize(
    "code, cls, fix",
    [
        ("1000", errors.AuthenticationError, "ZHIPU_API_KEY"),
        ("1004", errors.AuthenticationError, "ZHIPU_API_KEY"),
        ("1113", errors.QuotaError, "top up"),
        ("1112", errors.PermissionDeniedError, "console"),
        ("1210", errors.BadRequestError, "parameter"),
        ("1211", errors.NotFoundError, "glm-tts-clone"),
        ("1213", errors.BadRequestError, "required field"),
        ("1214", errors.BadRequestError, "illegal value"),
        ("1215", errors.BadRequestError, "pcm"),
        ("1231", errors.BadRequestError, "request_id"),
        ("1261", errors.BadRequestError, "1024"),
        ("1301", errors.ContentRejectedError, "sensitive"),
        ("1302", errors.RateLimitError, "at once"),
        ("1303", errors.RateLimitError, "frequent"),
        ("1304", errors.QuotaError, "tomorrow"),
        ("1305", errors.RateLimitError, "limiting traffic"),
        ("1308", errors.QuotaError, "resets"),
        ("1310", errors.QuotaError, "resets"),
    ],
)
def test_each_business_code_becomes_its_typed_error_with_the_fix(zp, code, cls, fix):
    exc = zp.transport.error(status=zhipu_codes_status(code), code=code, provider_message="m")
    assert type(exc) is cls and fix in exc.user_message() and f"code {code}" in exc.user_message()


def zhipu_codes_status(code: str) -> int:
    from playground.sandbox.zhipu_rules import status_for

    return status_for(code)


@pytest.mark.parametrize(
    "status, cls",
    [
        (500, errors.ServerError),
        (503, errors.OverloadedError),
        (504, errors.ProviderTimeoutError),
        (401, errors.AuthenticationError),
    ],
)
def test_without_a_known_code_the_status_decides(zp, status, cls):
    assert type(zp.transport.error(status=status, code="500", provider_message="x")) is cls


@respx.mock
async def test_a_balance_429_is_not_retried_but_a_concurrency_429_is(zp):
    route = respx.post(f"{BASE}/paas/v4/audio/speech").mock(
        side_effect=[
            httpx.Response(429, json=zerr("1113", "欠费")),
            httpx.Response(429, json=zerr("1302"), headers={"Retry-After": "0"}),
            httpx.Response(200, content=PCM, headers={"content-type": "audio/pcm"}),
        ]
    )
    with pytest.raises(errors.QuotaError) as exc:
        await zp.speak(ZhipuSpeech(text="Hi"), api_key=KEY)
    assert route.call_count == 1 and KEY not in exc.value.user_message()
    result = await zp.speak(ZhipuSpeech(text="Hi"), api_key=KEY)
    assert route.call_count == 3 and result.audio.data == PCM


@respx.mock
async def test_requests_carry_the_bearer_key_and_an_error_never_shows_it(zp):
    route = respx.get(f"{BASE}/paas/v4/voice/list").mock(
        return_value=httpx.Response(401, json=zerr("1002", f"token {KEY} invalid"))
    )
    with pytest.raises(errors.AuthenticationError) as exc:
        await zp.list_voices(api_key=KEY, voice_name="小明", voice_type="PRIVATE")
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert dict(request.url.params) == {"voiceName": "小明", "voiceType": "PRIVATE"}
    assert KEY not in exc.value.user_message() and "1002" in exc.value.user_message()


# -- responses --------------------------------------------------------------------------------------------
@respx.mock
async def test_pcm_is_wrapped_as_24k_mono_wav_and_wav_keeps_its_rate(zp):
    from playground.audio import wrap_pcm

    route = respx.post(f"{BASE}/paas/v4/audio/speech")
    route.mock(return_value=httpx.Response(200, content=PCM, headers={"content-type": "audio/pcm"}))
    result = await zp.speak(ZhipuSpeech(text="Hi"), api_key=KEY)
    playable = result.audio.playable()
    assert sniff_format(playable) == "wav" and result.audio.sample_rate == 24000
    assert playable[24:28] == (24000).to_bytes(4, "little") and playable[22] == 1
    route.mock(return_value=httpx.Response(200, content=wrap_pcm(PCM, 16000), headers={"content-type": "audio/wav"}))
    result = await zp.speak(ZhipuSpeech(text="Hi", response_format="wav"), api_key=KEY)
    assert result.audio.format == "wav" and result.audio.sample_rate == 16000


@pytest.mark.parametrize(
    "body, ctype, cls",
    [
        (json.dumps(zerr("1301")).encode(), "application/json", errors.ContentRejectedError),
        (b'{"ok": true}', "application/json", errors.InvalidResponseError),
        (b"<html>login</html>", "text/html", errors.InvalidResponseError),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/pcm", errors.InvalidResponseError),
        (b"", "audio/pcm", errors.InvalidResponseError),
    ],
)
@respx.mock
async def test_a_success_status_without_audio_is_a_typed_error(zp, body, ctype, cls):
    respx.post(f"{BASE}/paas/v4/audio/speech").mock(
        return_value=httpx.Response(200, content=body, headers={"content-type": ctype})
    )
    with pytest.raises(cls):
        await zp.speak(ZhipuSpeech(text="Hi"), api_key=KEY)


class Trickle(httpx.AsyncByteStream):
    """A body delivered in small pieces that cut lines and events anywhere."""

    def __init__(self, data: bytes, size: int = 7) -> None:
        self.data, self.size = data, size

    async def __aiter__(self):
        for i in range(0, len(self.data), self.size):
            yield self.data[i : i + self.size]


@pytest.mark.parametrize("encoding", ["base64", "hex"])
@respx.mock
async def test_sse_is_parsed_incrementally_in_both_encodings(zp, encoding):
    parts = [PCM[:1000], PCM[1000:3000], PCM[3000:]]
    enc = (lambda b: b.hex()) if encoding == "hex" else (lambda b: base64.b64encode(b).decode())
    body = (
        b": keep-alive\n\n"
        + sse(chunk(enc(parts[0]), rate=None))
        + b"event: audio\n"
        + sse(chunk(enc(parts[1]), rate=16000), sep="data:")
        + sse(chunk(enc(parts[2])), chunk("", finish="stop"))
        + sse("[DONE]")
    )
    route = respx.post(f"{BASE}/paas/v4/audio/speech").mock(
        return_value=httpx.Response(200, stream=Trickle(body), headers={"content-type": "text/event-stream"})
    )
    got = []
    result = await zp.speak(
        ZhipuSpeech(text="Hi", stream=True, encode_format=encoding), api_key=KEY, on_chunk=got.append
    )
    assert got == parts and result.audio.data == PCM and result.audio.sample_rate == 24000
    assert route.calls.last.request.headers["accept"] == "text/event-stream"


@pytest.mark.parametrize(
    "body, cls",
    [
        (sse(chunk("not base64!!")), errors.InvalidResponseError),
        (sse("{not json"), errors.InvalidResponseError),
        (sse(chunk(base64.b64encode(PCM).decode()), zerr("1301")), errors.ContentRejectedError),
        (sse("[DONE]"), errors.InvalidResponseError),
    ],
)
@respx.mock
async def test_bad_streams_are_typed_errors(zp, body, cls):
    respx.post(f"{BASE}/paas/v4/audio/speech").mock(
        return_value=httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
    )
    with pytest.raises(cls):
        await zp.speak(ZhipuSpeech(text="Hi", stream=True), api_key=KEY)


# -- preview link ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url, sends_key",
    [
        ("https://cdn.example.test/voice/p.wav?Signature=abc", False),
        (f"{BASE.rsplit('/api', 1)[0]}/files/p.wav", True),
    ],
)
@respx.mock
async def test_the_key_goes_only_to_the_apis_own_host(zp, url, sends_key):
    from playground.audio import wrap_pcm

    route = respx.get(url).mock(return_value=httpx.Response(200, content=wrap_pcm(PCM, 24000)))
    audio = await zp.fetch_preview(url, api_key_target=zp.target(KEY))
    assert audio.format == "wav" and audio.sample_rate == 24000
    assert ("authorization" in route.calls.last.request.headers) is sends_key


@respx.mock
async def test_clone_survives_a_preview_that_cannot_be_fetched(zp):
    respx.post(f"{BASE}/paas/v4/voice/clone").mock(
        return_value=httpx.Response(
            200,
            json={
                "voice": "voice_clone_1",
                "file_id": "file_p",
                "file_purpose": "voice-clone-output",
                "request_id": "r1",
            },
        )
    )
    respx.get(f"{BASE}/paas/v4/voice/list").mock(
        return_value=httpx.Response(
            200,
            json={
                "voice_list": [
                    {
                        "voice": "voice_clone_1",
                        "voice_name": "n",
                        "voice_type": "PRIVATE",
                        "download_url": "https://cdn.example.test/p.wav",
                        "create_time": "2025-01-01 00:00:00",
                    }
                ]
            },
        )
    )
    respx.get("https://cdn.example.test/p.wav").mock(return_value=httpx.Response(403, text="AccessDenied"))
    result = await zp.clone_voice(ZhipuClone(file_id="file_s", voice_name="n", input="Hi"), api_key=KEY)
    assert result.voice_id == "voice_clone_1" and result.extra["preview"] is None
    assert "preview could not be fetched" in result.notes[0]
