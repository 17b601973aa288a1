"""What a caller can use: providers available with the current configuration, and voices per model
(the caller's library voices, then the provider's system voices). Shared by /v1/models,
/v1/audio/voices and the MCP list_voices tool."""

from __future__ import annotations

from collections.abc import Mapping

from playground import config, hosted, providers
from playground.errors import PlaygroundError
from playground.gateway import catalog, service
from playground.gateway.callers import has_key, provider_key


def available(headers: Mapping[str, str]) -> list[str]:
    """Locally: providers with a key (server's or sent) or the sandbox. Hosted: those the caller sent a key for."""
    found = []
    for pid in catalog.provider_ids():
        if hosted.is_hosted():
            if has_key(headers, pid):
                found.append(pid)
        elif config.env_key(pid) or config.sandbox_url(pid) or has_key(headers, pid):
            found.append(pid)
    return found


def models(headers: Mapping[str, str]) -> list[dict]:
    usable = available(headers)
    return [
        {"id": mid, "object": "model", "created": 0, "owned_by": pid}
        for mid, pid, _ in catalog.model_ids()
        if pid in usable
    ]


def voices_of(pid: str, model: str, headers: Mapping[str, str]) -> list[dict]:
    """Library voices (this caller's scope only) then system voices of one model. Blocking (SQLite)."""
    out = []
    try:
        target = providers.get(pid).target(provider_key(headers, pid))
    except PlaygroundError:
        target = None
    if target is not None:
        for row in service.library_rows(pid, target):
            if pid == "siliconflow" and row["model"] and row["model"] != model:
                continue
            out.append(
                {
                    "id": row["voice_id"],
                    "name": row["name"],
                    "object": "audio.voice",
                    "kind": "library",
                    "provider": pid,
                    "model": f"{pid}/{model}",
                    "created_at": int(row["created_at"]),
                }
            )
    for vid, label in catalog.system_voices(pid, model):
        out.append(
            {
                "id": vid,
                "name": label,
                "object": "audio.voice",
                "kind": "system",
                "provider": pid,
                "model": f"{pid}/{model}",
            }
        )
    return out


def voices(headers: Mapping[str, str], model: str | None = None) -> list[dict]:
    """Every voice of one model (`provider/model`) or of every available model. Blocking."""
    usable = available(headers)
    if model:
        pid, name = catalog.split_model(model)
        if pid not in usable:
            provider_key(headers, pid)  # hosted without a key: raises, naming the header
        pairs = [(pid, name)]
    else:
        pairs = [(pid, name) for _, pid, name in catalog.model_ids()]
    data = []
    for pid, name in pairs:
        if pid in usable:
            data += voices_of(pid, name, headers)
    return data
