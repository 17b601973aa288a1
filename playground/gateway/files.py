"""Audio files made for MCP tool calls, served at /v1/files/<token>/<name> for an hour.

They live in the per-process downloads folder (playground/downloads.py prunes it hourly and
removes it at exit), each in a folder named by an unguessable token.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from playground import downloads

KIND = "mcp"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
NAME = re.compile(r"^[A-Za-z0-9._-]{1,120}$")


def save(data: bytes, name: str) -> tuple[str, str]:
    """Write one file; returns (token, name) for its URL path /v1/files/<token>/<name>."""
    token = secrets.token_urlsafe(18)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:120] or "audio.bin"
    path = Path(downloads.write(f"{KIND}{token}", safe, data))
    return path.parent.name, safe


def url_path(token: str, name: str) -> str:
    return f"/v1/files/{token}/{name}"


def path_of(token: str, name: str) -> Path | None:
    """The file behind a URL, or None (bad token, expired, or outside the folder)."""
    if not (TOKEN.match(token.replace(KIND, "", 1)) and token.startswith(KIND) and NAME.match(name)):
        return None
    base = downloads.root()
    path = (base / token / name).resolve()
    if path.parent.parent != base.resolve() or not path.is_file():
        return None
    return path
