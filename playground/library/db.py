"""The library's SQLite database: WAL mode, a versioned schema, migrations from version 1 on.

`PRAGMA user_version` holds the schema version. `MIGRATIONS[n]` takes a database from
version n to n + 1, in one transaction, so a crash mid-migration leaves the old version.
A fresh database runs every migration from version 0: the path every old one takes too.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from playground.library.arena_schema import ARENA_SCHEMA

# version 0 -> 1: the first schema (voices and takes)
_V1 = """
CREATE TABLE voices (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT,
    voice_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    transcript TEXT NOT NULL DEFAULT '',
    sample_path TEXT,
    sample_hash TEXT,
    preview_path TEXT,
    created_at REAL NOT NULL,
    last_used_at REAL,
    sandbox INTEGER NOT NULL DEFAULT 0,
    extra TEXT NOT NULL DEFAULT '{}',
    UNIQUE (scope, provider, voice_id)
);
CREATE TABLE takes (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT,
    voice TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    handler TEXT NOT NULL DEFAULT '',
    params TEXT NOT NULL DEFAULT '{}',
    format TEXT NOT NULL DEFAULT '',
    sample_rate INTEGER,
    audio_path TEXT,
    audio_size INTEGER NOT NULL DEFAULT 0,
    timing TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    sandbox INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX takes_scope ON takes (scope, created_at);
"""

# version 1 -> 2: notes, MiniMax expiry, audio hashes, eviction marks, uploaded samples (clone sources)
_V2 = """
ALTER TABLE voices ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE voices ADD COLUMN expires_at REAL;
ALTER TABLE voices ADD COLUMN sample_format TEXT;
ALTER TABLE voices ADD COLUMN preview_hash TEXT;
ALTER TABLE takes ADD COLUMN audio_hash TEXT;
ALTER TABLE takes ADD COLUMN evicted_at REAL;
CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    provider TEXT NOT NULL,
    file_id TEXT NOT NULL,
    sample_path TEXT NOT NULL,
    sample_hash TEXT NOT NULL,
    sample_format TEXT,
    created_at REAL NOT NULL,
    UNIQUE (scope, provider, file_id)
);
"""

# version 2 -> 3: indexes for what runs on every take once the history is over its cap (the oldest
# takes with audio) and for "does any row still name this file" before one is deleted; without
# them both scanned every row, under the store's lock, on every speak
_V3 = """
CREATE INDEX takes_with_audio_by_age ON takes (created_at, id) WHERE audio_path IS NOT NULL;
CREATE INDEX takes_audio_path ON takes (audio_path);
CREATE INDEX voices_sample_path ON voices (sample_path);
CREATE INDEX voices_preview_path ON voices (preview_path);
CREATE INDEX uploads_sample_path ON uploads (sample_path);
"""

# version 3 -> 4: the date an imported entry carries, for display only (created_at is always the
# server's own clock, so an archive cannot place its takes first or last in eviction order)
_V4 = """
ALTER TABLE takes ADD COLUMN origin_at REAL;
ALTER TABLE voices ADD COLUMN origin_at REAL;
CREATE INDEX uploads_scope ON uploads (scope, created_at);
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4]
MIGRATIONS.append(ARENA_SCHEMA)  # version 4 -> 5: the Arena's families, votes, ratings (library/arena_schema.py)
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (and migrate) the database. One connection, shared under the store's lock."""
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a committed voice id survives a crash of the machine too
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn)
    return conn


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Run the missing migrations, each in its own transaction. Returns the new version."""
    current = version(conn)
    if current > SCHEMA_VERSION:
        raise RuntimeError(f"library database has schema {current}, newer than this app ({SCHEMA_VERSION})")
    while current < target:
        statements = [s.strip() for s in MIGRATIONS[current].split(";") if s.strip()]
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current += 1
    return current


def integrity(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
