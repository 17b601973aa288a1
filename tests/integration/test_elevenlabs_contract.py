"""The ElevenLabs contract (providers-more.md section 1): the simulator refuses what the API refuses,
in the API's own error shapes (raw HTTP), and the requests the adapter sends to a separate server
match the sheet part for part: repeated `files` parts, labels as a JSON string, form booleans,
output_format in the query (never the body), the key in `xi-api-key` (never Bearer), and the
audio bytes handed back exactly as they came."""

from __future__ import annotations

import base64
import email.parser
import json
from urllib.parse import parse_qs

import httpx
import pytest

from playground import errors, providers
from playground.audio import VoiceSample, wrap_pcm
from playground.providers.elevenlabs import ElevenLabsClone, ElevenLabsSpeech
from playground.sandbox import speech
from playground.sandbox.control import SandboxState
from playground.sandbox.server import SandboxServer
from tests.conftest import speech_wav

EL = "elevenlabs"
KEY = "sk_live_elevenlabs_key_for_tests"
VOICE = "JBFqnCBsd6RMkjVDRZzb"


@pytest.fixture(scope="module")
def wavs() -> list[bytes]:
    return [speech_wav(seconds_min=3.0), speech_wav("And this is the second sample file.", seconds_min=3.0)]


@pytest.fixture
def raw(sandbox):
    with httpx.Client(base_url=sandbox.base_url(EL), headers={"xi-api-key": "raw-key"}, timeout=30) as c:
        yield c


def detail(resp: httpx.Response, status: int) -> dict | list:
    assert resp.status_code == status, (resp.status_code, resp.text)
    doc = resp.json()
    assert set(doc) == {"detail"}
    return doc["detail"]


def code_of(resp: httpx.Response, status: int) -> str:
    d = detail(resp, status)
    assert isinstance(d, dict) and d["message"]
    if "code" in d:  # the current shape: status mirrors code
        assert d["status"] == d["code"] and {"type", "request_id", "param"} <= set(d)
    else:
        assert set(d) == {"status", "message"}  # the legacy shape
    return d["status"]


def loc_of(resp: httpx.Response) -> list:
    d = detail(resp, 422)
    assert isinstance(d, list) and set(d[0]) == {"loc", "msg", "type"}
    return d[0]["loc"]


def tts(raw, body: dict | None = None, *, query: str = "", stream: bool = False, voice: str = VOICE):
    path = f"/v1/text-to-speech/{voice}" + ("/stream" if stream else "") + (f"?{query}" if query else "")
    return raw.post(path, json={"text": "Hello.", **(body or {})})


# -- the simulator is strict --------------------------------------------------------------------------------
def test_the_key_goes_in_xi_api_key_only(sandbox):
    with httpx.Client(base_url=sandbox.base_url(EL), timeout=10) as c:
        for method, path in [
            ("GET", "/v1/user/subscription"),
            ("POST", "/v1/voices/add"),
            ("GET", "/v2/voices"),
            (("POST", f"/v1/text-to-speech/{VOICE}")),
            ("DELETE", "/v1/voices/x"),
            ("POST", "/v1/speech-to-text"),
        ]:
            assert code_of(c.request(method, path), 401) == "invalid_api_key"
        bearer = c.get("/v2/voices", headers={"Authorization": "Bearer raw-key"})
        assert code_of(bearer, 401) == "invalid_api_key" and "xi-api-key" in bearer.json()["detail"]["message"]


@pytest.mark.parametrize(
    "body, query, stream, loc",
    [
        ({"output_format": "mp3_44100_128"}, "", False, ["body", "output_format"]),
        ({}, "output_format=wav_24000", True, ["query", "output_format"]),
        ({}, "output_format=mp3_48000_320", False, ["query", "output_format"]),
        ({}, "enable_logging=yes", False, ["query", "enable_logging"]),
        ({}, "optimize_streaming_latency=5", False, ["query", "optimize_streaming_latency"]),
        ({}, "format=mp3", False, ["query", "format"]),
        ({"text": None}, "", False, ["body", "text"]),
        ({"voice_settings": {"stability": 1.5}}, "", False, ["body.voice_settings", "stability"]),
        ({"voice_settings": {"speed": 0.5}}, "", False, ["body.voice_settings", "speed"]),
        ({"voice_settings": {"use_speaker_boost": "yes"}}, "", False, ["body", "voice_settings", "use_speaker_boost"]),
        ({"voice_settings": {"pitch": 1}}, "", False, ["body", "voice_settings", "pitch"]),
        ({"seed": 4294967296}, "", False, ["body", "seed"]),
        ({"seed": "7"}, "", False, ["body", "seed"]),
        ({"apply_text_normalization": "maybe"}, "", False, ["body", "apply_text_normalization"]),
        ({"previous_request_ids": ["a", "b", "c", "d"]}, "", False, ["body", "previous_request_ids"]),
    ],
)
def test_speech_validation_errors_are_fastapi_lists(raw, body, query, stream, loc):
    assert loc_of(tts(raw, body, query=query, stream=stream)) == loc


@pytest.mark.parametrize(
    "body, voice, status, code",
    [
        ({"text": "x" * 10001}, VOICE, 400, "max_character_limit_exceeded"),
        ({"text": "x" * 3001, "model_id": "eleven_v3"}, VOICE, 400, "max_character_limit_exceeded"),
        ({"model_id": "eleven_v9"}, VOICE, 400, "invalid_parameters"),
        ({"language_code": "en"}, VOICE, 400, "invalid_parameters"),  # multilingual v2 takes none
        ({}, "NoSuchVoice000000000", 400, "voice_not_found"),
    ],
)
def test_speech_refusals_use_elevenlabs_codes(raw, body, voice, status, code):
    assert code_of(tts(raw, body, voice=voice), status) == code


def test_speech_accepts_the_edges_and_answers_raw_audio(raw):
    ok = tts(
        raw,
        {
            "text": "x" * 40000,
            "model_id": "eleven_flash_v2_5",
            "language_code": "de",
            "seed": 4294967295,
            "voice_settings": {
                "stability": 0,
                "similarity_boost": 1,
                "style": 1,
                "speed": 1.2,
                "use_speaker_boost": True,
            },
            "apply_text_normalization": "off",
        },
        query="output_format=pcm_8000&optimize_streaming_latency=4&enable_logging=true",
    )
    assert (
        ok.status_code == 200 and ok.headers["content-type"] == "audio/pcm" and ok.headers["character-cost"] == "20000"
    )
    wav = tts(raw, query="output_format=wav_48000")
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    streamed = tts(raw, query="output_format=mp3_22050_32", stream=True)
    assert streamed.status_code == 200 and streamed.headers["content-type"] == "audio/mpeg"


def clone(raw, wavs, *, files_field="files", data=None, files=None):
    parts = files if files is not None else [(files_field, (f"s{i}.wav", w, "audio/wav")) for i, w in enumerate(wavs)]
    return raw.post("/v1/voices/add", data={"name": "Contract", **(data or {})}, files=parts)


def test_clone_accepts_files_and_files_brackets(raw, wavs):
    for field in ("files", "files[]"):
        resp = clone(
            raw,
            wavs,
            files_field=field,
            data={"labels": json.dumps({"accent": "british"}), "remove_background_noise": "false", "description": "d"},
        )
        assert resp.status_code == 200 and set(resp.json()) == {"voice_id", "requires_verification"}
        vid = resp.json()["voice_id"]
        assert len(vid) == 20 and vid.isalnum()
        assert raw.delete(f"/v1/voices/{vid}").json() == {"status": "ok"}


@pytest.mark.parametrize(
    "case, expect",
    [
        (dict(data={"name": ""}), ["body", "name"]),
        (dict(files=[]), ["body"]),  # not multipart at all
        (dict(files=[("description", (None, b"no files part"))]), ["body", "files"]),
        (dict(files=[("files", (None, b"not a file"))]), ["body", "files", 0]),
        (dict(data={"labels": "language=en"}), ["body", "labels"]),
        (dict(data={"labels": json.dumps({"language": 1})}), ["body", "labels"]),
        (dict(data={"remove_background_noise": "yes"}), ["body", "remove_background_noise"]),
        (dict(data={"voice_description": "x"}), ["body", "voice_description"]),
        (dict(data={"labels": json.dumps({"mood": "calm"})}), "invalid_parameters"),
        (dict(files="same twice"), "invalid_parameters"),
        (dict(files="nine"), "invalid_parameters"),
        (dict(files=[("files", ("a.txt", b"hello, not audio" * 10, "text/plain"))]), "invalid_parameters"),
        (
            dict(files=[("files", ("big.wav", b"RIFF" + b"\0" * (10 * 1024 * 1024 + 1), "audio/wav"))]),
            "invalid_parameters",
        ),
    ],
)
def test_clone_refusals(raw, wavs, case, expect):
    if case.get("files") == "same twice":
        case = dict(files=[("files", ("a.wav", wavs[0], "audio/wav")), ("files", ("b.wav", wavs[0], "audio/wav"))])
    elif case.get("files") == "nine":
        case = dict(files=[("files", (f"{i}.wav", wavs[0] + bytes([i]), "audio/wav")) for i in range(9)])
    resp = clone(raw, wavs, **case)
    if isinstance(expect, list):
        assert loc_of(resp) == expect
    else:
        assert code_of(resp, 400) == expect


def test_voices_query_checks_and_delete(raw):
    assert loc_of(raw.get("/v2/voices?page_size=101")) == ["query", "page_size"]
    assert loc_of(raw.get("/v2/voices?voice_type=mine")) == ["query", "voice_type"]
    assert loc_of(raw.get("/v2/voices?sort=age")) == ["query", "sort"]
    assert loc_of(raw.get("/v2/voices?show_legacy=true")) == ["query", "show_legacy"]
    assert code_of(raw.get("/v2/voices?next_page_token=garbage"), 400) == "invalid_parameters"
    page = raw.get("/v2/voices?page_size=1&category=premade").json()
    assert set(page) == {"voices", "has_more", "total_count", "next_page_token"} and page["has_more"]
    assert code_of(raw.delete(f"/v1/voices/{VOICE}"), 400) == "invalid_parameters"  # premade
    assert code_of(raw.delete("/v1/voices/Nope0000000000000000"), 400) == "voice_not_found"
    assert raw.get("/v3/nothing").status_code == 404


def test_scribe_checks(raw, wavs):
    ok = raw.post(
        "/v1/speech-to-text",
        data={"model_id": "scribe_v2", "timestamps_granularity": "word"},
        files={"file": ("a.wav", wavs[0], "audio/wav")},
    )
    assert ok.status_code == 200 and {"language_code", "language_probability", "text", "words"} <= set(ok.json())
    assert loc_of(raw.post("/v1/speech-to-text", files={"file": ("a.wav", wavs[0], "audio/wav")})) == [
        "body",
        "model_id",
    ]
    bad = raw.post(
        "/v1/speech-to-text", data={"model_id": "whisper-1"}, files={"file": ("a.wav", wavs[0], "audio/wav")}
    )
    assert loc_of(bad) == ["body", "model_id"]


# -- a separate server: what the adapter sends ------------------------------------------------------------------
@pytest.fixture
def other_server(monkeypatch):
    server = SandboxServer(SandboxState(valid_keys={KEY})).start()
    monkeypatch.setenv("ELEVENLABS_BASE_URL", server.base_url(EL))
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
    yield server
    server.stop()


def parts_of(record) -> list[tuple[str, str | None, str | None, bytes]]:
    head = f"Content-Type: {record['headers']['content-type']}\r\n\r\n".encode()
    msg = email.parser.BytesParser().parsebytes(head + base64.b64decode(record["body_b64"]))
    return [
        (
            p.get_param("name", header="content-disposition"),
            p.get_filename(),
            p.get_content_type(),
            p.get_payload(decode=True),
        )
        for p in msg.get_payload()
    ]


async def test_requests_match_the_contract_part_for_part(other_server, wavs):
    el = providers.get(EL)
    samples = [VoiceSample(wavs[0], filename="take.wav"), VoiceSample(wavs[1], filename="take.wav")]
    up = await el.clone_voice(
        ElevenLabsClone(
            samples=samples,
            name="My voice",
            description="Read in a quiet room",
            labels={"language": "en", "gender": "female"},
            remove_background_noise=True,
        )
    )
    whole = await el.speak(
        ElevenLabsSpeech(text="Exact bytes.", voice_id=up.voice_id, output_format="mp3_24000_48", stability=0.5, seed=9)
    )
    chunks: list[bytes] = []
    streamed = await el.speak(
        ElevenLabsSpeech(
            text="Exact bytes.",
            voice_id=up.voice_id,
            output_format="wav_22050",
            stream=True,
            optimize_streaming_latency=3,
        ),
        on_chunk=chunks.append,
    )
    await el.list_voices(voice_type="personal", sort="name", sort_direction="asc")
    await el.delete_voice(up.voice_id)
    assert not up.sandbox and not whole.sandbox

    records = other_server.requests(EL)
    assert [(r["method"], r["path"]) for r in records] == [
        ("GET", "/elevenlabs/v1/user/subscription"),
        ("POST", "/elevenlabs/v1/voices/add"),
        ("POST", f"/elevenlabs/v1/text-to-speech/{up.voice_id}"),
        ("POST", f"/elevenlabs/v1/text-to-speech/{up.voice_id}/stream"),
        ("GET", "/elevenlabs/v2/voices"),
        ("DELETE", f"/elevenlabs/v1/voices/{up.voice_id}"),
    ]
    for r in records:
        assert r["headers"]["xi-api-key"] == KEY and "authorization" not in r["headers"]
    _, add, tts_rec, stream_rec, list_rec, _ = records

    assert add["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    parts = parts_of(add)
    assert [p[0] for p in parts] == ["name", "remove_background_noise", "description", "labels", "files", "files"]
    fields = {name: payload.decode() for name, filename, _, payload in parts if filename is None}
    assert fields == {
        "name": "My voice",
        "remove_background_noise": "true",
        "description": "Read in a quiet room",
        "labels": json.dumps({"language": "en", "gender": "female"}),
    }
    files = [(filename, ctype, payload) for name, filename, ctype, payload in parts if name == "files"]
    assert files == [("take.wav", "audio/wav", wavs[0]), ("take_2.wav", "audio/wav", wavs[1])]

    assert parse_qs(tts_rec["query"]) == {"output_format": ["mp3_24000_48"]}
    assert json.loads(base64.b64decode(tts_rec["body_b64"])) == {
        "text": "Exact bytes.",
        "model_id": "eleven_multilingual_v2",
        "voice_settings": {"stability": 0.5},
        "seed": 9,
    }
    assert parse_qs(stream_rec["query"]) == {"output_format": ["pcm_22050"], "optimize_streaming_latency": ["3"]}
    assert "output_format" not in json.loads(base64.b64decode(stream_rec["body_b64"]))
    assert parse_qs(list_rec["query"]) == {
        "page_size": ["100"],
        "voice_type": ["personal"],
        "sort": ["name"],
        "sort_direction": ["asc"],
    }

    # the audio handed back is the audio the server sent, byte for byte (wrapped only where asked: wav over a stream)
    expected_mp3 = speech.render("Exact bytes.", voice=up.voice_id, fmt="mp3", sample_rate=24000, bitrate="48k")
    assert whole.audio.data == expected_mp3
    expected_pcm = speech.render("Exact bytes.", voice=up.voice_id, fmt="pcm", sample_rate=22050)
    assert b"".join(chunks) == expected_pcm and streamed.audio.data == wrap_pcm(expected_pcm, 22050)


async def test_the_separate_server_refuses_another_key(other_server, monkeypatch):
    monkeypatch.setenv("ELEVENLABS_API_KEY", "sk_canary_elevenlabs_0123456789abcdef")
    with pytest.raises(errors.AuthenticationError) as exc:
        await providers.get(EL).list_voices()
    assert exc.value.code == "invalid_api_key" and "0123456789abcdef" not in exc.value.user_message()
