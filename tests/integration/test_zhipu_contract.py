"""The Zhipu contract: the simulator validates exactly what the documentation states (raw HTTP),
and the requests the adapter sends to a separate server match seed 004 and providers.md
section 2 field for field."""

from __future__ import annotations

import base64
import email.parser
import json
import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from playground import providers
from playground.audio import VoiceSample, sniff_format
from playground.providers.zhipu import ZhipuClone, ZhipuSpeech, ZhipuUpload
from playground.sandbox.control import SandboxState
from playground.sandbox.server import SandboxServer
from tests.conftest import ROOT, speech_wav

ZP = "zhipu"
KEY = "sk-live-zhipu-key-for-tests"
SEED_004 = ROOT.parent / "shared" / "seeds" / "004_05cdc2527ee041e5.txt"
# Seed 004 (POST /paas/v4/voice/clone): properties and required properties of VoiceCloneRequest
SEED_CLONE_FIELDS = {"model", "voice_name", "text", "input", "file_id", "request_id"}
SEED_CLONE_REQUIRED = {"voice_name", "input", "file_id", "model"}
SEED_CLONE_ANSWER = {"voice", "file_id", "file_purpose", "request_id"}


@pytest.fixture(scope="module")
def wav() -> bytes:
    return speech_wav(seconds_min=4.0)


@pytest.fixture
def raw(sandbox):
    with httpx.Client(base_url=sandbox.base_url(ZP), headers={"Authorization": "Bearer raw-key"}, timeout=30) as c:
        yield c


def code_of(resp: httpx.Response) -> str:
    doc = resp.json()
    assert set(doc) == {"error"} and set(doc["error"]) == {"code", "message"}
    assert isinstance(doc["error"]["code"], str) and doc["error"]["message"]
    return doc["error"]["code"]


def upload(raw, data: bytes, purpose: str | None = "voice-clone-input", name: str = "s.wav") -> httpx.Response:
    fields = {} if purpose is None else {"purpose": purpose}
    return raw.post("/paas/v4/files", data=fields, files={"file": (name, data, "audio/wav")})


def clone_body(file_id: str, **over) -> dict:
    return {
        "model": "glm-tts-clone",
        "voice_name": f"n_{uuid.uuid4().hex[:8]}",
        "input": "Hi.",
        "file_id": file_id,
        **over,
    }


# -- the simulator is strict ---------------------------------------------------------------------------
def test_seed_004_fields_are_the_ones_this_file_checks():
    if not SEED_004.exists():
        pytest.skip("shared/seeds is not beside the repository")
    text = SEED_004.read_text(encoding="utf-8")
    required = re.search(r"requiredProperties:\n((?:\s+- \w+\n)+)", text).group(1)
    assert set(re.findall(r"- (\w+)", required)) == SEED_CLONE_REQUIRED
    for name in SEED_CLONE_FIELDS | SEED_CLONE_ANSWER:
        assert f"\n              {name}:\n" in text


@pytest.mark.parametrize("headers, code", [({}, "1001"), ({"Authorization": "Basic abc"}, "1002")])
def test_auth_is_required_on_every_api_route(sandbox, headers, code):
    with httpx.Client(base_url=sandbox.base_url(ZP), timeout=10) as c:
        for method, path in [
            ("GET", "/paas/v4/voice/list"),
            ("POST", "/paas/v4/audio/speech"),
            ("POST", "/paas/v4/voice/clone"),
            ("POST", "/paas/v4/files"),
            ("POST", "/paas/v4/voice/delete"),
            ("GET", "/paas/v4/files/x/content"),
        ]:
            resp = c.request(method, path, headers=headers)
            assert resp.status_code == 401 and code_of(resp) == code


def test_upload_checks_purpose_format_and_size(raw, wav):
    ok = upload(raw, wav)
    assert ok.status_code == 200 and set(ok.json()) == {"id", "object", "bytes", "created_at", "filename", "purpose"}
    assert isinstance(ok.json()["id"], str) and ok.json()["object"] == "file"
    flac = VoiceSample(wav).converted("flac").data
    bad = [
        (upload(raw, wav, purpose=None), "1213"),
        (upload(raw, wav, purpose="voice_clone"), "1214"),
        (upload(raw, flac, name="s.flac"), "1214"),
        (upload(raw, b"RIFF" + b"\0" * 100), "1214"),
        (upload(raw, wav + b"\0" * (10 * 1024 * 1024)), "1214"),
        (raw.post("/paas/v4/files", files={"purpose": (None, "voice-clone-input")}), "1213"),
        (raw.post("/paas/v4/files", data={"purpose": "voice-clone-input"}), "1210"),
    ]
    for resp, code in bad:
        assert resp.status_code == 400 and code_of(resp) == code, resp.text
    # other purposes do not take the clone-sample rules; a batch file can be read back
    batch = upload(raw, b'{"custom_id": "1"}\n', purpose="batch", name="b.jsonl").json()
    assert raw.get(f"/paas/v4/files/{batch['id']}/content").content == b'{"custom_id": "1"}\n'
    refused = raw.get(f"/paas/v4/files/{ok.json()['id']}/content")
    assert refused.status_code == 400 and code_of(refused) == "1214"


def test_clone_checks_required_fields_types_model_file_and_request_id(raw, wav):
    file_id = upload(raw, wav).json()["id"]
    for name in SEED_CLONE_REQUIRED:
        body = clone_body(file_id)
        del body[name]
        resp = raw.post("/paas/v4/voice/clone", json=body)
        assert resp.status_code == 400 and code_of(resp) == "1213" and name in resp.text
    cases = [
        (clone_body(file_id, model="glm-tts"), "1211"),
        (clone_body(file_id, input=5), "1214"),
        (clone_body(file_id, input=""), "1214"),
        (clone_body("file_missing"), "1214"),
        (clone_body(file_id, extra=1), "1210"),
        (clone_body(file_id, text="unsafe-content"), "1301"),
    ]
    for body, code in cases:
        resp = raw.post("/paas/v4/voice/clone", json=body)
        assert resp.status_code == 400 and code_of(resp) == code, (body, resp.text)
    assert code_of(raw.post("/paas/v4/voice/clone", content=b"{}", headers={"Content-Type": "text/plain"})) == "1210"
    request_id = f"r_{uuid.uuid4().hex}"
    for model in ("glm-tts-clone", "cogtts-clone"):
        ok = raw.post("/paas/v4/voice/clone", json=clone_body(file_id, model=model, text="Hello."))
        assert ok.status_code == 200 and set(ok.json()) == SEED_CLONE_ANSWER
        assert ok.json()["file_purpose"] == "voice-clone-output"
    first = raw.post("/paas/v4/voice/clone", json=clone_body(file_id, request_id=request_id))
    assert first.json()["request_id"] == request_id
    again = raw.post("/paas/v4/voice/clone", json=clone_body(file_id, request_id=request_id))
    assert again.status_code == 400 and code_of(again) == "1231"


@pytest.mark.parametrize(
    "over, code",
    [
        ({"model": "tts-1"}, "1211"),
        ({"model": None}, "1213"),
        ({"input": None}, "1213"),
        ({"voice": None}, "1213"),
        ({"input": "字" * 1025}, "1261"),
        ({"voice": "alloy"}, "1214"),
        ({"voice": "female"}, "1214"),
        ({"response_format": "mp3"}, "1214"),
        ({"stream": "yes"}, "1214"),
        ({"encode_format": "base32"}, "1214"),
        ({"stream": True, "response_format": "wav"}, "1215"),
        ({"speed": 0.49}, "1214"),
        ({"speed": 2.01}, "1214"),
        ({"speed": "1"}, "1214"),
        ({"volume": 0}, "1214"),
        ({"volume": 10.01}, "1214"),
        ({"volume": True}, "1214"),
        ({"watermark_enabled": "false"}, "1214"),
        ({"sample_rate": 24000}, "1210"),
        ({"input": "违禁内容"}, "1301"),
    ],
)
def test_speech_checks_every_documented_field(raw, over, code):
    body = {"model": "glm-tts", "input": "Hi", "voice": "tongtong", **over}
    body = {k: v for k, v in body.items() if v is not None}
    resp = raw.post("/paas/v4/audio/speech", json=body)
    assert resp.status_code == 400 and code_of(resp) == code, resp.text


@pytest.mark.parametrize(
    "over",
    [
        {"input": "字" * 1024, "speed": 0.5, "volume": 10},
        {"speed": 2, "volume": 0.01},
        {"model": "cogtts", "voice": "female"},
        {"stream": True, "encode_format": "hex"},
    ],
)
def test_speech_accepts_the_documented_edges(raw, over):
    resp = raw.post("/paas/v4/audio/speech", json={"model": "glm-tts", "input": "Hi", "voice": "tongtong", **over})
    assert resp.status_code == 200, resp.text


def test_speech_answers_raw_pcm_by_default_wav_on_request_and_sse_when_streaming(raw):
    pcm = raw.post("/paas/v4/audio/speech", json={"model": "glm-tts", "input": "Hi", "voice": "tongtong"})
    assert sniff_format(pcm.content) is None and len(pcm.content) % 2 == 0
    wav = raw.post(
        "/paas/v4/audio/speech", json={"model": "glm-tts", "input": "Hi", "voice": "tongtong", "response_format": "wav"}
    )
    assert wav.content[:4] == b"RIFF" and int.from_bytes(wav.content[24:28], "little") == 24000
    sse = raw.post(
        "/paas/v4/audio/speech", json={"model": "glm-tts", "input": "Hi", "voice": "tongtong", "stream": True}
    )
    assert sse.headers["content-type"].startswith("text/event-stream")
    events = [line[6:] for line in sse.text.split("\n\n") if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e)["choices"][0]["delta"] for e in events[:-1]]
    assert all(c["return_sample_rate"] == 24000 for c in chunks)
    assert b"".join(base64.b64decode(c["content"]) for c in chunks) == pcm.content


def test_voice_list_filters_and_delete_checks(raw, wav):
    file_id = upload(raw, wav).json()["id"]
    made = raw.post("/paas/v4/voice/clone", json=clone_body(file_id, voice_name="小明的声音")).json()
    mine = raw.get("/paas/v4/voice/list", params={"voiceName": "小明", "voiceType": "PRIVATE"}).json()["voice_list"]
    assert [v["voice"] for v in mine] == [made["voice"]]
    assert set(mine[0]) == {"voice", "voice_name", "voice_type", "download_url", "create_time"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", mine[0]["create_time"])
    preview = httpx.get(mine[0]["download_url"])  # no key: the link is the permission
    assert preview.status_code == 200 and preview.content[:4] == b"RIFF"
    bad = raw.get("/paas/v4/voice/list", params={"voiceType": "private"})
    assert bad.status_code == 400 and code_of(bad) == "1214"
    for body, code in [
        ({}, "1213"),
        ({"voice": "tongtong"}, "1214"),
        ({"voice": "nope"}, "1214"),
        ({"voice": made["voice"], "extra": 1}, "1210"),
    ]:
        resp = raw.post("/paas/v4/voice/delete", json=body)
        assert resp.status_code == 400 and code_of(resp) == code
    assert raw.post("/paas/v4/voice/delete", json={"voice": made["voice"]}).status_code == 200
    assert httpx.get(mine[0]["download_url"]).status_code == 403


# -- a separate server: what the adapter sends ---------------------------------------------------------------
@pytest.fixture
def other_server(monkeypatch):
    server = SandboxServer(SandboxState(valid_keys={KEY})).start()
    monkeypatch.setenv("ZHIPU_BASE_URL", server.base_url(ZP))
    monkeypatch.setenv("ZHIPU_API_KEY", KEY)
    yield server
    server.stop()


def multipart_parts(record) -> dict[str, tuple[str | None, str | None, bytes]]:
    head = f"Content-Type: {record['headers']['content-type']}\r\n\r\n".encode()
    msg = email.parser.BytesParser().parsebytes(head + base64.b64decode(record["body_b64"]))
    return {
        p.get_param("name", header="content-disposition"): (
            p.get_filename(),
            p.get_content_type(),
            p.get_payload(decode=True),
        )
        for p in msg.get_payload()
    }


def json_of(record) -> dict:
    assert record["headers"]["content-type"] == "application/json"
    return json.loads(base64.b64decode(record["body_b64"]))


async def test_requests_match_the_documented_contract_field_for_field(other_server):
    zp = providers.get(ZP)
    sample = VoiceSample(speech_wav(seconds_min=4.0), filename="mine.wav")
    up = await zp.upload_voice(ZhipuUpload(sample))
    clone = await zp.clone_voice(
        ZhipuClone(
            file_id=up.voice_id,
            voice_name="my_custom_voice_001",
            input="Preview.",
            model="cogtts-clone",
            text="Hello there.",
            request_id="voice_clone_req_001",
        )
    )
    await zp.speak(
        ZhipuSpeech(
            text="Hello.", voice=clone.voice_id, response_format="wav", speed=1.5, volume=2.0, watermark_enabled=False
        )
    )
    await zp.speak(ZhipuSpeech(text="Hello.", model="cogtts", voice="female", stream=True, encode_format="hex"))
    await zp.list_voices(voice_name="我的", voice_type="OFFICIAL")
    await zp.delete_voice(clone.voice_id, request_id="del-001")
    assert not up.sandbox and not clone.sandbox

    records = other_server.requests(ZP)
    assert [(r["method"], r["path"]) for r in records] == [
        ("POST", "/zhipu/api/paas/v4/files"),
        ("POST", "/zhipu/api/paas/v4/voice/clone"),
        ("GET", "/zhipu/api/paas/v4/voice/list"),  # the preview's download_url comes from the list
        ("GET", records[3]["path"]),
        ("POST", "/zhipu/api/paas/v4/audio/speech"),
        ("POST", "/zhipu/api/paas/v4/audio/speech"),
        ("GET", "/zhipu/api/paas/v4/voice/list"),
        ("POST", "/zhipu/api/paas/v4/voice/delete"),
    ]
    assert records[3]["path"].startswith("/zhipu/cdn/voice-preview/")
    for r in records:
        assert r["headers"]["authorization"] == f"Bearer {KEY}"  # the preview link is on the API's own host here

    upload_rec, clone_rec, list_rec, _, wav_rec, sse_rec, list2_rec, delete_rec = records
    assert upload_rec["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    parts = multipart_parts(upload_rec)
    assert set(parts) == {"file", "purpose"}
    assert parts["purpose"][2] == b"voice-clone-input"
    assert parts["file"] == ("mine.wav", "audio/wav", sample.data)

    clone_doc = json_of(clone_rec)
    assert set(clone_doc) <= SEED_CLONE_FIELDS and set(clone_doc) >= SEED_CLONE_REQUIRED
    assert clone_doc == {
        "model": "cogtts-clone",
        "voice_name": "my_custom_voice_001",
        "text": "Hello there.",
        "input": "Preview.",
        "file_id": up.voice_id,
        "request_id": "voice_clone_req_001",
    }
    assert parse_qs(list_rec["query"]) == {"voiceName": ["my_custom_voice_001"], "voiceType": ["PRIVATE"]}

    assert json_of(wav_rec) == {
        "model": "glm-tts",
        "input": "Hello.",
        "voice": clone.voice_id,
        "response_format": "wav",
        "speed": 1.5,
        "volume": 2.0,
        "watermark_enabled": False,
    }
    assert json_of(sse_rec) == {
        "model": "cogtts",
        "input": "Hello.",
        "voice": "female",
        "response_format": "pcm",
        "speed": 1.0,
        "volume": 1.0,
        "stream": True,
        "encode_format": "hex",
    }
    assert sse_rec["headers"]["accept"] == "text/event-stream"
    assert parse_qs(list2_rec["query"]) == {"voiceName": ["我的"], "voiceType": ["OFFICIAL"]}
    assert "voiceName=%E6%88%91%E7%9A%84" in list2_rec["query"]  # Chinese is URL-encoded
    assert json_of(delete_rec) == {"voice": clone.voice_id, "request_id": "del-001"}


async def test_the_separate_server_refuses_another_key(other_server, monkeypatch):
    from playground import errors

    monkeypatch.setenv("ZHIPU_API_KEY", "sk-canary-zhipu-0123456789abcdef")
    with pytest.raises(errors.AuthenticationError) as exc:
        await providers.get(ZP).list_voices()
    assert "0123456789abcdef" not in exc.value.user_message()
    assert Path(other_server.base_url(ZP)).name == "api"
