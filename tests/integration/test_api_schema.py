"""The API as a caller sees it (/gradio_api/info, gradio_client): plain English names and labels
(no i18n markers), optional parameters with defaults, free values where the UI takes typed ones,
and every speak endpoint callable with its required parameters only (against the sandbox)."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from gradio_client import Client, handle_file

from tests.conftest import speech_wav

SPEAK = [
    "/siliconflow_speak",
    "/minimax_speak",
    "/zhipu_speak",
    "/openai_speak",
    "/elevenlabs_speak",
    "/fishaudio_speak",
    "/cartesia_speak",
]


@pytest.fixture(scope="module")
def info(app_url):
    with urllib.request.urlopen(app_url + "gradio_api/info", timeout=30) as resp:  # loopback only
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def api(app_url):
    client = Client(app_url, verbose=False, download_files=False)
    yield client
    client.close()


def required(endpoint: dict) -> list[str]:
    return [p["parameter_name"] for p in endpoint["parameters"] if not p["parameter_has_default"]]


def test_no_name_or_label_is_an_i18n_marker(info, api):
    raw = json.dumps(info, ensure_ascii=False)
    assert "__i18n__" not in raw and "translation_metadata" not in raw
    assert "__i18n__" not in json.dumps(api.view_api(return_format="dict", print_info=False), ensure_ascii=False)
    for name, endpoint in info["named_endpoints"].items():
        for p in endpoint["parameters"]:
            assert p["parameter_name"].isidentifier(), (name, p["parameter_name"])
        for r in endpoint["returns"]:
            assert r["label"] and not r["label"].startswith("value_"), (name, r["label"])


def test_speak_returns_are_named(info):
    for name in SPEAK:
        returns = [r["label"] for r in info["named_endpoints"][name]["returns"]]
        assert returns == ["Result", "Download", "summary", "live_player"], (name, returns)


def test_optional_parameters_have_defaults(info):
    named = info["named_endpoints"]
    assert required(named["/siliconflow_speak"]) == []  # text has the form's example as its default
    assert required(named["/siliconflow_upload"]) == ["audio"]
    assert required(named["/minimax_clone"]) == ["file_id"]  # voice_id: a suggestion; a caller sends a new one
    assert required(named["/zhipu_clone"]) == ["file_id", "voice_name"]
    assert required(named["/zhipu_voices"]) == []
    for name, endpoint in named.items():
        for p in endpoint["parameters"]:
            if p["parameter_name"] == "api_key":
                assert p["parameter_has_default"] and p["parameter_default"] == "", name  # never a key


def test_typed_values_are_not_limited_to_the_presets(info):
    named = info["named_endpoints"]
    for name, param in [
        ("/siliconflow_delete_voice", "uri"),
        ("/siliconflow_speak", "voice"),
        ("/zhipu_delete_voice", "voice"),
        ("/minimax_speak", "voice_id"),
        ("/openai_speak", "model"),
        ("/openai_speak", "voice"),
    ]:
        p = next(p for p in named[name]["parameters"] if p["parameter_name"] == param)
        assert "enum" not in (p["type"] or {}) and "Literal" not in p["python_type"]["type"], (name, p)


@pytest.mark.parametrize("api_name", SPEAK)
def test_every_speak_endpoint_runs_with_its_required_parameters_only(api, info, api_name):
    assert required(info["named_endpoints"][api_name]) == []
    _audio, download, summary, _player = api.predict(text="Only the text.", api_name=api_name)
    assert download and "Done" in summary


def test_upload_and_clone_with_sample_text_and_consent_only(api, tmp_path):
    sample = tmp_path / "voice.wav"
    sample.write_bytes(speech_wav(seconds_min=12.0))
    uri, info = api.predict(
        audio=handle_file(str(sample)), transcript="Hello there.", consent=True, api_name="/siliconflow_upload"
    )
    assert uri.startswith("speech:") and "Uploaded" in info

    file_id, _ = api.predict(audio=handle_file(str(sample)), consent=True, api_name="/zhipu_upload")
    voice, _preview, info = api.predict(
        file_id=file_id, voice_name="api-" + uuid.uuid4().hex[:8], api_name="/zhipu_clone"
    )
    assert voice and "Cloned" in info

    voice, _preview, info = api.predict(
        sample=handle_file(str(sample)), name="api-voice", consent=True, api_name="/elevenlabs_clone"
    )
    assert voice and "Cloned" in info

    file_id, _ = api.predict(audio=handle_file(str(sample)), consent=True, api_name="/minimax_upload")
    voice_id = "ApiVoice" + uuid.uuid4().hex[:8]  # MiniMax needs a new voice_id: the caller chooses it
    _demo, info = api.predict(file_id=file_id, voice_id=voice_id, api_name="/minimax_clone")
    assert voice_id in info
