"""Voice families for the Arena (schema version 5): one reference sample and its clone at each
provider, plus the blind votes between them and a rating per entrant.

A family is found again by the hash of the sample's bytes and its owner (the scope of the
Arena's caller), so running the Arena twice with the same sample reuses the clones. The
reference sample itself is kept as an `uploads` row (provider "arena"), so the store's file
bookkeeping (crash-safe writes, orphan cleanup) covers it without a new file column.
Every created voice is also a normal `voices` row (hooks.record_voice), visible in the library.
"""

from __future__ import annotations

import time
from typing import Any

from playground.library.arena_schema import ARENA_SCHEMA
from playground.library.store import Store, sha256

ARENA_PROVIDER = "arena"

SCHEMA = ARENA_SCHEMA


def _sample_file_id(sample_hash: str) -> str:
    return f"family-{sample_hash}"


def family_for(store: Store, owner: str, data: bytes, fmt: str | None, transcript: str) -> tuple[int, bool]:
    """(family id, created now?) for this sample under this owner; the sample is kept once."""
    digest = sha256(data)
    with store._lock:
        row = store._conn.execute(
            "SELECT id FROM arena_families WHERE owner=? AND sample_hash=?", (owner, digest)
        ).fetchone()
        if row:
            if transcript:
                store._conn.execute("UPDATE arena_families SET transcript=? WHERE id=?", (transcript, row[0]))
            return int(row[0]), False
    store.add_upload(owner, ARENA_PROVIDER, _sample_file_id(digest), data, fmt)
    with store._lock, store._tx() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO arena_families (owner, sample_hash, transcript, created_at) VALUES (?,?,?,?)",
            (owner, digest, transcript or "", time.time()),
        )
        row = conn.execute("SELECT id FROM arena_families WHERE owner=? AND sample_hash=?", (owner, digest)).fetchone()
    return int(row[0]), True


def family(store: Store, family_id: int, owner: str) -> dict | None:
    """The family with its reference sample bytes, or None (another owner's is never seen)."""
    with store._lock:
        row = store._conn.execute(
            "SELECT * FROM arena_families WHERE id=? AND owner=?", (int(family_id), owner)
        ).fetchone()
    if not row:
        return None
    out = dict(row)
    upload = store.upload(owner, ARENA_PROVIDER, _sample_file_id(out["sample_hash"]))
    out["sample"] = store.read_file(upload["sample_path"]) if upload else None
    out["sample_format"] = upload["sample_format"] if upload else None
    return out


def member(store: Store, family_id: int, entrant: str, scope: str) -> dict | None:
    with store._lock:
        row = store._conn.execute(
            "SELECT * FROM arena_members WHERE family_id=? AND entrant=? AND scope=?", (family_id, entrant, scope)
        ).fetchone()
    return dict(row) if row else None


def add_member(
    store: Store, family_id: int, entrant: str, scope: str, provider: str, model: str | None, voice_id: str
) -> None:
    with store._lock, store._tx() as conn:
        conn.execute(
            "INSERT INTO arena_members (family_id, entrant, scope, provider, model, voice_id, created_at) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT (family_id, entrant, scope) DO UPDATE SET "
            "voice_id=excluded.voice_id, model=excluded.model, created_at=excluded.created_at",
            (family_id, entrant, scope, provider, model, voice_id, time.time()),
        )


def drop_member(store: Store, family_id: int, entrant: str, scope: str) -> None:
    """Forget a member whose voice the provider no longer has (it is cloned again next time)."""
    with store._lock, store._tx() as conn:
        conn.execute(
            "DELETE FROM arena_members WHERE family_id=? AND entrant=? AND scope=?", (family_id, entrant, scope)
        )


def members(store: Store, family_id: int) -> list[dict]:
    with store._lock:
        rows = store._conn.execute("SELECT * FROM arena_members WHERE family_id=? ORDER BY id", (family_id,))
        return [dict(r) for r in rows.fetchall()]


def add_vote(
    store: Store,
    family_id: int,
    script: str,
    a: str,
    b: str,
    winner: str,
    a_similarity: float | None,
    b_similarity: float | None,
    ratings: dict[str, tuple[float, int]],
) -> None:
    """One vote and the ratings it produced, in one transaction."""
    with store._lock, store._tx() as conn:
        conn.execute(
            "INSERT INTO arena_votes (family_id, script, a, b, winner, a_similarity, b_similarity, "
            "created_at) VALUES (?,?,?,?,?,?,?,?)",
            (family_id, script, a, b, winner, a_similarity, b_similarity, time.time()),
        )
        for entrant, (rating, count) in ratings.items():
            conn.execute(
                "INSERT INTO arena_ratings (family_id, entrant, rating, votes) VALUES (?,?,?,?) "
                "ON CONFLICT (family_id, entrant) DO UPDATE SET rating=excluded.rating, votes=excluded.votes",
                (family_id, entrant, rating, count),
            )


def votes(store: Store, family_id: int) -> list[dict[str, Any]]:
    with store._lock:
        rows = store._conn.execute("SELECT * FROM arena_votes WHERE family_id=? ORDER BY id", (family_id,))
        return [dict(r) for r in rows.fetchall()]


def ratings(store: Store, family_id: int) -> dict[str, tuple[float, int]]:
    with store._lock:
        rows = store._conn.execute(
            "SELECT entrant, rating, votes FROM arena_ratings WHERE family_id=?", (family_id,)
        ).fetchall()
    return {r[0]: (float(r[1]), int(r[2])) for r in rows}
