"""Archives are data, never commands: a stranger's library export cannot send the visitor's key
anywhere, read the server's files, exhaust memory, or smuggle fields past the schema.

The app runs in this process in hosted mode (the `visitor` fixture names the browser session);
the Voice library tab's own handlers are called, as the page calls them."""

from __future__ import annotations

import asyncio
import json

import gradio as gr
import pytest

from playground.library import default_store
from playground.ui import library_tab
from tests.security.conftest import (
    lying_zip,
    make_archive,
    message_of,
    no_traceback,
    peak_rss,
    silent_wav,
    take,
    zip_bomb,
)

CANARY = "sk-archive-canary-5e1d0c"
AUDIO = "files/takes/0123456789abcdef0123456789abcdef.wav"


def keys(openai_key: str = "", openai_base_url: str = "") -> tuple:
    return "", "", "", openai_base_url, openai_key


def refused(coro) -> str:
    with pytest.raises(gr.Error) as exc:
        asyncio.run(coro)
    text = message_of(exc.value)
    assert no_traceback(text), text
    return text


def test_zip_bomb_is_refused_before_it_is_unpacked(visitor, tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.zip")
    assert bomb.stat().st_size < 2 << 20  # about 1 MB holding 1 GiB
    with peak_rss() as mem:
        text = refused(library_tab._on_import(str(bomb), *keys()))
    assert "library.json" in text and "at most" in text and "Export" in text
    assert mem["peak_over_idle_mb"] < 300, mem


def test_a_header_that_lies_about_the_size_cannot_push_past_the_cap(visitor, tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_IMPORT_MAX_MB", "8")
    liar = lying_zip(tmp_path / "liar.zip", real_size=64 << 20, claimed=1000)
    with peak_rss() as mem:
        text = refused(library_tab._on_import(str(liar), *keys()))
    assert "archive" in text
    assert mem["peak_over_idle_mb"] < 300, mem


def test_rerun_of_an_imported_take_never_goes_to_the_archive_authors_server(visitor, tmp_path, sandbox, evil):
    params = {
        "text": "Hello from the archive.",
        "model": "gpt-4o-mini-tts",
        "voice": "alloy",
        "instructions": "",
        "response_format": "wav",
        "speed": 1.0,
        "stream_format": "audio",
        "base_url": evil.url + "/v1",
        "api_key": "sk-archive-authors-key",
    }
    zip_path = make_archive(
        tmp_path / "a.zip", takes=[take("openai_compat", "openai_speak", params, AUDIO)], files={AUDIO: silent_wav()}
    )
    mine = keys(openai_key=CANARY)
    assert "Imported" in asyncio.run(library_tab._on_import(str(zip_path), *mine))
    [row] = asyncio.run(library_tab.library_history(*mine))
    stored = default_store().take(int(row[0]), library_tab._scopes(*mine))
    assert evil.url not in stored["params"] and "base_url" not in json.loads(stored["params"])
    assert "sk-archive-authors-key" not in stored["params"]

    summary, confirm = asyncio.run(library_tab._on_rerun_preview(row[0], *mine))
    assert evil.url not in summary and "your current key" in summary and sandbox.base_url("openai_compat") in summary
    assert confirm["visible"] is True
    sandbox.reset()
    audio, info = asyncio.run(library_tab._on_rerun_take(row[0], *mine))
    assert audio and "Re-run" in info
    assert evil.seen == []  # nothing reached the archive author's server
    sent = [r for r in sandbox.requests("openai_compat") if r["path"].endswith("/audio/speech")]
    assert sent, "the re-run goes to the visitor's own base URL"
    assert all(CANARY not in json.dumps(e, default=str) for e in evil.seen)


def test_a_stored_reference_path_is_never_read_from_the_servers_disk(visitor, tmp_path, sandbox):
    base = {
        "text": "Hello again.",
        "model": "FunAudioLLM/CosyVoice2-0.5B",
        "voice": "FunAudioLLM/CosyVoice2-0.5B:alex",
        "reference_audio": "/dev/zero",
        "reference_text": "",
        "response_format": "wav",
        "sample_rate": 24000,
        "stream": False,
        "speed": 1.0,
        "gain": 0.0,
        "max_tokens": None,
    }
    zip_path = make_archive(
        tmp_path / "r.zip",
        files={AUDIO: silent_wav()},
        takes=[
            take("siliconflow", "siliconflow_speak", {**base, "voice_source": "reference"}, AUDIO, created_at=2.0),
            take("siliconflow", "siliconflow_speak", {**base, "voice_source": "voice"}, AUDIO, created_at=1.0),
        ],
    )
    mine = keys()
    assert "Imported" in asyncio.run(library_tab._on_import(str(zip_path), *mine))
    rows = asyncio.run(library_tab.library_history(*mine))
    for row in rows:
        assert "/dev/zero" not in default_store().take(int(row[0]), library_tab._scopes(*mine))["params"]
    by_source = {
        json.loads(default_store().take(int(r[0]), library_tab._scopes(*mine))["params"])["voice_source"]: r[0]
        for r in rows
    }
    text = refused(library_tab._on_rerun_preview(by_source["reference"], *mine))
    assert "reference clip" in text and "SiliconFlow tab" in text
    audio, info = asyncio.run(asyncio.wait_for(library_tab._on_rerun_take(by_source["voice"], *mine), 120))
    assert audio and "Re-run" in info


@pytest.mark.parametrize(
    "case", ["member outside files/", "sample names a server path", "unknown handler params", "2100 date"]
)
def test_path_tricks_and_unknown_fields_are_refused_or_dropped(visitor, tmp_path, case):
    mine = keys()
    if case == "member outside files/":
        path = make_archive(tmp_path / "x.zip", extra_members=[("../../etc/cron.d/evil", b"x")])
        assert "never exports" in refused(library_tab._on_import(str(path), *mine))
    elif case == "sample names a server path":
        voice = {"provider": "siliconflow", "voice_id": "speech:x:1", "sample": "/dev/zero", "created_at": 1.0}
        path = make_archive(tmp_path / "x.zip", voices=[voice])
        assert "voices[0].sample" in refused(library_tab._on_import(str(path), *mine))
    elif case == "unknown handler params":
        params = {
            "text": "Hi.",
            "model": "glm-tts",
            "voice": "tongtong",
            "response_format": "wav",
            "stream": False,
            "encode_format": "base64",
            "speed": 1.0,
            "volume": 1.0,
            "watermark_enabled": True,
            "base_url": "http://169.254.169.254/",
            "file": "/etc/passwd",
            "api_key": "stolen",
        }
        path = make_archive(
            tmp_path / "x.zip", takes=[take("zhipu", "zhipu_speak", params, AUDIO)], files={AUDIO: silent_wav()}
        )
        asyncio.run(library_tab._on_import(str(path), *mine))
        [row] = asyncio.run(library_tab.library_history(*mine))
        kept = json.loads(default_store().take(int(row[0]), library_tab._scopes(*mine))["params"])
        assert set(kept) <= {
            "text",
            "model",
            "voice",
            "response_format",
            "stream",
            "encode_format",
            "speed",
            "volume",
            "watermark_enabled",
        }
    else:
        path = make_archive(
            tmp_path / "x.zip",
            files={AUDIO: silent_wav()},
            takes=[take("zhipu", "zhipu_speak", {"text": "Future."}, AUDIO, created_at=4_102_444_800.0)],
        )
        asyncio.run(library_tab._on_import(str(path), *mine))
        [row] = default_store().takes(library_tab._scopes(*mine))
        assert row["created_at"] < 4_000_000_000 and row["origin_at"] == 4_102_444_800.0  # display only
