"""The library store: schema migration, scopes, crash-safe files, orphans, the history cap, export/import."""

from __future__ import annotations

import sqlite3
import time

import pytest

from playground.config import Secret, Target
from playground.errors import InputError
from playground.library import archive, db
from playground.library.access import status
from playground.library.hooks import settings_of
from playground.library.scope import SALT_FILE
from playground.library.store import FILES_DIR, Store, sha256


def target(key: str = "key-A", base: str = "https://api.example/v1", sandbox: bool = False, pid: str = "siliconflow"):
    return Target(pid, base, Secret(key), sandbox=sandbox)


def files_on_disk(store: Store) -> set[str]:
    return {f"{FILES_DIR}/{p.parent.name}/{p.name}" for p in (store.root / FILES_DIR).rglob("*") if p.is_file()}


def test_fresh_database_is_wal_and_at_the_latest_version(tmp_path):
    store = Store(tmp_path)
    assert store.execute("PRAGMA journal_mode")[0][0] == "wal"
    assert store.execute("PRAGMA user_version")[0][0] == db.SCHEMA_VERSION
    assert store.integrity() == "ok"


def test_a_version_1_database_is_migrated_and_keeps_its_rows(tmp_path):
    conn = sqlite3.connect(tmp_path / "library.sqlite3")
    conn.isolation_level = None
    db.migrate(conn, target=1)
    assert db.version(conn) == 1
    conn.execute(
        "INSERT INTO voices (scope, provider, voice_id, name, created_at) VALUES ('s', 'siliconflow', 'speech:a', 'a', 1.0)"
    )
    conn.close()
    store = Store(tmp_path)
    assert store.execute("PRAGMA user_version")[0][0] == db.SCHEMA_VERSION
    [row] = store.voices(["s"])
    assert row["voice_id"] == "speech:a" and row["note"] == "" and row["expires_at"] is None
    assert store.execute("SELECT COUNT(*) FROM uploads")[0][0] == 0


def test_scopes_hash_provider_base_url_and_key_never_store_the_key(tmp_path):
    store = Store(tmp_path)
    a, b = store.scope(target("key-A")), store.scope(target("key-B"))
    assert a != b
    assert store.scope(target("key-A", base="https://other/v1")) != a
    assert store.scope(target("key-A", pid="minimax")) != a
    # sandbox entries are their own scope, the same whatever port the simulator runs on
    assert (
        store.scope(target("sandbox-key", "http://127.0.0.1:1/sf", True))
        == store.scope(target("sandbox-key", "http://127.0.0.1:2/sf", True))
        != a
    )
    # the salt is per folder, random, and kept
    assert len((tmp_path / SALT_FILE).read_bytes()) == 32
    assert Store(tmp_path).scope(target("key-A")) == a
    assert Store(tmp_path / "other").scope(target("key-A")) != a


def test_voices_of_one_scope_are_invisible_to_another_and_survive_a_restart(tmp_path):
    store = Store(tmp_path)
    a, b = store.scope(target("key-A")), store.scope(target("key-B"))
    vid = store.add_voice(
        a,
        "siliconflow",
        "speech:me:1",
        name="me",
        sample=b"RIFF-sample",
        sample_format="wav",
        preview=b"ID3-preview",
        preview_format="mp3",
    )
    assert [v["voice_id"] for v in store.voices([a])] == ["speech:me:1"]
    assert store.voices([b]) == [] and store.voice(vid, [b]) is None
    assert not store.edit_voice(vid, [b], name="stolen") and store.delete_voice(vid, [b]) is None
    store.close()
    again = Store(tmp_path)
    row = again.voice(vid, [a])
    assert again.read_file(row["sample_path"]) == b"RIFF-sample" and row["sample_hash"] == sha256(b"RIFF-sample")
    assert again.read_file(row["preview_path"]) == b"ID3-preview"
    for path in files_on_disk(again):
        assert b"key-A" not in (tmp_path / path).read_bytes()
    assert b"key-A" not in (tmp_path / "library.sqlite3").read_bytes()


def test_orphans_and_temporary_files_are_removed_at_start_referenced_files_kept(tmp_path):
    store = Store(tmp_path)
    s = store.scope(target())
    tid = store.add_take(s, "siliconflow", audio=b"take-audio", fmt="mp3", voice="alex", text="hi")
    _orphan, _ = store.write_file("takes", b"written, row never committed", "mp3")
    (tmp_path / FILES_DIR / "takes" / ".tmp-half.mp3").write_bytes(b"half")
    store.close()
    again = Store(tmp_path)
    assert again.removed_at_start == 2
    assert files_on_disk(again) == {again.take(tid, [s])["audio_path"]}


def test_delete_and_clear_remove_rows_then_files(tmp_path):
    store = Store(tmp_path)
    s = store.scope(target())
    t1 = store.add_take(s, "zhipu", audio=b"one", fmt="wav")
    store.add_take(s, "zhipu", audio=b"two", fmt="wav")
    assert store.delete_take(t1, [s]) and len(files_on_disk(store)) == 1
    assert store.clear_takes([s]) == 1 and files_on_disk(store) == set()


def test_history_cap_evicts_oldest_audio_and_keeps_metadata(tmp_path):
    store = Store(tmp_path, history_max_bytes=250)
    s = store.scope(target())
    ids = [store.add_take(s, "minimax", audio=bytes([i]) * 100, fmt="mp3", created_at=1000.0 + i) for i in range(4)]
    rows = {r["id"]: r for r in store.takes([s])}
    assert len(rows) == 4
    assert [rows[i]["audio_path"] is None for i in ids] == [True, True, False, False]
    assert rows[ids[0]]["evicted_at"] and store.history_bytes() == 200
    assert len(files_on_disk(store)) == 2


def test_history_cap_evicts_down_to_the_low_water_mark_so_it_does_not_run_on_every_take(tmp_path):
    store = Store(tmp_path, history_max_bytes=1000)
    s = store.scope(target())
    evictions = []
    real = store.enforce_cap

    def counting(*args):
        evictions.append(real(*args))
        return evictions[-1]

    store.enforce_cap = counting
    for i in range(30):
        store.add_take(s, "minimax", audio=bytes([i]) * 100, fmt="mp3", created_at=1000.0 + i)
    kept = store.history_bytes()
    assert kept <= 1000
    assert kept == sum(r["audio_size"] for r in store.takes([s]) if r["audio_path"])  # the running total is true
    assert sum(1 for n in evictions if n) <= 21  # 20 takes over the cap: at most one eviction each...
    assert max(evictions) >= 2  # ...and each eviction frees room for more than one (down to 90%)


def test_history_total_follows_deletes_and_clears(tmp_path):
    store = Store(tmp_path, history_max_bytes=10_000)
    s = store.scope(target())
    ids = [store.add_take(s, "zhipu", audio=b"x" * 100, fmt="wav") for _ in range(3)]
    assert store.history_bytes() == 300
    store.delete_take(ids[0], [s])
    assert store.history_bytes() == 200
    store.add_take(s, "zhipu", audio=b"y" * 50, fmt="wav")
    assert store.history_bytes() == 250
    store.clear_takes([s])
    assert store.history_bytes() == 0


def test_the_queries_that_run_on_every_take_use_indexes(tmp_path):
    store = Store(tmp_path)
    plan = " ".join(str(tuple(r)) for r in store.execute("EXPLAIN QUERY PLAN " + Store.EVICT_QUERY))
    assert "takes_with_audio_by_age" in plan and "TEMP B-TREE" not in plan  # no sort of the whole table
    for table, col in [
        ("takes", "audio_path"),
        ("voices", "sample_path"),
        ("voices", "preview_path"),
        ("uploads", "sample_path"),
    ]:
        plan = " ".join(
            str(tuple(r))
            for r in store.execute(f"EXPLAIN QUERY PLAN SELECT 1 FROM {table} WHERE {col}=? LIMIT 1", ("x",))
        )
        assert "USING" in plan and "INDEX" in plan, (table, col, plan)


def test_a_file_two_rows_name_stays_until_the_last_goes(tmp_path):
    store = Store(tmp_path)
    s = store.scope(target())
    store.add_voice(s, "siliconflow", "speech:a:1", sample=b"RIFF-shared", sample_format="wav")
    rel = store.execute("SELECT sample_path FROM voices")[0][0]
    with store._lock, store._tx():
        store._conn.execute(
            "INSERT INTO uploads (scope, provider, file_id, sample_path, sample_hash, created_at) VALUES (?,?,?,?,?,?)",
            (s, "siliconflow", "f-1", rel, "h", 1.0),
        )
    store._unlink_unreferenced([rel])  # a second row naming the same file (written directly here)
    assert (store.root / rel).exists()  # the upload still names it
    with store._lock, store._tx():
        store._conn.execute("DELETE FROM uploads")
        store._conn.execute("DELETE FROM voices")
    store._unlink_unreferenced([rel])
    assert not (store.root / rel).exists()


def test_export_then_import_into_an_empty_folder_restores_byte_for_byte(tmp_path):
    src = Store(tmp_path / "a")
    t = target("key-A")
    s = src.scope(t)
    src.add_voice(
        s,
        "siliconflow",
        "speech:v:1",
        model="FunAudioLLM/CosyVoice2-0.5B",
        name="v",
        transcript="hello",
        sample=b"RIFF" + bytes(range(256)) * 10,
        sample_format="wav",
        preview=b"ID3preview",
        preview_format="mp3",
        note="mine",
        created_at=1234.5,
    )
    src.add_voice(src.scope(target("other")), "siliconflow", "speech:not-mine:1", sample=b"x")
    src.add_take(
        s,
        "siliconflow",
        audio=b"\xff\xfb" + b"\x01" * 500,
        fmt="mp3",
        voice="speech:v:1",
        text="hi",
        handler="siliconflow_speak",
        params={"text": "hi", "speed": 1.0},
        created_at=2000.0,
    )
    data = archive.export_bytes(src, [s])
    assert b"key-A" not in data and s.encode() not in data

    dst = Store(tmp_path / "b")
    d = dst.scope(t)
    assert archive.import_bytes(dst, data, {"siliconflow": d}) == (1, 1)
    assert archive.import_bytes(dst, data, {"siliconflow": d}) == (1, 0)  # idempotent
    [v0], [v1] = src.voices([s]), dst.voices([d])
    for key in ("provider", "model", "voice_id", "name", "transcript", "note", "sample_hash", "preview_hash"):
        assert v0[key] == v1[key], key
    assert (
        v1["origin_at"] == v0["created_at"] and v1["created_at"] > v0["created_at"]
    )  # the archive's date: display only
    assert dst.read_file(v1["sample_path"]) == src.read_file(v0["sample_path"])
    assert dst.read_file(v1["preview_path"]) == src.read_file(v0["preview_path"])
    [t0], [t1] = src.takes([s]), dst.takes([d])
    assert dst.read_file(t1["audio_path"]) == src.read_file(t0["audio_path"])
    assert {k: t1[k] for k in ("params", "text", "audio_hash")} == {k: t0[k] for k in ("params", "text", "audio_hash")}
    assert t1["origin_at"] == t0["created_at"] == 2000.0 and t1["created_at"] > 2000.0
    with pytest.raises(InputError):
        archive.import_bytes(dst, b"not a zip", {"siliconflow": d})


def test_minimax_expiry_status_warns_as_it_nears():
    now = time.time()
    assert status({"expires_at": None}) == "kept"
    assert status({"expires_at": now + 5 * 86400}, now).startswith("expires ")
    assert "expires in 24 h" in status({"expires_at": now + 86400}, now)
    assert "deleted" in status({"expires_at": now - 1}, now)


def test_settings_keep_the_parameters_but_never_the_key():
    kept = settings_of({"text": "hi", "api_key": "sk-canary", "progress": object(), "speed": 1.0, "voice": None})
    assert kept == {"text": "hi", "speed": 1.0, "voice": None}
