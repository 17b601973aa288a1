"""Per-visitor storage in hosted mode: each browser session is its own library scope (also on the
demo's shared fallback key and in the sandbox), with its own caps; eviction never crosses scopes,
and the times that order eviction are the server's."""

from __future__ import annotations

import asyncio
import os
import uuid

import gradio as gr
import pytest
from gradio_client import Client

from playground import hosted
from playground.library import default_store
from playground.library.access import Keys, scopes_for
from playground.ui import library_tab
from tests.conftest import hosted_app_url
from tests.security.conftest import make_archive, message_of, no_traceback, silent_wav, take

NO_KEYS = ("", "", "", "", "")


@pytest.fixture(scope="module")
def fallback_app(sandbox):
    """The app in hosted mode with the owner's Zhipu key offered to keyless visitors (fallback)."""
    saved = dict(os.environ)
    os.environ.update(
        {
            "ZHIPU_API_KEY": "sk-owner-fallback-key",
            "PLAYGROUND_SERVER_KEYS": "fallback",
            "PLAYGROUND_FALLBACK_RATE": "100",
            "PLAYGROUND_FALLBACK_SESSION_CHARS": "100000",
            "PLAYGROUND_FALLBACK_GLOBAL_CHARS": "1000000",
        }
    )
    hosted.BUDGET.reset()
    try:
        with hosted_app_url(sandbox) as url:
            yield url
    finally:
        os.environ.clear()
        os.environ.update(saved)
        hosted.BUDGET.reset()


def test_two_keyless_visitors_on_the_fallback_key_never_see_each_others_takes(fallback_app):
    alice, bob = Client(fallback_app, verbose=False), Client(fallback_app, verbose=False)
    text = "Alice's private take " + uuid.uuid4().hex[:8]
    alice.predict(text, "glm-tts", "tongtong", "wav", False, "base64", 1.0, 1.0, True, "", api_name="/zhipu_speak")
    mine = [r[7] for r in alice.predict(*NO_KEYS, api_name="/library_history")["data"]]
    theirs = [r[7] for r in bob.predict(*NO_KEYS, api_name="/library_history")["data"]]
    assert text in mine and text not in theirs
    assert not any(text in row for row in (r[7] for r in bob.predict(*NO_KEYS, api_name="/library_voices")["data"]))


def _scope(store) -> str:
    return scopes_for(store, Keys())["zhipu"]


def _speak(store, scope: str, n: int, size: int) -> list[int]:
    return [
        store.add_take(
            scope, "zhipu", audio=bytes([i % 256]) * size, fmt="wav", text=f"take {i}", handler="zhipu_speak"
        )
        for i in range(n)
    ]


def test_an_archive_dated_2100_does_not_evict_other_visitors(visitor, tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_HISTORY_MAX_MB", "1")  # the whole server's history: 1 MB
    store = default_store()
    a_scope = _scope(store)
    a_takes = _speak(store, a_scope, 4, 200_000)  # visitor A: 800 kB of takes
    visitor["session"] = "visitor-b"
    files = {f"files/takes/{i:032x}.wav": silent_wav(2.0) + bytes([i]) for i in range(6)}  # ~96 kB each
    takes = [
        take("zhipu", "zhipu_speak", {"text": f"future {i}"}, name, created_at=4_102_444_800.0 + i)
        for i, name in enumerate(files)
    ]
    assert "Imported" in asyncio.run(
        library_tab._on_import(str(make_archive(tmp_path / "b.zip", takes=takes, files=files)), *NO_KEYS)
    )
    b_scope = _scope(store)
    assert b_scope != a_scope
    for entry in a_takes:
        assert store.take(entry, [a_scope])["audio_path"] is not None, "another visitor's import evicted A's audio"
    b_rows = store.takes([b_scope])
    assert all(r["created_at"] < 4_000_000_000 for r in b_rows)  # server time, the 2100 date is display-only
    assert any(r["audio_path"] is None for r in b_rows)  # over the cap: B's own oldest went


def test_each_scope_has_its_own_history_cap(visitor, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_SCOPE_HISTORY_MAX_MB", "0.5")
    store = default_store()
    a_scope = _scope(store)
    a_takes = _speak(store, a_scope, 2, 200_000)
    visitor["session"] = "visitor-b"
    b_scope = _scope(store)
    b_takes = _speak(store, b_scope, 6, 200_000)
    assert all(store.take(t, [a_scope])["audio_path"] for t in a_takes)
    kept = [t for t in b_takes if store.take(t, [b_scope])["audio_path"]]
    assert kept and sum(200_000 for _ in kept) <= 0.5 * 1024 * 1024 and kept[-1] == b_takes[-1]


def test_voice_cap_refuses_with_a_clear_message(visitor, tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_SCOPE_MAX_VOICES", "2")
    voices = [
        {"provider": "zhipu", "voice_id": f"voice_clone_{i}", "name": f"v{i}", "created_at": 1.0} for i in range(3)
    ]
    with pytest.raises(gr.Error) as exc:
        asyncio.run(library_tab._on_import(str(make_archive(tmp_path / "v.zip", voices=voices)), *NO_KEYS))
    text = message_of(exc.value)
    assert "at most 2 voices" in text and "Delete voices" in text and no_traceback(text)
    assert default_store().voices([_scope(default_store())]) == []  # nothing half-imported


def test_unused_uploaded_samples_have_a_cap_per_scope(visitor, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_SCOPE_SAMPLES_MAX_MB", "0.3")
    store = default_store()
    a_scope = _scope(store)
    store.add_upload(a_scope, "zhipu", "a-used", b"u" * 100_000, "wav")
    used = store.upload(a_scope, "zhipu", "a-used")
    store.add_voice(a_scope, "zhipu", "voice_clone_a", sample_path=used["sample_path"])
    store.add_upload(a_scope, "zhipu", "a-old", b"o" * 100_000, "wav")
    visitor["session"] = "visitor-b"
    b_scope = _scope(store)
    for i in range(5):
        store.add_upload(b_scope, "zhipu", f"b-{i}", bytes([i]) * 100_000, "wav")
    assert store.upload(a_scope, "zhipu", "a-old") and store.upload(a_scope, "zhipu", "a-used")
    b_kept = [i for i in range(5) if store.upload(b_scope, "zhipu", f"b-{i}")]
    assert b_kept == [2, 3, 4]  # 0.3 MB holds the newest three
    visitor["session"] = "visitor-a"
    for i in range(4):
        store.add_upload(a_scope, "zhipu", f"a-new-{i}", bytes([i]) * 100_000, "wav")
    assert store.upload(a_scope, "zhipu", "a-used")  # a sample a voice uses is never dropped
    assert store.upload(a_scope, "zhipu", "a-old") is None
    assert store.read_file(used["sample_path"]) == b"u" * 100_000


def test_over_the_global_cap_ended_sessions_go_first_never_a_live_visitor(visitor, monkeypatch):
    import time

    monkeypatch.setenv("PLAYGROUND_HISTORY_MAX_MB", "1")
    store = default_store()
    old_scope = _scope(store)  # a session that ended two days ago
    old = [
        store.add_take(
            old_scope,
            "zhipu",
            audio=b"o" * 300_000,
            fmt="wav",
            handler="zhipu_speak",
            created_at=time.time() - 2 * 86400 + i,
        )
        for i in range(2)
    ]
    visitor["session"] = "visitor-live"
    live_scope = _scope(store)
    live = _speak(store, live_scope, 2, 200_000)
    visitor["session"] = "visitor-new"
    new_scope = _scope(store)
    _speak(store, new_scope, 2, 200_000)  # 1.4 MB in all: over the 1 MB cap
    assert all(store.take(t, [live_scope])["audio_path"] for t in live)  # a live visitor keeps everything
    assert store.take(old[0], [old_scope])["audio_path"] is None  # the ended session's oldest went first
