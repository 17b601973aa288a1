"""The voice library over the app's named endpoints: clones land in it with their sample, takes in
History, scopes keep accounts apart, a new store on the same folder (a restart) keeps everything."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from pathlib import Path

from gradio_client import handle_file

from playground import config, providers
from playground.audio import sniff_format
from playground.config import Secret, Target
from playground.library import Store, data_dir, default_store, hooks
from playground.library.access import Keys, scopes_for
from playground.providers.base import UploadResult
from playground.providers.minimax_checks import suggest_voice_id
from tests.conftest import speech_wav

NO_KEYS = ("", "", "", "", "")  # siliconflow, minimax, zhipu, openai base url, openai key: the sandbox
CANARY = "sk-library-canary-7f3a"


def sent_body(sandbox, pid: str, path_end: str) -> bytes:
    return base64.b64decode([r for r in sandbox.requests(pid) if r["path"].endswith(path_end)][-1]["body_b64"])


def call(client, api_name: str, **kwargs):
    """A provider endpoint by parameter names; consent is given where the endpoint asks for it."""
    params = [
        p["parameter_name"]
        for p in client.view_api(return_format="dict", print_info=False)["named_endpoints"][api_name]["parameters"]
    ]
    if "consent" in params:
        kwargs.setdefault("consent", True)
    return client.predict(**kwargs, api_name=api_name)


def library_row(client, voice_id: str, keys=NO_KEYS) -> list | None:
    rows = client.predict(*keys, api_name="/library_voices")["data"]
    return next((r for r in rows if r[3] == voice_id), None)


def stored_voice(voice_id: str, store: Store | None = None) -> dict:
    store = store or default_store()
    [row] = [dict(r) for r in store.execute("SELECT * FROM voices WHERE voice_id=?", (voice_id,))]
    return row


def test_endpoints_exist_with_the_keys_last(client):
    named = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for name in ("/library_voices", "/library_history", "/library_sync"):
        params = [p["parameter_name"] for p in named[name]["parameters"]]
        assert params == ["siliconflow_key", "minimax_key", "zhipu_key", "openai_base_url", "openai_key"]


def test_siliconflow_upload_is_in_the_library_with_the_exact_sample_sent(client, sandbox, tmp_path):
    wav = tmp_path / "me.wav"
    wav.write_bytes(speech_wav("My library voice sample for SiliconFlow."))
    name = "lib-" + uuid.uuid4().hex[:6]
    uri, _info = call(
        client,
        "/siliconflow_upload",
        audio=handle_file(str(wav)),
        name=name,
        transcript="My library voice sample for SiliconFlow.",
        model="FunAudioLLM/CosyVoice2-0.5B",
        send_as="multipart",
        api_key="",
    )
    row = library_row(client, uri)
    assert row and row[1] == "siliconflow" and row[2] == name and row[4] == "FunAudioLLM/CosyVoice2-0.5B"
    voice = stored_voice(uri)
    sample = default_store().read_file(voice["sample_path"])
    assert sample in sent_body(sandbox, "siliconflow", "/uploads/audio/voice")  # the bytes that went out
    assert voice["transcript"] == "My library voice sample for SiliconFlow." and voice["sample_format"] == "wav"
    # a restart: a new store on the same folder still has it, with the same sample
    again = Store(data_dir())
    kept = stored_voice(uri, again)
    assert again.read_file(kept["sample_path"]) == sample and again.integrity() == "ok"
    again.close()

    # speech with it is a take in History, and marks the voice used
    client.predict(
        "Hello from the library.",
        "FunAudioLLM/CosyVoice2-0.5B",
        "voice",
        uri,
        None,
        "",
        "mp3",
        44100,
        False,
        1.0,
        0.0,
        None,
        "",
        api_name="/siliconflow_speak",
    )
    takes = client.predict(*NO_KEYS, api_name="/library_history")["data"]
    take = next(t for t in takes if t[3] == uri)
    assert take[2] == "siliconflow" and take[5] == "mp3" and take[7] == "Hello from the library."
    assert library_row(client, uri)[6]  # last used
    stored = default_store().take(int(take[0]), scopes_for(default_store(), Keys()).values())
    params = json.loads(stored["params"])
    assert params["voice"] == uri and params["speed"] == 1.0 and "api_key" not in params
    assert sniff_format(default_store().read_file(stored["audio_path"])) == "mp3"


def test_minimax_clone_keeps_the_uploaded_sample_preview_and_expiry(client, sandbox, tmp_path):
    wav = tmp_path / "long.wav"
    wav.write_bytes(speech_wav(seconds_min=11))
    file_id, _ = call(
        client,
        "/minimax_upload",
        audio=handle_file(str(wav)),
        purpose="voice_clone",
        trim_prompt=False,
        region="mainland",
        group_id="",
        api_key="",
    )
    voice_id = suggest_voice_id("Lib")
    client.predict(
        file_id,
        voice_id,
        "",
        "",
        "Preview please.",
        "speech-2.8-hd",
        False,
        True,
        "",
        "mainland",
        "",
        "",
        api_name="/minimax_clone",
    )
    row = library_row(client, voice_id)
    assert row and row[1] == "minimax" and row[7].startswith("expires ")
    voice = stored_voice(voice_id)
    sample = default_store().read_file(voice["sample_path"])
    assert sample and sample in sent_body(sandbox, "minimax", "/v1/files/upload")
    assert sniff_format(default_store().read_file(voice["preview_path"])) == "mp3"
    assert json.loads(voice["extra"])["source_file_id"] == file_id
    # first use in speech: MiniMax keeps it from then on, so the expiry goes
    client.predict(
        "Using my clone.",
        "speech-2.8-hd",
        voice_id,
        1,
        1,
        0,
        "",
        32000,
        128000,
        "mp3",
        1,
        "",
        False,
        "hex",
        "mainland",
        "",
        "",
        api_name="/minimax_speak",
    )
    assert library_row(client, voice_id)[7] == "kept (sandbox)"
    # deleted at MiniMax, it stays in the library (the sandbox's voice list is shared with other tests)
    client.predict(voice_id, "voice_cloning", "mainland", "", "", api_name="/minimax_delete_voice")
    assert library_row(client, voice_id)


def test_zhipu_clone_keeps_the_uploaded_sample_and_preview(client, sandbox, speech_file):
    file_id, _ = call(client, "/zhipu_upload", audio=handle_file(str(speech_file)), api_key="")
    name = "lib" + uuid.uuid4().hex[:8]
    voice, _preview, _ = client.predict(
        file_id, name, "Hello there.", "Hello preview.", "cogtts-clone", "", "", api_name="/zhipu_clone"
    )
    row = library_row(client, voice)
    assert row and row[1] == "zhipu" and row[2] == name
    stored = stored_voice(voice)
    assert default_store().read_file(stored["sample_path"]) == speech_file.read_bytes()
    assert stored["transcript"] == "Hello there."
    assert sniff_format(default_store().read_file(stored["preview_path"])) == "wav"


def test_openai_speech_is_kept_in_history(client, sandbox):
    text = "History keeps this " + uuid.uuid4().hex[:6]
    client.predict(text, "gpt-4o-mini-tts", "coral", "", "mp3", 1.0, "audio", "", "", api_name="/openai_speak")
    take = next(t for t in client.predict(*NO_KEYS, api_name="/library_history")["data"] if t[7] == text)
    assert take[2] == "openai_compat" and take[3] == "coral"


def test_two_keys_never_see_each_others_entries_and_the_key_is_never_stored(client):
    default_store()
    base = config.configured_base_url("siliconflow")
    for key, uri in ((CANARY + "-A", "speech:a:1"), (CANARY + "-B", "speech:b:1")):
        result = UploadResult(voice_id=uri, provider="siliconflow", model="m", name=uri, sample=None, sandbox=False)
        assert asyncio.run(hooks.record_voice(result, Target("siliconflow", base, Secret(key), sandbox=False))) == ""
    keys_a = (CANARY + "-A", "", "", "", "")
    keys_b = (CANARY + "-B", "", "", "", "")
    seen_a = {r[3] for r in client.predict(*keys_a, api_name="/library_voices")["data"]}
    seen_b = {r[3] for r in client.predict(*keys_b, api_name="/library_voices")["data"]}
    assert "speech:a:1" in seen_a and "speech:b:1" not in seen_a
    assert "speech:b:1" in seen_b and "speech:a:1" not in seen_b
    assert not any(
        v.startswith("speech:a") or v.startswith("speech:b")
        for v in (r[3] for r in client.predict(*NO_KEYS, api_name="/library_voices")["data"])
    )
    for path in Path(data_dir()).rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path


def test_history_download_converts_and_rerun_makes_a_new_take(client, sandbox):
    from playground.ui import library_tab

    text = "Re-run me " + uuid.uuid4().hex[:6]
    client.predict(text, "glm-tts", "tongtong", "wav", False, "base64", 1.0, 1.0, True, "", api_name="/zhipu_speak")
    take = next(t for t in client.predict(*NO_KEYS, api_name="/library_history")["data"] if t[7] == text)
    path = asyncio.run(library_tab._on_download_take(take[0], "mp3", *NO_KEYS))
    assert Path(path).name.startswith("zhipu-tongtong-") and path.endswith(".mp3")
    assert sniff_format(Path(path).read_bytes()) == "mp3"
    audio, info = asyncio.run(library_tab._on_rerun_take(take[0], *NO_KEYS))
    assert sniff_format(audio) == "wav" and "Re-run" in info
    assert sum(1 for t in client.predict(*NO_KEYS, api_name="/library_history")["data"] if t[7] == text) == 2


def test_sync_marks_local_only_and_remote_only(client, sandbox, tmp_path):
    wav = tmp_path / "me.wav"
    wav.write_bytes(speech_wav())
    uri, _ = call(
        client,
        "/siliconflow_upload",
        audio=handle_file(str(wav)),
        name="sync-" + uuid.uuid4().hex[:6],
        transcript="Hello there.",
        model="FunAudioLLM/CosyVoice2-0.5B",
        send_as="multipart",
        api_key="",
    )
    rows, info = client.predict(*NO_KEYS, api_name="/library_sync")
    marks = {r[3]: r[-1] for r in rows["data"]}
    assert marks[uri] == "both" and "Synced" in info
    # deleted at the provider only: the library still has it, marked local only
    providers_sf = providers.get("siliconflow")
    asyncio.run(providers_sf.delete_voice(uri))
    rows, _ = client.predict(*NO_KEYS, api_name="/library_sync")
    assert {r[3]: r[-1] for r in rows["data"]}[uri] == "local only"


def test_delete_locally_and_at_the_provider(client, sandbox, tmp_path):
    from playground.ui import library_tab

    wav = tmp_path / "me.wav"
    wav.write_bytes(speech_wav())
    uri, _ = call(
        client,
        "/siliconflow_upload",
        audio=handle_file(str(wav)),
        name="del-" + uuid.uuid4().hex[:6],
        transcript="Hello there.",
        model="FunAudioLLM/CosyVoice2-0.5B",
        send_as="multipart",
        api_key="",
    )
    entry = library_row(client, uri)[0]
    assert "from the library and at SiliconFlow" in asyncio.run(library_tab._on_delete_voice(entry, True, *NO_KEYS))
    assert library_row(client, uri) is None
    assert uri not in {v.id for v in asyncio.run(providers.get("siliconflow").list_voices())}


def test_export_and_import_into_an_empty_data_folder_through_the_tab(client, sandbox, tmp_path, monkeypatch):
    from playground.ui import library_tab

    wav = tmp_path / "me.wav"
    wav.write_bytes(speech_wav())
    uri, _ = call(
        client,
        "/siliconflow_upload",
        audio=handle_file(str(wav)),
        name="exp-" + uuid.uuid4().hex[:6],
        transcript="Hello there.",
        model="FunAudioLLM/CosyVoice2-0.5B",
        send_as="multipart",
        api_key="",
    )
    client.predict(
        "Exported take.",
        "FunAudioLLM/CosyVoice2-0.5B",
        "voice",
        uri,
        None,
        "",
        "wav",
        24000,
        False,
        1.0,
        0.0,
        None,
        "",
        api_name="/siliconflow_speak",
    )
    before_voices = asyncio.run(library_tab.library_voices(*NO_KEYS))
    before_takes = asyncio.run(library_tab.library_history(*NO_KEYS))
    old = default_store()
    old_samples = {r["voice_id"]: old.read_file(r["sample_path"]) for r in old.voices(scopes_for(old, Keys()).values())}
    zip_path = asyncio.run(library_tab._on_export(*NO_KEYS))
    assert Path(zip_path).name.startswith("voice-library-") and zip_path.endswith(".zip")

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "elsewhere"))
    assert default_store() is not old and asyncio.run(library_tab.library_voices(*NO_KEYS)) == []
    assert "Imported" in asyncio.run(library_tab._on_import(zip_path, *NO_KEYS))
    new = default_store()
    after_voices = asyncio.run(library_tab.library_voices(*NO_KEYS))
    after_takes = asyncio.run(library_tab.library_history(*NO_KEYS))
    assert [r[1:] for r in after_voices] == [r[1:] for r in before_voices]  # entry numbers are the new folder's
    assert [r[1:] for r in after_takes] == [r[1:] for r in before_takes]
    for r in new.voices(scopes_for(new, Keys()).values()):
        assert new.read_file(r["sample_path"]) == old_samples[r["voice_id"]]
