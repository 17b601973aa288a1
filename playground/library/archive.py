"""Export the library of the scopes you hold as one zip (library.json + audio), and import it.

The archive never holds a key or a scope hash: entries are listed by provider, and an import
puts them into the scopes of the keys the importer holds now (scope salts differ per folder).
Every file carries its sha256, checked on import, so audio comes back byte for byte.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterable

from playground.errors import InputError
from playground.library import archive_check
from playground.library.store import Store, sha256

FORMAT = "voice-clone-playground-library"
VERSION = 1
VOICE_FIELDS = [
    "provider",
    "model",
    "voice_id",
    "name",
    "transcript",
    "sample_format",
    "created_at",
    "last_used_at",
    "sandbox",
    "extra",
    "note",
    "expires_at",
]
TAKE_FIELDS = [
    "provider",
    "model",
    "voice",
    "text",
    "handler",
    "params",
    "format",
    "sample_rate",
    "timing",
    "created_at",
    "sandbox",
    "evicted_at",
]


def export_bytes(store: Store, scopes: Iterable[str]) -> bytes:
    scopes = list(scopes)
    buf = io.BytesIO()
    files: dict[str, str] = {}

    def add(zf: zipfile.ZipFile, rel: str | None) -> str | None:
        data = store.read_file(rel)
        if data is None or rel is None:
            return None
        if rel not in files:
            files[rel] = sha256(data)
            zf.writestr(rel, data)
        return rel

    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        voices = []
        for row in store.voices(scopes):
            item = {k: row[k] for k in VOICE_FIELDS}
            item["created_at"] = row.get("origin_at") or row["created_at"]
            item["sample"] = add(zf, row["sample_path"])
            item["preview"] = add(zf, row["preview_path"])
            voices.append(item)
        takes = []
        for row in store.takes(scopes, limit=1_000_000):
            item = {k: row[k] for k in TAKE_FIELDS}
            item["created_at"] = row.get("origin_at") or row["created_at"]
            item["audio"] = add(zf, row["audio_path"])
            takes.append(item)
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": time.time(),
            "voices": voices,
            "takes": takes,
            "files": files,
        }
        zf.writestr("library.json", json.dumps(doc, ensure_ascii=False, indent=1))
    return buf.getvalue()


def import_bytes(store: Store, data, scope_for: dict[str, str]) -> tuple[int, int]:
    """Add an archive's voices and takes, each into scope_for[provider]. Returns (voices, takes) added;
    takes already present (same scope, original time and audio) are skipped. `data`: the zip's bytes or
    path. The archive is data only (archive_check): checked against caps and a schema first; dates in
    it are kept for display, the library's own times are the server's; a take keeps only the value
    settings a re-run uses (never a URL, a path or a key)."""
    source = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    zf = archive_check.checked_zip(source)
    lim = archive_check.limits()
    budget = archive_check.Budget()
    with zf:
        raw = archive_check.read_member(zf, "library.json", lim["max_json_bytes"], budget)
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise InputError(
                "This is not a voice library export (library.json is not JSON).", hint=archive_check.HINT
            ) from exc
        del raw
        doc = archive_check.clean_doc(doc, FORMAT, VERSION)
        files = doc["files"]
        seen: dict[str, int] = {}

        def read(rel: str | None) -> bytes | None:
            if not rel:
                return None
            budget.left += seen.get(rel, 0)  # the same file for a second entry: counted once
            piece = archive_check.read_member(zf, rel, lim["max_member_bytes"], budget)
            seen[rel] = len(piece)
            if sha256(piece) != files.get(rel):
                raise InputError(f"{rel} in the archive is damaged (its hash does not match).", hint=archive_check.HINT)
            return piece

        voices = [v for v in doc["voices"] if v["provider"] in scope_for]
        for scope in set(scope_for.values()):
            store.check_voice_room(scope, [v["voice_id"] for v in voices if scope_for[v["provider"]] == scope])
        n_voices = n_takes = 0
        for v in reversed(voices):  # oldest first, so the list shows them in the same order
            store.add_voice(
                scope_for[v["provider"]],
                v["provider"],
                v["voice_id"],
                model=v["model"],
                name=v["name"],
                transcript=v["transcript"],
                sample=read(v["sample"]),
                sample_format=v["sample_format"],
                preview=read(v["preview"]),
                preview_format=(v["preview"] or "").rsplit(".", 1)[-1] or None,
                sandbox=v["sandbox"],
                expires_at=v["expires_at"],
                extra=v["extra"],
                note=v["note"],
                last_used_at=v["last_used_at"],
                origin_at=v["created_at"],
            )
            n_voices += 1
        for t in reversed(doc["takes"]):  # oldest first, as they were made
            take_scope = scope_for.get(t["provider"])
            if take_scope is None or not t["audio"]:
                continue
            audio = read(t["audio"])
            assert audio is not None  # t["audio"] is set: read() returned its bytes or raised
            if store.execute(
                "SELECT 1 FROM takes WHERE scope=? AND origin_at IS ? AND audio_hash=?",
                (take_scope, t["created_at"], sha256(audio)),
            ):
                continue
            store.add_take(
                take_scope,
                t["provider"],
                audio=audio,
                fmt=t["format"],
                model=t["model"],
                voice=t["voice"],
                text=t["text"],
                handler=t["handler"],
                params=t["params"],
                sample_rate=t["sample_rate"],
                timing=t["timing"],
                sandbox=t["sandbox"],
                origin_at=t["created_at"],
            )
            n_takes += 1
    return n_voices, n_takes
