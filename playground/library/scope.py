"""Who an entry belongs to: a salted hash of provider + base URL + key (+ hosted: the browser
session), never the key itself.

The salt is a random file in the data folder, made once. Sandbox targets share one scope per
provider whatever port the simulator runs on, so sandbox entries survive a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from playground.config import SANDBOX_KEY, Target

SALT_FILE = "scope.salt"
SANDBOX_BASE = "sandbox"


def load_salt(data_dir: Path) -> bytes:
    """The data folder's salt, created on first use (atomically: two processes agree on one)."""
    path = Path(data_dir) / SALT_FILE
    try:
        data = path.read_bytes()
        if len(data) >= 16:
            return data
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{SALT_FILE}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_bytes(32))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process made it first: theirs wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


def scope_id(salt: bytes, provider: str, base_url: str, key: str) -> str:
    message = "\x00".join([provider, base_url.rstrip("/"), key]).encode("utf-8")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:32]


def scope_of(salt: bytes, target: Target, session: str | None = None) -> str:
    """`session`: hosted mode's browser session. Then every session is its own scope, for a typed key,
    the demo's fallback key and the sandbox alike (keyless visitors share the fallback key)."""
    key = target.key.reveal()
    if target.sandbox:  # hosted demos give each browser session its own sandbox key (config.sandbox_key)
        key = "" if key == SANDBOX_KEY else key
    if session is not None:
        key = f"{key}\x00session:{session}"
    return scope_id(salt, target.provider_id, SANDBOX_BASE if target.sandbox else target.base_url, key)
