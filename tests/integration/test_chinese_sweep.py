"""Every provider's named endpoints in Chinese, over loopback: a zh-CN caller (Accept-Language, as the
page's cookie would) uploads or clones, speaks with the new voice, lists and deletes it at every provider,
then uses the library, Compare and long text. Every message those handlers pass through the catalog
(summaries, notes, errors with their hints) must come back in Chinese; the provider's own words may stay."""

from __future__ import annotations

import pytest

from tests.conftest import HAN, speech_wav

TEXT = "Hello there, this is a test of my cloned voice."


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    long, short = folder / "long.wav", folder / "short.wav"
    long.write_bytes(speech_wav("Hello, this is my voice sample for the Chinese sweep of every tab.", 12.0))
    short.write_bytes(speech_wav("Hello, this is my voice sample for Cartesia.", 5.0))
    return long, short


@pytest.fixture
def zh(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False, headers={"Accept-Language": "zh-CN"})


def _summaries(out) -> list[str]:
    values = out if isinstance(out, (list, tuple)) else [out]
    return [v for v in values if isinstance(v, str) and ("**" in v or " · " in v)]


ENGLISH_SUMMARIES: list[str] = []


def _chinese(out) -> None:
    """A summary with no Chinese at all is noted (all are asserted at the end, to list every one)."""
    ENGLISH_SUMMARIES.extend(text for text in _summaries(out) if not HAN.search(text))


def test_every_provider_in_chinese(sandbox, zh, clips, untranslated):
    from gradio_client import handle_file

    long, short = clips
    ENGLISH_SUMMARIES.clear()
    audio = handle_file(str(long))

    out = zh.predict(
        audio=audio, transcript="Hello, this is my voice sample.", consent=True, api_name="/siliconflow_upload"
    )
    _chinese(out)
    uri = out[0]
    _chinese(zh.predict(text=TEXT, voice=uri, api_name="/siliconflow_speak"))
    _chinese(zh.predict(api_name="/siliconflow_voices"))
    _chinese(zh.predict(uri=uri, api_name="/siliconflow_delete_voice"))

    file_id, summary = zh.predict(audio=audio, consent=True, api_name="/minimax_upload")
    _chinese(summary)
    out = zh.predict(file_id=file_id, voice_id="SweepVoice_01", api_name="/minimax_clone")
    _chinese(out)
    _chinese(zh.predict(text=TEXT, voice_id="SweepVoice_01", api_name="/minimax_speak"))
    _chinese(zh.predict(api_name="/minimax_voices"))
    _chinese(zh.predict(voice_id="SweepVoice_01", api_name="/minimax_delete_voice"))

    file_id, summary = zh.predict(audio=audio, consent=True, api_name="/zhipu_upload")
    _chinese(summary)
    out = zh.predict(
        file_id=file_id, voice_name="sweep", transcript="Hello, this is my voice.", api_name="/zhipu_clone"
    )
    _chinese(out)
    voice = next(v for v in out if isinstance(v, str) and v and "**" not in v and not v.startswith("/"))
    _chinese(zh.predict(text=TEXT, voice=voice, api_name="/zhipu_speak"))
    _chinese(zh.predict(api_name="/zhipu_voices"))
    _chinese(zh.predict(voice=voice, api_name="/zhipu_delete_voice"))

    for pid, clone_args, speak_arg, delete_arg in (
        ("elevenlabs", {"sample": audio}, "voice_id", "voice_id"),
        ("fishaudio", {"audio": audio}, "voice", "model_id"),
        ("cartesia", {"audio": handle_file(str(short))}, "voice", "voice_id"),
    ):
        out = zh.predict(**clone_args, consent=True, api_name=f"/{pid}_clone")
        _chinese(out)
        voice_id = out[0]
        _chinese(zh.predict(text=TEXT, **{speak_arg: voice_id}, api_name=f"/{pid}_speak"))
        _chinese(zh.predict(api_name=f"/{pid}_voices"))
        _chinese(zh.predict(**{delete_arg: voice_id}, api_name=f"/{pid}_delete_voice"))

    _chinese(zh.predict(text=TEXT, stream_format="audio", api_name="/openai_speak"))
    _chinese(zh.predict(api_name="/openai_models"))
    for name in ("/library_voices", "/library_sync", "/library_history"):
        _chinese(zh.predict(api_name=name))
    _chinese(zh.predict(text=TEXT, text_zh="", api_name="/compare"))
    _chinese(zh.predict(text=TEXT + " " + TEXT, pair="zhipu|tongtong", output_format="mp3", api_name="/longtext"))

    assert not ENGLISH_SUMMARIES, ENGLISH_SUMMARIES
    assert not untranslated, sorted(set(untranslated))
