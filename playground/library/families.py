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


def list_families(store: Store, owner: str) -> list[dict[str, Any]]:
    """This owner's families, newest first, with how many voices, votes and Arena takes each has."""
    with store._lock:
        rows = store._conn.execute(
            "SELECT f.id, f.transcript, f.created_at, "
            "(SELECT COUNT(*) FROM arena_members m WHERE m.family_id=f.id) AS voices, "
            "(SELECT COUNT(*) FROM arena_votes v WHERE v.family_id=f.id) AS votes "
            "FROM arena_families f WHERE f.owner=? ORDER BY f.created_at DESC, f.id DESC",
            (owner,),
        ).fetchall()
    out = [dict(r) for r in rows]
    takes = arena_take_counts(store, owner)
    for r in out:
        r["takes"] = takes.get(int(r["id"]), 0)
    return out


def arena_take_counts(store: Store, owner: str) -> dict[int, int]:
    with store._lock:
        rows = store._conn.execute(
            "SELECT json_extract(params, '$.family') AS fam, COUNT(*) FROM takes WHERE scope=? AND handler=? "
            "GROUP BY fam",
            (owner, ARENA_HANDLER),
        ).fetchall()
    return {int(r[0]): int(r[1]) for r in rows if r[0] is not None}


ARENA_HANDLER = "arena"  # the handler name Arena takes carry in the history


def export_family(store: Store, family_id: int, owner: str) -> bytes | None:
    """One family as a zip: its reference sample, transcript, voices (ids at each provider), votes, ratings
    and its Arena takes' audio. None when this owner has no such family."""
    import io
    import json
    import zipfile

    fam = family(store, family_id, owner)
    if fam is None:
        return None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if fam.get("sample"):
            zf.writestr(f"reference.{fam.get('sample_format') or 'bin'}", fam["sample"])
        info = {
            "family": int(family_id),
            "transcript": fam["transcript"],
            "created_at": fam["created_at"],
            "voices": [
                {k: m[k] for k in ("entrant", "provider", "model", "voice_id", "created_at")}
                for m in members(store, family_id)
            ],
            "votes": [{k: v for k, v in row.items() if k != "family_id"} for row in votes(store, family_id)],
            "ratings": {k: {"rating": r, "votes": n} for k, (r, n) in ratings(store, family_id).items()},
        }
        takes = [t for t in store.takes([owner], limit=5000) if _family_of(t) == int(family_id)]
        info["takes"] = []
        for t in takes:
            data = store.read_file(t["audio_path"])
            name = f"takes/{t['id']}-{t['provider']}.{t['format'] or 'bin'}"
            if data:
                zf.writestr(name, data)
            info["takes"].append({"file": name if data else None, "provider": t["provider"], **json.loads(t["params"])})
        zf.writestr("family.json", json.dumps(info, ensure_ascii=False, indent=2, default=str))
    return buf.getvalue()


def _family_of(take: dict) -> int | None:
    import json

    if take.get("handler") != ARENA_HANDLER:
        return None
    try:
        value = json.loads(take.get("params") or "{}").get("family")
        return int(value) if value is not None else None
    except (ValueError, TypeError):
        return None


def remove_family(store: Store, family_id: int, owner: str) -> int:
    """Forget a family here: its members, votes, ratings, reference sample and Arena takes (the voices stay
    at the providers and in the voice list). Returns how many takes went; -1 when there is no such family."""
    fam = family(store, family_id, owner)
    if fam is None:
        return -1
    takes = [t["id"] for t in store.takes([owner], limit=5000) if _family_of(t) == int(family_id)]
    for take_id in takes:
        store.delete_take(take_id, [owner])
    with store._lock, store._tx() as conn:
        for table in ("arena_members", "arena_votes", "arena_ratings"):
            conn.execute(f"DELETE FROM {table} WHERE family_id=?", (int(family_id),))
        conn.execute("DELETE FROM arena_families WHERE id=? AND owner=?", (int(family_id), owner))
        sample = conn.execute(
            "SELECT sample_path FROM uploads WHERE scope=? AND provider=? AND file_id=?",
            (owner, ARENA_PROVIDER, _sample_file_id(fam["sample_hash"])),
        ).fetchone()
        conn.execute(
            "DELETE FROM uploads WHERE scope=? AND provider=? AND file_id=?",
            (owner, ARENA_PROVIDER, _sample_file_id(fam["sample_hash"])),
        )
    if sample:
        with store._lock:
            store._unlink_unreferenced([sample[0]])
    return len(takes)
