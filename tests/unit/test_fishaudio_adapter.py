"""Fish Audio adapter, unit level: checks before sending, request bodies, every error body shape,
bounded polling and pagination, with the network faked by respx."""

from __future__ import annotations

import json

import httpx
import msgpack
import pytest
import respx

from playground import config, errors, providers
from playground.audio import VoiceSample
from playground.providers.fishaudio import FishClone, FishReference, FishSpeech
from playground.providers.fishaudio_wire import parse_error
from tests.conftest import speech_wav

BASE = "https://fish.test"
KEY = "sk-canary-fish-0123456789abcdef"


@pytest.fixture
def fa(monkeypatch):
    monkeypatch.setenv("FISHAUDIO_BASE_URL", BASE)
    monkeypatch.setattr(config, "RETRY_BASE_S", 0.0)
    adapter = providers.get("fishaudio")
    monkeypatch.setattr(adapter, "poll_interval_s", 0.0)
    return adapter


@pytest.fixture(scope="module")
def wav() -> VoiceSample:
    return VoiceSample(speech_wav(seconds_min=3.0), filename="me.wav")


# -- error bodies ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, expected",
    [
        (b'{"status":401,"message":"Invalid API key"}', (None, "Invalid API key")),
        (b'{"status":503,"message":"busy","reason":"high_load"}', ("high_load", "busy")),
        (
            b'[{"loc":["body","text"],"type":"missing","msg":"Field required","ctx":{},"in":"body"}]',
            (None, "text: Field required"),
        ),
        (
            b'{"detail":[{"loc":["body","format"],"msg":"Input should be mp3","type":"enum"}]}',
            (None, "format: Input should be mp3"),
        ),
        (b'{"detail":"Not authenticated"}', (None, "Not authenticated")),
        (b"Internal Server Error", (None, "Internal Server Error")),
        (b"", (None, None)),
    ],
)
def test_every_error_shape_is_parsed(body, expected):
    assert parse_error(400, body, "application/json") == expected


@pytest.mark.parametrize(
    "status, cls, fragment",
    [
        (400, errors.BadRequestError, "rejected"),
        (401, errors.AuthenticationError, "FISHAUDIO_API_KEY"),
        (402, errors.QuotaError, "API credit"),
        (403, errors.PermissionDeniedError, "not visible"),
        (404, errors.NotFoundError, "No such model"),
        (422, errors.BadRequestError, "text: Field required"),
        (429, errors.RateLimitError, "Wait"),
        (503, errors.OverloadedError, "overloaded"),
    ],
)
@respx.mock
async def test_statuses_become_typed_errors_with_fixes(fa, status, cls, fragment):
    body = (
        [{"loc": ["body", "text"], "type": "missing", "msg": "Field required", "ctx": {}, "in": "body"}]
        if status == 422
        else {"status": status, "message": f"m{status}"}
    )
    respx.post(f"{BASE}/v1/tts").mock(return_value=httpx.Response(status, json=body, headers={"Retry-After": "99"}))
    with pytest.raises(cls) as exc:
        await fa.speak(FishSpeech(text="Hi.", reference_id="abc"), api_key=KEY)
    text = exc.value.user_message()
    assert fragment in text and KEY not in text


# -- checks and bodies ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(text=""), "empty"),
        (dict(text="x" * 10001), "10,000"),
        (dict(text="Hi", model="speech-2"), "TTS model"),
        (dict(text="Hi", format="aac"), "format"),
        (dict(text="Hi", format="opus", sample_rate=44100), "48000"),
        (dict(text="Hi", mp3_bitrate=320), "mp3_bitrate"),
        (dict(text="Hi", latency="instant"), "latency"),
        (dict(text="Hi", temperature=-0.1), "Temperature"),
        (dict(text="Hi", top_p=1.1), "top_p"),
        (dict(text="Hi", chunk_length=301), "chunk_length"),
        (dict(text="Hi", speed=0.4), "Speed"),
        (dict(text="Hi", volume=30.0), "Volume"),
        (dict(text="Hi", format="opus", opus_bitrate=12000), "opus_bitrate"),
    ],
)
@respx.mock(assert_all_called=False)
async def test_speech_is_refused_before_sending(fa, kwargs, fragment):
    route = respx.post(f"{BASE}/v1/tts")
    with pytest.raises(errors.InputError) as exc:
        await fa.speak(FishSpeech(**kwargs), api_key=KEY)
    assert fragment in exc.value.user_message() and not route.called


def test_reference_id_and_references_are_exclusive(fa, wav):
    with pytest.raises(errors.InputError, match="not both"):
        fa.check_speak(FishSpeech(text="Hi", reference_id="a", references=[FishReference(wav, "Hi")]))


def test_the_body_sends_every_sound_field_explicitly(fa):
    body = fa.speech_body(fa.check_speak(FishSpeech(text=" Hi ", reference_id="abc")))
    assert body == {
        "text": "Hi",
        "reference_id": "abc",
        "format": "mp3",
        "sample_rate": 44100,
        "latency": "normal",
        "temperature": 0.7,
        "top_p": 0.7,
        "chunk_length": 300,
        "normalize": True,
        "prosody": {"speed": 1.0, "volume": 0.0, "normalize_loudness": True},
        "mp3_bitrate": 128,
    }
    opus = fa.speech_body(fa.check_speak(FishSpeech(text="Hi", format="opus", opus_bitrate=32000)))
    assert opus["sample_rate"] == 48000 and opus["opus_bitrate"] == 32000 and "mp3_bitrate" not in opus


@respx.mock
async def test_the_model_header_and_msgpack_go_out(fa, wav):
    route = respx.post(f"{BASE}/v1/tts").mock(
        return_value=httpx.Response(200, content=b"\0\1" * 500, headers={"content-type": "audio/pcm"})
    )
    await fa.speak(FishSpeech(text="Hi", format="pcm", references=[FishReference(wav, "Hello.")]), api_key=KEY)
    request = route.calls.last.request
    assert request.headers["model"] == "s2-pro" and request.headers["content-type"] == "application/msgpack"
    assert msgpack.unpackb(request.content)["references"][0]["audio"] == wav.data


@respx.mock
async def test_a_json_answer_or_foreign_bytes_are_not_audio(fa):
    respx.post(f"{BASE}/v1/tts").mock(
        side_effect=[
            httpx.Response(200, json={"status": 200, "message": "queued"}),
            httpx.Response(200, content=b"RIFF....WAVEfmt ", headers={"content-type": "audio/mpeg"}),
        ]
    )
    for _ in range(2):
        with pytest.raises(errors.InvalidResponseError):
            await fa.speak(FishSpeech(text="Hi", reference_id="abc"), api_key=KEY)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(samples=[], title="t"), "at least one"),
        (dict(samples=["x"] * 21, title="t"), "at most 20"),
        (dict(samples=["w"], title=" "), "title"),
        (dict(samples=["w", "w"], title="t", texts=["only one"]), "one transcript"),
        (dict(samples=["w"], title="t", visibility="public"), "cover image"),
        (dict(samples=["w"], title="t", train_mode="x"), "train_mode"),
    ],
)
def test_clone_checks(fa, wav, kwargs, fragment):
    kwargs["samples"] = [wav for _ in kwargs["samples"]]
    with pytest.raises(errors.InputError) as exc:
        fa.check_clone(FishClone(**kwargs))
    assert fragment in exc.value.user_message()


def test_clone_fields_always_say_private_tts_and_enhance(fa, wav):
    req = fa.check_clone(FishClone(samples=[wav], title=" t "))
    assert fa.clone_fields(req) == {
        "type": "tts",
        "title": "t",
        "train_mode": "fast",
        "visibility": "private",
        "enhance_audio_quality": "true",
    }


# -- polling and pagination ---------------------------------------------------------------------------------
@respx.mock
async def test_polling_stops_at_trained_and_is_bounded(fa, wav, monkeypatch):
    respx.post(f"{BASE}/model").mock(return_value=httpx.Response(201, json={"_id": "m1", "state": "created"}))
    poll = respx.get(f"{BASE}/model/m1").mock(
        side_effect=[httpx.Response(200, json={"_id": "m1", "state": s}) for s in ("created", "training", "trained")]
    )
    result = await fa.clone_voice(FishClone(samples=[wav], title="t"), api_key=KEY)
    assert result.voice_id == "m1" and poll.call_count == 3
    monkeypatch.setattr(fa, "poll_max_s", 0.0)
    poll.side_effect = None
    poll.return_value = httpx.Response(200, json={"_id": "m1", "state": "training"})
    with pytest.raises(errors.ProviderTimeoutError) as exc:
        await fa.clone_voice(FishClone(samples=[wav], title="t"), api_key=KEY)
    assert "m1" in exc.value.user_message()


@respx.mock
async def test_a_creation_without_an_id_is_invalid(fa, wav):
    respx.post(f"{BASE}/model").mock(return_value=httpx.Response(201, json={"id": "m1"}))
    with pytest.raises(errors.InvalidResponseError):
        await fa.clone_voice(FishClone(samples=[wav], title="t"), api_key=KEY)


@respx.mock
async def test_list_follows_pages_until_has_more_is_false(fa, monkeypatch):
    monkeypatch.setitem(fa.spec["list"], "page_size", 1)
    route = respx.get(f"{BASE}/model").mock(
        side_effect=[
            httpx.Response(200, json={"total": 2, "items": [{"_id": "a", "title": "A"}], "has_more": True}),
            httpx.Response(200, json={"total": 2, "items": [{"_id": "b", "title": "B"}], "has_more": False}),
        ]
    )
    voices = await fa.list_voices(api_key=KEY)
    assert [v.id for v in voices] == ["a", "b"] and route.call_count == 2
    assert [c.request.url.params["page_number"] for c in route.calls] == ["1", "2"]
    assert json.loads(json.dumps(voices[0].extra)) is not None


# -- what the tab builder uses (presets ui) ------------------------------------------------------------------
def test_the_ui_declarations_name_real_fields_and_presets(fa):
    from dataclasses import fields as dc_fields

    ui = fa.spec["ui"]["operations"]
    speak = {f.name for f in dc_fields(FishSpeech)} | {"voice", "voice_source", "reference_audio", "reference_text"}
    assert {f["name"] for f in ui["speak"]["fields"]} <= speak
    for op in ui.values():
        for f in op["fields"]:
            for key, path in f.items():
                if key.endswith("_from"):
                    node = fa.spec
                    for part in path.split("."):
                        node = node[int(part)] if isinstance(node, list) else node[part]
            if "choices_when" in f:
                assert callable(getattr(fa, f["choices_when"]["call"]))


def test_from_fields_builds_clone_and_speech_requests(fa, wav):
    clone = FishClone.from_fields(
        {
            "audio": wav,
            "text": "One.",
            "audio_2": wav,
            "text_2": "Two.",
            "audio_3": None,
            "title": "t",
            "tags": "a, b",
            "visibility": "unlist",
            "consent": True,
        }
    )
    assert len(clone.samples) == 2 and clone.texts == ["One.", "Two."] and clone.tags == ["a", "b"]
    assert fa.clone_fields(fa.check_clone(clone))["visibility"] == "unlist"
    ref = FishSpeech.from_fields(
        {
            "text": "Hi",
            "voice_source": "reference",
            "reference_audio": wav,
            "reference_text": "Hello.",
            "voice": "ignored",
            "format": "wav",
            "sample_rate": 24000,
        }
    )
    assert ref.reference_id is None and ref.references[0].text == "Hello." and ref.sample_rate == 24000
    with pytest.raises(errors.InputError):
        FishSpeech.from_fields({"text": "Hi", "voice_source": "reference"})
    assert fa.live_options(fa.check_speak(ref)) == {"live": True, "fmt": "wav", "sample_rate": 24000, "channels": 1}
