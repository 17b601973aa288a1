"""Voices, uploaded samples and takes on disk: SQLite rows plus audio files, crash-safe.

Write order: the audio goes to a temporary name, is fsynced and renamed into place, and only
then is its row committed (one transaction). Delete order is the reverse: the row first, then
the file. So a crash at any moment leaves at worst a file no row names (an orphan), never a row
without its file; orphans and temporary files are removed when a store opens.
Every read and write takes the scopes the caller holds: an entry of another scope is never seen.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from playground.config import Target
from playground.library import caps, db
from playground.library.scope import load_salt, scope_of

DB_FILE = "library.sqlite3"
FILES_DIR = "files"
KINDS = ("samples", "previews", "takes")
TMP_PREFIX = ".tmp-"
MINIMAX_UNUSED_DAYS = 7
# columns of a file path and its hash, per table
FILE_COLUMNS = {
    "voices": [("sample_path", "sample_hash"), ("preview_path", "preview_hash")],
    "uploads": [("sample_path", "sample_hash")],
    "takes": [("audio_path", "audio_hash")],
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


HISTORY_LOW_WATER = 0.9  # over the cap, audio goes down to 90% of it: eviction runs once per ~10% of new audio


def history_cap_bytes() -> int:
    return int(float(os.environ.get("PLAYGROUND_HISTORY_MAX_MB", "500")) * 1024 * 1024)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _marks(scopes: Iterable[str]) -> tuple[str, list[str]]:
    scopes = list(dict.fromkeys(scopes)) or ["-"]
    return ",".join("?" * len(scopes)), scopes


class Store:
    """One data folder. Thread-safe: one connection behind a lock."""

    def __init__(self, data_dir: str | Path, *, history_max_bytes: int | None = None) -> None:
        # per-scope caps (caps.py) are read per call, so the owner (and tests) can change them live
        self.root = Path(data_dir).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            (self.root / FILES_DIR / kind).mkdir(parents=True, exist_ok=True)
        self.salt = load_salt(self.root)
        self.history_max_bytes = history_cap_bytes() if history_max_bytes is None else history_max_bytes
        self._lock = threading.RLock()
        self._conn = db.connect(self.root / DB_FILE)
        self._history_total: int | None = None  # bytes of take audio on disk, kept as takes come and go
        self.removed_at_start = self.clean_orphans()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- scopes ----------------------------------------------------------------------------
    def scope(self, target: Target) -> str:
        """The scope of a call. Hosted, each browser session is its own scope whatever the key: strangers
        sharing the demo's fallback key (or the sandbox) never see each other's entries."""
        from playground import hosted

        return scope_of(self.salt, target, session=hosted.session_id() if hosted.is_hosted() else None)

    # -- files -----------------------------------------------------------------------------
    def write_file(self, kind: str, data: bytes, ext: str) -> tuple[str, str]:
        """Audio to disk, durably, under a fresh name. Returns (relative path, sha256)."""
        folder = self.root / FILES_DIR / kind
        name = f"{uuid.uuid4().hex}.{(ext or 'bin').strip('.').lower()[:8]}"
        tmp = folder / f"{TMP_PREFIX}{name}"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / name)
        _fsync_dir(folder)
        return f"{FILES_DIR}/{kind}/{name}", sha256(data)

    def read_file(self, rel: str | None) -> bytes | None:
        if not rel:
            return None
        path = (self.root / rel).resolve()
        if self.root not in path.parents:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def _referenced(self) -> set[str]:
        refs: set[str] = set()
        for table, pairs in FILE_COLUMNS.items():
            for col, _ in pairs:
                refs.update(r[0] for r in self._conn.execute(f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL"))
        return refs

    def clean_orphans(self) -> int:
        """Remove temporary files and files no row names. Returns how many went."""
        removed = 0
        with self._lock:
            refs = self._referenced()
            for kind in KINDS:
                for path in (self.root / FILES_DIR / kind).iterdir():
                    rel = f"{FILES_DIR}/{kind}/{path.name}"
                    if path.is_file() and (path.name.startswith(TMP_PREFIX) or rel not in refs):
                        path.unlink(missing_ok=True)
                        removed += 1
        return removed

    def _is_referenced(self, rel: str) -> bool:
        """Does any row still name this file? (indexed: one lookup per column)"""
        return any(
            self._conn.execute(f"SELECT 1 FROM {table} WHERE {col}=? LIMIT 1", (rel,)).fetchone()
            for table, pairs in FILE_COLUMNS.items()
            for col, _ in pairs
        )

    def _unlink_unreferenced(self, rels: Iterable[str | None]) -> None:
        for rel in {r for r in rels if r}:
            if not self._is_referenced(rel):
                (self.root / rel).unlink(missing_ok=True)

    def _tx(self):
        return _Transaction(self._conn)

    # -- uploaded samples (clone sources) -------------------------------------------------
    def add_upload(self, scope: str, provider: str, file_id: str, data: bytes, fmt: str | None) -> None:
        rel, digest = self.write_file("samples", data, fmt or "bin")
        with self._lock, self._tx():
            old = self._conn.execute(
                "SELECT sample_path FROM uploads WHERE scope=? AND provider=? AND file_id=?", (scope, provider, file_id)
            ).fetchone()
            self._conn.execute(
                "INSERT INTO uploads (scope, provider, file_id, sample_path, sample_hash, sample_format, created_at) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT (scope, provider, file_id) DO UPDATE SET "
                "sample_path=excluded.sample_path, sample_hash=excluded.sample_hash, "
                "sample_format=excluded.sample_format",
                (scope, provider, str(file_id), rel, digest, fmt, time.time()),
            )
        if old:
            with self._lock:
                self._unlink_unreferenced([old[0]])
        self.enforce_samples_cap(scope)

    def enforce_samples_cap(self, scope: str) -> int:
        """Over the scope's cap for uploaded samples no voice uses, drop that scope's oldest unused
        uploads (their rows and files). Returns how many went."""
        cap = caps.scope_samples_bytes()
        if cap is None:
            return 0
        with self._lock:
            rows = self._conn.execute(
                "SELECT u.id, u.sample_path, u.sample_path IN (SELECT sample_path FROM voices WHERE scope=? AND "
                "sample_path IS NOT NULL) AS used FROM uploads u WHERE u.scope=? ORDER BY u.created_at DESC, u.id DESC",
                (scope, scope),
            ).fetchall()
            total, drop = 0, []
            for row in rows:
                if row["used"]:
                    continue
                path = self.root / row["sample_path"]
                total += path.stat().st_size if path.exists() else 0
                if total > cap:
                    drop.append((row["id"], row["sample_path"]))
            if drop:
                with self._tx():
                    self._conn.executemany("DELETE FROM uploads WHERE id=?", [(i,) for i, _ in drop])
                self._unlink_unreferenced([p for _, p in drop])
        return len(drop)

    def upload(self, scope: str, provider: str, file_id: str) -> dict | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM uploads WHERE scope=? AND provider=? AND file_id=?",
                (scope, provider, str(file_id).strip()),
            ).fetchone()
        return dict(row) if row else None

    # -- voices ------------------------------------------------------------------------------
    def add_voice(
        self,
        scope: str,
        provider: str,
        voice_id: str,
        *,
        model: str | None = None,
        name: str = "",
        transcript: str = "",
        sample: bytes | None = None,
        sample_format: str | None = None,
        sample_path: str | None = None,
        preview: bytes | None = None,
        preview_format: str | None = None,
        sandbox: bool = False,
        expires_at: float | None = None,
        extra: dict | None = None,
        created_at: float | None = None,
        last_used_at: float | None = None,
        note: str = "",
        origin_at: float | None = None,
    ) -> int:
        """Record a voice the provider confirmed. An existing entry with the same id is replaced.
        `origin_at`: the date an imported entry carries (display only)."""
        self.check_voice_room(scope, [voice_id])
        sample_hash = None
        if sample is not None:
            sample_path, sample_hash = self.write_file("samples", sample, sample_format or "bin")
        elif sample_path:
            data = self.read_file(sample_path)
            sample_hash = sha256(data) if data is not None else None
            sample_path = sample_path if data is not None else None
        preview_path = preview_hash = None
        if preview is not None:
            preview_path, preview_hash = self.write_file("previews", preview, preview_format or "bin")
        row = dict(
            scope=scope,
            provider=provider,
            model=model,
            voice_id=voice_id,
            name=name or voice_id,
            transcript=transcript or "",
            sample_path=sample_path,
            sample_hash=sample_hash,
            sample_format=sample_format,
            preview_path=preview_path,
            preview_hash=preview_hash,
            created_at=created_at or time.time(),
            last_used_at=last_used_at,
            sandbox=int(bool(sandbox)),
            expires_at=expires_at,
            extra=json.dumps(extra or {}, default=str),
            note=note or "",
            origin_at=origin_at,
        )
        cols = ", ".join(row)
        with self._lock:
            with self._tx():
                old = self._conn.execute(
                    "SELECT sample_path, preview_path FROM voices WHERE scope=? AND provider=? AND voice_id=?",
                    (scope, provider, voice_id),
                ).fetchone()
                self._conn.execute(
                    "DELETE FROM voices WHERE scope=? AND provider=? AND voice_id=?", (scope, provider, voice_id)
                )
                cur = self._conn.execute(
                    f"INSERT INTO voices ({cols}) VALUES ({','.join('?' * len(row))})", list(row.values())
                )
            if old:
                self._unlink_unreferenced(list(old))
        assert cur.lastrowid is not None  # set by the INSERT
        return int(cur.lastrowid)

    def check_voice_room(self, scope: str, voice_ids: list[str]) -> None:
        """Raise LibraryFullError if these voices (new ones; a known id is replaced) would pass the
        scope's voice cap. Nothing is written."""
        cap = caps.scope_max_voices()
        if cap is None or not voice_ids:
            return
        with self._lock:
            known = {r[0] for r in self._conn.execute("SELECT voice_id FROM voices WHERE scope=?", (scope,))}
        new = len(set(voice_ids) - known)
        if new and len(known) + new > cap:
            raise caps.LibraryFullError(
                f"The voice library keeps at most {cap} voices per account here; it has {len(known)}, "
                f"and this adds {new}.",
                hint="Delete voices you no longer need in the Voice library tab.",
            )

    def voices(self, scopes: Iterable[str]) -> list[dict]:
        marks, args = _marks(scopes)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT * FROM voices WHERE scope IN ({marks}) ORDER BY created_at DESC, id DESC", args
            ).fetchall()
        return [dict(r) for r in rows]

    def voice(self, entry_id: int, scopes: Iterable[str]) -> dict | None:
        marks, args = _marks(scopes)
        with self._lock:
            row = self._conn.execute(
                f"SELECT * FROM voices WHERE id=? AND scope IN ({marks})", [int(entry_id), *args]
            ).fetchone()
        return dict(row) if row else None

    def edit_voice(
        self, entry_id: int, scopes: Iterable[str], *, name: str | None = None, note: str | None = None
    ) -> bool:
        marks, args = _marks(scopes)
        with self._lock, self._tx():
            cur = self._conn.execute(
                f"UPDATE voices SET name=COALESCE(?, name), note=COALESCE(?, note) WHERE id=? AND scope IN ({marks})",
                [name, note, int(entry_id), *args],
            )
        return cur.rowcount > 0

    def touch_voice(self, scope: str, provider: str, voice_id: str, when: float | None = None) -> None:
        """A voice was used for speech: note when, and (MiniMax) it no longer expires unused."""
        with self._lock, self._tx():
            self._conn.execute(
                "UPDATE voices SET last_used_at=?, expires_at=NULL WHERE scope=? AND provider=? AND voice_id=?",
                (when or time.time(), scope, provider, voice_id),
            )

    def delete_voice(self, entry_id: int, scopes: Iterable[str]) -> dict | None:
        row = self.voice(entry_id, scopes)
        if row is None:
            return None
        with self._lock:
            with self._tx():
                self._conn.execute("DELETE FROM voices WHERE id=?", (int(entry_id),))
            self._unlink_unreferenced([row["sample_path"], row["preview_path"]])
        return row

    # -- takes -----------------------------------------------------------------------------
    def add_take(
        self,
        scope: str,
        provider: str,
        *,
        audio: bytes,
        fmt: str,
        model: str | None = None,
        voice: str = "",
        text: str = "",
        handler: str = "",
        params: dict | None = None,
        sample_rate: int | None = None,
        timing: dict | None = None,
        sandbox: bool = False,
        created_at: float | None = None,
        origin_at: float | None = None,
    ) -> int:
        """Keep one take. `origin_at`: the date an imported take carries (display only); the eviction
        order follows created_at, the server's clock."""
        rel, digest = self.write_file("takes", audio, fmt)
        row = dict(
            scope=scope,
            provider=provider,
            model=model,
            voice=voice or "",
            text=text or "",
            handler=handler,
            params=json.dumps(params or {}, default=str),
            format=fmt,
            sample_rate=sample_rate,
            audio_path=rel,
            audio_size=len(audio),
            audio_hash=digest,
            timing=json.dumps(timing or {}),
            created_at=created_at or time.time(),
            sandbox=int(bool(sandbox)),
            origin_at=origin_at,
        )
        with self._lock:
            with self._tx():
                cur = self._conn.execute(
                    f"INSERT INTO takes ({', '.join(row)}) VALUES ({','.join('?' * len(row))})", list(row.values())
                )
            if self._history_total is not None:
                self._history_total += len(audio)
            self.enforce_scope_cap(scope)
            self.enforce_cap(scope)
        assert cur.lastrowid is not None  # set by the INSERT
        return int(cur.lastrowid)

    def takes(self, scopes: Iterable[str], limit: int = 500) -> list[dict]:
        marks, args = _marks(scopes)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT * FROM takes WHERE scope IN ({marks}) ORDER BY created_at DESC, id DESC LIMIT ?",
                [*args, int(limit)],
            ).fetchall()
        return [dict(r) for r in rows]

    def take(self, entry_id: int, scopes: Iterable[str]) -> dict | None:
        marks, args = _marks(scopes)
        with self._lock:
            row = self._conn.execute(
                f"SELECT * FROM takes WHERE id=? AND scope IN ({marks})", [int(entry_id), *args]
            ).fetchone()
        return dict(row) if row else None

    def delete_take(self, entry_id: int, scopes: Iterable[str]) -> bool:
        row = self.take(entry_id, scopes)
        if row is None:
            return False
        with self._lock:
            with self._tx():
                self._conn.execute("DELETE FROM takes WHERE id=?", (int(entry_id),))
            self._history_total = None
            self._unlink_unreferenced([row["audio_path"]])
        return True

    def clear_takes(self, scopes: Iterable[str]) -> int:
        marks, args = _marks(scopes)
        with self._lock:
            paths = [r[0] for r in self._conn.execute(f"SELECT audio_path FROM takes WHERE scope IN ({marks})", args)]
            with self._tx():
                cur = self._conn.execute(f"DELETE FROM takes WHERE scope IN ({marks})", args)
            self._history_total = None
            self._unlink_unreferenced(paths)
        return cur.rowcount

    def history_bytes(self) -> int:
        """Bytes of take audio kept (summed once, then kept up to date as takes come and go)."""
        with self._lock:
            if self._history_total is None:
                self._history_total = int(
                    self._conn.execute(
                        "SELECT COALESCE(SUM(audio_size), 0) FROM takes WHERE audio_path IS NOT NULL"
                    ).fetchone()[0]
                )
            return self._history_total

    EVICT_QUERY = (
        "SELECT id, audio_path, audio_size FROM takes INDEXED BY takes_with_audio_by_age "
        "WHERE audio_path IS NOT NULL ORDER BY created_at, id"
    )

    def enforce_scope_cap(self, scope: str) -> int:
        """Over the scope's own history cap (caps.py), drop the audio of that scope's oldest takes."""
        cap = caps.scope_history_bytes()
        if cap is None:
            return 0
        with self._lock:
            total = int(
                self._conn.execute(
                    "SELECT COALESCE(SUM(audio_size), 0) FROM takes WHERE scope=? AND audio_path IS NOT NULL", (scope,)
                ).fetchone()[0]
            )
            if total <= cap:
                return 0
            goal = int(cap * HISTORY_LOW_WATER)
            evict: list[tuple[int, str]] = []
            for row in self._conn.execute(
                "SELECT id, audio_path, audio_size FROM takes INDEXED BY takes_scope "
                "WHERE scope=? AND audio_path IS NOT NULL ORDER BY created_at, id",
                (scope,),
            ):
                if total <= goal:
                    break
                evict.append((row[0], row[1]))
                total -= row[2]
            self._evict(evict)
        return len(evict)

    def _evict(self, evict: list[tuple[int, str]]) -> None:
        if not evict:
            return
        with self._tx():
            self._conn.executemany(
                "UPDATE takes SET audio_path=NULL, evicted_at=? WHERE id=?", [(time.time(), i) for i, _ in evict]
            )
        self._history_total = None
        self._unlink_unreferenced([p for _, p in evict])

    def enforce_cap(self, scope: str | None = None) -> int:
        """Over the history cap, drop the audio of the oldest takes (their rows stay) until the audio
        kept is at most HISTORY_LOW_WATER of the cap. Returns how many takes lost their audio.
        Hosted, a visitor's takes never evict another live visitor's: first go the takes of scopes idle
        for PLAYGROUND_SCOPE_IDLE_H (browser sessions that have ended: nobody can open them again),
        then the adding scope's own; each scope's own cap bounds what one visitor keeps."""
        from playground import hosted

        with self._lock:
            total = self.history_bytes()
            if total <= self.history_max_bytes:
                return 0
            goal = int(self.history_max_bytes * HISTORY_LOW_WATER)
            evict: list[tuple[int, str]] = []
            rows: Iterable[Any]
            if scope is not None and hosted.is_hosted():  # ended sessions' scopes first, then the adder's own
                idle_before = time.time() - caps.scope_idle_s()
                rows = [
                    *self._conn.execute(
                        "SELECT id, audio_path, audio_size FROM takes WHERE audio_path IS NOT NULL "
                        "AND scope != ? AND scope IN "
                        "(SELECT scope FROM takes GROUP BY scope HAVING MAX(created_at) < ?) ORDER BY created_at, id",
                        (scope, idle_before),
                    ).fetchall(),
                    *self._conn.execute(
                        "SELECT id, audio_path, audio_size FROM takes INDEXED BY takes_scope WHERE "
                        "scope=? AND audio_path IS NOT NULL ORDER BY created_at, id",
                        (scope,),
                    ).fetchall(),
                ]
            else:
                rows = self._conn.execute(self.EVICT_QUERY)
            for row in rows:
                if total <= goal:
                    break
                evict.append((row[0], row[1]))
                total -= row[2]
            with self._tx():
                self._conn.executemany(
                    "UPDATE takes SET audio_path=NULL, evicted_at=? WHERE id=?", [(time.time(), i) for i, _ in evict]
                )
            self._history_total = total
            self._unlink_unreferenced([p for _, p in evict])
        return len(evict)

    # -- checks ------------------------------------------------------------------------------
    def integrity(self) -> str:
        with self._lock:
            return db.integrity(self._conn)

    def execute(self, sql: str, args: Any = ()) -> list[sqlite3.Row]:
        """A read-only query for tests and tools."""
        with self._lock:
            return self._conn.execute(sql, args).fetchall()


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        self.conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
