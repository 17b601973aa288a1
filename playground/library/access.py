"""What the library shows a caller: the scopes their keys give, rows, expiry, sync with providers.

No Gradio here: the UI (playground/ui/library_tab.py) turns these into components.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from playground import messages, providers
from playground.errors import PlaygroundError
from playground.library.store import Store
from playground.providers.openai_compat import OpenAICompat

PROVIDER_IDS = ("siliconflow", "minimax", "zhipu", "openai_compat")
WARN_BEFORE_S = 2 * 86400
VOICE_HEADERS = ["entry", "provider", "name", "voice id", "model", "created", "last used", "status", "note", "sync"]
TAKE_HEADERS = ["entry", "time", "provider", "voice", "model", "format", "audio", "text"]


@dataclass
class Keys:
    """The keys one caller typed (empty: the configured key or the sandbox)."""

    siliconflow: str = ""
    minimax: str = ""
    zhipu: str = ""
    openai_compat: str = ""
    openai_base_url: str = ""

    def of(self, pid: str) -> str:
        return getattr(self, pid) or ""

    def target(self, pid: str):
        adapter = providers.get(pid)
        if pid == "openai_compat":
            assert isinstance(adapter, OpenAICompat)  # its target also takes the gateway's base URL
            return adapter.target(self.openai_compat or None, self.openai_base_url or None)
        return adapter.target(self.of(pid) or None)


def scopes_for(store: Store, keys: Keys) -> dict[str, str]:
    """provider id -> the scope these keys give (a provider with no usable key is left out)."""
    found = {}
    for pid in PROVIDER_IDS:
        try:
            found[pid] = store.scope(keys.target(pid))
        except PlaygroundError:
            continue
    return found


def when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def status(row: dict, now: float | None = None) -> str:
    """'kept', or for a MiniMax clone never used: how long until MiniMax deletes it."""
    expires = row.get("expires_at")
    if not expires:
        return "kept" + (" (sandbox)" if row.get("sandbox") else "")
    left = expires - (now or time.time())
    if left <= 0:
        return "⚠️ unused 7 days: MiniMax has probably deleted it"
    if left <= WARN_BEFORE_S:
        return f"⚠️ expires in {left / 3600:.0f} h unless used in speech"
    return f"expires {when(expires)} unless used in speech"


def voice_rows(rows: list[dict], sync: dict[int, str] | None = None) -> list[list]:
    sync = sync or {}
    return [
        [
            str(r["id"]),
            r["provider"],
            r["name"],
            r["voice_id"],
            r["model"] or "",
            when(r.get("origin_at") or r["created_at"]),
            when(r["last_used_at"]),
            messages.translate(status(r)),  # words a person reads: in the page's language
            r["note"] or "",
            sync.get(r["id"], ""),
        ]
        for r in rows
    ]


def take_rows(rows: list[dict]) -> list[list]:
    out = []
    for r in rows:
        audio = f"{r['audio_size'] / 1024:.0f} KiB" if r["audio_path"] else messages.translate("evicted (cap)")
        out.append(
            [
                str(r["id"]),
                when(r.get("origin_at") or r["created_at"]),
                r["provider"],
                r["voice"],
                r["model"] or "",
                r["format"],
                audio,
                (r["text"] or "")[:120],
            ]
        )
    return out


def describe_voice(row: dict) -> str:
    extra = json.loads(row.get("extra") or "{}")
    parts = [f"**{row['name']}** · {row['provider']} · id `{row['voice_id']}`"]
    if row.get("model"):
        parts.append(f"model `{row['model']}`")
    parts.append(status(row))
    if row.get("sample_hash"):
        parts.append(f"sample sha256 `{row['sample_hash'][:16]}…`")
    else:
        parts.append("no sample kept (it was uploaded outside this app)")
    if row.get("transcript"):
        parts.append(f"transcript: “{row['transcript']}”")
    if extra.get("source_file_id"):
        parts.append(f"source file `{extra['source_file_id']}`")
    return " · ".join(parts)


async def remote_voices(keys: Keys, pid: str) -> list:
    """The provider's own list of cloned voices (not its system voices)."""
    adapter = providers.get(pid)
    kwargs = {"voice_type": "voice_cloning"} if pid == "minimax" else {}
    voices = await adapter.list_voices(api_key=keys.of(pid) or None, **kwargs)
    return [v for v in voices if v.kind != "system" and (v.extra.get("voice_type") or "PRIVATE") != "OFFICIAL"]


async def sync(store: Store, keys: Keys) -> tuple[list[list], list[str]]:
    """Merge each listing provider's voices with the library: rows marked 'both', 'local only'
    or 'remote only' (remote-only rows have no entry number), plus notes on what could not be listed."""
    scopes = scopes_for(store, keys)
    local = store.voices(scopes.values())
    marks: dict[int, str] = {}
    remote_only: list[list] = []
    notes: list[str] = []
    for pid, scope in scopes.items():
        if not providers.get(pid).SUPPORTS_LIST:
            continue
        try:
            remote = await remote_voices(keys, pid)
        except PlaygroundError as exc:
            notes.append(f"{providers.get(pid).label}: could not list voices ({exc.user_message()})")
            continue
        ids = {v.id for v in remote}
        mine = [r for r in local if r["scope"] == scope and r["provider"] == pid]
        for r in mine:
            marks[r["id"]] = "both" if r["voice_id"] in ids else "local only"
        known = {r["voice_id"] for r in mine}
        for v in remote:
            if v.id not in known:
                remote_only.append(["", pid, v.name, v.id, v.model or "", "", "", "", "", "remote only"])
    return voice_rows(local, marks) + remote_only, notes


def library_voice_ids(pid: str, api_key: str = "") -> set[str]:
    """The voice ids of `pid` the library holds for this key (the scope the key gives); empty when the
    library cannot be read or the key gives no scope."""
    from playground.library import default_store

    try:
        store = default_store()
        scope = store.scope(Keys(**{pid: api_key or ""}).target(pid))
        return {str(r["voice_id"]) for r in store.voices([scope]) if r.get("provider") == pid}
    except Exception:  # no library, or no usable key: the check falls back to the rules alone
        return set()
