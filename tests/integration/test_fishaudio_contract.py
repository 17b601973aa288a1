"""The Fish Audio contract (providers-more.md section 2): the simulator refuses what the API refuses
(raw HTTP), and what the adapter sends to a separate server matches the sheet field for field:
multipart part names and repeated parts, query vs body, the `model` header, msgpack bodies, and
the exact audio bytes handed back to the user."""

from __future__ import annotations

import base64
import email.parser
import json
from urllib.parse import parse_qs

import httpx
import msgpack
import pytest

from playground import errors, providers
from playground.audio import VoiceSample, sniff_format
from playground.providers.asr import TranscribeRequest
from playground.providers.fishaudio import FishClone, FishReference, FishSpeech
from playground.sandbox.control import SandboxState
from playground.sandbox.server import SandboxServer
from tests.conftest import speech_wav

FA = "fishaudio"
KEY = "sk-live-fish-key-for-tests"
PUBLIC = "7f92f8afb8ec43bf81429cc1c9199cb1"


@pytest.fixture(scope="module")
def wav() -> bytes:
    return speech_wav(seconds_min=4.0)


@pytest.fixture
def raw(sandbox):
    with httpx.Client(base_url=sandbox.base_url(FA), headers={"Authorization": "Bearer raw-key"}, timeout=30) as c:
        yield c


def envelope(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, resp.text
    doc = resp.json()
    assert set(doc) <= {"status", "message", "reason"} and doc["status"] == status and doc["message"]
    return doc["message"]


def loc_of(resp: httpx.Response) -> list:
    assert resp.status_code == 422, resp.text
    doc = resp.json()
    assert isinstance(doc, list) and set(doc[0]) == {"loc", "type", "msg", "ctx", "in"}
    return doc[0]["loc"]


def clone_form(**over) -> dict:
    return {"type": "tts", "title": "t", "train_mode": "fast", "visibility": "private", **over}


# -- the simulator is strict ------------------------------------------------------------------------------
def test_auth_is_required_on_every_route(sandbox):
    with httpx.Client(base_url=sandbox.base_url(FA), timeout=10) as c:
        for method, path in [
            ("GET", "/model"),
            ("POST", "/model"),
            ("GET", f"/model/{PUBLIC}"),
            ("DELETE", f"/model/{PUBLIC}"),
            ("POST", "/v1/tts"),
            ("POST", "/v1/asr"),
        ]:
            for headers in ({}, {"Authorization": "Basic abc"}):
                assert envelope(c.request(method, path, headers=headers), 401) == "Invalid API key"


def test_model_creation_checks_parts_enums_and_the_public_cover_rule(raw, wav):
    voices = [("voices", ("a.wav", wav, "audio/wav"))]
    ok = raw.post("/model", data=clone_form(texts=["Hello."]), files=voices)
    assert ok.status_code == 201
    body = ok.json()
    assert body["_id"] and body["state"] == "created" and body["visibility"] == "private"
    assert {
        "_id",
        "type",
        "title",
        "state",
        "tags",
        "created_at",
        "updated_at",
        "visibility",
        "like_count",
        "mark_count",
        "shared_count",
        "task_count",
        "author",
    } <= set(body)
    twenty = [("voices", (f"{i}.wav", wav, "audio/wav")) for i in range(21)]
    cases = [
        (raw.post("/model", data=clone_form(), files=[("cover_image", ("c.png", b"x", "image/png"))]), ["voices"]),
        (raw.post("/model", data={k: v for k, v in clone_form().items() if k != "type"}, files=voices), ["type"]),
        (raw.post("/model", data=clone_form(type="svc"), files=voices), ["type"]),
        (raw.post("/model", data=clone_form(train_mode="slow"), files=voices), ["train_mode"]),
        (raw.post("/model", data=clone_form(visibility="secret"), files=voices), ["visibility"]),
        (
            raw.post("/model", data={k: v for k, v in clone_form().items() if k != "visibility"}, files=voices),
            ["cover_image"],
        ),  # the spec default is public, which needs a cover image
        (raw.post("/model", data=clone_form(enhance_audio_quality="yes"), files=voices), ["enhance_audio_quality"]),
        (raw.post("/model", data=clone_form(texts=["a", "b"]), files=voices), ["texts"]),
        (raw.post("/model", data=clone_form(voice="x"), files=voices), ["voice"]),
        (raw.post("/model", data=clone_form(), files=twenty), ["voices"]),
        (raw.post("/model", data=clone_form(), files=[("files", ("a.wav", wav, "audio/wav"))]), ["files"]),
    ]
    for resp, loc in cases:
        got = loc_of(resp)
        assert loc is None or got[1:] == loc, (loc, resp.text)
    assert envelope(
        raw.post("/model", data=clone_form(), files=[("voices", ("a.ogg", b"OggS" + b"\0" * 90, "x"))]), 400
    )
    assert raw.post("/model", json=clone_form()).status_code == 415
    for value in ("true", "false"):
        assert raw.post("/model", data=clone_form(enhance_audio_quality=value), files=voices).status_code == 201
    for visibility in ("unlist", "private"):
        assert raw.post("/model", data=clone_form(visibility=visibility), files=voices).status_code == 201


def test_the_model_trains_over_successive_reads_and_list_needs_self_for_own_models(raw, wav):
    made = raw.post("/model", data=clone_form(title="readme"), files=[("voices", ("a.wav", wav, "audio/wav"))]).json()
    states = [raw.get(f"/model/{made['_id']}").json()["state"] for _ in range(3)]
    assert states == ["training", "trained", "trained"]
    library = raw.get("/model").json()
    assert {m["_id"] for m in library["items"]} == {PUBLIC} and library["total_is_exact"] is True
    mine = raw.get("/model", params={"self": "true", "page_size": 100}).json()
    assert made["_id"] in {m["_id"] for m in mine["items"]}
    for params, loc in [
        ({"page_size": 0}, ["page_size"]),
        ({"page_size": 101}, ["page_size"]),
        ({"page_number": 0}, ["page_number"]),
        ({"sort_by": "name"}, ["sort_by"]),
        ({"self": "maybe"}, ["self"]),
        ({"mine": "true"}, ["mine"]),
    ]:
        assert loc_of(raw.get("/model", params=params))[1:] == loc
    assert envelope(raw.get("/model/ffff"), 404)
    assert envelope(raw.delete(f"/model/{PUBLIC}"), 403)
    assert raw.delete(f"/model/{made['_id']}").status_code == 200
    assert envelope(raw.delete(f"/model/{made['_id']}"), 404)


@pytest.mark.parametrize(
    "over, loc",
    [
        ({"text": None}, ["text"]),
        ({"text": 5}, ["text"]),
        ({"format": "flac"}, ["format"]),
        ({"format": "mp3", "sample_rate": 16000}, ["sample_rate"]),
        ({"format": "opus", "sample_rate": 44100}, ["sample_rate"]),
        ({"mp3_bitrate": 320}, ["mp3_bitrate"]),
        ({"opus_bitrate": 96000}, ["opus_bitrate"]),
        ({"latency": "fast"}, ["latency"]),
        ({"chunk_length": 99}, ["chunk_length"]),
        ({"chunk_length": 301}, ["chunk_length"]),
        ({"temperature": 1.01}, ["temperature"]),
        ({"top_p": -0.1}, ["top_p"]),
        ({"normalize": "yes"}, ["normalize"]),
        ({"prosody": {"speed": 2.5}}, ["prosody", "speed"]),
        ({"prosody": {"pitch": 1}}, ["prosody", "pitch"]),
        ({"features": ["turbo"]}, ["features"]),
        ({"voice": "x"}, ["voice"]),
        ({"references": [{"audio": "aGk=", "text": "hi"}]}, ["references"]),
        ({"min_chunk_length": 101}, ["min_chunk_length"]),
        ({"early_stop_threshold": 2}, ["early_stop_threshold"]),
    ],
)
def test_tts_checks_every_documented_field(raw, over, loc):
    body = {k: v for k, v in {"text": "Hi", "reference_id": PUBLIC, **over}.items() if v is not None}
    assert loc_of(raw.post("/v1/tts", json=body, headers={"model": "s1"}))[1:] == loc


@pytest.mark.parametrize(
    "over",
    [
        {"format": "wav", "sample_rate": 8000},
        {"format": "pcm", "sample_rate": 44100},
        {"format": "opus", "sample_rate": 48000, "opus_bitrate": 24000},
        {"format": "opus", "opus_bitrate": 32},
        {"mp3_bitrate": 64, "latency": "balanced", "chunk_length": 100},
        {
            "temperature": 0,
            "top_p": 1,
            "normalize": False,
            "prosody": {"speed": 0.5, "volume": -6, "normalize_loudness": False},
        },
        {
            "features": ["quality-guard"],
            "max_new_tokens": 1024,
            "repetition_penalty": 1.2,
            "condition_on_previous_chunks": True,
            "early_stop_threshold": 1,
            "min_chunk_length": 0,
            "sample_rate": None,
        },
    ],
)
def test_tts_accepts_the_documented_edges_and_alternatives(raw, over):
    resp = raw.post("/v1/tts", json={"text": "Hi", "reference_id": PUBLIC, **over}, headers={"model": "s2-pro"})
    assert resp.status_code == 200, resp.text


def test_tts_content_types_msgpack_references_and_the_model_fallback(raw, wav):
    assert raw.post("/v1/tts", files={"text": (None, "Hi")}).status_code == 415
    packed = msgpack.packb(
        {"text": "Hi", "references": [{"audio": wav, "text": "Hello."}], "format": "wav"}, use_bin_type=True
    )
    ok = raw.post("/v1/tts", content=packed, headers={"Content-Type": "application/msgpack", "model": "s1"})
    assert ok.status_code == 200 and sniff_format(ok.content) == "wav"
    as_text = msgpack.packb({"text": "Hi", "references": [{"audio": "not bytes", "text": "Hello."}]}, use_bin_type=True)
    resp = raw.post("/v1/tts", content=as_text, headers={"Content-Type": "application/msgpack"})
    assert loc_of(resp)[1:] == ["references", 0, "audio"]
    multi = {"text": "Hi", "reference_id": [PUBLIC, PUBLIC]}
    assert loc_of(raw.post("/v1/tts", json=multi, headers={"model": "s1"}))[1:] == ["reference_id"]
    assert raw.post("/v1/tts", json=multi, headers={"model": "s2-pro"}).status_code == 200
    assert envelope(raw.post("/v1/tts", json={"text": "Hi", "reference_id": "nope"}), 400)
    assert envelope(raw.post("/v1/tts", json={"text": "x" * 10001}), 400)


# -- a separate server: what the adapter sends ----------------------------------------------------------
@pytest.fixture
def other_server(monkeypatch):
    server = SandboxServer(SandboxState(valid_keys={KEY})).start()
    monkeypatch.setenv("FISHAUDIO_BASE_URL", server.base_url(FA))
    monkeypatch.setenv("FISHAUDIO_API_KEY", KEY)
    monkeypatch.setattr(providers.get(FA), "poll_interval_s", 0.01)
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


def body_of(record) -> bytes:
    return base64.b64decode(record["body_b64"])


async def test_requests_match_the_sheet_field_for_field(other_server):
    fa = providers.get(FA)
    a = VoiceSample(speech_wav(seconds_min=6.0), filename="one.wav")
    b = VoiceSample(speech_wav("Another sentence for the second clip.", seconds_min=6.0), filename="two.wav")
    made = await fa.clone_voice(
        FishClone(
            samples=[a, b],
            title="My voice",
            texts=["First.", "Second."],
            description="desc",
            tags=["x", "y"],
            train_mode="fast",
            enhance_audio_quality=False,
        )
    )
    chunks: list[bytes] = []
    mp3 = await fa.speak(
        FishSpeech(
            text="Hello.",
            model="s1",
            reference_id=made.voice_id,
            format="mp3",
            mp3_bitrate=192,
            latency="balanced",
            temperature=0.5,
            top_p=0.9,
            chunk_length=200,
            normalize=False,
            speed=1.25,
            volume=3.0,
        ),
        on_chunk=chunks.append,
    )
    first_tts = other_server.requests(FA)[-1]
    served = httpx.post(
        other_server.base_url(FA) + "/v1/tts",
        json=json.loads(body_of(first_tts)),
        headers={"Authorization": f"Bearer {KEY}", "model": "s1"},
    ).content  # the same request again
    ref = await fa.speak(
        FishSpeech(
            text="Zero-shot.",
            model="s2.1-pro-free",
            references=[FishReference(a, "First.")],
            format="pcm",
            sample_rate=24000,
        )
    )
    await fa.list_voices(title="My")
    await fa.delete_voice(made.voice_id)
    await fa.transcribe(TranscribeRequest(a))
    assert not made.sandbox

    records = other_server.requests(FA)
    assert [(r["method"], r["path"]) for r in records] == [
        ("POST", "/fishaudio/model"),
        ("GET", f"/fishaudio/model/{made.voice_id}"),
        ("GET", f"/fishaudio/model/{made.voice_id}"),
        ("POST", "/fishaudio/v1/tts"),
        ("POST", "/fishaudio/v1/tts"),
        ("POST", "/fishaudio/v1/tts"),
        ("GET", "/fishaudio/model"),
        ("DELETE", f"/fishaudio/model/{made.voice_id}"),
        ("POST", "/fishaudio/v1/asr"),
    ]
    assert all(r["headers"]["authorization"] == f"Bearer {KEY}" for r in records)
    create, _, _, tts_json, _, tts_pack, listing, delete, asr = records

    parts = parts_of(create)
    assert [p[0] for p in parts if p[1] is None] == [
        "type",
        "title",
        "train_mode",
        "visibility",
        "enhance_audio_quality",
        "description",
        "texts",
        "texts",
        "tags",
        "tags",
    ]
    fields = [(p[0], p[3]) for p in parts if p[1] is None]
    assert fields == [
        ("type", b"tts"),
        ("title", b"My voice"),
        ("train_mode", b"fast"),
        ("visibility", b"private"),
        ("enhance_audio_quality", b"false"),
        ("description", b"desc"),
        ("texts", b"First."),
        ("texts", b"Second."),
        ("tags", b"x"),
        ("tags", b"y"),
    ]
    files = [(p[0], p[1], p[2], p[3]) for p in parts if p[1] is not None]
    assert files == [("voices", "one.wav", "audio/wav", a.data), ("voices", "two.wav", "audio/wav", b.data)]
    assert create["query"] == ""

    assert tts_json["headers"]["model"] == "s1" and tts_json["headers"]["content-type"] == "application/json"
    assert json.loads(body_of(tts_json)) == {
        "text": "Hello.",
        "reference_id": made.voice_id,
        "format": "mp3",
        "sample_rate": 44100,
        "latency": "balanced",
        "temperature": 0.5,
        "top_p": 0.9,
        "chunk_length": 200,
        "normalize": False,
        "prosody": {"speed": 1.25, "volume": 3.0, "normalize_loudness": True},
        "mp3_bitrate": 192,
    }
    assert tts_pack["headers"]["model"] == "s2.1-pro-free"
    assert tts_pack["headers"]["content-type"] == "application/msgpack"
    packed = msgpack.unpackb(body_of(tts_pack))
    assert packed["references"] == [{"audio": a.data, "text": "First."}] and packed["format"] == "pcm"
    assert packed["sample_rate"] == 24000 and "mp3_bitrate" not in packed
    assert parse_qs(listing["query"]) == {
        "page_size": ["100"],
        "page_number": ["1"],
        "sort_by": ["created_at"],
        "self": ["true"],
        "title": ["My"],
    }
    assert body_of(listing) == b"" and body_of(delete) == b""
    asr_parts = parts_of(asr)
    assert [(p[0], p[1]) for p in asr_parts] == [("ignore_timestamps", None), ("audio", "clip.wav")]

    # the exact audio bytes the server sent are what the user gets
    assert mp3.audio.data == served == b"".join(chunks)
    assert ref.audio.format == "pcm" and ref.audio.playable()[:4] == b"RIFF"


async def test_the_separate_server_refuses_another_key(other_server, monkeypatch):
    monkeypatch.setenv("FISHAUDIO_API_KEY", "sk-canary-fish-0123456789abcdef")
    with pytest.raises(errors.AuthenticationError) as exc:
        await providers.get(FA).list_voices()
    assert "0123456789abcdef" not in exc.value.user_message()
