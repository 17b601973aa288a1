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
from typing import Iterable

from playground.errors import InputError
from playground.library.store import Store, sha256

FORMAT = "voice-clone-playground-library"
VERSION = 1
VOICE_FIELDS = ["provider", "model", "voice_id", "name", "transcript", "sample_format", "created_at", "last_used_at",
                "sandbox", "extra", "note", "expires_at"]
TAKE_FIELDS = ["provider", "model", "voice", "text", "handler", "params", "format", "sample_rate", "timing",
               "created_at", "sandbox", "evicted_at"]


def export_bytes(store: Store, scopes: Iterable[str]) -> bytes:
    scopes = list(scopes)
    buf = io.BytesIO()
    files: dict[str, str] = {}

    def add(zf: zipfile.ZipFile, rel: str | None) -> str | None:
        data = store.read_file(rel)
        if data is None:
            return None
        if rel not in files:
            files[rel] = sha256(data)
            zf.writestr(rel, data)
        return rel

    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        voices = []
        for row in store.voices(scopes):
            item = {k: row[k] for k in VOICE_FIELDS}
            item["sample"] = add(zf, row["sample_path"])
            item["preview"] = add(zf, row["preview_path"])
            voices.append(item)
        takes = []
        for row in store.takes(scopes, limit=1_000_000):
            item = {k: row[k] for k in TAKE_FIELDS}
            item["audio"] = add(zf, row["audio_path"])
            takes.append(item)
        doc = {"format": FORMAT, "version": VERSION, "exported_at": time.time(), "voices": voices, "takes": takes,
               "files": files}
        zf.writestr("library.json", json.dumps(doc, ensure_ascii=False, indent=1))
    return buf.getvalue()


def _read(zf: zipfile.ZipFile, files: dict, rel: str | None) -> bytes | None:
    if not rel:
        return None
    try:
        data = zf.read(rel)
    except KeyError as exc:
        raise InputError(f"The archive lacks {rel}.") from exc
    if sha256(data) != files.get(rel):
        raise InputError(f"{rel} in the archive is damaged (its hash does not match).")
    return data


def import_bytes(store: Store, data: bytes, scope_for: dict[str, str]) -> tuple[int, int]:
    """Add an archive's voices and takes, each into scope_for[provider]. Returns (voices, takes) added;
    takes already present (same scope, time and audio) are skipped."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        doc = json.loads(zf.read("library.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError("This is not a voice library export.", hint="Choose a .zip made by Export.") from exc
    if doc.get("format") != FORMAT or int(doc.get("version", 0)) > VERSION:
        raise InputError("This is not a voice library export this version can read.")
    files = doc.get("files") or {}
    n_voices = n_takes = 0
    with zf:
        for v in doc.get("voices", []):
            scope = scope_for.get(v["provider"])
            if scope is None:
                continue
            store.add_voice(scope, v["provider"], v["voice_id"], model=v.get("model"), name=v.get("name") or "",
                            transcript=v.get("transcript") or "", sample=_read(zf, files, v.get("sample")),
                            sample_format=v.get("sample_format"), preview=_read(zf, files, v.get("preview")),
                            preview_format=(v.get("preview") or "").rsplit(".", 1)[-1] or None,
                            sandbox=bool(v.get("sandbox")), expires_at=v.get("expires_at"),
                            extra=json.loads(v.get("extra") or "{}"), created_at=v.get("created_at"),
                            last_used_at=v.get("last_used_at"), note=v.get("note") or "")
            n_voices += 1
        for t in reversed(doc.get("takes", [])):  # oldest first, as they were made
            scope = scope_for.get(t["provider"])
            audio = _read(zf, files, t.get("audio"))
            if scope is None or audio is None:
                continue
            if store.execute("SELECT 1 FROM takes WHERE scope=? AND created_at=? AND audio_hash=?",
                             (scope, t["created_at"], sha256(audio))):
                continue
            store.add_take(scope, t["provider"], audio=audio, fmt=t.get("format") or "bin", model=t.get("model"),
                           voice=t.get("voice") or "", text=t.get("text") or "", handler=t.get("handler") or "",
                           params=json.loads(t.get("params") or "{}"), sample_rate=t.get("sample_rate"),
                           timing=json.loads(t.get("timing") or "{}"), sandbox=bool(t.get("sandbox")),
                           created_at=t.get("created_at"))
            n_takes += 1
    return n_voices, n_takes
