"""MiniMax adapter units: rules, bodies, SSE parsing, error mapping (respx at the HTTP boundary)."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from playground import errors
from playground.audio import VoiceSample, best_window, decode, encode
from playground.providers.minimax import MiniMax, MiniMaxClone, MiniMaxSpeech, MiniMaxUpload
from playground.providers.minimax_api import CODE_ERRORS, CODE_HINTS
from playground.providers.minimax_checks import (
    check_pauses,
    check_voice_id,
    parse_file_id,
    suggest_voice_id,
    voice_id_problem,
)
from playground.providers.minimax_sse import StreamAssembler, sse_payloads
from tests.conftest import speech_wav, tone_wav

CANARY = "sk-canary-minimax-0123456789abcdef"
MAINLAND = "https://api.minimaxi.com"
GLOBAL = "https://api.minimax.io"
SECTION_1_6 = [
    1000,
    1001,
    1002,
    1004,
    1008,
    1024,
    1026,
    1027,
    1033,
    1039,
    1041,
    1042,
    1043,
    1044,
    2013,
    20132,
    2037,
    2038,
    2039,
    2042,
    2045,
    2048,
    2049,
    2056,
]


@pytest.fixture
def mm(monkeypatch):
    monkeypatch.setenv("MINIMAX_API_KEY", CANARY)
    monkeypatch.delenv("MINIMAX_BASE_URL", raising=False)
    monkeypatch.delenv("MINIMAX_GROUP_ID", raising=False)
    return MiniMax()


def ok(doc: dict, **headers) -> httpx.Response:
    return httpx.Response(
        200,
        json={**doc, "base_resp": {"status_code": 0, "status_msg": "success"}},
        headers={"Trace-Id": "trace-1", **headers},
    )


def failed(code: int, msg: str = "boom") -> httpx.Response:
    return httpx.Response(
        200, json={"base_resp": {"status_code": code, "status_msg": msg}}, headers={"Trace-Id": "t-9"}
    )


def sse(*frames, done: bool = False) -> httpx.Response:
    text = "".join(f"data: {json.dumps(f)}\n\n" for f in frames) + ("data: [DONE]\n\n" if done else "")
    return httpx.Response(200, content=text.encode(), headers={"content-type": "text/event-stream"})


MP3 = encode(decode(speech_wav("one two")), "mp3")


# -- rules -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad", ["short", "1startsWithDigit", "has space here", "ends-with-", "ends_with_", "ünicode-name", "a" * 257, ""]
)
def test_bad_voice_ids_are_refused_with_a_valid_suggestion(bad):
    assert voice_id_problem(bad) is not None
    with pytest.raises(errors.InputError) as info:
        check_voice_id(bad)
    suggestion = info.value.hint.split("For example: ")[1].split(" ")[0]
    assert voice_id_problem(suggestion) is None


@pytest.mark.parametrize("good", ["MiniMax001", "my-voice_01", "A" * 256, "Abcdefg8"])
def test_documented_voice_ids_pass(good):
    assert check_voice_id(good) == good


def test_suggestions_follow_the_rules_and_keep_the_hint():
    for hint in ["", "123", "my voice!", "-_-", "x" * 400]:
        assert voice_id_problem(suggest_voice_id(hint)) is None
    assert suggest_voice_id("Grandma Rose").startswith("Grandma_Rose_")


@pytest.mark.parametrize("text", ["a <#0#> b", "a <#100#> b", "a <#abc#> b", "a <#1.234#> b", "a <##> b"])
def test_bad_pause_markers_are_refused(text):
    with pytest.raises(errors.InputError, match="pause marker"):
        check_pauses(text)


def test_good_pause_markers_pass():
    check_pauses("a <#0.01#> b <#99.99#> c <#1#>")


def test_file_ids_stay_exact_int64():
    big = 2**60 + 12345
    assert parse_file_id(str(big)) == big and parse_file_id(big) == big
    with pytest.raises(errors.InputError, match="lost digits"):
        parse_file_id(float(big))
    for bad in ["12a", "-5", "1.5", "", None, True]:
        with pytest.raises(errors.InputError):
            parse_file_id(bad)


def test_best_window_finds_the_speech_in_a_long_clip():
    from pydub import AudioSegment

    silence = AudioSegment.silent(4000, frame_rate=16000)
    seg = silence + decode(tone_wav(3.0)) + silence + silence
    start, end = best_window(seg, 3.5)
    assert end - start == 3500 and start <= 4000 <= 7000 <= end


# -- bodies --------------------------------------------------------------------------------------
def test_clone_body_uses_the_schema_spelling_and_int_ids(mm):
    req = mm.check_clone(
        MiniMaxClone(
            file_id=str(2**60 + 1),
            voice_id="MiniMax001",
            prompt_file_id="77",
            prompt_text="hi",
            text="preview",
            model="speech-02-hd",
            need_volume_normalization=True,
            language_boost="English",
        )
    )
    body = mm.clone_body(req)
    assert body == {
        "file_id": 2**60 + 1,
        "voice_id": "MiniMax001",
        "clone_prompt": {"prompt_audio": 77, "prompt_text": "hi"},
        "text": "preview",
        "model": "speech-02-hd",
        "need_noise_reduction": False,
        "need_volume_normalization": True,
        "language_boost": "English",
    }
    assert "need_volumn_normalization" not in json.dumps(body)


def test_clone_preview_needs_a_model_and_a_prompt_needs_its_transcript(mm):
    with pytest.raises(errors.InputError, match="needs a model"):
        mm.check_clone(MiniMaxClone(file_id=1, voice_id="MiniMax001", text="hello"))
    with pytest.raises(errors.InputError, match="transcript"):
        mm.check_clone(MiniMaxClone(file_id=1, voice_id="MiniMax001", prompt_file_id=5))
    with pytest.raises(errors.InputError, match="1,000"):
        mm.check_clone(MiniMaxClone(file_id=1, voice_id="MiniMax001", text="x" * 1001, model="speech-02-hd"))


def test_speech_body_sends_bitrate_for_mp3_only_and_stream_options_on_request(mm):
    body = mm.speech_body(
        mm.check_speak(
            MiniMaxSpeech("hi", "Wise_Woman", format="flac", stream=True, exclude_aggregated_audio=True, emotion="calm")
        )
    )
    assert body == {
        "model": "speech-2.8-hd",
        "text": "hi",
        "stream": True,
        "voice_setting": {"voice_id": "Wise_Woman", "speed": 1.0, "vol": 1.0, "pitch": 0, "emotion": "calm"},
        "audio_setting": {"sample_rate": 32000, "format": "flac", "channel": 1},
        "stream_options": {"exclude_aggregated_audio": True},
    }
    mp3 = mm.speech_body(mm.check_speak(MiniMaxSpeech("hi", "Wise_Woman", output_format="url", bitrate="64000")))
    assert mp3["audio_setting"]["bitrate"] == 64000 and mp3["output_format"] == "url" and "stream_options" not in mp3


@pytest.mark.parametrize(
    "change, match",
    [
        (dict(format="wav", stream=True), "wav works only without streaming"),
        (dict(output_format="url", stream=True), "url works only without streaming"),
        (dict(speed=2.5), "Speed"),
        (dict(vol=0), "Volume"),
        (dict(vol=10.5), "Volume"),
        (dict(pitch=13), "Pitch"),
        (dict(pitch=1.5), "whole number"),
        (dict(emotion="bored"), "Emotion"),
        (dict(sample_rate=48000), "Sample rate"),
        (dict(bitrate=96000), "Bitrate"),
        (dict(channel=3), "Channel"),
        (dict(format="ogg"), "Format"),
        (dict(model="speech-9"), "Unknown MiniMax model"),
        (dict(text="x" * 10000), "9,999"),
        (dict(language_boost="Klingon"), "language_boost"),
        (dict(group_id="12 34"), "GroupId"),
        (dict(region="mars"), "region"),
        (dict(voice_id=" "), "Choose a voice"),
    ],
)
def test_speech_limits_are_checked_before_sending(mm, change, match):
    args = dict(text="hello", voice_id="Wise_Woman") | change
    with pytest.raises(errors.InputError, match=match):
        mm.check_speak(MiniMaxSpeech(**args))


# -- SSE -----------------------------------------------------------------------------------------
async def _lines(text: str):
    for line in text.split("\n"):
        yield line


async def test_sse_parser_skips_comments_joins_multiline_data_and_stops_at_done():
    text = ': ping\nevent: x\ndata: {"a":\ndata: 1}\n\ndata: null\n\ndata: [DONE]\n\ndata: {"late": 1}\n\n'
    frames = [f async for f in sse_payloads(_lines(text), ValueError)]
    assert frames == [{"a": 1}]


def test_assembler_skips_the_aggregated_repeat_or_appends_when_excluded():
    hexa = bytes.fromhex
    agg = StreamAssembler(excluded=False)
    assert agg.add({"audio": "0102", "status": 1}, hexa) == b"\x01\x02"
    assert agg.add(None, hexa) == b""
    assert agg.add({"audio": "0304", "status": 1}, hexa) == b"\x03\x04"
    assert agg.add({"audio": "01020304", "status": 2}, hexa) == b"" and agg.done
    assert agg.audio() == b"\x01\x02\x03\x04"
    ex = StreamAssembler(excluded=True)
    ex.add({"audio": "01", "status": 1}, hexa)
    assert ex.add({"audio": "02", "status": 2}, hexa) == b"\x02" and ex.audio() == b"\x01\x02"
    only_final = StreamAssembler(excluded=False)
    assert only_final.add({"audio": "0a0b", "status": 2}, hexa) == b"\x0a\x0b"


@respx.mock
async def test_stream_without_final_frame_is_an_interruption(mm):
    half = MP3[: len(MP3) // 2].hex()
    respx.post(f"{MAINLAND}/v1/t2a_v2").mock(return_value=sse({"data": {"audio": half, "status": 1}}))
    with pytest.raises(errors.StreamInterruptedError) as info:
        await mm.speak(MiniMaxSpeech("hello", "Wise_Woman", stream=True))
    assert "final frame" in info.value.user_message() and "nothing was saved" in info.value.user_message()


@respx.mock
async def test_stream_with_done_marker_and_aggregate_gives_the_audio_once(mm):
    a, b = MP3[:1000], MP3[1000:]
    got = []
    respx.post(f"{MAINLAND}/v1/t2a_v2").mock(
        return_value=sse(
            {"data": {"audio": a.hex(), "status": 1}},
            {"data": None},
            {"data": {"audio": b.hex(), "status": 1}},
            {"data": {"audio": MP3.hex(), "status": 2}, "extra_info": {"audio_length": 900}},
            done=True,
        )
    )
    result = await mm.speak(MiniMaxSpeech("hello", "Wise_Woman", stream=True), on_chunk=got.append)
    assert result.audio.data == MP3 and got == [a, b] and result.extra_info["audio_length"] == 900


@respx.mock
async def test_error_frame_inside_a_stream_is_typed(mm):
    respx.post(f"{MAINLAND}/v1/t2a_v2").mock(
        return_value=sse(
            {"data": {"audio": "00", "status": 1}},
            {"data": None, "base_resp": {"status_code": 1027, "status_msg": "x"}},
        )
    )
    with pytest.raises(errors.ContentRejectedError):
        await mm.speak(MiniMaxSpeech("hello", "Wise_Woman", stream=True))


# -- errors and regions --------------------------------------------------------------------------
def test_every_documented_code_is_mapped_with_a_fix():
    for code in SECTION_1_6:
        assert code in CODE_ERRORS, code
        assert code in CODE_HINTS or code in (1004, 2049), code


@pytest.mark.parametrize("code", SECTION_1_6)
@respx.mock
async def test_error_200_codes_become_typed_errors_with_the_fix(mm, code):
    respx.post(f"{MAINLAND}/v1/get_voice").mock(return_value=failed(code, f"msg {CANARY}"))
    with pytest.raises(errors.ProviderError) as info:
        await mm.list_voices(voice_type="all")
    exc = info.value
    assert type(exc) is CODE_ERRORS[code] and exc.code == code and exc.status == 200 and exc.request_id == "t-9"
    text = exc.user_message()
    assert CANARY not in text
    if code in (1004, 2049):
        assert "other region" in text and "Global" in text
    else:
        assert CODE_HINTS[code] in text


@respx.mock
async def test_global_region_goes_to_the_global_host_and_its_key_error_points_back(mm):
    route = respx.post(f"{GLOBAL}/v1/get_voice").mock(return_value=failed(2049, "invalid api key"))
    with pytest.raises(errors.AuthenticationError) as info:
        await mm.list_voices(voice_type="system", region="global")
    assert route.called and "switch region to Mainland China" in info.value.user_message()


@respx.mock
async def test_group_id_is_a_query_parameter_only_when_set(mm, monkeypatch):
    route = respx.post(f"{MAINLAND}/v1/get_voice").mock(return_value=ok({"system_voice": []}))
    await mm.list_voices(voice_type="system")
    assert "GroupId" not in str(route.calls[-1].request.url)
    await mm.list_voices(voice_type="system", group_id=" 1782658868262748467 ")
    assert route.calls[-1].request.url.params["GroupId"] == "1782658868262748467"
    monkeypatch.setenv("MINIMAX_GROUP_ID", "42")
    await mm.list_voices(voice_type="system")
    assert route.calls[-1].request.url.params["GroupId"] == "42"


@respx.mock
async def test_url_output_is_downloaded_without_the_key(mm):
    respx.post(f"{MAINLAND}/v1/t2a_v2").mock(
        return_value=ok({"data": {"audio": "https://cdn.example/a.mp3", "status": 2}})
    )
    link = respx.get("https://cdn.example/a.mp3").mock(return_value=httpx.Response(200, content=MP3))
    result = await mm.speak(MiniMaxSpeech("hello", "Wise_Woman", output_format="url"))
    assert (
        result.audio.data == MP3 and result.audio_url == "https://cdn.example/a.mp3" and result.request_id == "trace-1"
    )
    assert "authorization" not in link.calls[-1].request.headers


@respx.mock
async def test_hex_that_is_not_audio_is_an_invalid_response(mm):
    respx.post(f"{MAINLAND}/v1/t2a_v2").mock(return_value=ok({"data": {"audio": "zz", "status": 2}}))
    with pytest.raises(errors.InvalidResponseError) as info:
        await mm.speak(MiniMaxSpeech("hello", "Wise_Woman"))
    assert "not hex" in info.value.user_message()
    respx.post(f"{MAINLAND}/v1/t2a_v2").mock(return_value=httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(errors.InvalidResponseError) as info:
        await mm.speak(MiniMaxSpeech("hello", "Wise_Woman"))
    assert "expected JSON" in info.value.user_message()


@respx.mock
async def test_a_failed_preview_download_keeps_the_clone(mm):
    respx.post(f"{MAINLAND}/v1/voice_clone").mock(return_value=ok({"demo_audio": "https://cdn.example/d.mp3"}))
    respx.get("https://cdn.example/d.mp3").mock(return_value=httpx.Response(403, text="<Error>Expired</Error>"))
    result = await mm.clone_voice(MiniMaxClone(file_id="5", voice_id="MiniMax001", text="hi", model="speech-02-hd"))
    assert result.voice_id == "MiniMax001" and result.extra["demo_audio"] is None
    assert "preview could not be downloaded" in result.notes[0]


def test_prompt_clip_over_8_s_is_refused_with_the_trim_offer_then_trimmed(mm):
    clip = VoiceSample(speech_wav(seconds_min=9.0), filename="p.wav")
    with pytest.raises(errors.AudioInputError, match="shorter than 8 s") as info:
        mm.check_upload(MiniMaxUpload(clip, purpose="prompt_audio"))
    assert "Trim to the best 7.5 s" in info.value.hint
    fixed = mm.check_upload(MiniMaxUpload(clip, purpose="prompt_audio", trim_prompt=True)).sample
    assert fixed.info.duration_s == pytest.approx(7.5, abs=0.05) and "trimmed" in fixed.notes[0]
