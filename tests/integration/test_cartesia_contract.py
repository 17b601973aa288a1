"""The Cartesia contract (providers-more.md section 3): the simulator refuses what the API refuses
(raw HTTP; no Cartesia-Version fails like the real one), and what the adapter sends to a separate
server matches the sheet: multipart parts, query vs body, headers, output_format objects, and the
exact audio bytes handed back to the user."""

from __future__ import annotations

import base64
import email.parser
import json
from urllib.parse import parse_qs

import httpx
import pytest

from playground import errors, providers
from playground.audio import VoiceSample, sniff_format
from playground.providers.asr import TranscribeRequest
from playground.providers.cartesia import CartesiaClone, CartesiaSpeech
from playground.sandbox.control import SandboxState
from playground.sandbox.server import SandboxServer
from tests.conftest import speech_wav

CA = "cartesia"
KEY = "sk_car_live-key-for-tests"
PUBLIC = "694f9389-aac1-45b6-b726-9d9369183238"
V25, V26 = "2025-04-16", "2026-03-01"


@pytest.fixture(scope="module")
def wav() -> bytes:
    return speech_wav(seconds_min=6.0)


def client(sandbox, version: str | None = V25, **headers) -> httpx.Client:
    base = {"Authorization": "Bearer raw-key", **({"Cartesia-Version": version} if version else {}), **headers}
    return httpx.Client(base_url=sandbox.base_url(CA), headers=base, timeout=30)


def text_error(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status and resp.headers["content-type"].startswith("text/plain"), resp.text
    return resp.text


def json_error(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text
    doc = resp.json()
    assert set(doc) == {"error_code", "title", "message", "request_id"} and len(doc["request_id"]) == 36
    return doc


def tts(**over) -> dict:
    return {
        "model_id": "sonic-3",
        "transcript": "Hi",
        "voice": {"mode": "id", "id": PUBLIC},
        "output_format": {"container": "wav", "encoding": "pcm_s16le", "sample_rate": 44100},
        "language": "en",
        **over,
    }


# -- the simulator is strict ------------------------------------------------------------------------------
def test_the_version_header_is_required_and_decides_the_auth_header(sandbox):
    routes = [
        ("GET", "/voices"),
        ("POST", "/voices/clone"),
        ("DELETE", f"/voices/{PUBLIC}"),
        ("POST", "/tts/bytes"),
        ("POST", "/tts/sse"),
        ("POST", "/stt"),
    ]
    with client(sandbox, None) as c:
        for method, path in routes:
            assert "Cartesia-Version" in text_error(c.request(method, path), 400)
    with client(sandbox, "2025-01-01") as c:
        assert "Invalid Cartesia-Version" in text_error(c.get("/voices"), 400)
    with httpx.Client(base_url=sandbox.base_url(CA), headers={"Cartesia-Version": V25}, timeout=10) as c:
        assert text_error(c.get("/voices"), 401) == "Unauthorized: Invalid API key."
        assert text_error(c.get("/voices", headers={"X-API-Key": "k"}), 401)  # Bearer from 2025-04-16 on
        assert c.get("/voices", headers={"Authorization": "Bearer k"}).status_code == 200
    with httpx.Client(base_url=sandbox.base_url(CA), headers={"Cartesia-Version": "2024-11-13"}, timeout=10) as c:
        assert c.get("/voices", headers={"X-API-Key": "k"}).status_code == 200
        assert text_error(c.get("/voices", headers={"Authorization": "Bearer k"}), 401)
    with client(sandbox, V26) as c:
        doc = json_error(c.get("/voices", headers={"Authorization": ""}), 401)
        assert doc["error_code"] == "unauthorized" and doc["title"] == "Unauthorized"


def test_clone_takes_one_clip_and_the_versions_fields(sandbox, wav):
    clip = {"clip": ("a.wav", wav, "audio/wav")}
    with client(sandbox) as c:
        ok = c.post("/voices/clone", data={"name": "n", "language": "en", "enhance": "false"}, files=clip)
        assert ok.status_code == 200
        assert {"id", "user_id", "is_public", "name", "description", "created_at", "language"} <= set(ok.json())
        assert ok.json()["is_public"] is False
        two = [("clip", ("a.wav", wav, "audio/wav")), ("clip", ("b.wav", wav, "audio/wav"))]
        cases = [
            (c.post("/voices/clone", data={"name": "n", "language": "en"}, files=two), "exactly one clip"),
            (c.post("/voices/clone", data={"language": "en"}, files=clip), "name is required"),
            (c.post("/voices/clone", data={"name": "n"}, files=clip), "language"),
            (c.post("/voices/clone", data={"name": "n", "language": "xx"}, files=clip), "language"),
            (c.post("/voices/clone", data={"name": "n", "language": "en", "enhance": "yes"}, files=clip), "enhance"),
            (
                c.post("/voices/clone", data={"name": "n", "language": "en", "accent": "southern-us"}, files=clip),
                "unknown field 'accent'",
            ),
            (
                c.post("/voices/clone", data={"name": "n", "language": "en", "mode": "similarity"}, files=clip),
                "unknown field 'mode'",
            ),
            (
                c.post(
                    "/voices/clone",
                    data={"name": "n", "language": "en"},
                    files={"clip": ("a.wav", b"RIFF" + b"\0" * 60, "audio/wav")},
                ),
                "not a valid audio",
            ),
            (
                c.post(
                    "/voices/clone",
                    data={"name": "n", "language": "en"},
                    files={"clip": ("a.wav", wav + b"\0" * (5 * 1024 * 1024), "audio/wav")},
                ),
                "5 MB",
            ),
        ]
        for resp, words in cases:
            assert words in text_error(resp, 400), resp.text
    with client(sandbox, V26) as c:
        ok = c.post("/voices/clone", data={"name": "n", "language": "en", "accent": "southern-us"}, files=clip)
        assert ok.status_code == 200 and ok.json()["access"] == "private" and "is_public" not in ok.json()
        resp = c.post("/voices/clone", data={"name": "n", "language": "en", "enhance": "false"}, files=clip)
        assert "unknown field 'enhance'" in json_error(resp, 400)["message"]


@pytest.mark.parametrize(
    "over, words",
    [
        ({"model_id": "sonic-9"}, "model_id"),
        ({"transcript": ""}, "transcript"),
        ({"voice": PUBLIC}, "voice must be"),
        ({"voice": {"id": PUBLIC}}, "voice must be"),
        ({"voice": {"mode": "id", "id": "nope"}}, "not found"),
        ({"output_format": {"container": "ogg", "sample_rate": 44100}}, "container"),
        ({"output_format": {"container": "wav", "encoding": "pcm_s24le", "sample_rate": 44100}}, "encoding"),
        ({"output_format": {"container": "wav", "encoding": "pcm_s16le", "sample_rate": 11025}}, "sample_rate"),
        ({"output_format": {"container": "mp3", "sample_rate": 44100, "bit_rate": 128}}, "bit_rate"),
        (
            {"output_format": {"container": "mp3", "sample_rate": 44100, "bit_rate": 128000, "encoding": "pcm_s16le"}},
            "encoding is not allowed",
        ),
        (
            {"output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 44100, "bit_rate": 1}},
            "bit_rate",
        ),
        ({"language": "xx"}, "language"),
        ({"generation_config": {"speed": 2.0}}, "speed"),
        ({"generation_config": {"volume": 0.4}}, "volume"),
        ({"generation_config": {"emotion": "bored"}}, "emotion"),
        ({"generation_config": {"pitch": 1}}, "unknown field"),
        ({"model_id": "sonic-2", "generation_config": {}}, "sonic-3 and later"),
        ({"speed": "fastest"}, "speed"),
        ({"add_timestamps": True}, "unknown field"),
        ({"voice_id": PUBLIC}, "unknown field"),
    ],
)
def test_tts_bytes_checks_every_documented_field(sandbox, over, words):
    with client(sandbox) as c:
        resp = c.post("/tts/bytes", json=tts(**over))
        assert resp.status_code in (400, 404) and words in resp.text, resp.text


def test_tts_edges_sse_raw_only_and_the_2026_voice_forms(sandbox):
    with client(sandbox) as c:
        for fmt in (
            {"container": "raw", "encoding": "pcm_f32le", "sample_rate": 8000},
            {"container": "mp3", "sample_rate": 22050, "bit_rate": 32000},
            {"container": "wav", "encoding": "pcm_alaw", "sample_rate": 48000},
        ):
            assert (
                c.post(
                    "/tts/bytes",
                    json=tts(
                        output_format=fmt,
                        generation_config={"speed": 0.6, "volume": 2.0, "emotion": "calm"},
                        speed="slow",
                        duration=5,
                    ),
                ).status_code
                == 200
            )
        assert "must be raw" in text_error(c.post("/tts/sse", json=tts()), 400)
        sse = c.post(
            "/tts/sse",
            json=tts(
                output_format={"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000}, add_timestamps=True
            ),
        )
        events = [json.loads(line[5:]) for line in sse.text.splitlines() if line.startswith("data:")]
        assert [e["type"] for e in events][-2:] == ["timestamps", "done"] and events[0]["status_code"] == 206
        raw = c.post(
            "/tts/bytes", json=tts(output_format={"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000})
        ).content
        assert b"".join(base64.b64decode(e["data"]) for e in events if e["type"] == "chunk") == raw
    with client(sandbox, V26) as c:
        for voice in (PUBLIC, {"id": PUBLIC}):
            assert c.post("/tts/bytes", json=tts(voice=voice)).status_code == 200
        assert json_error(c.post("/tts/bytes", json=tts()), 400)["error_code"] == "invalid_request"
        locale = {k: v for k, v in tts(voice=PUBLIC, locale="en-GB", normalization="auto").items() if k != "language"}
        assert c.post("/tts/bytes", json=locale).status_code == 200
        assert "not both" in json_error(c.post("/tts/bytes", json={**locale, "language": "en"}), 400)["message"]
    with client(sandbox) as c:
        assert "unknown field 'locale'" in c.post("/tts/bytes", json=tts(locale="en-GB")).text  # 2026 only
        saved = c.post("/tts/bytes", json=tts(save=True))
        assert saved.headers["cartesia-file-id"].startswith("file_")


def test_voices_query_and_delete(sandbox, wav):
    with client(sandbox) as c:
        made = c.post(
            "/voices/clone", data={"name": "q", "language": "en"}, files={"clip": ("a.wav", wav, "audio/wav")}
        ).json()
        mine = c.get("/voices", params={"is_owner": "true", "limit": 100}).json()
        assert set(mine) == {"data", "has_more", "next_page"} and made["id"] in {v["id"] for v in mine["data"]}
        assert PUBLIC not in {v["id"] for v in mine["data"]}
        assert PUBLIC in {v["id"] for v in c.get("/voices", params={"limit": 100}).json()["data"]}
        for params in (
            {"limit": 0},
            {"limit": 101},
            {"is_owner": "yes"},
            {"gender": "male"},
            {"q": "x"},
            {"starting_after": "nope"},
        ):
            assert text_error(c.get("/voices", params=params), 400)
        assert c.get(f"/voices/{made['id']}").json()["id"] == made["id"]
        gone = c.delete(f"/voices/{made['id']}")
        assert gone.status_code == 204 and gone.content == b""
        assert text_error(c.delete(f"/voices/{made['id']}"), 404)
        assert text_error(c.delete(f"/voices/{PUBLIC}"), 403)


def test_stt_checks_model_language_and_granularity(sandbox, wav):
    with client(sandbox) as c:
        f = {"file": ("a.wav", wav, "audio/wav")}
        ok = c.post(
            "/stt", data={"model": "ink-whisper", "language": "en", "timestamp_granularities[]": "word"}, files=f
        )
        assert ok.status_code == 200 and set(ok.json()) == {"type", "text", "duration", "language", "request_id"}
        for data in (
            {},
            {"model": "whisper-1"},
            {"model": "ink-whisper", "language": "english"},
            {"model": "ink-whisper", "timestamp_granularities[]": "segment"},
            {"model": "ink-whisper", "x": "1"},
        ):
            assert text_error(c.post("/stt", data=data, files=f), 400)


# -- a separate server: what the adapter sends ------------------------------------------------------------
@pytest.fixture
def other_server(monkeypatch):
    server = SandboxServer(SandboxState(valid_keys={KEY})).start()
    monkeypatch.setenv("CARTESIA_BASE_URL", server.base_url(CA))
    monkeypatch.setenv("CARTESIA_API_KEY", KEY)
    yield server
    server.stop()


def parts_of(record) -> list[tuple]:
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


def body_of(record) -> bytes:
    return base64.b64decode(record["body_b64"])


async def test_requests_match_the_sheet_field_for_field(other_server, wav):
    ca = providers.get(CA)
    clip = VoiceSample(wav, filename="mine.wav")
    made = await ca.clone_voice(
        CartesiaClone(sample=clip, name="My voice", language="fr", description="d", enhance=False, base_voice_id=PUBLIC)
    )
    chunks: list[bytes] = []
    got = await ca.speak(
        CartesiaSpeech(
            text="Bonjour.",
            voice=made.voice_id,
            language="fr",
            container="mp3",
            sample_rate=44100,
            bit_rate=192000,
            gen_speed=1.1,
            gen_volume=0.8,
            emotion="calm",
            duration=10.0,
        ),
        on_chunk=chunks.append,
    )
    served = httpx.post(
        other_server.base_url(CA) + "/tts/bytes",
        json=json.loads(body_of(other_server.requests(CA)[-1])),
        headers={"Authorization": f"Bearer {KEY}", "Cartesia-Version": V25},
    ).content
    streamed = await ca.speak(
        CartesiaSpeech(
            text="Hello.",
            voice=PUBLIC,
            container="wav",
            encoding="pcm_f32le",
            sample_rate=16000,
            stream=True,
            speed="fast",
        )
    )
    await ca.list_voices()
    await ca.delete_voice(made.voice_id)
    await ca.transcribe(TranscribeRequest(clip))
    assert not made.sandbox

    records = other_server.requests(CA)
    assert [(r["method"], r["path"]) for r in records] == [
        ("POST", "/cartesia/voices/clone"),
        ("POST", "/cartesia/tts/bytes"),
        ("POST", "/cartesia/tts/bytes"),
        ("POST", "/cartesia/tts/sse"),
        ("GET", "/cartesia/voices"),
        ("DELETE", f"/cartesia/voices/{made.voice_id}"),
        ("POST", "/cartesia/stt"),
    ]
    for r in records:
        assert r["headers"]["authorization"] == f"Bearer {KEY}" and r["headers"]["cartesia-version"] == V25
        assert "x-api-key" not in r["headers"]
    clone, tts_bytes, _, sse, listing, delete, stt = records
    assert parts_of(clone) == [
        ("name", None, "text/plain", b"My voice"),
        ("language", None, "text/plain", b"fr"),
        ("description", None, "text/plain", b"d"),
        ("enhance", None, "text/plain", b"false"),
        ("base_voice_id", None, "text/plain", PUBLIC.encode()),
        ("clip", "mine.wav", "audio/wav", wav),
    ]
    assert clone["query"] == ""
    assert json.loads(body_of(tts_bytes)) == {
        "model_id": "sonic-3",
        "transcript": "Bonjour.",
        "voice": {"mode": "id", "id": made.voice_id},
        "output_format": {"container": "mp3", "sample_rate": 44100, "bit_rate": 192000},
        "language": "fr",
        "generation_config": {"speed": 1.1, "volume": 0.8, "emotion": "calm"},
        "duration": 10.0,
    }
    assert tts_bytes["query"] == "" and tts_bytes["headers"]["content-type"] == "application/json"
    assert json.loads(body_of(sse)) == {
        "model_id": "sonic-3",
        "transcript": "Hello.",
        "voice": {"mode": "id", "id": PUBLIC},
        "output_format": {"container": "raw", "sample_rate": 16000, "encoding": "pcm_f32le"},
        "language": "en",
        "speed": "fast",
    }
    assert sse["headers"]["accept"] == "text/event-stream"
    assert parse_qs(listing["query"]) == {"limit": ["100"], "is_owner": ["true"]} and body_of(listing) == b""
    assert body_of(delete) == b"" and delete["headers"]["accept"] == "*/*"
    assert [(p[0], p[1]) for p in parts_of(stt)] == [("model", None), ("language", None), ("file", "clip.wav")]

    # the exact bytes the server sent are what the user gets; a streamed wav is the raw PCM, wrapped
    assert got.audio.data == served == b"".join(chunks) and sniff_format(got.audio.data) == "mp3"
    assert streamed.audio.format == "wav" and streamed.audio.data[20:22] == b"\x03\x00"  # IEEE float


async def test_the_separate_server_refuses_another_key(other_server, monkeypatch):
    monkeypatch.setenv("CARTESIA_API_KEY", "sk_car_canary-0123456789abcdef")
    with pytest.raises(errors.AuthenticationError) as exc:
        await providers.get(CA).list_voices()
    assert "0123456789abcdef" not in exc.value.user_message()
