"""ElevenLabs adapter, unit level: checks before sending, what goes in the body vs the query,
the xi-api-key header, every error shape and its class (401 quota_exceeded is a QuotaError),
retry decisions, the clone pre-flight and pagination, with the network faked by respx."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from playground import config, errors, providers
from playground.audio import VoiceSample, wrap_pcm
from playground.http import capture_requests
from playground.providers.elevenlabs import ElevenLabsClone, ElevenLabsSpeech
from playground.providers.elevenlabs_codes import parse_error
from tests.conftest import speech_wav, tone_wav

BASE = "https://elevenlabs.test"
KEY = "sk_canary_elevenlabs_0123456789abcdef"
VOICE = "JBFqnCBsd6RMkjVDRZzb"
TTS = f"{BASE}/v1/text-to-speech/{VOICE}"
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 300
PCM = bytes(range(256)) * 10


@pytest.fixture
def el(monkeypatch):
    monkeypatch.setenv("ELEVENLABS_BASE_URL", BASE)
    monkeypatch.setattr(config, "RETRY_BASE_S", 0.0)
    return providers.get("elevenlabs")


def current(code: str, message: str = "msg", status: str | None = None) -> dict:
    return {
        "detail": {
            "type": "validation_error",
            "code": code,
            "message": message,
            "status": status or code,
            "request_id": "r1",
            "param": None,
        }
    }


def legacy(code: str, message: str = "msg") -> dict:
    return {"detail": {"status": code, "message": message}}


# -- checks before anything is sent ------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(text="   "), "empty"),
        (dict(text="x" * 10001), "at most 10,000"),
        (dict(text="x" * 3001, model_id="eleven_v3"), "at most 3,000"),
        (dict(text="Hi", model_id="eleven_v9"), "model_id"),
        (dict(text="Hi", voice_id=""), "Choose a voice"),
        (dict(text="Hi", voice_id="../v1/user"), "not an ElevenLabs voice id"),
        (dict(text="Hi", output_format="mp3_48000_320"), "output_format"),
        (dict(text="Hi", stability=1.01), "stability"),
        (dict(text="Hi", similarity_boost=-0.1), "similarity_boost"),
        (dict(text="Hi", style=2), "style"),
        (dict(text="Hi", speed=0.69), "speed"),
        (dict(text="Hi", speed=1.21), "speed"),
        (dict(text="Hi", seed=-1), "seed"),
        (dict(text="Hi", seed=4294967296), "seed"),
        (dict(text="Hi", seed=1.5), "whole number"),
        (dict(text="Hi", language_code="en"), "does not take language_code"),
        (dict(text="Hi", model_id="eleven_flash_v2_5", language_code="english"), "ISO 639-1"),
        (dict(text="Hi", apply_text_normalization="maybe"), "apply_text_normalization"),
        (dict(text="Hi", optimize_streaming_latency=5), "optimize_streaming_latency"),
        (dict(text="a\x00b"), "control character"),
    ],
)
async def test_speech_is_refused_before_sending(el, kwargs, fragment):
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(url__startswith=BASE)
        with pytest.raises(errors.InputError) as exc:
            await el.speak(ElevenLabsSpeech(**kwargs), api_key=KEY)
    assert fragment in exc.value.user_message() and not route.called


def test_speech_limits_accept_the_edges(el):
    req = el.check_speak(
        ElevenLabsSpeech(
            text="x" * 40000,
            model_id="eleven_flash_v2_5",
            stability=0,
            style=1,
            speed=1.2,
            seed=4294967295,
            language_code="de",
        )
    )
    assert req.seed == 4294967295 and req.language_code == "de"
    el.check_speak(ElevenLabsSpeech(text="x" * 3000, model_id="eleven_v3", speed=0.7, seed=0))


def test_body_has_only_what_was_set_and_output_format_goes_in_the_query(el):
    from playground.providers.elevenlabs_checks import speech_body, speech_query

    plain = el.check_speak(ElevenLabsSpeech(text=" Hi "))
    assert speech_body(el.spec, plain) == {"text": "Hi", "model_id": "eleven_multilingual_v2"}
    assert speech_query(el.spec, plain) == {"output_format": "mp3_44100_128"}
    full = el.check_speak(
        ElevenLabsSpeech(
            text="Hi",
            model_id="eleven_flash_v2_5",
            stability=0.3,
            use_speaker_boost=False,
            speed=1,
            seed=7,
            language_code="fr",
            apply_text_normalization="off",
            optimize_streaming_latency=2,
            enable_logging=True,
            output_format="wav_24000",
            stream=True,
        )
    )
    body = speech_body(el.spec, full)
    assert body["voice_settings"] == {"stability": 0.3, "use_speaker_boost": False, "speed": 1.0}
    assert body["seed"] == 7 and body["language_code"] == "fr" and "output_format" not in body
    assert speech_query(el.spec, full) == {
        "output_format": "pcm_24000",
        "enable_logging": "true",
        "optimize_streaming_latency": "2",
    }


# -- speech over the (faked) wire ----------------------------------------------------------------------
@respx.mock
async def test_speech_sends_xi_api_key_and_never_a_bearer(el):
    route = respx.post(TTS).mock(return_value=httpx.Response(200, content=MP3, headers={"content-type": "audio/mpeg"}))
    with capture_requests() as captured:
        result = await el.speak(ElevenLabsSpeech(text="Hi"), api_key=KEY)
    sent = route.calls.last.request
    assert sent.headers["xi-api-key"] == KEY and "authorization" not in sent.headers
    assert sent.url.params["output_format"] == "mp3_44100_128"
    assert result.audio.data == MP3 and result.audio.format == "mp3" and result.audio.sample_rate == 44100
    assert KEY not in repr(captured[0].headers) and captured[0].auth and captured[0].auth_header == "xi-api-key"


@respx.mock
async def test_a_streamed_wav_is_asked_as_pcm_and_wrapped(el):
    route = respx.post(f"{TTS}/stream").mock(return_value=httpx.Response(200, content=PCM))
    chunks = []
    result = await el.speak(
        ElevenLabsSpeech(text="Hi", output_format="wav_16000", stream=True), api_key=KEY, on_chunk=chunks.append
    )
    assert route.calls.last.request.url.params["output_format"] == "pcm_16000"
    assert b"".join(chunks) == PCM
    assert result.audio.format == "wav" and result.audio.data == wrap_pcm(PCM, 16000)


@pytest.mark.parametrize(
    "fmt, body", [("mp3_44100_128", b'{"detail": "x"}'), ("pcm_24000", MP3), ("wav_24000", MP3), ("mp3_22050_32", b"")]
)
@respx.mock
async def test_the_wrong_bytes_for_the_format_are_an_invalid_response(el, fmt, body):
    respx.post(TTS).mock(return_value=httpx.Response(200, content=body, headers={"content-type": "audio/mpeg"}))
    with pytest.raises(errors.InvalidResponseError):
        await el.speak(ElevenLabsSpeech(text="Hi", output_format=fmt), api_key=KEY)


# -- errors ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "status, body, cls, code",
    [
        (
            401,
            legacy("quota_exceeded", "This request exceeds your quota of 10000."),
            errors.QuotaError,
            "quota_exceeded",
        ),
        (401, current("quota_exceeded"), errors.QuotaError, "quota_exceeded"),
        (401, legacy("invalid_api_key"), errors.AuthenticationError, "invalid_api_key"),
        (401, legacy("detected_unusual_activity"), errors.PermissionDeniedError, "detected_unusual_activity"),
        (400, legacy("voice_limit_reached", "(10 / 10)"), errors.QuotaError, "voice_limit_reached"),
        (400, legacy("max_character_limit_exceeded"), errors.BadRequestError, "max_character_limit_exceeded"),
        (400, legacy("voice_not_found"), errors.NotFoundError, "voice_not_found"),
        (
            404,
            {"detail": {"type": "not_found", "code": "voice_not_found", "message": "m"}},
            errors.NotFoundError,
            "voice_not_found",
        ),
        (402, current("insufficient_credits"), errors.QuotaError, "insufficient_credits"),
        (403, legacy("only_for_creator+"), errors.PermissionDeniedError, "only_for_creator+"),
        (
            400,
            {"detail": {"type": "validation_error", "code": None, "status": "invalid_parameters", "message": "m"}},
            errors.BadRequestError,
            "invalid_parameters",
        ),
        (
            422,
            {
                "detail": [
                    {
                        "loc": ["body", "files", 0],
                        "msg": "Expected UploadFile, received: <class 'str'>",
                        "type": "value_error",
                    }
                ]
            },
            errors.BadRequestError,
            None,
        ),
    ],
)
@respx.mock
async def test_every_error_shape_is_typed_by_its_code(el, status, body, cls, code):
    respx.post(TTS).mock(return_value=httpx.Response(status, json=body))
    with pytest.raises(errors.ProviderError) as caught:
        await el.speak(ElevenLabsSpeech(text="Hi"), api_key=KEY)
    exc = caught.value
    assert type(exc) is cls and exc.code == code and exc.status == status
    assert KEY not in exc.user_message()
    if status == 422:
        assert "body.files.0: Expected UploadFile" in exc.user_message()


def test_parse_error_prefers_code_then_status_and_keeps_the_param():
    assert parse_error(400, json.dumps(current("a", "m", status="b")).encode(), "") == ("a", "m")
    doc = {"detail": {"status": "s", "message": "bad", "param": "keyterms"}}
    assert parse_error(400, json.dumps(doc).encode(), "") == ("s", "bad (param: keyterms)")
    assert parse_error(500, b"<html>oops</html>", "text/html") == (None, "<html>oops</html>")


@respx.mock
async def test_quota_and_slot_hints_say_what_to_do(el):
    respx.post(TTS).mock(return_value=httpx.Response(401, json=legacy("quota_exceeded")))
    with pytest.raises(errors.QuotaError) as caught:
        await el.speak(ElevenLabsSpeech(text="Hi"), api_key=KEY)
    assert "credits" in caught.value.user_message() and "key itself is fine" in caught.value.user_message()


@respx.mock
async def test_a_quota_401_is_not_retried_but_a_busy_429_is(el):
    route = respx.post(TTS).mock(
        side_effect=[
            httpx.Response(429, json=current("system_busy"), headers={"retry-after": "0"}),
            httpx.Response(200, content=MP3),
        ]
    )
    await el.speak(ElevenLabsSpeech(text="Hi"), api_key=KEY)
    assert route.call_count == 2
    quota = respx.post(f"{TTS}/stream").mock(return_value=httpx.Response(401, json=legacy("quota_exceeded")))
    with pytest.raises(errors.QuotaError):
        await el.speak(ElevenLabsSpeech(text="Hi", stream=True), api_key=KEY)
    assert quota.call_count == 1


# -- clone ----------------------------------------------------------------------------------------------------
def sub(**over) -> dict:
    return {
        "tier": "starter",
        "character_count": 0,
        "character_limit": 30000,
        "voice_slots_used": 2,
        "voice_limit": 10,
        "voice_add_edit_counter": 2,
        "can_use_instant_voice_cloning": True,
        **over,
    }


@pytest.fixture(scope="module")
def samples():
    return [
        VoiceSample(speech_wav(seconds_min=3.0), filename="a.wav"),
        VoiceSample(speech_wav("Another sentence for the second file.", seconds_min=3.0), filename="a.wav"),
    ]


@respx.mock
async def test_clone_sends_repeated_files_parts_json_labels_and_form_booleans(el, samples):
    respx.get(f"{BASE}/v1/user/subscription").mock(return_value=httpx.Response(200, json=sub()))
    add = respx.post(f"{BASE}/v1/voices/add").mock(
        return_value=httpx.Response(200, json={"voice_id": "c38kUX8pkfYO2kHyqfFy", "requires_verification": False})
    )
    result = await el.clone_voice(
        ElevenLabsClone(
            samples=samples,
            name=" Me ",
            description="d",
            labels={"language": "en", "age": " "},
            remove_background_noise=True,
        ),
        api_key=KEY,
    )
    assert result.voice_id == "c38kUX8pkfYO2kHyqfFy" and any("recommends at least 60 s" in n for n in result.notes)
    req = add.calls.last.request
    body = req.content
    assert req.headers["xi-api-key"] == KEY
    assert body.count(b'name="files"; filename=') == 2 and b'name="files[]"' not in body
    assert b'name="labels"\r\n\r\n{"language": "en"}\r\n' in body
    assert b'name="remove_background_noise"\r\n\r\ntrue\r\n' in body and b'name="name"\r\n\r\nMe\r\n' in body


@pytest.mark.parametrize(
    "account, cls, fragment",
    [
        (sub(can_use_instant_voice_cloning=False, tier="free"), errors.PermissionDeniedError, "paid plan"),
        (sub(voice_slots_used=10), errors.QuotaError, "10 / 10"),
    ],
)
@respx.mock
async def test_the_preflight_refuses_before_uploading(el, samples, account, cls, fragment):
    respx.get(f"{BASE}/v1/user/subscription").mock(return_value=httpx.Response(200, json=account))
    add = respx.post(f"{BASE}/v1/voices/add")
    with pytest.raises(cls) as caught:
        await el.clone_voice(ElevenLabsClone(samples=samples[:1], name="Me"), api_key=KEY)
    assert fragment in caught.value.user_message() and not add.called


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(name=" "), "name"),
        (dict(samples=[]), "at least one"),
        (dict(labels={"mood": "happy"}), "label"),
        (dict(samples="dup"), "same file"),
        (dict(samples="many"), "at most 8"),
    ],
)
def test_clone_checks(el, samples, kwargs, fragment):
    if kwargs.get("samples") == "dup":
        kwargs["samples"] = [samples[0], VoiceSample(samples[0].data, filename="b.wav")]
    elif kwargs.get("samples") == "many":
        kwargs["samples"] = [VoiceSample(tone_wav(1.0, freq=100 + i)) for i in range(9)]
    with pytest.raises(errors.InputError) as exc:
        el.check_clone(ElevenLabsClone(**{"samples": samples[:1], "name": "Me", **kwargs}))
    assert fragment in exc.value.user_message()


# -- voices ----------------------------------------------------------------------------------------------------
@respx.mock
async def test_list_follows_next_page_token_and_marks_premade_as_system(el):
    pages = [
        {
            "voices": [{"voice_id": "a", "name": "A", "category": "premade"}],
            "has_more": True,
            "total_count": 2,
            "next_page_token": "t1",
        },
        {
            "voices": [{"voice_id": "b", "name": "B", "category": "cloned"}],
            "has_more": False,
            "total_count": 2,
            "next_page_token": None,
        },
    ]
    route = respx.get(f"{BASE}/v2/voices").mock(side_effect=[httpx.Response(200, json=p) for p in pages])
    voices = await el.list_voices(api_key=KEY, voice_type="personal")
    assert [(v.id, v.kind) for v in voices] == [("a", "system"), ("b", "cloned")]
    assert route.calls[1].request.url.params["next_page_token"] == "t1"
    assert route.calls[0].request.url.params["voice_type"] == "personal"


@respx.mock
async def test_delete_wants_status_ok(el):
    respx.delete(f"{BASE}/v1/voices/abc").mock(return_value=httpx.Response(200, json={"status": "ok"}))
    assert await el.delete_voice("abc", api_key=KEY) == "deleted abc"
    respx.delete(f"{BASE}/v1/voices/def").mock(return_value=httpx.Response(200, json={"status": "pending"}))
    with pytest.raises(errors.InvalidResponseError):
        await el.delete_voice("def", api_key=KEY)


# -- the generated tab's declarations (presets "ui") ---------------------------------------------------------
def test_every_declared_field_reaches_the_request(el):
    import dataclasses

    ui = el.spec["ui"]["operations"]
    speech_fields = {f.name for f in dataclasses.fields(ElevenLabsSpeech)}
    for f in ui["speak"]["fields"]:
        assert f["name"] in speech_fields | {"override_settings"}, f["name"]
    assert not [f for op in ui.values() for f in op.get("fields", []) if f["type"] == "audio" and "help" in f]
    clone_names = {f["name"] for f in ui["clone"]["fields"] if f["type"] != "note"}
    assert clone_names == {
        "sample",
        "sample_2",
        "sample_3",
        "name",
        "description",
        "language",
        "accent",
        "gender",
        "age",
        "remove_background_noise",
        "preflight",
        "consent",
    }
    formats = [v for _, v in next(f for f in ui["speak"]["fields"] if f["name"] == "output_format")["choices"]]
    assert sorted(formats) == sorted(el.spec["output_formats"] + el.spec["non_stream_formats"])
    from playground import presets

    strings = {**presets.load("i18n")["strings"], **el.spec["ui"]["i18n"]}  # the app's, then this tab's own
    for op in ui.values():
        for f in op.get("fields", []):
            for text in (f.get("label"), f.get("help"), f.get("text"), *[c[0] for c in f.get("choices", [])]):
                assert text is None or text in strings or text.endswith("(premade)"), text


def test_form_values_become_requests(el, samples):
    values = {
        "text": "Hi",
        "voice_id": VOICE,
        "model_id": "eleven_flash_v2_5",
        "language_code": "",
        "seed": None,
        "output_format": "wav_24000",
        "stream": True,
        "override_settings": False,
        "stability": 0.2,
        "speed": 1.1,
    }
    req = el.check_speak(el.request_from_fields("speak", values))
    assert req.stability is None and req.speed is None and req.language_code is None
    assert el.live_options(req) == {"live": True, "fmt": "pcm", "sample_rate": 24000, "channels": 1}
    req = el.check_speak(
        el.request_from_fields(
            "speak", {**values, "override_settings": True, "stream": False, "output_format": "ulaw_8000"}
        )
    )
    assert (req.stability, req.speed) == (0.2, 1.1) and el.live_options(req)["live"] is False
    clone = el.request_from_fields(
        "clone",
        {
            "sample": samples[0],
            "sample_2": None,
            "sample_3": samples[1],
            "name": "Me",
            "description": "",
            "language": "en",
            "accent": " ",
            "gender": "female",
            "age": "",
            "remove_background_noise": True,
            "preflight": False,
            "consent": True,
        },
    )
    assert clone.samples == [samples[0], samples[1]] and clone.labels == {"language": "en", "gender": "female"}
    assert clone.remove_background_noise and not clone.preflight and clone.description is None
    assert el.takes_language_code("eleven_v3") and not el.takes_language_code("eleven_multilingual_v2")


@pytest.mark.parametrize("status, code", [(403, "missing_permissions"), (401, "missing_permissions")])
@respx.mock
async def test_a_key_that_may_not_read_the_account_still_clones(el, samples, status, code):
    respx.get(f"{BASE}/v1/user/subscription").mock(return_value=httpx.Response(status, json=legacy(code)))
    respx.post(f"{BASE}/v1/voices/add").mock(
        return_value=httpx.Response(200, json={"voice_id": "c38kUX8pkfYO2kHyqfFy", "requires_verification": True})
    )
    result = await el.clone_voice(ElevenLabsClone(samples=samples[:1], name="Me"), api_key=KEY)
    assert any("could not be checked" in n for n in result.notes) and any("verify" in n for n in result.notes)


@respx.mock
async def test_a_bad_key_stops_at_the_preflight(el, samples):
    respx.get(f"{BASE}/v1/user/subscription").mock(return_value=httpx.Response(401, json=legacy("invalid_api_key")))
    add = respx.post(f"{BASE}/v1/voices/add")
    with pytest.raises(errors.AuthenticationError):
        await el.clone_voice(ElevenLabsClone(samples=samples[:1], name="Me"), api_key=KEY)
    assert not add.called
